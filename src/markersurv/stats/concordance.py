"""Harrell's concordance for right-censored data, counted as R's survival 3.x counts it.

A pair is comparable when the shorter follow-up ends in an event and both patients are in the
same stratum; a patient censored at the same time as another's event counts as the longer
survivor, two events at the same time are "tied on time" and not comparable. Higher risk score
means shorter survival (the convention of ``concordance(coxph_fit)``, R's ``reverse = TRUE``).

Counting is O(n log n): for each patient, the patients that enter a pair with it are a prefix
(or suffix) of one ordering, and the numbers among them with a smaller, equal or larger score
are counted in one compiled pass over that ordering with Fenwick trees over the score ranks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from markersurv.stats.km import SurvivalDataError, ordered_levels, survival_arrays
from markersurv.stats.ordering import code_order, float_order
from markersurv.stats.timefix import merge_close_times


@dataclass(frozen=True)
class Concordance:
    """Concordance counts and statistic.

    Attributes
    ----------
    c : float
        ``(concordant + tied_risk / 2) / (concordant + discordant + tied_risk)``; NaN when no
        pair is comparable.
    concordant, discordant : float
        Comparable pairs where the patient with the event has the higher (concordant) or the
        lower (discordant) risk score.
    tied_risk : float
        Comparable pairs with equal risk scores (R's ``tied.x``).
    tied_time : float
        Pairs of events at the same time with different scores (R's ``tied.y``).
    tied_risk_time : float
        Pairs of events at the same time with equal scores (R's ``tied.xy``).
    se : float
        Standard error of ``c`` from its influence function, as R's ``concordance()``
        (``sqrt(var)``).
    """

    c: float
    concordant: float
    discordant: float
    tied_risk: float
    tied_time: float
    tied_risk_time: float
    se: float

    @classmethod
    def not_estimable(cls) -> Concordance:
        """All NaN: for a model that could not be fitted."""
        nan = float("nan")
        return cls(nan, nan, nan, nan, nan, nan, nan)


@numba.njit(cache=True, nogil=True, inline="always")
def _run_end(i, s, tt, d, key, with_key):
    """The end (exclusive) of the run of rows equal to row i in stratum, time, event (and
    key)."""
    j = i + 1
    while (
        j < s.size
        and s[j] == s[i]
        and tt[j] == tt[i]
        and d[j] == d[i]
        and (not with_key or key[j] == key[i])
    ):
        j += 1
    return j


# One pass with the run bookkeeping of both roles: over the complexity limit by nature.
@numba.njit(cache=True, nogil=True)
def _pair_counts(s, tt, d, key, n_keys, influence):  # noqa: C901
    """Pair counts and each row's concordant, discordant and tied-score pairs.

    Rows are in R's processing order (stratum, descending time, censored before events,
    ascending score); ``key`` ranks (stratum, score), so strata are disjoint key ranges.
    Role 1, a row with an event: against every row processed before its group of tied
    events in its stratum. Role 2, the longer survivor: against every later event of its
    stratum except those tied with its own group. Fenwick trees over the keys count the
    earlier rows (and events) with a smaller key; per-key tallies the equal ones; later =
    all minus earlier. Fills ``influence[:, 0..2]`` (concordant, discordant, tied score over
    both roles) and returns the totals of role 1 with the tied-time pair counts.
    """
    n = s.size
    per_key = np.zeros(n_keys)
    for i in range(n):
        if d[i]:
            per_key[key[i]] += 1.0
    below = np.empty(n_keys)  # events with a smaller key, anywhere
    total = 0.0
    for k in range(n_keys):
        below[k] = total
        total += per_key[k]
    tree = np.zeros(n_keys + 1, dtype=np.int64)
    wtree = np.zeros(n_keys + 1)
    tally = np.zeros(n_keys, dtype=np.int64)
    wtally = np.zeros(n_keys)
    concordant = discordant = tied_risk = tied_pairs = tied_xy = 0.0
    events_seen = 0.0  # events at rows before i
    stratum_start = stratum_end = group_start = group_end = tie_start = tie_end = 0
    events_to_stratum_end = 0.0
    for i in range(n):
        if i == stratum_end:
            stratum_start, stratum_end = i, i + 1
            while stratum_end < n and s[stratum_end] == s[i]:
                stratum_end += 1
            events_to_stratum_end = events_seen
            for j in range(i, stratum_end):
                events_to_stratum_end += d[j]
        if i == group_end:
            group_start, group_end = i, _run_end(i, s, tt, d, key, False)
            if d[i]:
                size = group_end - group_start
                tied_pairs += size * (size - 1) / 2.0
        if i == tie_end:
            tie_start, tie_end = i, _run_end(i, s, tt, d, key, True)
            if d[i]:
                size = tie_end - tie_start
                tied_xy += size * (size - 1) / 2.0
        k = key[i]
        less, wless = 0, 0.0
        j = k  # the prefix of keys 0 .. k - 1 (tree positions are 1-based)
        while j > 0:
            less += tree[j]
            wless += wtree[j]
            j -= j & -j
        equal, wequal = tally[k], wtally[k]
        tally[k] += 1
        wtally[k] += d[i]
        j = k + 1
        while j <= n_keys:
            tree[j] += 1
            wtree[j] += d[i]
            j += j & -j
        in_group, in_tie = i - group_start, i - tie_start
        conc_1 = disc_1 = tied_1 = 0.0
        tied_after = higher_after = 0.0
        if d[i]:
            conc_1 = less - stratum_start - (in_group - in_tie)
            disc_1 = i - less - equal
            tied_1 = equal - in_tie
            tied_after = tie_end - i - 1
            higher_after = group_end - i - 1 - tied_after
        events_seen += d[i]
        less_later = below[k] - wless
        equal_later = per_key[k] - d[i] - wequal
        events_later_in_stratum = events_to_stratum_end - events_seen
        influence[i, 0] = conc_1 + events_later_in_stratum - less_later - equal_later - higher_after
        influence[i, 1] = disc_1 + less_later
        influence[i, 2] = tied_1 + equal_later - tied_after
        concordant += conc_1
        discordant += disc_1
        tied_risk += tied_1
    return concordant, discordant, tied_risk, tied_pairs, tied_xy


def _changes(*columns: np.ndarray) -> np.ndarray:
    """True where a row differs from the one before in any column (and at the first row)."""
    n = columns[0].size
    change = np.zeros(n, dtype=bool)
    if n:
        change[0] = True
    for col in columns:
        change[1:] |= col[1:] != col[:-1]
    return change


def _dense_ranks(*sorted_columns: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... along rows sorted by the columns: the rank of each row's distinct value."""
    return np.cumsum(_changes(*sorted_columns)) - 1


def concordance_index(time, event, risk_score, strata=None, timefix: bool = True) -> Concordance:
    """Harrell's concordance index with R survival's pair counts and standard error.

    Parameters
    ----------
    time : array-like
        Follow-up times.
    event : array-like
        1 for an event, 0 for censoring.
    risk_score : array-like
        Higher means shorter expected survival (for a Cox model, the linear predictor).
    strata : array-like, optional
        Pairs are formed within strata only.
    timefix : bool
        Treat times equal up to rounding error as tied, as R does by default (see
        :func:`~markersurv.stats.timefix.merge_close_times`).

    Returns
    -------
    Concordance

    Notes
    -----
    Matches ``concordance(fit)`` / ``fit$concordance`` of a ``coxph`` fit and
    ``concordance(Surv(time, event) ~ risk, reverse = TRUE)`` with case weights 1 and the
    default ``timewt = "n"``. Scores are compared exactly (no tolerance), as in R.
    The variance is the sum of squared influence values of Somers' d divided by four
    (Therneau & Watson 2017), the ``std`` R reports.

    References
    ----------
    Harrell, F. E., Califf, R. M., Pryor, D. B., Lee, K. L. and Rosati, R. A. (1982).
    Evaluating the yield of medical tests. *JAMA* 247, 2543-2546.
    Therneau, T. M. and Watson, E. (2017). The concordance statistic and the Cox model.
    Vignette of the R package survival.
    """
    t, e = survival_arrays(time, event)
    if timefix:
        t = merge_close_times(t)
    score = np.asarray(risk_score, dtype=float).ravel()
    if score.size != t.size:
        raise SurvivalDataError(
            f"risk_score must have one value per patient: expected {t.size}, found {score.size}"
        )
    if not np.isfinite(score).all():
        raise SurvivalDataError(
            f"risk_score has {int((~np.isfinite(score)).sum())} missing or infinite values"
        )
    codes = np.zeros(t.size, dtype=np.int64)
    if strata is not None:
        codes = ordered_levels(strata, "strata")[1].astype(np.int64, copy=False)
    n = t.size
    by_score = float_order(score)
    rank = np.empty(n, dtype=np.int64)
    rank[by_score] = _dense_ranks(score[by_score])
    # Processing order of R's concordance3: stratum, descending time, censored before events
    # at the same time, ascending score (stable sorts from the least important key).
    order = code_order(e.astype(np.int64), by_score)
    order = float_order(t, descending=True, then=order)
    stratified = n > 0 and codes.min() != codes.max()
    shifted = codes - codes.min() if stratified else codes
    if stratified:
        order = code_order(shifted, order)
    s, tt, d, v = codes[order], t[order], e[order].astype(bool), rank[order]
    # Strata compare as disjoint score ranges: the key is the rank of (stratum, score).
    if stratified:
        by_key = code_order(shifted, by_score)
        key_rank = np.empty(n, dtype=np.int64)
        key_rank[by_key] = _dense_ranks(codes[by_key], rank[by_key])
        key = key_rank[order]
        del by_key, key_rank
    else:
        key = v
    # Only the sorted copies are read from here on: free the rest before the pair counts.
    del t, e, codes, shifted, by_score, rank, order
    n_keys = int(key.max()) + 1 if n else 0
    influence = np.empty((n, 3))
    concordant, discordant, tied_risk, tied_pairs, tied_xy = _pair_counts(
        s, tt, d, key, n_keys, influence
    )
    npair = concordant + discordant + tied_risk
    if npair == 0:
        nan = float("nan")
        return Concordance(nan, 0.0, 0.0, 0.0, float(tied_pairs - tied_xy), float(tied_xy), nan)
    somers_d = (concordant - discordant) / npair
    inf_c, inf_d, inf_t = influence.T
    dfbeta = (inf_c - inf_d) / npair - somers_d / npair * (inf_c + inf_d + inf_t)
    return Concordance(
        c=float((somers_d + 1) / 2),
        concordant=float(concordant),
        discordant=float(discordant),
        tied_risk=float(tied_risk),
        tied_time=float(tied_pairs - tied_xy),
        tied_risk_time=float(tied_xy),
        se=float(np.sqrt((dfbeta**2).sum() / 4)),
    )
