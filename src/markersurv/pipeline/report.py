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
from markersurv.reporting.marker_subsets import subset_characteristics
from markersurv.reporting.methods import unit_conversions
from markersurv.reporting.narrative import narrative_html
from markersurv.reporting.table_one import suppress_small_counts, table_one
from markersurv.tables.contract import read_tables, write_table
from markersurv.tables.io import write_atomic


def write_narrative_step(
    patients_path: str,
    flow_path: str,
    table_paths: dict[str, str],
    config: dict,
    outputs: dict[str, str],
) -> None:
    """The narrative page (REMARK checklist, methods, flow, Table 1, results, cautions)."""

    settings = AnalysisSettings.from_config(config)
    patients = pd.read_parquet(patients_path)
    flow = json.loads(Path(flow_path).read_text())
    tables = read_tables(table_paths)
    study = Study.from_config(config)
    below = FigureSettings.from_config(config).suppress_below
    one = suppress_small_counts(table_one(patients, study), below)
    first, second = (settings.markers + (None,))[:2]
    association = spearman_by_type(patients, first, second) if second else pd.DataFrame()
    write_table("table_one", one, outputs["table_one"])
    write_table("association", association, outputs["association"])
    vocabulary = Vocabulary.load(with_defaults(config)["vocabulary_dir"])
    conversions = unit_conversions(study, vocabulary)
    subsets = subset_characteristics(patients, study, below)
    entry = entry_endpoints(patients, settings.endpoints)
    html = narrative_html(
        config, settings, flow, one, association, tables, conversions, subsets, entry
    )
    write_atomic(outputs["narrative"], lambda tmp: tmp.write_text(html))
