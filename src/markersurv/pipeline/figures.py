"""Pipeline steps of the figures: one cancer type's figure set, and the summary set."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from markersurv.analysis.pooling import pooling_weights
from markersurv.config.settings import AnalysisSettings, FigureSettings
from markersurv.config.study import Study
from markersurv.figures.cancer_type import CancerTypeFigures
from markersurv.figures.summary import summary_figures
from markersurv.tables.contract import read_tables


def cohort_labels(flows: list[dict]) -> dict[str, str]:
    """Each cohort's name in figures (its spec's label), from the cohorts' flows."""
    return {flow["cohort"]: flow.get("label", flow["cohort"]) for flow in flows}


def plot_cancer_type_step(
    patient_paths: list[str],
    flow_paths: list[str],
    cancer_type: str,
    table_paths: dict,
    config: dict,
    folder: str,
) -> None:
    """Every figure of one cancer type (KM, forest, cutpoint scans, spline, PH residuals);
    the flows of its cohorts give their names."""

    patients = pd.concat([pd.read_parquet(p) for p in patient_paths], ignore_index=True)
    patients = patients[patients["cancer_type"] == cancer_type].reset_index(drop=True)
    tables = read_tables(table_paths)
    # The weights of the type's own pooled rows, by the function that writes them into
    # results/tables/pooling_weights.tsv: reading that table instead would make every
    # type's figures wait for (and be redrawn after) the pooling of all types.
    tables["pooling_weights"] = pooling_weights(
        tables.get("cox", pd.DataFrame()), tables.get("pooled", pd.DataFrame())
    )
    CancerTypeFigures(
        cancer_type,
        patients,
        tables,
        AnalysisSettings.from_config(config),
        FigureSettings.from_config(config),
        Study.from_config(config),
        cohort_labels([json.loads(Path(p).read_text()) for p in flow_paths]),
    ).draw_all(Path(folder))


def plot_summary_step(
    patients_path: str,
    flow_path: str,
    table_paths: dict,
    marker_values_path: str,
    marker_qc_path: str,
    association_path: str,
    config: dict,
    folder: str,
) -> None:
    """Pan-cancer map and forests, flow diagram, harmonization QC, marker association."""

    patients = pd.read_parquet(patients_path)
    flow = json.loads(Path(flow_path).read_text())
    tables = read_tables(table_paths)
    qc_tables = read_tables({"qc": marker_qc_path, "association": association_path})
    summary_figures(
        patients,
        flow,
        tables,
        pd.read_parquet(marker_values_path),
        qc_tables["qc"],
        qc_tables["association"],
        AnalysisSettings.from_config(config),
        FigureSettings.from_config(config),
        Study.from_config(config),
        Path(folder),
    )
