"""The scan: log-rank scores and their standardized statistics over candidate cutpoints."""

from __future__ import annotations

import numpy as np


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
    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=float)
    n = t.size
    order = np.argsort(t, kind="stable")
    rank_le = np.searchsorted(t[order], t, side="right")
    fact = e / (n - rank_le + 1)
    # R accumulates cumsum() in long double; doing the same keeps scores bitwise close to R's.
    cum = np.cumsum(fact[order].astype(np.longdouble)).astype(float)
    return e - cum[rank_le - 1]


def r_sum(values: np.ndarray) -> float:
    """Sequential long-double sum, as R's ``sum()``."""
    return float(np.cumsum(values.astype(np.longdouble))[-1])


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
    """|standardized linear statistic| of the first m sorted scores, R's operation order."""
    n = y_sorted.size
    ss = r_sum(y_sorted)
    expect = m / n * ss
    var = m * (n - m) / (float(n) ** 2 * (n - 1)) * (n * r_sum(y_sorted**2) - ss**2)
    cum = np.cumsum(y_sorted.astype(np.longdouble)).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.abs((cum[m.astype(int) - 1] - expect) / np.sqrt(var))


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
