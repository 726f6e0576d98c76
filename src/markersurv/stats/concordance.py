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

from markersurv.stats.cox.ordering import code_order, float_order
from markersurv.stats.km import SurvivalDataError, ordered_levels, survival_arrays
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


@numba.njit(cache=True, nogil=True)
def _count_before(keys, weights, n_keys, less, equal, wless, wequal):
    """Fill the four ``*_before`` counts of :func:`_smaller_and_equal` in one pass.

    Two Fenwick trees over the keys (counts and weights) answer "how many earlier elements
    have a smaller key" in O(log n); per-key tallies give the equal ones.
    """
    tree = np.zeros(n_keys + 1, dtype=np.int64)
    wtree = np.zeros(n_keys + 1)
    tally = np.zeros(n_keys, dtype=np.int64)
    wtally = np.zeros(n_keys)
    for i in range(keys.size):
        key = keys[i]
        count, weight = 0, 0.0
        j = key  # the prefix of keys 0 .. key - 1 (tree positions are 1-based)
        while j > 0:
            count += tree[j]
            weight += wtree[j]
            j -= j & -j
        less[i], wless[i] = count, weight
        equal[i], wequal[i] = tally[key], wtally[key]
        tally[key] += 1
        wtally[key] += weights[i]
        j = key + 1
        while j <= n_keys:
            tree[j] += 1
            wtree[j] += weights[i]
            j += j & -j


def _smaller_and_equal(
    keys: np.ndarray, weights: np.ndarray, n_keys: int
) -> dict[str, np.ndarray]:
    """Counts of smaller and of equal keys among earlier elements, and weighted among all.

    Parameters
    ----------
    keys : numpy.ndarray
        Integer keys in ``0 .. n_keys - 1`` (int64), length n.
    weights : numpy.ndarray
        A weight per element.

    Returns
    -------
    dict of numpy.ndarray
        For element i: ``less_before`` and ``equal_before``, the number of j < i whose key is
        smaller than or equal to key i; ``wless_before`` and ``wequal_before``, the same
        weighted; ``wless_all`` and ``wequal_all``, the weight of all j != i with a smaller or
        equal key.
    n_keys : int
        The number of possible keys.
    """
    n = keys.size
    w = np.asarray(weights, dtype=float)
    out = {
        "less_before": np.empty(n, dtype=np.int64),
        "equal_before": np.empty(n, dtype=np.int64),
        "wless_before": np.empty(n),
        "wequal_before": np.empty(n),
    }
    _count_before(
        keys,
        w,
        n_keys,
        out["less_before"],
        out["equal_before"],
        out["wless_before"],
        out["wequal_before"],
    )
    per_key = np.bincount(keys, weights=w, minlength=n_keys)
    below = np.cumsum(per_key) - per_key
    out["wless_all"] = below[keys]
    out["wequal_all"] = per_key[keys] - w
    return out


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


def _runs(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Position within its run of equal consecutive rows, run length, and run start."""
    change = _changes(*columns)
    starts = np.flatnonzero(change)
    run = np.cumsum(change) - 1
    length = np.diff(np.append(starts, change.size))[run]
    return np.arange(change.size) - starts[run], length, starts[run]


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
        codes = ordered_levels(strata, "strata")[1].astype(np.int64)
    n = t.size
    by_score = float_order(score)
    rank = np.empty(n, dtype=np.int64)
    rank[by_score] = _dense_ranks(score[by_score])
    # Processing order of R's concordance3: stratum, descending time, censored before events
    # at the same time, ascending score (stable sorts from the least important key).
    order = code_order(e.astype(np.int64), by_score)
    order = float_order(t, descending=True, then=order)
    stratified = n > 0 and codes.min() != codes.max()
    if stratified:
        order = code_order(codes - codes.min(), order)
    s, tt, d, v = codes[order], t[order], e[order].astype(bool), rank[order]
    # Strata compare as disjoint score ranges: the key is the rank of (stratum, score).
    if stratified:
        by_key = code_order(codes - codes.min(), by_score)
        key_rank = np.empty(n, dtype=np.int64)
        key_rank[by_key] = _dense_ranks(codes[by_key], rank[by_key])
        key = key_rank[order]
    else:
        key = v
    n_keys = int(key.max()) + 1 if n else 0
    pos = np.arange(n)
    _, stratum_size, stratum_start = _runs(s)
    in_group, group_size, _ = _runs(s, tt, d)
    tied_in_group, tie_size, _ = _runs(s, tt, d, v)

    # Role 1, the patient with the event: against everybody processed before its group of
    # tied events (longer follow-up, or censored at its time), within its stratum.
    # Role 2, the longer survivor: against every later-processed event of its stratum, except
    # events tied with its own. Later = all minus earlier, so one count serves both roles.
    counts = _smaller_and_equal(key, d, n_keys)
    less, equal = counts["less_before"], counts["equal_before"]
    conc_1 = np.where(d, less - stratum_start - (in_group - tied_in_group), 0.0)
    disc_1 = np.where(d, pos - less - equal, 0.0)
    tied_1 = np.where(d, equal - tied_in_group, 0.0)

    less_r = counts["wless_all"] - counts["wless_before"]
    equal_r = counts["wequal_all"] - counts["wequal_before"]
    events_from = np.append(np.cumsum(d[::-1])[::-1], 0)
    events_after = events_from[1:]
    events_later_strata = events_from[stratum_start + stratum_size]
    tied_after = np.where(d, tie_size - 1 - tied_in_group, 0)
    higher_after = np.where(d, group_size - 1 - in_group, 0) - tied_after
    conc_2 = events_after - less_r - equal_r - events_later_strata - higher_after
    disc_2 = less_r
    tied_2 = equal_r - tied_after

    concordant, discordant, tied_risk = conc_1.sum(), disc_1.sum(), tied_1.sum()
    group_start = d & (in_group == 0)
    tied_pairs = (group_size[group_start] * (group_size[group_start] - 1) / 2).sum()
    run_start = d & (tied_in_group == 0)
    tied_xy = (tie_size[run_start] * (tie_size[run_start] - 1) / 2).sum()

    npair = concordant + discordant + tied_risk
    if npair == 0:
        nan = float("nan")
        return Concordance(nan, 0.0, 0.0, 0.0, float(tied_pairs - tied_xy), float(tied_xy), nan)
    somers_d = (concordant - discordant) / npair
    inf_c, inf_d, inf_t = conc_1 + conc_2, disc_1 + disc_2, tied_1 + tied_2
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
