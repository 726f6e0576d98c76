"""The pipeline's steps as plain functions of paths and settings (called by rule scripts)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd

from markersurv import __version__
from markersurv.cohort.spec import load_cohort_spec
from markersurv.cohort.vocab import Vocabulary
from markersurv.config.schema import endpoint_ids, marker_ids
from markersurv.config.settings import FigureSettings, HarmonizeSettings
from markersurv.harmonize.cohort import Settings, harmonize_cohort
from markersurv.harmonize.merge import (
    marker_qc_summary,
    merge_exclusions,
    merge_flow,
    merge_patients,
)
from markersurv.harmonize.privacy.pseudonyms import load_key
from markersurv.tables.io import write_atomic, write_json, write_parquet, write_tsv

log = logging.getLogger("markersurv")


def harmonizer_settings(settings: HarmonizeSettings) -> Settings:
    return Settings(
        markers=settings.markers,
        endpoints=settings.endpoints,
        lod_policy=settings.lod_policy,
        key=load_key(settings.key_env, settings.key_file),
    )


def harmonize_cohort_step(
    spec_path: str,
    config: dict,
    patients_path: str,
    exclusions_path: str,
    flow_path: str,
    qc_path: str,
) -> None:
    """Harmonize one cohort and write its patients, exclusions, flow and marker QC values."""
    log.info("markersurv %s, pandas %s", __version__, pd.__version__)
    settings = HarmonizeSettings.from_config(config)
    spec = load_cohort_spec(spec_path, settings.data_dirs)
    vocab = Vocabulary.load(settings.vocabulary_dir)
    result = harmonize_cohort(spec, vocab, harmonizer_settings(settings))
    for reason, n in result.exclusions["reason"].value_counts().sort_index().items():
        log.info("cohort %s: excluded %d record(s): %s", spec.id, n, reason)
    log.info("cohort %s: %d patients harmonized", spec.id, len(result.patients))
    write_parquet(result.patients, patients_path)
    write_tsv(result.exclusions, exclusions_path)
    write_json(result.flow, flow_path)
    write_parquet(result.marker_qc, qc_path)


def merge_harmonized_step(
    patient_paths: list[str],
    exclusion_paths: list[str],
    flow_paths: list[str],
    qc_paths: list[str],
    config: dict,
    outputs: dict[str, str],
) -> None:
    """Write the canonical patient table (TSV + Parquet), ledger, flow and QC tables."""
    patients = merge_patients([pd.read_parquet(p) for p in patient_paths])
    exclusions = merge_exclusions(
        [pd.read_csv(p, sep="\t", dtype=str, keep_default_na=False) for p in exclusion_paths]
    )
    flows = [json.loads(Path(p).read_text()) for p in flow_paths]
    flow = merge_flow(flows, marker_ids(config), endpoint_ids(config))
    qc = pd.concat([pd.read_parquet(p) for p in qc_paths], ignore_index=True)
    write_tsv(patients, outputs["patients_tsv"])
    write_parquet(patients, outputs["patients_parquet"])
    write_tsv(exclusions, outputs["exclusions"])
    write_json(flow, outputs["flow"])
    write_tsv(marker_qc_summary(qc), outputs["marker_qc"])
    write_parquet(qc, outputs["marker_values"])
    log.info(
        "%d patients from %d cohorts; %d records excluded",
        len(patients),
        len(flows),
        len(exclusions),
    )


TABLES = (
    "km",
    "risk_table",
    "logrank",
    "cox",
    "ph",
    "cutpoints",
    "cutpoint_scan",
    "added_value",
    "spline_curve",
    "pooled",
)


def fit_cancer_type_step(
    patient_paths: list[str], cancer_type: str, config: dict, outputs: dict[str, str]
) -> None:
    """All survival analyses of one cancer type, from the harmonized cohorts that have it."""
    from markersurv.analysis.cancer_type import analyse_cancer_type
    from markersurv.config.settings import AnalysisSettings

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
    for name in TABLES:
        write_tsv(tables.get(name, pd.DataFrame()), outputs[name])


def pool_results_step(analysis_dirs: list[str], config: dict, outputs: dict[str, str]) -> None:
    """Combine cancer types: q-values over the declared families, pooling, final tables."""
    from markersurv.analysis.pooling import finalize_tables
    from markersurv.config.settings import AnalysisSettings

    settings = AnalysisSettings.from_config(config)
    parts = [
        read_tables({name: str(Path(folder) / f"{name}.tsv") for name in TABLES})
        for folder in analysis_dirs
    ]
    tables = finalize_tables([{n: t for n, t in p.items() if len(t)} for p in parts], settings)
    for name, path in outputs.items():
        write_tsv(tables.get(name, pd.DataFrame()), path)


def read_tables(paths: dict[str, str]) -> dict[str, pd.DataFrame]:
    """Result tables by name (empty files give empty frames)."""
    tables = {}
    for name, path in paths.items():
        size = Path(path).stat().st_size
        tables[name] = (
            pd.read_csv(
                path, sep="\t", na_values=["NA"], keep_default_na=False, dtype={"cohort": str}
            )
            if size > 1
            else pd.DataFrame()
        )
    return tables


def write_narrative_step(
    patients_path: str,
    flow_path: str,
    table_paths: dict[str, str],
    config: dict,
    outputs: dict[str, str],
) -> None:
    """The narrative page (REMARK checklist, methods, flow, Table 1, results, cautions)."""
    from markersurv.config.settings import AnalysisSettings
    from markersurv.reporting.association import spearman_by_type
    from markersurv.reporting.narrative import narrative_html
    from markersurv.reporting.table_one import suppress_small_counts, table_one

    settings = AnalysisSettings.from_config(config)
    patients = pd.read_parquet(patients_path)
    flow = json.loads(Path(flow_path).read_text())
    tables = read_tables(table_paths)
    one = suppress_small_counts(
        table_one(patients, settings.markers, settings.endpoints),
        FigureSettings.from_config(config).suppress_below,
    )
    first, second = (settings.markers + (None,))[:2]
    association = spearman_by_type(patients, first, second) if second else pd.DataFrame()
    write_tsv(one, outputs["table_one"])
    write_tsv(association, outputs["association"])
    html = narrative_html(config, settings, flow, one, association, tables)
    write_atomic(outputs["narrative"], lambda tmp: tmp.write_text(html))


def plot_cancer_type_step(
    patient_paths: list[str], cancer_type: str, table_paths: dict, config: dict, folder: str
) -> None:
    """Every figure of one cancer type (KM, forest, cutpoint scans, spline, PH residuals)."""
    from markersurv.config.settings import AnalysisSettings
    from markersurv.figures.sets import CancerTypeFigures

    patients = pd.concat([pd.read_parquet(p) for p in patient_paths], ignore_index=True)
    patients = patients[patients["cancer_type"] == cancer_type].reset_index(drop=True)
    tables = read_tables(table_paths)
    CancerTypeFigures(
        patients,
        tables,
        AnalysisSettings.from_config(config),
        FigureSettings.from_config(config),
        Path(folder),
    ).draw_all()


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
    from markersurv.config.settings import AnalysisSettings
    from markersurv.figures.sets import summary_figures

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
        Path(folder),
    )
