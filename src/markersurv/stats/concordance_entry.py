"""Harrell's concordance with delayed entry, counted as R's survival 3.x counts it for the
counting-process form ``Surv(entry, time, event)``.

A pair is comparable when one patient has an event at a time at which the other is at risk
(entered before it, follow-up not ended before it) in the same stratum; a patient censored at
the event's time counts as the longer survivor, and two events at the same time are tied on
time, not comparable. Without delayed entry this is the count of
:func:`~markersurv.stats.concordance.concordance_index`.

Both roles of a patient are counted with Fenwick trees over the ranks of the risk scores,
O(n log n): as the patient with the event, against the risk set swept down in time (a patient
joins at its exit and leaves at its entry); as the longer survivor, against the events of
``(entry, exit]`` (of ``(entry, exit)`` for a patient with an event), a difference of two
counts over events sorted by time.
"""

from __future__ import annotations

import numba
import numpy as np

from markersurv.stats.concordance import Concordance
from markersurv.stats.km import (
    SurvivalDataError,
    entry_before_exit,
    ordered_levels,
    survival_arrays,
)
from markersurv.stats.timefix import merge_close_times


@numba.njit(cache=True, nogil=True)
def _add(tree, rank, value):
    i = rank + 1
    while i < tree.size:
        tree[i] += value
        i += i & (-i)


@numba.njit(cache=True, nogil=True)
def _below(tree, rank):
    """Sum over ranks below ``rank``."""
    total = 0.0
    i = rank
    while i > 0:
        total += tree[i]
        i -= i & (-i)
    return total


@numba.njit(cache=True, nogil=True)
def _leave(tree, j, s, t, stop, start, stratum, rank, by_start):
    """Take out of the tree the patients of stratum ``s`` entering at or after ``t`` (from
    position ``j`` of ``by_start`` on); the next position and how many left."""
    left = 0.0
    while j < stop.size and stratum[by_start[j]] == s and start[by_start[j]] >= t:
        k = by_start[j]
        if stop[k] > t:  # in the tree: joined at a later exit
            _add(tree, rank[k], -1.0)
            left += 1.0
        j += 1
    return j, left


@numba.njit(cache=True, nogil=True)
def _as_event(stop, start, dead, rank, stratum, n_ranks, by_stop, by_start):
    """For each event, patients at risk at its time with a lower, equal, higher score.

    Sweeps each stratum down in time: first out go those entering at or after the time,
    then in come those censored at it (longer survivors), then the events are counted, then
    they join for earlier times.
    """
    n = stop.size
    less = np.zeros(n)
    equal = np.zeros(n)
    more = np.zeros(n)
    tree = np.zeros(n_ranks + 1)
    size = 0.0
    j = 0  # next patient (by start) to leave
    i = 0
    while i < n:
        s = stratum[by_stop[i]]
        t = stop[by_stop[i]]
        if i == 0 or s != stratum[by_stop[i - 1]]:
            tree[:] = 0.0
            size = 0.0
            while j < n and stratum[by_start[j]] < s:
                j += 1
        end = i
        while end < n and stratum[by_stop[end]] == s and stop[by_stop[end]] == t:
            end += 1
        j, left = _leave(tree, j, s, t, stop, start, stratum, rank, by_start)
        size -= left
        for m in range(i, end):
            k = by_stop[m]
            if not dead[k]:
                _add(tree, rank[k], 1.0)
                size += 1.0
        for m in range(i, end):
            k = by_stop[m]
            if dead[k]:
                below = _below(tree, rank[k])
                upto = _below(tree, rank[k] + 1)
                less[k] = below
                equal[k] = upto - below
                more[k] = size - upto
        for m in range(i, end):
            k = by_stop[m]
            if dead[k]:
                _add(tree, rank[k], 1.0)
                size += 1.0
        i = end
    return less, equal, more


@numba.njit(cache=True, nogil=True)
def _events_before(time, rank, stratum, n_ranks, ev, query, strict, qs):
    """For each query (a patient), the events of its stratum at times up to ``query`` (before
    it where ``strict``) with a score below, equal to and above the patient's. ``ev``: the
    events sorted by stratum and time; ``qs``: the queries sorted by stratum, time, strict
    first."""
    nq = query.size
    below = np.zeros(nq)
    same = np.zeros(nq)
    above = np.zeros(nq)
    tree = np.zeros(n_ranks + 1)
    size = 0.0
    e = 0
    current = -1
    for idx in range(nq):
        q = qs[idx]
        s = stratum[q]
        if s != current:
            tree[:] = 0.0
            size = 0.0
            while e < ev.size and stratum[ev[e]] < s:
                e += 1
            current = s
        while (
            e < ev.size
            and stratum[ev[e]] == s
            and (time[ev[e]] < query[q] or (not strict[q] and time[ev[e]] == query[q]))
        ):
            _add(tree, rank[ev[e]], 1.0)
            size += 1.0
            e += 1
        lo = _below(tree, rank[q])
        hi = _below(tree, rank[q] + 1)
        below[q] = lo
        same[q] = hi - lo
        above[q] = size - hi
    return below, same, above


def concordance_with_entry(
    time, event, risk_score, entry, strata=None, timefix: bool = True
) -> Concordance:
    """Harrell's concordance of ``risk_score`` (higher: shorter survival) with delayed entry.

    Parameters
    ----------
    time, event : array-like
        Exit times and 0/1 events.
    risk_score : array-like
        For a Cox model, the linear predictor.
    entry : array-like
        Entry times, each below its exit time.
    strata : array-like, optional
        Pairs are formed within strata only.
    timefix : bool
        Merge times equal up to rounding, over entry and exit times together (R's default).

    Returns
    -------
    Concordance
        Counts, ``c`` and the standard error from the influence of each patient in its two
        roles, as for right-censored data (Therneau & Watson 2017).

    References
    ----------
    Therneau, T. M. and Watson, E. (2017). The concordance statistic and the Cox model.
    Vignette of the R package survival; ``concordancefit`` for counting-process data.
    """
    t, e = survival_arrays(time, event)
    start = entry_before_exit(entry, t)
    if timefix:
        start, t = np.split(merge_close_times(np.concatenate([start, t])), 2)
        if (start >= t).any():
            raise SurvivalDataError("an entry time equals its exit time up to rounding")
    score = np.asarray(risk_score, dtype=float).ravel()
    if score.size != t.size or not np.isfinite(score).all():
        raise SurvivalDataError(
            f"risk_score must hold one finite value per patient ({t.size}); found "
            f"{score.size} values, {int((~np.isfinite(score)).sum())} not finite"
        )
    codes = np.zeros(t.size, dtype=np.int64)
    if strata is not None:
        codes = ordered_levels(strata, "strata")[1].astype(np.int64)
    _, rank = np.unique(score, return_inverse=True)
    rank = rank.astype(np.int64)
    n_ranks = int(rank.max()) + 1
    dead = e.astype(np.bool_)

    # Role 1: the patient with the event has the higher score in a concordant pair.
    less, equal, more = _as_event(
        t,
        start,
        dead,
        rank,
        codes,
        n_ranks,
        np.lexsort((-t, codes)),
        np.lexsort((-start, codes)),
    )
    conc_1, disc_1, tied_1 = less * dead, more * dead, equal * dead
    # Role 2: events of (entry, exit] (exit excluded for an event: tied on time).
    events = np.flatnonzero(dead)
    ev = events[np.lexsort((t[events], codes[events]))]
    up_below, up_same, up_above = _events_before(
        t, rank, codes, n_ranks, ev, t, dead, np.lexsort((~dead, t, codes))
    )
    never = np.zeros(t.size, dtype=np.bool_)
    in_below, in_same, in_above = _events_before(
        t, rank, codes, n_ranks, ev, start, never, np.lexsort((start, codes))
    )
    conc_2 = up_above - in_above
    disc_2 = up_below - in_below
    tied_2 = up_same - in_same

    concordant, discordant, tied_risk = conc_1.sum(), disc_1.sum(), tied_1.sum()
    tied_time, tied_xy = _tied_events(t, dead, rank, codes)
    npair = concordant + discordant + tied_risk
    if npair == 0:
        nan = float("nan")
        return Concordance(nan, 0.0, 0.0, 0.0, tied_time - tied_xy, tied_xy, nan)
    somers_d = (concordant - discordant) / npair
    inf_c, inf_d, inf_t = conc_1 + conc_2, disc_1 + disc_2, tied_1 + tied_2
    dfbeta = (inf_c - inf_d) / npair - somers_d / npair * (inf_c + inf_d + inf_t)
    return Concordance(
        c=float((somers_d + 1) / 2),
        concordant=float(concordant),
        discordant=float(discordant),
        tied_risk=float(tied_risk),
        tied_time=float(tied_time - tied_xy),
        tied_risk_time=float(tied_xy),
        se=float(np.sqrt((dfbeta**2).sum() / 4)),
    )


def _tied_events(t, dead, rank, codes) -> tuple[float, float]:
    """Pairs of events at the same time in a stratum, and those of them with equal scores."""
    if not dead.any():
        return 0.0, 0.0
    keys = np.stack([codes[dead], t[dead]])
    _, per_time = np.unique(keys, axis=1, return_counts=True)
    _, per_score = np.unique(np.stack([*keys, rank[dead]]), axis=1, return_counts=True)
    pairs = float((per_time * (per_time - 1) / 2).sum())
    return pairs, float((per_score * (per_score - 1) / 2).sum())
