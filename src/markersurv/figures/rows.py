"""The rows of result tables that one figure shows."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

ESTIMATE_COLUMNS = ["n", "events", "hr", "hr_lower", "hr_upper", "p"]
POOLED_COLUMNS = ["hr", "hr_lower", "hr_upper", "p", "pi_lower", "pi_upper", "i2", "tau2", "q_p"]
# A prediction interval from two studies says next to nothing about a new one: drawn from 3.
MIN_STUDIES_FOR_PREDICTION = 3


def select(frame: pd.DataFrame, **keys) -> pd.DataFrame:
    """Rows whose columns equal the given values (an empty table stays empty)."""
    if frame.empty:
        return frame
    mask = np.ones(len(frame), dtype=bool)
    for column, value in keys.items():
        mask &= (frame[column] == value).to_numpy()
    return frame[mask]


def first_row(frame: pd.DataFrame, **keys) -> pd.Series | None:
    rows = select(frame, **keys)
    return rows.iloc[0] if len(rows) else None


def forest_rows(
    rows: pd.DataFrame,
    label_column: str,
    with_q: bool = False,
    weights: pd.DataFrame | None = None,
    names: Callable[[str], str] | None = None,
) -> pd.DataFrame:
    """Estimate rows of a forest plot, labelled by a column of the cox table (printed as
    ``names`` gives each value, e.g. a cohort's name for its id); with ``weights``
    (pooling_weights rows of one pooled estimate) each row's weight in it, in percent
    (missing for a study the pooled estimate left out)."""
    columns = ESTIMATE_COLUMNS + (["q"] if with_q else [])
    out = rows[columns].reset_index(drop=True)
    labels = rows[label_column].astype(str).to_numpy()
    out.insert(0, "label", labels)
    if weights is not None and len(weights):
        share = dict(zip(weights["study"].astype(str), weights["weight"], strict=True))
        out["weight"] = [share.get(label, np.nan) for label in labels]
    if names is not None:
        out["label"] = [names(label) for label in labels]
    return out


def forest_pooled_rows(pooled: pd.DataFrame, prefix: str, method: str) -> pd.DataFrame | None:
    """The estimable pooled row of ``method``, labelled ``<prefix> (<method>)``; its
    prediction interval only where at least three studies were pooled."""
    pooled = select(pooled, method=method)
    if pooled.empty:
        return None
    pooled = pooled[pooled["status"] != "not_estimable"]
    if pooled.empty:
        return None
    out = pooled[POOLED_COLUMNS].reset_index(drop=True)
    few = (pooled["k"] < MIN_STUDIES_FOR_PREDICTION).to_numpy()
    out.loc[few, ["pi_lower", "pi_upper"]] = np.nan
    out.insert(0, "label", (prefix + " (" + pooled["method"] + ")").to_numpy())
    return out
