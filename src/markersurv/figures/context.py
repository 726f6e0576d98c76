"""What every figure of one cancer type draws from: its rows of the analysis tables, the labels
the config declares and the figure settings, and the catalog record of each figure."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from markersurv.config.settings import AnalysisSettings, FigureSettings
from markersurv.config.study import Study
from markersurv.figures.captions import FigureRecord, figure_stem, study_labels
from markersurv.figures.rows import select


class FigureContext:
    """One cancer type's analysis tables, labels and settings, and the record of each figure
    drawn from them; the figure modules of each kind draw from it."""

    def __init__(
        self,
        cancer_type: str,
        patients: pd.DataFrame,
        tables: dict[str, pd.DataFrame],
        settings: AnalysisSettings,
        figures: FigureSettings,
        study: Study,
        cohort_labels: Mapping[str, str] | None = None,
    ):
        self.cancer_type = cancer_type
        self.study = study
        self.labels = study_labels(study, cohort_labels)
        self.patients = patients
        self.tables = {
            name: t[t["cancer_type"] == cancer_type] if "cancer_type" in t else t
            for name, t in tables.items()
        }
        self.settings = settings
        self.figures = figures

    def table(self, name: str, **keys) -> pd.DataFrame:
        return select(self.tables.get(name, pd.DataFrame()), **keys)

    def record(
        self, kind: str, marker: str, endpoint: str, *, stem_tail: str = "", **parts
    ) -> FigureRecord:
        """The catalog record of a figure; ``stem_tail`` ends its file name where the other
        parts do not tell two figures apart."""
        cut, cohort = parts.pop("cut", ""), parts.pop("cohort", "")
        stem_kind = "km" if kind.startswith("km_") else kind
        return FigureRecord(
            figure=figure_stem(stem_kind, marker, endpoint, cut, cohort, stem_tail),
            kind=kind,
            cancer_type=self.cancer_type,
            marker=marker,
            endpoint=endpoint,
            cut=cut,
            cohort=cohort,
            **parts,
        )
