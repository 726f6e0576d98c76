"""Benchmark: the whole TCGA pan-cancer model set, markersurv vs R, one core each.

Both sides start from the same harmonized patient table and compute the same model set for
every cancer type, endpoint and marker (Kaplan-Meier with survival at 12/36/60 months and
risk tables, log-rank two-group, k-group and trend tests, Cox continuous, dichotomized,
adjusted, clinical, spline and interaction models, cox.zph, maxstat cutpoints, pooling):
markersurv's ``analyse_cancer_type`` (bootstrap off, as R computes no bootstrap) and the R
reference script ``tests/r/tables_reference.R`` (survival, maxstat, metafor) that the
cross-implementation tests use. Times include each side's own I/O of the patient rows.

Usage: python benchmarks/bench_tcga_models.py [--patients results/tcga/harmonized/patients.parquet]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from markersurv.analysis.cancer_type import analyse_cancer_type  # noqa: E402
from markersurv.config.settings import AnalysisSettings  # noqa: E402
from tests.stats.test_tables_vs_r import Dataset, r_inputs  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", default="results/tcga/harmonized/patients.parquet")
    args = parser.parse_args()
    config = yaml.safe_load((REPO / "config" / "tcga.yaml").read_text())
    config["analysis"] = {**config.get("analysis", {}), "bootstrap_replicates": 0}
    settings = AnalysisSettings.from_config(config)
    patients = pd.read_parquet(args.patients)
    types = tuple(sorted(patients["cancer_type"].unique()))

    start = time.perf_counter()
    for code in types:
        analyse_cancer_type(
            patients[patients["cancer_type"] == code].reset_index(drop=True), settings
        )
    ours = time.perf_counter() - start

    with tempfile.TemporaryDirectory() as tmp:
        inputs = r_inputs(Dataset("tcga", patients, settings, types))
        paths = []
        for name, frame in inputs.items():
            path = Path(tmp) / f"{name}.csv"
            frame.to_csv(path, index=False)
            paths.append(str(path))
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
        start = time.perf_counter()
        subprocess.run(
            [
                "Rscript",
                "--vanilla",
                str(REPO / "tests" / "r" / "tables_reference.R"),
                *paths,
                str(Path(tmp) / "out.json"),
            ],
            check=True,
            env=env,
            capture_output=True,
        )
        r_time = time.perf_counter() - start

    print("| cancer types | patients | markersurv (s) | R (s) | markersurv / R |")
    print("|---:|---:|---:|---:|---:|")
    print(f"| {len(types)} | {len(patients)} | {ours:.1f} | {r_time:.1f} | {ours / r_time:.2f} |")


if __name__ == "__main__":
    main()
