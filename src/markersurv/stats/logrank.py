"""Log-rank (and Fleming-Harrington G-rho) tests between groups, and the test for trend.

Observed and expected events and their variance matrix are accumulated exactly as R's
``survdiff`` does (per stratum, summed over strata); the chi-square drops groups with no
expected events and one reference group, as ``survdiff`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.stats import chi2

from markersurv.stats.km import (
    SurvivalDataError,
    entry_before_exit,
    ordered_levels,
    survival_arrays,
)

LogRankStatus = Literal["ok", "no_events", "single_group", "singular"]


@dataclass(frozen=True, eq=False)
class LogRank:
    """Result of a k-group log-rank test (R's ``survdiff``).

    Attributes
    ----------
    groups : list
        Group labels, in the order of the vectors below.
    n : numpy.ndarray
        Patients per group.
    observed, expected : numpy.ndarray
        Observed and expected events per group, summed over strata (weighted when rho != 0,
        as in R).
    variance : numpy.ndarray
        k x k variance matrix of observed minus expected.
    chisq : float
        Test statistic; NaN unless ``status == "ok"``.
    df : int
        Degrees of freedom: groups with expected events > 0, minus 1 (R's rule).
    p : float
        Upper-tail chi-square probability; NaN unless ``status == "ok"``.
    rho : float
        Fleming-Harrington weight exponent (0: log-rank).
    status : {"ok", "no_events", "single_group", "singular"}
        ``no_events``: no events at all, so nothing to test. ``single_group``: fewer than two
        groups with expected events (R reports chi-square 0 on 0 or -1 df, or stops).
        ``singular``: the variance matrix cannot be inverted (R stops).
    """

    groups: list
    n: np.ndarray
    observed: np.ndarray
    expected: np.ndarray
    variance: np.ndarray
    chisq: float
    df: int
    p: float
    rho: float
    status: LogRankStatus


@dataclass(frozen=True, eq=False)
class LogRankTrend:
    """Result of the log-rank test for trend over ordered groups.

    Attributes
    ----------
    groups : list
        Group labels in their order.
    scores : numpy.ndarray
        Score of each group.
    statistic : float
        ``w'(O - E)``, positive when higher-scored groups have more events than expected.
    chisq, df, p : float, int, float
        ``(w'(O - E))^2 / (w' V w)`` on 1 df and its p-value; NaN unless ``status == "ok"``.
    status : {"ok", "no_events", "single_group", "singular"}
        As for :class:`LogRank`; ``singular`` when ``w' V w`` is 0.
    """

    groups: list
    scores: np.ndarray
    statistic: float
    chisq: float
    df: int
    p: float
    status: LogRankStatus


def _observed_expected_variance(
    t: np.ndarray,
    e: np.ndarray,
    codes: np.ndarray,
    k: int,
    strata: np.ndarray,
    rho: float,
    entry: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """O, E (per group) and V (k x k) summed over strata, survdiff's accumulation; with
    ``entry``, a patient is in the risk sets of ``(entry, exit]`` only."""
    observed = np.zeros(k)
    expected = np.zeros(k)
    variance = np.zeros((k, k))
    for s in np.unique(strata):
        in_s = strata == s
        ts, es, gs = t[in_s], e[in_s], codes[in_s]
        uniq, inv = np.unique(ts, return_inverse=True)
        m = uniq.size
        at_time = np.zeros((m, k))
        np.add.at(at_time, (inv, gs), 1.0)
        deaths_g = np.zeros((m, k))
        np.add.at(deaths_g, (inv, gs), es.astype(float))
        risk_g = np.cumsum(at_time[::-1], axis=0)[::-1]
        if entry is not None:
            for g in range(k):
                later = np.sort(entry[in_s][gs == g])
                risk_g[:, g] -= later.size - np.searchsorted(later, uniq, side="left")
        n_risk = risk_g.sum(axis=1)
        deaths = deaths_g.sum(axis=1)
        if rho != 0.0:
            # Weight is the pooled Kaplan-Meier just before each time (left-continuous).
            km_after = np.cumprod(1.0 - deaths / n_risk)
            km_before = np.concatenate([[1.0], km_after[:-1]])
            weight = km_before**rho
        else:
            weight = np.ones(m)
        share = risk_g / n_risk[:, None]
        observed += weight @ deaths_g
        expected += (weight * deaths) @ share
        # A lone patient at risk contributes no variance (survdiff skips it).
        usable = (deaths > 0) & (n_risk > 1)
        c = np.zeros(m)
        c[usable] = (
            weight[usable] ** 2
            * deaths[usable]
            * (n_risk[usable] - deaths[usable])
            / (n_risk[usable] - 1.0)
        )
        variance += np.diag(c @ share) - (share * c[:, None]).T @ share
    return observed, expected, variance


def _prepare(time, event, group, strata):
    t, e = survival_arrays(time, event)
    levels, codes = ordered_levels(group, "group")
    if codes.size != t.size:
        raise SurvivalDataError(
            f"group must have one value per patient; found {codes.size} for {t.size} patients"
        )
    if strata is None:
        strata_codes = np.zeros(t.size, dtype=np.intp)
    else:
        _, strata_codes = ordered_levels(strata, "strata")
        if strata_codes.size != t.size:
            raise SurvivalDataError(
                f"strata must have one value per patient; found {strata_codes.size} for "
                f"{t.size} patients"
            )
    return t, e, levels, codes, strata_codes


def logrank_test(time, event, group, *, strata=None, rho: float = 0.0, entry=None) -> LogRank:
    """Log-rank test of equal survival across k groups, optionally stratified (R's survdiff).

    Parameters
    ----------
    time, event : array-like
        Follow-up times and 0/1 event codes.
    group : array-like
        Group label per patient (categorical order kept, otherwise sorted).
    strata : array-like, optional
        Stratum label per patient; expected events and variances are computed within strata
        and summed.
    rho : float
        Fleming-Harrington G-rho weight: each event time is weighted by the pooled
        Kaplan-Meier (within stratum) just before it, to the power rho. 0 is the log-rank
        test, 1 the Peto-Peto modification of the Gehan-Wilcoxon test.

    Returns
    -------
    LogRank
        Never raises for degenerate data: no events, one group or a singular variance give
        NaN chi-square and p with an explicit ``status``.

    Notes
    -----
    With ``O`` and ``E`` the observed and expected events per group and ``V`` their variance
    matrix, the statistic is ``(O - E)' V^- (O - E)`` computed, as R does, after dropping
    groups with no expected events and the first remaining group.

    References
    ----------
    .. [1] Mantel N. Evaluation of survival data and two new rank order statistics arising
       in its consideration. Cancer Chemother Rep. 1966;50:163-170.
    .. [2] Harrington DP, Fleming TR. A class of rank test procedures for censored survival
       data. Biometrika. 1982;69:553-566.
    .. [3] Therneau TM. survival package for R, version 3.x: survdiff.
    """
    t, e, levels, codes, strata_codes = _prepare(time, event, group, strata)
    k = len(levels)
    start = None if entry is None else entry_before_exit(entry, t)
    observed, expected, variance = _observed_expected_variance(
        t, e, codes, k, strata_codes, float(rho), start
    )
    n = np.bincount(codes, minlength=k).astype(np.int64)
    keep = expected > 0
    df = int(keep.sum()) - 1

    def result(chisq: float, p: float, status: LogRankStatus) -> LogRank:
        return LogRank(levels, n, observed, expected, variance, chisq, df, p, float(rho), status)

    if not e.any():
        return result(float("nan"), float("nan"), "no_events")
    if keep.sum() < 2:
        return result(float("nan"), float("nan"), "single_group")
    diff = (observed - expected)[keep][1:]
    v = variance[np.ix_(keep, keep)][1:, 1:]
    try:
        chisq = float(diff @ np.linalg.solve(v, diff))
    except np.linalg.LinAlgError:
        return result(float("nan"), float("nan"), "singular")
    return result(chisq, float(chi2.sf(chisq, df)), "ok")


def logrank_trend_test(
    time,
    event,
    group,
    *,
    scores: Sequence[float] | np.ndarray | None = None,
    strata=None,
    entry=None,
) -> LogRankTrend:
    """Log-rank test for trend across ordered groups (1 df).

    Parameters
    ----------
    time, event : array-like
        Follow-up times and 0/1 event codes.
    group : array-like
        Ordered group per patient. A pandas categorical keeps its category order; other
        values are sorted (numbers ascending, so tertile codes 1, 2, 3 work as given).
    scores : sequence of float, optional
        One score per group, in group order; default 1, 2, ..., k.
    strata : array-like, optional
        Stratum per patient; O, E and V are summed over strata as in :func:`logrank_test`.
    entry : array-like, optional
        Delayed-entry times, as in :func:`logrank_test`.

    Returns
    -------
    LogRankTrend

    Notes
    -----
    With the same ``O``, ``E`` and ``V`` as the k-group log-rank test and scores ``w``, the
    statistic is ``(w'(O - E))^2 / (w' V w)``, referred to chi-square on 1 df.

    References
    ----------
    .. [1] Peto R, Pike MC, Armitage P, et al. Design and analysis of randomized clinical
       trials requiring prolonged observation of each patient. II. Br J Cancer.
       1977;35:1-39.
    .. [2] Collett D. Modelling Survival Data in Medical Research. 3rd ed. CRC Press; 2015,
       section 2.7 (test for trend).
    """
    t, e, levels, codes, strata_codes = _prepare(time, event, group, strata)
    k = len(levels)
    w = np.arange(1.0, k + 1.0) if scores is None else np.asarray(scores, dtype=float).ravel()
    if w.size != k or not np.isfinite(w).all():
        raise ValueError(f"scores must be {k} finite numbers, one per group {levels}; found {w}")
    start = None if entry is None else entry_before_exit(entry, t)
    observed, expected, variance = _observed_expected_variance(
        t, e, codes, k, strata_codes, 0.0, start
    )
    statistic = float(w @ (observed - expected))
    nan = float("nan")
    if not e.any():
        return LogRankTrend(levels, w, statistic, nan, 1, nan, "no_events")
    if (expected > 0).sum() < 2:
        return LogRankTrend(levels, w, statistic, nan, 1, nan, "single_group")
    denominator = float(w @ variance @ w)
    if not denominator > 0:
        return LogRankTrend(levels, w, statistic, nan, 1, nan, "singular")
    chisq = statistic**2 / denominator
    return LogRankTrend(levels, w, statistic, chisq, 1, float(chi2.sf(chisq, 1)), "ok")
