"""The report's predictive section: for each arm of the configured treatment, the treatment
hazard ratio within the marker groups and the marker x treatment interaction, pooled within
each cancer type, for the primary markers and endpoints (every marker and endpoint when no
primary analysis is declared). Secondary: the declared primary analysis is prognostic."""

from __future__ import annotations

from html import escape

import pandas as pd

from markersurv.analysis.collect import ALL
from markersurv.config.settings import AnalysisSettings

COLUMNS = [
    "cancer_type",
    "marker",
    "endpoint",
    "treatment",
    "reference",
    "cut_method",
    "group",
    "estimate",
    "n",
    "events",
    "hr",
    "hr_lower",
    "hr_upper",
    "p",
    "interaction_p",
    "interaction_lr_p",
    "status",
    "note",
]


def predictive_frame(predictive: pd.DataFrame, settings: AnalysisSettings) -> pd.DataFrame:
    """The pooled rows of the primary markers and endpoints, in the table's order."""
    primary = settings.primary or {}
    markers = primary.get("markers") or list(settings.markers)
    endpoints = primary.get("endpoints") or list(settings.endpoints)
    rows = predictive[
        (predictive["cohort"] == ALL)
        & predictive["marker"].isin(markers)
        & predictive["endpoint"].isin(endpoints)
    ]
    return rows[COLUMNS].reset_index(drop=True)


def predictive_section(
    predictive: pd.DataFrame | None, settings: AnalysisSettings, frame_html
) -> list[str]:
    """The section's HTML parts (none without a declared treatment or its rows)."""
    treatment = settings.treatment
    if treatment is None or predictive is None or predictive.empty:
        return []
    rows = predictive_frame(predictive, settings)
    if rows.empty:
        return []
    return [
        '<h2 id="predictive">Predictive analysis (secondary)</h2>',
        f"<p>Whether the marker predicts benefit from {escape(treatment.label)}, as distinct "
        "from whether it is prognostic: hr is the hazard ratio of the arm against the "
        f"reference arm {escape(treatment.reference)} within each marker group (group low, "
        "high; all: every patient of the two arms); the interaction rows (estimate "
        "interaction) give the factor by which that hazard ratio changes per 1 SD of the "
        "marker (group continuous) or from the low to the high group (group high vs low). "
        "The test of a predictive effect is interaction_p (Wald) with interaction_lr_p "
        "(likelihood ratio); Cox models stratified by cohort, pooled within each cancer "
        "type.</p>",
        frame_html(rows),
    ]
