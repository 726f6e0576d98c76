"""The scan: log-rank scores and their standardized statistics over candidate cutpoints.

Both sorts (by time for the scores, by marker for the scan) are the compiled radix sort of
``stats.ordering``; the sums that R accumulates in long double (``sum``, ``cumsum``) are
compensated sums here (Neumaier), at least as exact, so scores and statistics agree with R's
to rounding.
"""

from __future__ import annotations

import numba
import numpy as np

from markersurv.stats.ordering import float_order


class CutpointError(ValueError):
    """No maximally selected statistic can be computed for the data as given."""


def logrank_scores(time, event) -> np.ndarray:
    """Log-rank scores of right-censored observations, as maxstat computes them.

    The score of observation i is ``event_i - sum_{j: t_j <= t_i} event_j / (n - r_j + 1)``
    where ``r_j`` is the number of observations with time ``<= t_j`` (so tied times share
    the largest rank of their group). This is ``exactRankTests::cscores(Surv(time, event),
    type = "LogRank", int = FALSE)``, which ``maxstat`` uses for ``smethod = "LogRank"``; with
    tied event times it differs slightly from the Nelson-Aalen form.

    Parameters
    ----------
    time : array-like
        Follow-up times.
    event : array-like
        1 for an event, 0 for censoring.

    Returns
    -------
    numpy.ndarray
        One score per observation, in input order.

    References
    ----------
    Hothorn T, Lausen B (2003). On the exact distribution of maximally selected rank
    statistics. Computational Statistics & Data Analysis 43:121-137.
    """
    t = np.ascontiguousarray(time, dtype=float)
    e = np.ascontiguousarray(event, dtype=float)
    order = float_order(t)
    scores = np.empty(t.size)
    scores[order] = _sorted_logrank_scores(t[order], e[order])
    return scores


@numba.njit(cache=True, nogil=True, inline="always")
def _add(total: float, carry: float, x: float) -> tuple[float, float]:
    """One step of Neumaier's compensated sum: ``total + carry`` is the running sum."""
    step = total + x
    if abs(total) >= abs(x):
        carry += (total - step) + x
    else:
        carry += (x - step) + total
    return step, carry


@numba.njit(cache=True, nogil=True)
def _sorted_logrank_scores(t: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Scores of observations sorted by time: each tie group of times in turn adds its
    ``e / (n - r + 1)`` (r the rank of the group's last time) to the running sum, and each of
    its observations scores ``e`` minus the sum so far."""
    n = t.size
    scores = np.empty(n)
    total, carry = 0.0, 0.0
    first = 0
    while first < n:
        last = first
        while last + 1 < n and t[last + 1] == t[first]:
            last += 1
        for k in range(first, last + 1):
            total, carry = _add(total, carry, e[k] / (n - last))
        cum = total + carry
        for k in range(first, last + 1):
            scores[k] = e[k] - cum
        first = last + 1
    return scores


@numba.njit(cache=True, nogil=True)
def accurate_sums(values: np.ndarray) -> tuple[float, float]:
    """The sum of ``values`` and of their squares, each compensated (as exact as R's
    long-double ``sum()`` or more), one pass."""
    total, carry, squares, squares_carry = 0.0, 0.0, 0.0, 0.0
    for v in values:
        total, carry = _add(total, carry, v)
        squares, squares_carry = _add(squares, squares_carry, v * v)
    return total + carry, squares + squares_carry


def candidate_splits(x_sorted: np.ndarray, minprop: float, maxprop: float) -> np.ndarray:
    """Low-group sizes m at which the sorted marker can be split, as maxstat's ``cmaxstat``."""
    n = x_sorted.size
    first_of_value = np.flatnonzero(np.r_[True, x_sorted[1:] != x_sorted[:-1]])
    m = first_of_value.astype(float)
    if minprop == 0 and maxprop == 1:
        m = m[1:-1]
    else:
        if np.all(m < np.floor(n * minprop)):
            raise CutpointError(
                f"minprop={minprop} leaves no cutpoint: every split puts fewer than "
                f"{np.floor(n * minprop):.0f} of {n} patients in the low group"
            )
        if np.all(m > np.floor(n * maxprop)):
            raise CutpointError(f"maxprop={maxprop} leaves no cutpoint for {n} patients")
        m = m[m >= max(1.0, np.floor(n * minprop))]
        m = m[m <= np.floor(n * maxprop)]
    if m.size < 1:
        raise CutpointError(
            f"no cutpoint between the {minprop} and {maxprop} quantiles: the marker has "
            f"{first_of_value.size} distinct values among {n} patients"
        )
    return m


def standardized_statistics(y_sorted: np.ndarray, m: np.ndarray) -> np.ndarray:
    """|standardized linear statistic| of the first m sorted scores, by R's formulas."""
    y = np.ascontiguousarray(y_sorted, dtype=float)
    return _standardized(y, np.ascontiguousarray(m, dtype=float), *accurate_sums(y))


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _standardized(y: np.ndarray, m: np.ndarray, ss: float, squares: float) -> np.ndarray:
    """One pass over the sorted scores ``y``, the running sum read at each size in ``m``."""
    n = float(y.size)
    spread = n * squares - ss**2
    out = np.empty(m.size)
    total, carry = 0.0, 0.0
    done = 0
    for k in range(m.size):
        size = int(m[k])
        while done < size:
            total, carry = _add(total, carry, y[done])
            done += 1
        expect = m[k] / n * ss
        var = m[k] * (n - m[k]) / (n**2 * (n - 1)) * spread
        out[k] = abs((total + carry - expect) / np.sqrt(var))
    return out


def flat_arrays(time, event, x) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Time, event and marker as flat float arrays of one length."""
    t = np.asarray(time, dtype=float).ravel()
    e = np.asarray(event, dtype=float).ravel()
    v = np.asarray(x, dtype=float).ravel()
    if not (t.size == e.size == v.size):
        raise CutpointError(
            f"time, event and x must have the same length; found {t.size}, {e.size}, {v.size}"
        )
    return t, e, v
