"""SYNTHETIC benchmark cohorts: one file and one spec per cohort, as a site would export them.

Patients come from ``markersurv.simulate.core.simulate_patients``; odd-numbered cohorts are
written as Parquet, even-numbered ones as semicolon CSV with decimal commas. IL-6 values under
``lod`` are written as ``<lod`` (detection-limit form), when a limit is given.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from markersurv.simulate.core import simulate_patients

COLUMNS = [
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


def write_cohort(
    folder: Path,
    cohort: str,
    n: int,
    *,
    seed: int,
    cancer_type: str,
    log_hr: dict,
    generator: str,
    lod: float | None = None,
) -> Path:
    """Write one cohort's data file and spec into ``folder``; returns the spec path."""
    data = simulate_patients(
        n,
        cancer_type=cancer_type,
        log_hr=log_hr,
        baseline={},
        censoring={"dropout_rate_per_year": 0.05},
        rng=np.random.default_rng(seed),
        id_prefix=f"{cohort}-",
    )
    data = data[COLUMNS].copy()
    data["age"] = data["age"].astype(int)
    if lod is not None:
        il6 = data["il6"].round(2).astype(str)
        il6[data["il6"] < lod] = f"<{lod}"
        data["il6"] = il6
    table = {"id_column": "patient_id"}
    if seed % 2:
        path = folder / f"{cohort}.parquet"
        data.to_parquet(path, index=False)
    else:
        path = folder / f"{cohort}.csv"
        for column in ("il6", "pstat3", "os_time", "pfs_time"):
            text = data[column] if data[column].dtype == object else data[column].round(4)
            data[column] = text.astype(str).str.replace(".", ",", regex=False)
        data.to_csv(path, sep=";", index=False)
        table.update(delimiter=";", decimal=",")
    table["path"] = str(path)
    spec = {
        "id": cohort,
        "description": "SYNTHETIC benchmark cohort",
        "provenance": f"synthetic: {generator}, seed {seed}",
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
