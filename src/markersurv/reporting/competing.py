"""The report's competing-risks section: Gray's test, cause-specific and Fine-Gray rows of
the primary markers (or every marker when no primary analysis is declared), pooled within
each cancer type."""

from __future__ import annotations

import pandas as pd

COLUMNS = [
    "cancer_type",
    "marker",
    "endpoint",
    "model",
    "cut_method",
    "term",
    "n",
    "events",
    "competing_events",
    "statistic",
    "hr",
    "hr_lower",
    "hr_upper",
    "p",
    "status",
    "note",
]
MODEL_ORDER = {"gray": 0, "cause_specific": 1, "fine_gray": 2}


def competing_frame(competing: pd.DataFrame, settings) -> pd.DataFrame:
    """The pooled rows of the primary markers and endpoints, in model order."""
    primary = settings.primary or {}
    markers = primary.get("markers") or list(settings.markers)
    rows = competing[(competing["cohort"] == "all") & competing["marker"].isin(markers)]
    if primary.get("endpoints"):
        rows = rows[rows["endpoint"].isin(primary["endpoints"])]
    order = rows["model"].map(MODEL_ORDER)
    keys = ["cancer_type", "marker", "endpoint", "cut_method"]
    return (
        rows.assign(order=order)
        .sort_values([*keys, "order"], kind="mergesort")[COLUMNS]
        .reset_index(drop=True)
    )


def competing_section(competing: pd.DataFrame | None, settings, frame_html) -> list[str]:
    """The section's HTML parts (none where no endpoint declares a competing event)."""
    if competing is None or competing.empty:
        return []
    rows = competing_frame(competing, settings)
    if rows.empty:
        return []
    return [
        '<h2 id="competing">Competing risks</h2>',
        "<p>For endpoints declared with a competing event: Gray's test of the cumulative "
        "incidence in the median groups (statistic: chi-square on 1 df, stratified by "
        "cohort), the cause-specific Cox model (competing events censored) and the Fine-Gray "
        "subdistribution hazard model (statistic: Wald z), per 1 SD and high vs low; pooled "
        "within each cancer type.</p>",
        frame_html(rows),
    ]
