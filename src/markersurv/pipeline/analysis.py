"""Pipeline steps of the survival analysis: one cancer type, then pooling across types."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from markersurv.analysis.cancer_type import analyse_cancer_type
from markersurv.analysis.pooling import finalize_tables
from markersurv.config.settings import AnalysisSettings
from markersurv.tables.contract import (
    ANALYSIS_TABLES,
    CANCER_TYPE_TABLES,
    read_tables,
    write_table,
)

log = logging.getLogger("markersurv")


def fit_cancer_type_step(
    patient_paths: list[str], cancer_type: str, config: dict, outputs: dict[str, str]
) -> None:
    """All survival analyses of one cancer type, from the harmonized cohorts that have it."""

    settings = AnalysisSettings.from_config(config)
    parts = [pd.read_parquet(p) for p in patient_paths]
    patients = pd.concat(parts, ignore_index=True)
    patients = patients[patients["cancer_type"] == cancer_type].reset_index(drop=True)
    log.info(
        "%s: %d patients from %d cohort(s)",
        cancer_type,
        len(patients),
        patients["cohort"].nunique(),
    )
    tables = analyse_cancer_type(patients, settings)
    for name in CANCER_TYPE_TABLES:
        write_table(name, tables.get(name, pd.DataFrame()), outputs[name])


def pool_results_step(analysis_dirs: list[str], config: dict, outputs: dict[str, str]) -> None:
    """Combine cancer types: q-values over the declared families, pooling, final tables."""

    settings = AnalysisSettings.from_config(config)
    parts = [
        read_tables({name: str(Path(folder) / f"{name}.tsv") for name in ANALYSIS_TABLES})
        for folder in analysis_dirs
    ]
    tables = finalize_tables([{n: t for n, t in p.items() if len(t)} for p in parts], settings)
    for name, path in outputs.items():
        write_table(name, tables.get(name, pd.DataFrame()), path, pooled=True)
