"""Checked survival inputs: times and events as arrays, delayed-entry times, and the levels
of a grouping variable (strata, marker groups), with a located error for bad values."""

from __future__ import annotations

import sys

import numpy as np


class SurvivalDataError(ValueError):
    """Survival times, events, groups or strata cannot be analysed as given."""


def paired_arrays(time, codes, name: str, plural: str) -> tuple[np.ndarray, np.ndarray]:
    """``time`` as floats and ``codes`` as given, both flat, of one non-zero length (``name``
    and ``plural`` name the codes in the error)."""
    t = np.asarray(time, dtype=float).ravel()
    raw = np.asarray(codes).ravel()
    if t.size != raw.size:
        raise SurvivalDataError(
            f"time and {name} must have the same length; found {t.size} times and "
            f"{raw.size} {plural}"
        )
    if t.size == 0:
        raise SurvivalDataError(f"no observations: expected at least one (time, {name}) pair")
    return t, raw


def survival_arrays(time, event) -> tuple[np.ndarray, np.ndarray]:
    """Check right-censored data and return ``(time, event)`` as float and bool arrays.

    Parameters
    ----------
    time : array-like
        Follow-up times, finite and non-negative.
    event : array-like
        1 (or True) for an event, 0 (or False) for censoring.

    Raises
    ------
    SurvivalDataError
        On missing, negative or infinite times, event codes other than 0/1, unequal lengths or
        no observations.
    """
    t, e_raw = paired_arrays(time, event, "event", "event codes")
    bad = ~np.isfinite(t)
    if bad.any():
        raise SurvivalDataError(
            f"time has {int(bad.sum())} missing or infinite values (first at position "
            f"{int(np.argmax(bad))}); drop those patients before the analysis"
        )
    if (t < 0).any():
        raise SurvivalDataError(
            f"time must be non-negative; found {t.min()!r} at position {int(np.argmin(t))}"
        )
    e = np.asarray(e_raw, dtype=float)
    bad = ~np.isin(e, (0.0, 1.0))
    if bad.any():
        raise SurvivalDataError(
            f"event must be coded 0/1 (or False/True); found {e_raw[np.argmax(bad)]!r} at "
            f"position {int(np.argmax(bad))}"
        )
    return t, e == 1.0


def entry_before_exit(entry, time: np.ndarray) -> np.ndarray:
    """Delayed-entry times as floats, checked: finite, one per patient, below the exit."""
    start = np.asarray(entry, dtype=float).ravel()
    if start.size != time.size:
        raise SurvivalDataError(f"entry must have {time.size} values; found {start.size}")
    if not np.isfinite(start).all():
        raise SurvivalDataError("entry times must be finite: drop patients without one first")
    bad = start >= time
    if bad.any():
        raise SurvivalDataError(
            f"{int(bad.sum())} entry times are not before their exit times (first at row "
            f"{int(np.argmax(bad))}): a patient is at risk only after entering"
        )
    return start


def ordered_levels(values, name: str = "group") -> tuple[list, np.ndarray]:
    """The distinct levels of a grouping variable in a stable order, and each row's level code.

    A pandas categorical keeps its category order (as an R factor keeps its levels); anything
    else is sorted. Levels with no rows are dropped.

    Raises
    ------
    SurvivalDataError
        When a value is missing.
    """
    loaded = sys.modules.get("pandas")
    if loaded is None or not isinstance(values, loaded.Series | loaded.Categorical):
        array = np.asarray(values)
        if array.dtype.kind in "iufb":
            # numbers (strata codes, say) need no pandas: sorted levels, as below
            return _numeric_levels(array, name)
    import pandas as pd

    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if series.isna().any():
        raise SurvivalDataError(
            f"{name} has {int(series.isna().sum())} missing values (first at position "
            f"{int(np.argmax(series.isna().to_numpy()))}); drop or label them first"
        )
    if isinstance(series.dtype, pd.CategoricalDtype):
        present = set(series.unique())
        levels = [c for c in series.cat.categories if c in present]
    else:
        levels = sorted(series.unique())
    codes = pd.Categorical(series, categories=levels).codes.astype(np.intp)
    return list(levels), codes


def _numeric_levels(values: np.ndarray, name: str) -> tuple[list, np.ndarray]:
    missing = np.isnan(values) if values.dtype.kind == "f" else np.zeros(values.shape, bool)
    if missing.any():
        raise SurvivalDataError(
            f"{name} has {int(missing.sum())} missing values (first at position "
            f"{int(np.argmax(missing))}); drop or label them first"
        )
    if values.dtype.kind in "iu" and values.size:
        low, high = int(values.min()), int(values.max())
        if high - low <= values.size and -(2**62) < low and high < 2**62:
            # integer codes of a small range: a table of the present ones, no sort
            shifted = values.astype(np.intp, copy=False)
            if low:
                shifted = shifted - low
            present = np.bincount(shifted, minlength=high - low + 1) > 0
            if present.all():
                # codes 0..k-1 already (or one shift away): no table lookup, no copy; a
                # read-only view, as it may be the caller's own array
                codes = shifted.view()
                codes.setflags(write=False)
                return list(range(low, high + 1)), codes
            codes = (np.cumsum(present) - 1)[shifted]
            return (np.flatnonzero(present) + low).tolist(), codes.astype(np.intp, copy=False)
    levels, codes = np.unique(values, return_inverse=True)
    return levels.tolist(), codes.astype(np.intp)
