"""Marker groups, always formed within each cohort (and scale) of a cancer type.

``median``: high = above the cohort's median (values equal to it are low). ``tertile`` and
``quartile``: T1-T3 / Q1-Q4 by the cohort's quantiles (R's default type 7), a value equal to a
quantile going to the lower group. ``fixed``: low/high at a configured cutpoint in canonical
units. The joint groups of two markers cross their median splits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LABELS = {
    "median": ("low", "high"),
    "tertile": ("T1", "T2", "T3"),
    "quartile": ("Q1", "Q2", "Q3", "Q4"),
    "fixed": ("low", "high"),
    "optimal": ("low", "high"),
    "cv_optimal": ("low", "high"),
}


def quantile_labels(values: np.ndarray, labels: tuple[str, ...]) -> np.ndarray:
    """Label each value by the quantile interval it falls in (x <= q goes below q).

    >>> quantile_labels(np.array([1.0, 2, 3, 4, np.nan]), ("low", "high")).tolist()
    ['low', 'low', 'high', 'high', None]
    """
    out = np.full(len(values), None, dtype=object)
    present = ~np.isnan(values)
    if not present.any():
        return out
    k = len(labels)
    cuts = np.quantile(values[present], np.arange(1, k) / k)
    out[present] = np.asarray(labels, dtype=object)[
        np.searchsorted(cuts, values[present], side="left")
    ]
    return out


def cut_labels(values: np.ndarray, cutpoint: float) -> np.ndarray:
    """low (x <= cutpoint) / high; None where missing."""
    out = np.full(len(values), None, dtype=object)
    present = ~np.isnan(values)
    out[present] = np.where(values[present] <= cutpoint, "low", "high")
    return out


def within_cohorts(data: pd.DataFrame, marker: str, label_one) -> pd.Series:
    """Apply ``label_one(values, cohort, scale)`` separately in each cohort and scale."""
    labels = pd.Series(None, index=data.index, dtype=object)
    keys = [data["cohort"], data[f"{marker}_scale"].fillna("")]
    for (cohort, scale), rows in data.groupby(keys, sort=True):
        labelled = label_one(rows[marker].to_numpy(dtype=float), cohort, scale)
        if labelled is not None:
            labels[rows.index] = labelled
    return labels


def marker_groups(
    data: pd.DataFrame,
    marker: str,
    method: str,
    fixed_cutpoints: dict | None = None,
    cutpoints: dict | None = None,
) -> pd.Series:
    """Group labels of ``marker`` by ``method``; None where not assignable.

    ``cutpoints`` maps cohort -> cutpoint for the optimal method (found per cohort).
    """
    if method in ("median", "tertile", "quartile"):
        return within_cohorts(data, marker, lambda v, c, s: quantile_labels(v, LABELS[method]))
    if method == "fixed":
        by_scale = (fixed_cutpoints or {}).get(marker, {})
        return within_cohorts(
            data, marker, lambda v, c, s: cut_labels(v, by_scale[s]) if s in by_scale else None
        )
    if method == "optimal":
        return within_cohorts(
            data,
            marker,
            lambda v, c, s: cut_labels(v, cutpoints[c]) if cutpoints and c in cutpoints else None,
        )
    raise ValueError(f"unknown cut method {method!r}")


def joint_groups(data: pd.DataFrame, first: str, second: str) -> pd.Series:
    """The four groups of two median splits, e.g. ``il6_low&pstat3_high``."""
    a = marker_groups(data, first, "median")
    b = marker_groups(data, second, "median")
    both = a.notna() & b.notna()
    out = pd.Series(None, index=data.index, dtype=object)
    out[both] = first + "_" + a[both] + "&" + second + "_" + b[both]
    return out


def joint_labels(first: str, second: str) -> tuple[str, ...]:
    return tuple(f"{first}_{x}&{second}_{y}" for x in ("low", "high") for y in ("low", "high"))
