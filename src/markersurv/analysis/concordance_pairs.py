"""Harrell's concordance of fixed risk scores over many case weightings at once.

The bootstrap of a concordance difference reweights patients (resampling with replacement is
a multinomial weighting of the original patients). With the comparable-pair matrix B and the
concordant-pair matrix A of the original sample, a weighting w gives
``C(w) = w'Aw / w'Bw``, so every replicate is one matrix product instead of a refit.
Comparable pairs follow R's ``survival::concordance``: a patient with an event is compared
with everyone of the same stratum still at risk after their time (a censoring at the same
time counts as later); pairs of events at the same time are not compared; tied scores
count one half.

References
----------
Harrell FE, Califf RM, Pryor DB, Lee KL, Rosati RA. Evaluating the yield of medical tests.
JAMA 1982;247:2543-2546.
Therneau TM, Atkinson EJ. Concordance. Vignette of the R package survival, 2023.
"""

from __future__ import annotations

import numpy as np

MAX_PAIRWISE_N = 4000


def pair_matrices(
    time, event, scores: list[np.ndarray], strata=None
) -> tuple[np.ndarray, list[np.ndarray]]:
    """B (comparable pairs) and one A (concordant, ties 1/2) per score vector."""
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=bool)
    earlier = (time[:, None] < time[None, :]) | ((time[:, None] == time[None, :]) & ~event[None, :])
    comparable = event[:, None] & earlier
    if strata is not None:
        s = np.asarray(strata)
        comparable &= s[:, None] == s[None, :]
    np.fill_diagonal(comparable, False)
    b = comparable.astype(float)
    a_list = []
    for score in scores:
        r = np.asarray(score, dtype=float)
        agree = np.where(r[:, None] > r[None, :], 1.0, np.where(r[:, None] == r[None, :], 0.5, 0.0))
        a_list.append(agree * b)
    return b, a_list


def weighted_concordance(weights: np.ndarray, b: np.ndarray, a: np.ndarray) -> np.ndarray:
    """C for each row of ``weights`` (replicates x patients)."""
    comparable = ((weights @ b) * weights).sum(axis=1)
    concordant = ((weights @ a) * weights).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return concordant / comparable


def bootstrap_concordance_difference(
    time, event, clinical_score, full_score, strata, replicates: int, seed: int
) -> np.ndarray:
    """Bootstrap replicates of C(full) - C(clinical) for fixed risk scores.

    Resampling is stratified when strata are given (each cohort keeps its size).
    """
    n = len(time)
    if n > MAX_PAIRWISE_N:
        raise ValueError(f"pairwise bootstrap limited to {MAX_PAIRWISE_N} patients; found {n}")
    b, (a_clinical, a_full) = pair_matrices(time, event, [clinical_score, full_score], strata)
    rng = np.random.default_rng(seed)
    weights = np.zeros((replicates, n))
    groups = (
        [np.arange(n)]
        if strata is None
        else [np.flatnonzero(np.asarray(strata) == s) for s in np.unique(strata)]
    )
    for members in groups:
        draws = rng.integers(0, len(members), size=(replicates, len(members)))
        for r in range(replicates):
            weights[r, members] = np.bincount(draws[r], minlength=len(members))
    return weighted_concordance(weights, b, a_full) - weighted_concordance(weights, b, a_clinical)
