"""Helpers for the hardening end-to-end tests (browser-safe report, resume, identifiers).

Each run gets its own working directory holding config/config.yaml with absolute paths, so
runs never share Snakemake's metadata or outputs. The config is small (two demo cohorts of
one cancer type, overall survival only, no bootstrap, PNG figures only) so that a full run
takes well under a minute on two cores.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

# Two cohorts of one cancer type: every rule runs, pooling across cohorts included.
SMALL_COHORTS = ("demo_nsclc_a", "demo_nsclc_b")
KEY = "hardening-e2e-key"
# Outputs that record the run rather than its results: wall times, and logs with durations.
VOLATILE_PARTS = ("logs", "benchmarks")


def small_config(repo: Path, cohort_paths: list[Path] | None = None) -> dict:
    """The repository's config, pointed at absolute paths, with the small settings."""
    config = yaml.safe_load((repo / "config" / "config.yaml").read_text())
    if cohort_paths is None:
        cohort_paths = [repo / "config" / "cohorts" / f"{c}.yaml" for c in SMALL_COHORTS]
    config["cohorts"] = [str(p) for p in cohort_paths]
    config["data_dirs"] = {"demo": str(repo / "resources" / "demo")}
    config["vocabulary_dir"] = str(repo / "resources" / "vocab")
    config["results"] = "results"
    config["analysis"] = {"bootstrap_replicates": 0}
    config["figures"] = {"formats": ["png"]}
    # One endpoint halves the fitting and plotting time; every rule and figure kind still runs.
    config["endpoints"] = [e for e in config["endpoints"] if e["id"] == "os"]
    return config


def write_workdir(workdir: Path, config: dict) -> Path:
    (workdir / "config").mkdir(parents=True, exist_ok=True)
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return workdir


def snakemake_env(key: str = KEY) -> dict[str, str]:
    bindir = Path(sys.executable).parent
    return {
        **os.environ,
        "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
        "MARKERSURV_PSEUDONYM_KEY": key,
    }


def snakemake_command(
    repo: Path, workdir: Path, *args: str, cores: int = 2, quiet: bool = True
) -> list[str]:
    # `--quiet all` would also hide errors such as a stale lock; these keep them.
    hush = ["--quiet", "progress", "rules", "host"] if quiet else []
    return [
        str(Path(sys.executable).with_name("snakemake")),
        *hush,
        "-s",
        str(repo / "Snakefile"),
        "--directory",
        str(workdir),
        "--cores",
        str(cores),
        *args,
    ]


def run_snakemake(
    repo: Path, workdir: Path, *args: str, timeout: float = 300, key: str = KEY
) -> subprocess.CompletedProcess:
    return subprocess.run(
        snakemake_command(repo, workdir, *args),
        capture_output=True,
        text=True,
        env=snakemake_env(key),
        check=False,
        timeout=timeout,
    )


# Snakemake's own marker in folder outputs, touched after the job has ended. A kill between
# the end of a job and that touch leaves a complete folder without it, and Snakemake does not
# rerun a job it adds to the DAG after a checkpoint (plot_cancer_type) even when its output
# is marked incomplete, so a resumed run may lack the marker while its figures are complete.
SNAKEMAKE_MARKERS = (".snakemake_timestamp",)


def result_files(results: Path) -> list[Path]:
    """Every file of a run's results except logs, benchmarks and Snakemake's markers."""
    return [
        p
        for p in sorted(results.rglob("*"))
        if p.is_file()
        and p.name not in SNAKEMAKE_MARKERS
        and not set(p.relative_to(results).parts) & set(VOLATILE_PARTS)
    ]


def digest(results: Path) -> dict[str, str]:
    return {
        str(p.relative_to(results)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in result_files(results)
    }


def partial_files(results: Path) -> list[str]:
    """Temporary files of interrupted atomic writes (``.<name>.<random>.tmp``)."""
    return sorted(
        str(p.relative_to(results))
        for p in results.rglob("*")
        if p.name.startswith(".") and p.name.endswith(".tmp")
    )


# Stages of the pipeline, by the rules that make them.
STAGES = {
    "validate_cohort": "harmonization",
    "harmonize_cohort": "harmonization",
    "merge_harmonized": "harmonization",
    "fit_cancer_type": "fitting",
    "pool_results": "fitting",
    "plot_cancer_type": "plotting",
    "plot_summary": "plotting",
    "write_narrative": "report/narrative",
}
JOB_START = re.compile(
    r"^(?:local)?(?:rule|checkpoint) (\w+):\n(?:    .*\n)*?    jobid: (\d+)$", re.M
)
JOB_END = re.compile(r"^Finished jobid: (\d+) ", re.M)


def running_rules(log: str) -> list[str]:
    """Rules of the jobs a Snakemake log shows as started and not finished."""
    started = {jobid: rule for rule, jobid in JOB_START.findall(log)}
    for jobid in JOB_END.findall(log):
        started.pop(jobid, None)
    return sorted(started.values())


def stage_of(rules: list[str], finished: bool) -> str:
    if finished:
        return "finished before the kill"
    stages = sorted({STAGES.get(rule, rule) for rule in rules})
    return " + ".join(stages) if stages else "between jobs"


@dataclass
class Interrupted:
    """What an interrupted run was doing when it was killed."""

    seconds: float
    rules: list[str]
    finished: bool

    @property
    def stage(self) -> str:
        return stage_of(self.rules, self.finished)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def processes_of(workdir: Path) -> list[int]:
    """Live processes whose command line names the working directory (Linux /proc)."""
    found = []
    names = (f"{workdir}/".encode(), f"{workdir}\0".encode())
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            command = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if any(n in command for n in names) and state != "Z" and int(entry.name) != os.getpid():
            found.append(int(entry.name))
    return found


def run_and_kill(
    repo: Path,
    workdir: Path,
    kill_when: Callable[[Path, float], bool],
    timeout: float = 300,
) -> Interrupted:
    """Start ``snakemake --cores 2`` as its own process group and SIGKILL the whole group as
    soon as ``kill_when(workdir, elapsed_seconds)`` is true (polled every 20 ms)."""
    command = snakemake_command(repo, workdir, quiet=False)
    log_path = workdir / "interrupted.log"
    start = time.monotonic()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=snakemake_env(),
            start_new_session=True,
        )
        finished = False
        while True:
            elapsed = time.monotonic() - start
            if proc.poll() is not None:
                finished = True
                break
            if kill_when(workdir, elapsed) or elapsed > timeout:
                os.killpg(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.02)
        proc.wait()
    # Job processes are in the group too; they die with it, but not always in the same instant.
    deadline = time.monotonic() + 10
    while (group_alive(proc.pid) or processes_of(workdir)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not group_alive(proc.pid), "processes of the killed run are still alive"
    assert not processes_of(workdir), f"processes outside the killed group: {processes_of(workdir)}"
    return Interrupted(elapsed, running_rules(log_path.read_text(errors="replace")), finished)


LOCKED = "Directory cannot be locked"


@dataclass
class Resumed:
    proc: subprocess.CompletedProcess
    unlocked: bool

    @property
    def output(self) -> str:
        return self.proc.stdout + self.proc.stderr


def resume(repo: Path, workdir: Path, timeout: float = 300) -> Resumed:
    """``snakemake --rerun-incomplete`` after a kill, as its messages tell a user to do it.

    Snakemake's lock files carry no process id, so a lock left by a SIGKILLed run looks
    held; Snakemake then stops and says to remove it with ``--unlock``. That is done here
    (and reported) only when Snakemake asks for it.
    """
    proc = run_snakemake(repo, workdir, "--rerun-incomplete", timeout=timeout)
    if proc.returncode == 0 or LOCKED not in proc.stdout + proc.stderr:
        return Resumed(proc, False)
    unlock = run_snakemake(repo, workdir, "--unlock", timeout=timeout)
    if unlock.returncode != 0:
        return Resumed(unlock, True)
    return Resumed(run_snakemake(repo, workdir, "--rerun-incomplete", timeout=timeout), True)
