"""Benchmark: harmonize a SYNTHETIC registry of 1,000,000 patients in 10 cohorts.

Data: written by ``markersurv.simulate.core.simulate_patients`` (seeds 1000..1009), five CSV
and five Parquet cohorts of 100,000 patients with IL-6 partly below the detection limit
(``<1.5``), decimal commas in the CSV ones, and two endpoints. Each cohort is harmonized in
a fresh process (as one Snakemake job per cohort would be), one at a time, and then merged;
the table reports wall time and peak resident memory of each step.

Usage: python benchmarks/bench_harmonize.py [--patients 1000000] [--cohorts 10] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthetic_registry

CANCER_TYPES = ["NSCLC", "BRCA", "CRC", "NPC", "HNSC", "GBM", "KIRC", "OV", "PAAD", "STAD"]


def write_cohort(folder: Path, index: int, n: int) -> Path:
    return synthetic_registry.write_cohort(
        folder,
        f"bench_{index:02d}",
        n,
        seed=1000 + index,
        cancer_type=CANCER_TYPES[index % len(CANCER_TYPES)],
        log_hr={"il6": 0.3, "pstat3": 0.1, "age": 0.02},
        generator="benchmarks/bench_harmonize.py",
        lod=1.5,
    )


CONFIG = {
    "results": "results",
    "cohorts": [],
    "markers": [{"id": "il6", "label": "IL-6"}, {"id": "pstat3", "label": "pSTAT3"}],
    "endpoints": [{"id": "os", "label": "OS"}, {"id": "pfs", "label": "PFS"}],
}

CHILD = """
import json, resource, sys, time
from markersurv.pipeline.harmonize import harmonize_cohort_step
start = time.perf_counter()
spec, config, out = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
harmonize_cohort_step(spec, config, f"{out}.patients.parquet", f"{out}.exclusions.tsv",
                      f"{out}.flow.json", f"{out}.qc.parquet")
print(json.dumps({"seconds": time.perf_counter() - start,
                  "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_child(code: str, *args: str) -> dict:
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["wall"] = time.perf_counter() - start
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--cohorts", type=int, default=10)
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="markersurv-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    per_cohort = args.patients // args.cohorts
    specs = [write_cohort(workdir, i, per_cohort) for i in range(args.cohorts)]
    config = json.dumps({**CONFIG, "cohorts": [str(s) for s in specs]})
    rows, total = [], 0.0
    outs = []
    for spec in specs:
        out = str(spec.with_suffix(""))
        outs.append(out)
        r = run_child(CHILD, str(spec), config, out)
        total += r["wall"]
        rows.append((spec.stem, r["wall"], r["max_rss_mb"]))
    merge = """
import json, resource, sys, time
from markersurv.pipeline.harmonize import merge_harmonized_step
start = time.perf_counter()
outs, config = json.loads(sys.argv[1]), json.loads(sys.argv[2])
folder = sys.argv[3]
merge_harmonized_step(
    [o + ".patients.parquet" for o in outs], [o + ".exclusions.tsv" for o in outs],
    [o + ".flow.json" for o in outs], [o + ".qc.parquet" for o in outs], config,
    {k: f"{folder}/{k}.out" for k in ("patients_tsv", "patients_parquet", "exclusions", "flow",
                                      "marker_qc", "marker_values")})
print(json.dumps({"seconds": time.perf_counter() - start,
                  "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
    r = run_child(merge, json.dumps(outs), config, str(workdir))
    total += r["wall"]
    rows.append(("merge", r["wall"], r["max_rss_mb"]))
    print("| step | wall (s) | peak RSS (MB) |\n|---|---:|---:|")
    for name, wall, rss in rows:
        print(f"| {name} | {wall:.1f} | {rss:.0f} |")
    peak = max(r[2] for r in rows)
    print(f"| **total, {args.patients:,} patients, sequential** | {total:.1f} | {peak:.0f} |")
    print(
        f"| total with 2 cores (cohorts in parallel, estimate) | "
        f"{sum(r[1] for r in rows[:-1]) / 2 + rows[-1][1]:.1f} | |"
    )


if __name__ == "__main__":
    main()
