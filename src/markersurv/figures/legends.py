"""The words beside Kaplan-Meier curves: each group's events and median survival, and how
the groups were formed, from the km and logrank rows the analysis wrote."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from markersurv.plots.labels import format_count, scale_label

# What one cohort's groups are cut at, by cut method, in the plural.
WITHIN_COHORT = {
    "median": "medians",
    "tertile": "tertiles",
    "quartile": "quartiles",
    "fixed": "fixed cutpoints",
    "optimal": "optimal cutpoints (exploratory)",
    "cv_optimal": "cross-validated cutpoints",
}


def format_months(value: float) -> str:
    """A median survival time: ``93.4 months``, or ``not reached``.

    >>> format_months(93.404), format_months(float("nan")), format_months(8.0)
    ('93.4 months', 'not reached', '8.0 months')
    """
    if value is None or not math.isfinite(value):
        return "not reached"
    return f"{value:.1f} months"


def group_notes(km: pd.DataFrame, suppress_below: int | None = None) -> dict[str, str]:
    """Each group's ``<events> events, median <time>`` from its km.tsv row."""
    return {
        str(row["group"]): f"{format_count(row['events'], suppress_below)} events, "
        f"median {format_months(float(row['median']))}"
        for _, row in km.iterrows()
    }


def split_text(logrank: pd.DataFrame, method: str, scales: dict[str, list[str]]) -> str:
    """How a two-group split was made: ``Split at 5.2 pg/mL`` where every cohort of the
    analysis was cut at one value on one scale, else ``Split at within-cohort medians``.

    ``logrank`` holds the two-group rows of each cohort alone (cohort != all), whose
    ``cutpoint`` is the cohort's; ``scales`` maps each cohort to the unit or scoring
    systems its values were recorded in.
    """
    cutpoints = logrank["cutpoint"].to_numpy(dtype=float)
    units = {s for c in logrank["cohort"].astype(str) for s in scales.get(c, [])}
    if len(cutpoints) and np.isfinite(cutpoints).all() and len(set(cutpoints)) == 1:
        if len(units) == 1:
            return f"Split at {cutpoints[0]:.3g} {scale_label(units.pop())}"
    return f"Split at within-cohort {WITHIN_COHORT.get(method, method)}"
