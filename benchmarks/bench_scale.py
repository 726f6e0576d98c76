"""Benchmark: a SYNTHETIC registry of 1,000,000 patients in 20 cohorts over 10 cancer types,
end to end (harmonize, every statistic, figures, report) through Snakemake on this machine.

Cohorts come from ``markersurv.simulate.core.simulate_patients`` (seeds 2000-2019), written
as Parquet (odd) and semicolon CSV with decimal commas (even); two cohorts per cancer type.
The run uses the demo config's analysis settings with the concordance bootstrap off (it is
limited to 4,000 patients per analysis anyway) and PNG figures only. Reports wall time and
the peak resident memory of the largest process (Snakemake and every job).

Usage: python benchmarks/bench_scale.py [--patients 1000000] [--cohorts 20] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthetic_registry

REPO = Path(__file__).resolve().parents[1]
TYPES = ["NSCLC", "BRCA", "CRC", "NPC", "HNSC", "GBM", "KIRC", "OV", "PAAD", "STAD"]


def write_cohort(folder: Path, index: int, n: int) -> Path:
    return synthetic_registry.write_cohort(
        folder,
        f"scale_{index:02d}",
        n,
        seed=2000 + index,
        cancer_type=TYPES[index % len(TYPES)],
        log_hr={"il6": 0.3, "pstat3": -0.1 if index % 3 else 0.2, "age": 0.02, "late_stage": 0.5},
        generator="benchmarks/bench_scale.py",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--cohorts", type=int, default=20)
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="markersurv-scale-"))
    (workdir / "config").mkdir(parents=True, exist_ok=True)
    data = workdir / "data"
    data.mkdir(exist_ok=True)
    start = time.perf_counter()
    specs = [write_cohort(data, i, args.patients // args.cohorts) for i in range(args.cohorts)]
    written = time.perf_counter() - start
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config.update(
        cohorts=[str(s) for s in specs],
        data_dirs={},
        vocabulary_dir=str(REPO / "resources" / "vocab"),
        results="results",
        analysis={"bootstrap_replicates": 0},
        figures={"formats": ["png"]},
    )
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    snakemake = Path(sys.executable).with_name("snakemake")
    env = {**os.environ, "PATH": f"{snakemake.parent}{os.pathsep}{os.environ['PATH']}"}
    env.setdefault("MARKERSURV_PSEUDONYM_KEY", "scale-benchmark")
    start = time.perf_counter()
    for extra in ([], ["--report", str(workdir / "report.html")]):
        subprocess.run(
            [
                str(snakemake),
                "-s",
                str(REPO / "Snakefile"),
                "--directory",
                str(workdir),
                "--cores",
                "2",
                "--quiet",
                "all",
                *extra,
            ],
            check=True,
            env=env,
        )
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        "| patients | cohorts | cancer types | data written (s) | pipeline + report wall (s) "
        "| peak RSS of a process (MB) |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {args.patients:,} | {args.cohorts} | {len(set(TYPES))} | {written:.0f} | "
        f"{wall:.0f} | {peak:.0f} |"
    )


if __name__ == "__main__":
    main()
