"""Benchmark: SIGKILL the pipeline at random moments, resume it, compare with a clean run.

The small end-to-end config (two SYNTHETIC demo cohorts of one cancer type, overall survival,
no bootstrap, PNG figures) runs once uninterrupted as the reference. Then, for each of N kill
times drawn uniformly over the reference run's duration (seeded), ``snakemake --cores 2``
starts in a fresh working directory as its own process group, the whole group is killed with
SIGKILL at that time, and ``snakemake --rerun-incomplete`` finishes the run (after
``snakemake --unlock`` when Snakemake says the kill left its lock behind). A resumed run
counts as identical when every file under results/ (logs and benchmarks aside) has the same
bytes as the reference and no temporary file of an interrupted write is left behind.

Usage: python benchmarks/bench_resume.py [--kills 20] [--seed 20240601] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.e2e.e2e_helpers import (  # noqa: E402
    digest,
    partial_files,
    resume,
    run_and_kill,
    run_snakemake,
    small_config,
    write_workdir,
)


def reference_run(folder: Path) -> tuple[dict[str, str], float]:
    workdir = write_workdir(folder / "reference", small_config(REPO))
    start = time.monotonic()
    proc = run_snakemake(REPO, workdir)
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit(f"reference run failed:\n{proc.stderr[-3000:]}")
    return digest(workdir / "results"), seconds


def kill_and_resume(folder: Path, index: int, kill_after: float, reference: dict) -> dict:
    workdir = write_workdir(folder / f"kill_{index:02d}", small_config(REPO))
    hit = run_and_kill(REPO, workdir, lambda _, elapsed: elapsed >= kill_after)
    left = partial_files(workdir / "results") if (workdir / "results").exists() else []
    start = time.monotonic()
    resumed = resume(REPO, workdir)
    proc = resumed.proc
    resume_seconds = time.monotonic() - start
    row = {
        "kill_s": hit.seconds,
        "stage": hit.stage,
        "rules": ", ".join(hit.rules) or "-",
        "partial_after_kill": len(left),
        "resume_s": resume_seconds,
        "unlocked": resumed.unlocked,
        "resume_ok": proc.returncode == 0,
        "differing": [],
        "missing": [],
        "partial_after_resume": [],
    }
    if proc.returncode == 0:
        got = digest(workdir / "results")
        row["differing"] = sorted(k for k in reference if k in got and got[k] != reference[k])
        row["missing"] = sorted(set(reference) ^ set(got))
        row["partial_after_resume"] = partial_files(workdir / "results")
    else:
        row["error"] = resumed.output[-1500:]
    row["identical"] = (
        row["resume_ok"]
        and not row["differing"]
        and not row["missing"]
        and not row["partial_after_resume"]
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20, help="number of kill points")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--workdir", type=Path, default=None, help="kept when given")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_resume_") as scratch:
        folder = args.workdir or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        reference, seconds = reference_run(folder)
        print(
            f"reference run: {seconds:.1f} s, {len(reference)} result files; "
            f"{platform.machine()}, Python {platform.python_version()}",
            flush=True,
        )
        rng = random.Random(args.seed)
        times = sorted(rng.uniform(0.5, seconds) for _ in range(args.kills))
        print(
            "| # | kill at (s) | stage hit | jobs running | partial files after kill "
            "| --unlock asked for | resume (s) | resumed identical |",
            flush=True,
        )
        print("|---:|---:|---|---|---:|---|---:|---|", flush=True)
        rows = []
        for index, kill_after in enumerate(times, 1):
            row = kill_and_resume(folder, index, kill_after, reference)
            rows.append(row)
            verdict = "yes" if row["identical"] else "NO"
            print(
                f"| {index} | {row['kill_s']:.1f} | {row['stage']} | {row['rules']} "
                f"| {row['partial_after_kill']} | {'yes' if row['unlocked'] else 'no'} "
                f"| {row['resume_s']:.1f} | {verdict} |",
                flush=True,
            )
            if not row["identical"]:
                print(
                    f"    resume ok: {row['resume_ok']}; differing: {row['differing']}; "
                    f"missing or extra: {row['missing']}; partial files left: "
                    f"{row['partial_after_resume']}; {row.get('error', '')}",
                    flush=True,
                )
        identical = sum(r["identical"] for r in rows)
        unlocked = sum(r["unlocked"] for r in rows)
        stages = Counter(r["stage"] for r in rows)
        print(
            f"\n{len(rows)} kill points, {identical} resumed identical, {unlocked} asked for "
            "--unlock first; stages hit: "
            + ", ".join(f"{s} {n}" for s, n in sorted(stages.items()))
        )


if __name__ == "__main__":
    main()
