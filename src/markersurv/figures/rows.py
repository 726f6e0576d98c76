"""The rows of result tables that one figure shows."""

from __future__ import annotations

import numpy as np
import pandas as pd

ESTIMATE_COLUMNS = ["n", "events", "hr", "hr_lower", "hr_upper", "p"]
POOLED_COLUMNS = ["hr", "hr_lower", "hr_upper", "pi_lower", "pi_upper", "i2", "tau2", "q_p"]


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


def forest_rows(rows: pd.DataFrame, label_column: str, with_q: bool = False) -> pd.DataFrame:
    """Estimate rows of a forest plot, labelled by a column of the cox table."""
    columns = ESTIMATE_COLUMNS + (["q"] if with_q else [])
    out = rows[columns].reset_index(drop=True)
    out.insert(0, "label", rows[label_column].to_numpy())
    return out


def forest_pooled_rows(pooled: pd.DataFrame, prefix: str) -> pd.DataFrame | None:
    """Estimable pooled rows of a forest plot, labelled ``<prefix> (<method>)``."""
    if pooled.empty:
        return None
    pooled = pooled[pooled["status"] != "not_estimable"]
    if pooled.empty:
        return None
    out = pooled[POOLED_COLUMNS].reset_index(drop=True)
    out.insert(0, "label", (prefix + " (" + pooled["method"] + ")").to_numpy())
    return out
