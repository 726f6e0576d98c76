"""Cumulative incidence of the event of interest (Aalen-Johansen) and Gray's test across
groups, as R's ``cmprsk::cuminc`` computes them.

The estimate at time t is the sum over event times s <= t of S(s-) d1(s) / n(s), S the
Kaplan-Meier estimate of being free of any event, d1 the events of interest at s and n the
number at risk. Its variance is cmprsk's (Aalen's delta-method estimate with cmprsk's
correction for tied events). Pointwise confidence limits use the log(-log) transform,
``F ** exp(+-z sqrt(var) / (F |log F|))``: they stay within (0, 1); they are undefined
where F is 0 or 1.

Gray's test compares the subdistribution hazards of the event of interest across groups
(``rho = 0``: equal weights); with strata, scores and their variance are summed over strata,
as ``cuminc(..., strata = )``.

References
----------
Aalen O. Nonparametric estimation of partial transition probabilities in multiple decrement
models. Ann Stat 1978;6:534-545.
Gray RJ. A class of K-sample tests for comparing the cumulative incidence of a competing
risk. Ann Stat 1988;16:1141-1154.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2, norm

from markersurv.stats.competing.data import COMPETING, EVENT, competing_arrays
from markersurv.stats.km import SurvivalDataError, ordered_levels


@dataclass(frozen=True)
class CumulativeIncidence:
    """The Aalen-Johansen estimate at each distinct time of an event of interest."""

    time: np.ndarray
    cif: np.ndarray
    var: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    n: int
    events: int
    competing_events: int


def tie_fraction(d: np.ndarray, n: np.ndarray) -> np.ndarray:
    """cmprsk's factor for ``d`` tied events among ``n`` at risk: 1 - (d - 1) / (n - 1)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d > 1, 1.0 - (d - 1.0) / (n - 1.0), 1.0)


def loglog_limits(cif: np.ndarray, var: np.ndarray, conf_level: float):
    """Pointwise limits on the log(-log) scale (NaN where the estimate is 0 or 1)."""
    z = norm.ppf(0.5 + conf_level / 2)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        inside = (cif > 0) & (cif < 1)
        sd = np.sqrt(var) / (cif * np.abs(np.log(cif)))
        lower = np.where(inside, cif ** np.exp(z * sd), np.nan)
        upper = np.where(inside, cif ** np.exp(-z * sd), np.nan)
    return lower, upper


def aalen_johansen(time, cause, conf_level: float = 0.95) -> CumulativeIncidence:
    """Cumulative incidence of cause 1 with cmprsk's variance and log(-log) limits."""
    t, c = competing_arrays(time, cause)
    times, index = np.unique(t, return_inverse=True)
    d1 = np.bincount(index, weights=c == EVENT, minlength=times.size)
    d2 = np.bincount(index, weights=c == COMPETING, minlength=times.size)
    leaving = np.bincount(index, minlength=times.size)
    at_risk = (t.size - np.concatenate([[0], np.cumsum(leaving)[:-1]])).astype(float)
    d = d1 + d2
    free_after = np.cumprod(1.0 - d / at_risk)
    free_before = np.concatenate([[1.0], free_after[:-1]])
    cif = np.cumsum(free_before * d1 / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        inverse = np.where(free_after > 0, 1.0 / free_after, 0.0)
    base = free_before**2 / at_risk**2
    # A competing event adds to the variance only while some patients stay event-free.
    w2 = np.where((d2 > 0) & (free_after > 0), base * tie_fraction(d2, at_risk) * d2, 0.0)
    w1 = np.where(d1 > 0, base * tie_fraction(d1, at_risk) * d1, 0.0)
    b2, b1 = cif * inverse, 1.0 + inverse * cif
    v1 = np.cumsum(b2**2 * w2 + b1**2 * w1)
    v2 = np.cumsum(inverse * b2 * w2 + inverse * b1 * w1)
    v3 = np.cumsum(inverse**2 * (w2 + w1))
    var = v1 + cif**2 * v3 - 2 * cif * v2
    keep = d1 > 0
    lower, upper = loglog_limits(cif[keep], var[keep], conf_level)
    return CumulativeIncidence(
        times[keep],
        cif[keep],
        var[keep],
        lower,
        upper,
        int(t.size),
        int((c == EVENT).sum()),
        int((c == COMPETING).sum()),
    )


@dataclass(frozen=True)
class GrayTest:
    """Gray's k-sample test of the event of interest: chi-square on ``df`` = groups - 1."""

    statistic: float
    df: int
    p: float
    groups: tuple
    status: str
    note: str


def gray_scores(t: np.ndarray, c: np.ndarray, g: np.ndarray, ng: int, rho: float):
    """Scores of the first ng - 1 groups and their variance within one stratum (Gray 1988,
    in the sequential form cmprsk computes them: one pass over the distinct times)."""
    k1 = ng - 1
    times, index = np.unique(t, return_inverse=True)
    counts = np.zeros((times.size, 3, ng))
    np.add.at(counts, (index, c, g), 1.0)
    at_risk = np.bincount(g, minlength=ng).astype(float)
    f1_before, free_before = np.zeros(ng), np.ones(ng)
    v3, v2, cc = np.zeros(ng), np.zeros((k1, ng)), np.zeros((ng, ng))
    score, var = np.zeros(k1), np.zeros((k1, k1))
    f_before = 0.0
    for k in range(times.size):
        d1, d2 = counts[k, EVENT], counts[k, COMPETING]
        nd1, nd2 = d1.sum(), d2.sum()
        if nd1 + nd2 > 0:
            live = at_risk > 0
            safe = np.where(live, at_risk, 1.0)
            free = np.where(live, free_before * (at_risk - d1 - d2) / safe, free_before)
            f1 = np.where(live, f1_before + free_before * d1 / safe, f1_before)
            weight = np.where(live, at_risk / np.where(live, free_before, 1.0), 0.0)
            tr = weight.sum()
            tq = (weight * (1 - f1_before)).sum()
            f = f_before + nd1 / tr
            fb = (1 - f_before) ** rho
            a = fb * (np.diag(weight) - np.outer(weight, weight) / tr)
            if nd1 > 0:
                cc += a * nd1 / (tr * (1 - f_before))
            score += (fb * (d1 - nd1 * weight * (1 - f1_before) / tq))[:k1]
            if nd1 > 0:
                with np.errstate(divide="ignore", invalid="ignore"):
                    t4 = np.where(free > 0, 1 - (1 - f) / free, 1.0)
                    t5 = np.where(nd1 > 1, 1 - (nd1 - 1) / (tr * free_before - 1), 1.0)
                    t3 = np.where(live, t5 * free_before * nd1 / (tr * safe), 0.0)
                v3 += t4**2 * t3
                t1 = a[:k1] - t4 * cc[:k1]
                v2 += t1 * t4 * t3
                var += (t1 * t3) @ t1.T
            if nd2 > 0:
                hit = (free > 0) & (d2 > 0)
                with np.errstate(divide="ignore", invalid="ignore"):
                    t4 = np.where(hit, (1 - f) / free, 0.0)
                    t3 = np.where(
                        hit, tie_fraction(d2, at_risk) * free_before**2 * d2 / safe**2, 0.0
                    )
                v3 += t4**2 * t3
                t1 = t4 * cc[:k1]
                v2 -= t1 * t4 * t3
                var += (t1 * t3) @ t1.T
            f_before, f1_before, free_before = f, f1, free
        at_risk -= counts[k].sum(axis=0)
    ck = cc[:k1]
    var += (ck * v3) @ ck.T + ck @ v2.T + v2 @ ck.T
    return score, var


def gray_test(time, cause, group, strata=None, rho: float = 0.0) -> GrayTest:
    """Gray's test that the cumulative incidence of cause 1 is the same in every group,
    summed over ``strata`` when given (as ``cmprsk::cuminc(ftime, fstatus, group, strata)``).
    """
    t, c = competing_arrays(time, cause)
    levels, g = ordered_levels(group)
    if len(g) != t.size:
        raise SurvivalDataError(f"group has {len(g)} values for {t.size} times")
    ng = len(levels)
    if ng < 2:
        return GrayTest(np.nan, 0, np.nan, tuple(levels), "not_estimable", "fewer than 2 groups")
    _, s = ordered_levels(np.zeros(t.size) if strata is None else strata, "strata")
    score, var = np.zeros(ng - 1), np.zeros((ng - 1, ng - 1))
    for stratum in np.unique(s):
        rows = s == stratum
        part = gray_scores(t[rows], c[rows], g[rows], ng, rho)
        score += part[0]
        var += part[1]
    df = ng - 1
    if not np.all(np.isfinite(var)) or np.linalg.matrix_rank(var) < df:
        return GrayTest(
            np.nan, df, np.nan, tuple(levels), "not_estimable", "the score variance is singular"
        )
    statistic = float(score @ np.linalg.solve(var, score))
    return GrayTest(statistic, df, float(chi2.sf(statistic, df)), tuple(levels), "ok", "")
