"""Benchmark: harmonize a SYNTHETIC registry of 1,000,000 patients in 10 cohorts.

Data: written by ``markersurv.simulate_core.simulate_patients`` (seeds 1000..1009), five CSV
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

import numpy as np
import yaml

from markersurv.simulate_core import simulate_patients

CANCER_TYPES = ["NSCLC", "BRCA", "CRC", "NPC", "HNSC", "GBM", "KIRC", "OV", "PAAD", "STAD"]


def write_cohort(folder: Path, index: int, n: int) -> Path:
    rng = np.random.default_rng(1000 + index)
    data = simulate_patients(
        n,
        cancer_type=CANCER_TYPES[index % 10],
        log_hr={"il6": 0.3, "pstat3": 0.1, "age": 0.02},
        baseline={},
        censoring={"dropout_rate_per_year": 0.05},
        rng=rng,
        id_prefix=f"C{index}-",
    )
    data = data[
        [
            "patient_id",
            "cancer_type",
            "il6",
            "pstat3",
            "age",
            "sex",
            "stage",
            "os_time",
            "os_event",
            "pfs_time",
            "pfs_event",
        ]
    ].copy()
    data["age"] = data["age"].astype(int)
    il6 = data["il6"].round(2).astype(str)
    il6[data["il6"] < 1.5] = "<1.5"
    data["il6"] = il6
    cohort = f"bench_{index:02d}"
    parquet = index % 2 == 1
    path = folder / f"{cohort}.{'parquet' if parquet else 'csv'}"
    table = {"path": str(path), "id_column": "patient_id"}
    if parquet:
        data.to_parquet(path, index=False)
    else:
        for column in ("pstat3", "os_time", "pfs_time"):
            data[column] = data[column].round(4).astype(str).str.replace(".", ",", regex=False)
        data["il6"] = data["il6"].str.replace(".", ",", regex=False)
        data.to_csv(path, sep=";", index=False)
        table.update(delimiter=";", decimal=",")
    spec = {
        "id": cohort,
        "description": "SYNTHETIC benchmark cohort",
        "provenance": f"synthetic: benchmarks/bench_harmonize.py, seed {1000 + index}",
        "synthetic": True,
        "tables": {"data": table},
        "cancer_type": {"column": "cancer_type"},
        "age": {"column": "age"},
        "sex": {"column": "sex"},
        "stage": {"column": "stage"},
        "markers": {
            "il6": {"column": "il6", "unit": "pg/mL"},
            "pstat3": {"column": "pstat3", "scale": "h_score"},
        },
        "endpoints": {
            e: {
                "time": {"column": f"{e}_time", "unit": "months"},
                "event": {"column": f"{e}_event"},
            }
            for e in ("os", "pfs")
        },
    }
    spec_path = folder / f"{cohort}.yaml"
    spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return spec_path


CONFIG = {
    "results": "results",
    "cohorts": [],
    "markers": [{"id": "il6", "label": "IL-6"}, {"id": "pstat3", "label": "pSTAT3"}],
    "endpoints": [{"id": "os", "label": "OS"}, {"id": "pfs", "label": "PFS"}],
}

CHILD = """
import json, resource, sys, time
from markersurv.steps import harmonize_cohort_step
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
from markersurv.steps import merge_harmonized_step
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
