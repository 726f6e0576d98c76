"""Input checks shared by the plotting functions."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd


class PlotDataError(ValueError):
    """The data handed to a plotting function lack a column or are inconsistent."""


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise :class:`PlotDataError` naming every missing column of ``frame``."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise PlotDataError(f"{what} needs columns {missing}; found {list(frame.columns)}")


def require_rows(frame: pd.DataFrame, what: str) -> None:
    """Raise :class:`PlotDataError` when ``frame`` has no rows."""
    if len(frame) == 0:
        raise PlotDataError(f"{what} has no rows: nothing to plot")
