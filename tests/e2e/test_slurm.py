"""End to end on a real one-node SLURM cluster: the slurm profile against a local run.

The demo pipeline runs through `snakemake --profile workflow/profiles/slurm` on a cluster
brought up for this module (tests/e2e/slurm_cluster.py), then locally with the default
profile in another working directory. The jobs must show up in SLURM's own records, the
results must be byte-identical, and the daemons must be gone afterwards.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from tests.e2e.slurm_cluster import SlurmCluster, missing_binaries, pid_alive

pytestmark = [pytest.mark.e2e, pytest.mark.slurm]

# Two cohorts of one cancer type: every rule runs, pooling included, in few steps.
COHORTS = ("demo_nsclc_a", "demo_nsclc_b")
# Whole module, cluster start to stop included; every subprocess gets what is left of it.
BUDGET_S = 480.0
KEY = "slurm-e2e-key"
PIPELINE_RULES = {
    "validate_cohort",
    "harmonize_cohort",
    "merge_harmonized",
    "fit_cancer_type",
    "pool_results",
    "write_narrative",
}
SUBMITTED = re.compile(r"has been submitted with SLURM jobid (\d+) \(log: (\S+)\)")
RULE_HEADER = re.compile(r"^(local)?(?:rule|checkpoint) (\w+):", re.MULTILINE)


@dataclass
class Runs:
    slurm_dir: Path
    local_dir: Path
    slurm_seconds: float
    local_seconds: float
    slurm_log: str
    local_log: str
    submitted: dict[str, Path]
    shown: dict[str, dict[str, str]]
    completed: dict[str, dict[str, str]]
    daemon_pids: dict[str, int]
    cluster_root: Path
    alive_after: dict[str, bool] = field(default_factory=dict)


def make_workdir(repo: Path, workdir: Path) -> Path:
    config = yaml.safe_load((repo / "config" / "config.yaml").read_text())
    config["cohorts"] = [str(repo / "config" / "cohorts" / f"{c}.yaml") for c in COHORTS]
    config["data_dirs"] = {"demo": str(repo / "resources" / "demo")}
    config["vocabulary_dir"] = str(repo / "resources" / "vocab")
    config["results"] = "results"
    config["analysis"] = {"bootstrap_replicates": 20}
    (workdir / "config").mkdir(parents=True)
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    return workdir


def snakemake(repo, workdir, env, deadline, *args) -> tuple[subprocess.CompletedProcess, float]:
    exe = Path(sys.executable).with_name("snakemake")
    start = time.monotonic()
    try:
        proc = subprocess.run(
            [str(exe), "-s", str(repo / "Snakefile"), *args, "all"],
            cwd=workdir,
            capture_output=True,
            text=True,
            env=env,
            timeout=max(deadline - time.monotonic(), 1.0),
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr or b""
        tail = (stderr.decode(errors="replace") if isinstance(stderr, bytes) else stderr)[-3000:]
        pytest.fail(f"snakemake did not finish within the {BUDGET_S:.0f} s budget:\n{tail}")
    return proc, time.monotonic() - start


def announce(config, line: str) -> None:
    """Print past pytest's output capture, so the line shows without -s."""
    capture = config.pluginmanager.get_plugin("capturemanager")
    if capture is None:
        print(line)
        return
    with capture.global_and_fixture_disabled():
        print(f"\n{line}")


@pytest.fixture(scope="module")
def runs(repo_dir, tmp_path_factory, request) -> Runs:
    missing = missing_binaries()
    if missing:
        pytest.skip(
            f"SLURM is not installed (missing {', '.join(missing)}); "
            "apt-get install slurmctld slurmd slurm-client munge (done by .ci/run)"
        )
    deadline = time.monotonic() + BUDGET_S
    exe_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "PATH": f"{exe_dir}{os.pathsep}{os.environ['PATH']}",
        "MARKERSURV_PSEUDONYM_KEY": KEY,
    }
    slurm_dir = make_workdir(repo_dir, tmp_path_factory.mktemp("slurm"))
    local_dir = make_workdir(repo_dir, tmp_path_factory.mktemp("local"))

    cluster = SlurmCluster()
    try:
        cluster.start()
        proc, slurm_seconds = snakemake(
            repo_dir,
            slurm_dir,
            cluster.environ(env),
            deadline,
            "--profile",
            str(repo_dir / "workflow" / "profiles" / "slurm"),
            # Kept so the job output files SLURM wrote can be checked too.
            "--slurm-keep-successful-logs",
            # This cluster has no accounts; spares the plugin's guess through sacct.
            "--slurm-no-account",
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        submitted = {jobid: Path(log) for jobid, log in SUBMITTED.findall(proc.stderr)}
        # Finished jobs stay known to slurmctld for MinJobAge; read them before it stops.
        shown = {jobid: cluster.show_job(jobid) for jobid in submitted}
        completed = cluster.completed_jobs()
        pids, root = dict(cluster.pids), cluster.root
    finally:
        cluster.stop()
    alive_after = {name: pid_alive(pid) for name, pid in pids.items()}

    local, local_seconds = snakemake(
        repo_dir,
        local_dir,
        env,
        deadline,
        "--profile",
        str(repo_dir / "workflow" / "profiles" / "default"),
    )
    assert local.returncode == 0, local.stderr[-3000:]

    announce(
        request.config,
        f"demo pipeline wall time: SLURM {slurm_seconds:.1f} s, local {local_seconds:.1f} s",
    )
    return Runs(
        slurm_dir=slurm_dir,
        local_dir=local_dir,
        slurm_seconds=slurm_seconds,
        local_seconds=local_seconds,
        slurm_log=proc.stderr,
        local_log=local.stderr,
        submitted=submitted,
        shown=shown,
        completed=completed,
        daemon_pids=pids,
        cluster_root=root,
        alive_after=alive_after,
    )


def rule_of(log: Path, workdir: Path) -> str:
    """The rule a job ran, from the folder the plugin gives its SLURM output file."""
    part = log.relative_to(workdir / ".snakemake" / "slurm_logs").parts[0]
    assert part.startswith("rule_"), log
    return part.removeprefix("rule_")


def job_rules(log: str, local_only: bool = False) -> list[str]:
    """Rules of the jobs a Snakemake log shows starting, one entry per job."""
    return sorted(name for local, name in RULE_HEADER.findall(log) if local or not local_only)


def test_every_job_went_through_slurm(runs):
    assert runs.submitted, runs.slurm_log[-3000:]
    rules = {}
    for jobid, log in runs.submitted.items():
        rule = rule_of(log, runs.slurm_dir)
        rules.setdefault(rule, []).append(jobid)
        record = runs.completed.get(jobid)
        assert record is not None, f"job {jobid} ({rule}) missing from SLURM's completion log"
        assert record["JobState"] == "COMPLETED", record
        assert record["ExitCode"] == "0:0", record
        assert Path(record["WorkDir"]) == runs.slurm_dir, record
        shown = runs.shown[jobid]
        assert shown["JobState"] == "COMPLETED", shown
        assert shown["Comment"].startswith(f"rule_{rule}"), shown
        assert log.exists() and log.name == f"{jobid}.log", log
    # Each job of the local run ran as one SLURM job, except those Snakemake keeps on the
    # submit host (the target rule); every pipeline rule is among the SLURM jobs.
    on_cluster = [rule for rule, ids in rules.items() for _ in ids]
    on_host = job_rules(runs.slurm_log, local_only=True)
    assert sorted(on_cluster + on_host) == job_rules(runs.local_log)
    assert set(on_host) == {"all"}, on_host
    assert PIPELINE_RULES <= set(rules), sorted(rules)


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "logs" not in p.parts and "benchmarks" not in p.parts
    }


def test_results_equal_local_run_byte_for_byte(runs):
    on_slurm = digest(runs.slurm_dir / "results")
    local = digest(runs.local_dir / "results")
    assert "tables/pooled.tsv" in local and "report/narrative.html" in local
    assert on_slurm.keys() == local.keys()
    # Pseudonyms enter the tables: a job that missed the key would differ here.
    assert [k for k in local if on_slurm[k] != local[k]] == []


def test_daemons_stopped_and_cluster_removed(runs):
    assert set(runs.daemon_pids) == {"munged", "slurmctld", "slurmd"}
    assert runs.alive_after == dict.fromkeys(runs.daemon_pids, False)
    assert not any(pid_alive(pid) for pid in runs.daemon_pids.values())
    assert not runs.cluster_root.exists()
