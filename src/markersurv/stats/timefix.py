"""Times that differ only by rounding error count as tied, as R's survival does by default."""

from __future__ import annotations

import numba
import numpy as np

from markersurv.stats.ordering import float_order

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
    return merge_close_times_ordered(time, tolerance)[0]


def merge_close_times_ordered(
    time: np.ndarray, tolerance: float = TIMEFIX_TOLERANCE
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`merge_close_times` and the ascending order of the times it sorted for that.

    The order sorts the merged times as well (merging never reorders), so a caller that
    sorts by time next can start from it.
    """
    time = np.asarray(time, dtype=float)
    order = float_order(time)
    mean_abs, distinct = _distinct_mean_abs(time, order)
    if distinct < 2:
        return time, order
    merged = _merge_chains(time, order, tolerance, mean_abs)
    return (time if merged.size == 0 else merged), order


@numba.njit(cache=True, nogil=True)
def _distinct_mean_abs(time, order):
    """Mean absolute value of the distinct times, and their number (``order`` sorts them)."""
    total = 0.0
    count = 0
    for i in range(order.size):
        if i == 0 or time[order[i]] != time[order[i - 1]]:
            total += abs(time[order[i]])
            count += 1
    return (total / count if count else 0.0), count


@numba.njit(cache=True, nogil=True)
def _merge_chains(time, order, tolerance, mean_abs):
    """Each time replaced by the first member of its chain, in place of a copy of ``time``
    (read in the sorted ``order``, no sorted copy); empty if none merges."""
    n = order.size
    out = np.empty(n)
    merged_any = False
    chain_value = time[order[0]]
    previous = chain_value
    for i in range(n):
        value = time[order[i]]
        if value != previous:
            gap = value - previous
            if gap <= tolerance or gap / mean_abs <= tolerance:
                merged_any = True
            else:
                chain_value = value
            previous = value
        out[order[i]] = chain_value
    return out if merged_any else out[:0]
