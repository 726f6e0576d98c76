"""Pipeline step of the report: the narrative page, Table 1 and the marker association."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from markersurv.analysis.entry import entry_endpoints
from markersurv.cohort.vocab import Vocabulary
from markersurv.config.settings import AnalysisSettings, FigureSettings, with_defaults
from markersurv.config.study import Study
from markersurv.reporting.association import spearman_by_type
from markersurv.reporting.key_figures import key_figures
from markersurv.reporting.marker_subsets import subset_characteristics
from markersurv.reporting.methods import unit_conversions
from markersurv.reporting.narrative import narrative_html
from markersurv.reporting.table_one import suppress_small_counts, table_one
from markersurv.tables.contract import read_tables, write_table
from markersurv.tables.io import write_atomic


def describe_patients_step(patients_path: str, config: dict, outputs: dict[str, str]) -> None:
    """Table 1 (small counts suppressed as configured) and the association of the first two
    markers, which the summary figures and the narrative page show."""
    patients = pd.read_parquet(patients_path)
    study = Study.from_config(config)
    below = FigureSettings.from_config(config).suppress_below
    markers = AnalysisSettings.from_config(config).markers
    first, second = (markers + (None,))[:2]
    association = spearman_by_type(patients, first, second) if second else pd.DataFrame()
    write_table(
        "table_one", suppress_small_counts(table_one(patients, study), below), outputs["table_one"]
    )
    write_table("association", association, outputs["association"])


def write_narrative_step(
    patients_path: str,
    flow_path: str,
    table_paths: dict[str, str],
    figures_folder: str,
    config: dict,
    output: str,
) -> None:
    """The narrative page (REMARK checklist, methods, flow, Table 1, results, cautions),
    with the key figures of the summary folder; ``table_paths`` holds the result tables and
    the report's table_one and association."""
    settings = AnalysisSettings.from_config(config)
    patients = pd.read_parquet(patients_path)
    flow = json.loads(Path(flow_path).read_text())
    tables = read_tables(table_paths)
    one, association = tables.pop("table_one"), tables.pop("association")
    study = Study.from_config(config)
    below = FigureSettings.from_config(config).suppress_below
    vocabulary = Vocabulary.load(with_defaults(config)["vocabulary_dir"])
    conversions = unit_conversions(study, vocabulary)
    subsets = subset_characteristics(patients, study, below)
    entry = entry_endpoints(patients, settings.endpoints)
    html = narrative_html(
        config,
        settings,
        flow,
        one,
        association,
        tables,
        conversions,
        subsets,
        entry,
        key_figures(figures_folder, settings),
    )
    write_atomic(output, lambda tmp: tmp.write_text(html))
