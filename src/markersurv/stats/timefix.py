"""Times that differ only by rounding error count as tied, as R's survival does by default."""

from __future__ import annotations

import numpy as np

#: R's default tolerance for ``aeqSurv``: ``sqrt(.Machine$double.eps)``.
TIMEFIX_TOLERANCE = float(np.sqrt(np.finfo(float).eps))


def merge_close_times(time: np.ndarray, tolerance: float = TIMEFIX_TOLERANCE) -> np.ndarray:
    """Replace times that are equal up to rounding by one common value.

    Distinct times whose gap is at most ``tolerance``, absolutely or relative to the mean
    absolute time, are merged into a chain represented by its smallest member. Computed times
    (days divided by 30.4375, say) that should be equal but differ in the last bits then tie,
    so Cox fits and concordances agree with R's defaults (``coxph.control(timefix = TRUE)``,
    ``concordance(timefix = TRUE)``).

    Parameters
    ----------
    time : numpy.ndarray
        Finite times.
    tolerance : float
        Gap at or below which two neighbouring distinct times are merged.

    Returns
    -------
    numpy.ndarray
        ``time`` itself when nothing is merged, else a new array.

    References
    ----------
    Therneau, T. M. (2023). survival: Survival Analysis. R package version 3.5, ``aeqSurv``
    and the vignette "Roundoff error and tied times".
    """
    order = np.argsort(time, kind="stable")
    ordered = time[order]
    first = np.r_[True, ordered[1:] != ordered[:-1]]
    distinct = ordered[first]
    if distinct.size < 2:
        return time
    gap = np.diff(distinct)
    tied = (gap <= tolerance) | (gap / np.mean(np.abs(distinct)) <= tolerance)
    if not tied.any():
        return time
    starts_chain = np.r_[True, ~tied]
    chain_of_distinct = np.cumsum(starts_chain) - 1
    merged = np.empty_like(time)
    merged[order] = distinct[starts_chain][chain_of_distinct[np.cumsum(first) - 1]]
    return merged
