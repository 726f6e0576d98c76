"""Checks of competing-risks data: follow-up times and cause codes 0 (censored), 1 (the event
of interest) and 2 (a competing event)."""

from __future__ import annotations

import numpy as np

from markersurv.stats.survival_data import SurvivalDataError, paired_arrays

CENSORED, EVENT, COMPETING = 0, 1, 2


def competing_arrays(time, cause) -> tuple[np.ndarray, np.ndarray]:
    """``(time, cause)`` as float and int arrays, after checking them.

    Raises
    ------
    SurvivalDataError
        On missing, negative or infinite times, causes other than 0, 1, 2, unequal lengths
        or no observations.
    """
    t, c_raw = paired_arrays(time, cause, "cause", "causes")
    bad = ~np.isfinite(t) | (t < 0)
    if bad.any():
        raise SurvivalDataError(
            f"time must be finite and non-negative; found {t[np.argmax(bad)]!r} at position "
            f"{int(np.argmax(bad))}; drop those patients before the analysis"
        )
    c = np.asarray(c_raw, dtype=float)
    bad = ~np.isin(c, (CENSORED, EVENT, COMPETING))
    if bad.any():
        raise SurvivalDataError(
            f"cause must be coded 0 (censored), 1 (event of interest) or 2 (competing "
            f"event); found {c_raw[np.argmax(bad)]!r} at position {int(np.argmax(bad))}"
        )
    return t, c.astype(np.int64)


def distinct_times(time: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct times in increasing order and each observation's index among them."""
    unique, index = np.unique(time, return_inverse=True)
    return unique, index
