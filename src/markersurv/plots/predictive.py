"""Subgroup forest plot of a predictive analysis: the treatment hazard ratio within each
group of a marker split, the overall one as a diamond, and the interaction p in the title.

Drawn with :func:`~markersurv.plots.forest.plot_forest` from predictive.tsv rows; every word
(marker, endpoint, treatment and its arms, the split) comes from the config's labels.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from markersurv.config.covariates import Treatment
from markersurv.plots.checks import PlotDataError, require_columns
from markersurv.plots.forest import plot_forest
from markersurv.plots.labels import CUT_METHOD_LABELS, Labels, p_equals

ROW_COLUMNS = [
    "cut_method",
    "treatment",
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
]
GROUPS = ("low", "high")


def comparison_rows(rows: pd.DataFrame, level: str, cut_method: str) -> dict[str, pd.DataFrame]:
    """The rows one figure shows: the split's groups, the overall row and the interactions
    (of the split and, where present, of the continuous marker)."""
    require_columns(rows, ROW_COLUMNS, "predictive rows")
    arm = rows[rows["treatment"] == level]
    groups = arm[
        (arm["cut_method"] == cut_method)
        & arm["group"].isin(GROUPS)
        & (arm["estimate"] == "treatment_hr")
    ]
    if groups.empty:
        raise PlotDataError(
            f"no treatment hazard ratios of the {cut_method} groups for arm {level!r}"
        )
    groups = groups.set_index("group").loc[[g for g in GROUPS if g in set(groups["group"])]]
    pick = arm["estimate"] == "interaction"
    return {
        "groups": groups.reset_index(),
        "overall": arm[(arm["group"] == "all") & (arm["estimate"] == "treatment_hr")],
        "split": arm[pick & (arm["cut_method"] == cut_method)],
        "continuous": arm[pick & (arm["group"] == "continuous")],
    }


def interaction_text(interaction: pd.DataFrame, name: str) -> str:
    """``interaction p = 0.012`` (``name`` says which), or "" without a row."""
    if interaction.empty:
        return ""
    return p_equals(float(interaction["interaction_p"].iloc[0]), f"{name} p")


def plot_predictive_forest(
    rows: pd.DataFrame,
    *,
    labels: Labels,
    treatment: Treatment,
    level: str,
    cancer_type: str,
    marker: str,
    endpoint: str,
    cut_method: str = "median",
    suppress_below: int | None = None,
) -> Figure:
    """Treatment HR (arm ``level`` vs the reference) with its CI in each group of the
    ``cut_method`` split of ``marker``, the overall HR as a diamond, interaction p values in
    the title.

    Parameters
    ----------
    rows : pandas.DataFrame
        predictive.tsv rows of one cancer type, cohort, endpoint and marker.
    labels, treatment : Labels, Treatment
        The config's words for markers and endpoints, and its treatment (label, arms).
    level : str
        The arm compared with the reference.
    suppress_below : int, optional
        Print n and events below this as ``<k``.

    Returns
    -------
    matplotlib.figure.Figure
        As :func:`~markersurv.plots.forest.plot_forest` (squares gid ``estimate``, the
        overall diamond gid ``pooled``).
    """
    shown = comparison_rows(rows, level, cut_method)
    name = labels.marker(marker)
    forest_rows = shown["groups"].assign(label=[f"{name} {g}" for g in shown["groups"]["group"]])
    overall = shown["overall"]
    pooled = (
        overall.assign(label="All patients", pi_lower=float("nan"), pi_upper=float("nan"))
        if len(overall)
        else None
    )
    cut = CUT_METHOD_LABELS.get(cut_method, cut_method)
    tests = [
        interaction_text(shown["split"], f"interaction ({cut})"),
        interaction_text(shown["continuous"], "interaction (per SD)"),
    ]
    title = (
        f"{cancer_type}: {treatment.label} {level} vs {treatment.reference} by {name} "
        f"({cut}), {labels.endpoint(endpoint)}"
    )
    if any(tests):
        title += "; " + ", ".join(t for t in tests if t)
    return plot_forest(
        forest_rows,
        pooled,
        title=title,
        xlabel=f"Hazard ratio, {level} vs {treatment.reference} (95% CI), log scale",
        label_header="Subgroup",
        suppress_below=suppress_below,
    )
