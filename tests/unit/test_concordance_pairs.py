"""Weighted pair matrices for the concordance bootstrap (markersurv.analysis.concordance_pairs).

With unit weights ``w'Aw / w'Bw`` must be Harrell's C as
``markersurv.stats.concordance.concordance_index`` (itself checked against R) counts it, with
tied times, tied scores, censorings at event times and strata; an integer weighting must be
the C of the sample that repeats each patient that many times (what a bootstrap draw is).
"""

from __future__ import annotations

import numpy as np
import pytest

from markersurv.analysis.concordance_pairs import (
    MAX_PAIRWISE_N,
    bootstrap_concordance_difference,
    pair_matrices,
    weighted_concordance,
)
from markersurv.stats.concordance import concordance_index


def tied_sample(seed: int, n: int = 80):
    """Whole-month times (many ties, censorings at event times) and scores on 5 levels."""
    rng = np.random.default_rng(seed)
    score = rng.integers(0, 5, n).astype(float)
    latent = rng.exponential(12 * np.exp(-0.3 * score))
    censor = rng.uniform(0, 30, n)
    time = np.ceil(np.minimum(latent, censor))
    event = (latent <= censor).astype(float)
    strata = rng.choice(["a", "b", "c"], n)
    return time, event, score, strata


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("stratified", [False, True])
def test_unit_weights_reproduce_concordance_index(seed, stratified):
    time, event, score, strata = tied_sample(seed)
    s = strata if stratified else None
    b, (a,) = pair_matrices(time, event, [score], s)
    reference = concordance_index(time, event, score, s)
    assert reference.tied_risk > 0 and reference.tied_time > 0  # the ties are exercised
    ones = np.ones((1, len(time)))
    # Pair counts are integers and halves: exactly equal, not merely close.
    comparable = float(((ones @ b) * ones).sum())
    concordant = float(((ones @ a) * ones).sum())
    assert comparable == reference.concordant + reference.discordant + reference.tied_risk
    assert concordant == reference.concordant + reference.tied_risk / 2
    assert weighted_concordance(ones, b, a)[0] == pytest.approx(reference.c, rel=1e-14)


def test_hand_counted_pairs():
    # Patient 0 (event at 1) is comparable with 1, 2, 3; patient 1 (event at 2) with 3
    # (censored at 2 counts as later) but not with 2 (an event at the same time); patient 2
    # (event at 2) with 3.
    time = np.array([1.0, 2.0, 2.0, 2.0])
    event = np.array([1.0, 1.0, 1.0, 0.0])
    score = np.array([3.0, 1.0, 2.0, 2.0])
    b, (a,) = pair_matrices(time, event, [score])
    expected_b = np.zeros((4, 4))
    expected_b[0, [1, 2, 3]] = 1
    expected_b[1, 3] = expected_b[2, 3] = 1
    np.testing.assert_array_equal(b, expected_b)
    # 0 beats 1, 2, 3; 1 loses to 3; 2 ties with 3.
    expected_a = np.zeros((4, 4))
    expected_a[0, [1, 2, 3]] = 1
    expected_a[2, 3] = 0.5
    np.testing.assert_array_equal(a, expected_a)
    assert weighted_concordance(np.ones((1, 4)), b, a)[0] == pytest.approx(3.5 / 5, rel=1e-15)


@pytest.mark.parametrize("stratified", [False, True])
def test_integer_weights_equal_the_concordance_of_the_repeated_sample(stratified):
    time, event, score, strata = tied_sample(7, n=60)
    s = strata if stratified else None
    b, (a,) = pair_matrices(time, event, [score], s)
    counts = np.random.default_rng(11).multinomial(len(time), np.full(len(time), 1 / len(time)))
    repeated = np.repeat(np.arange(len(time)), counts)
    expected = concordance_index(
        time[repeated], event[repeated], score[repeated], None if s is None else s[repeated]
    ).c
    got = weighted_concordance(counts[None, :].astype(float), b, a)[0]
    assert got == pytest.approx(expected, rel=1e-13)


def test_several_weightings_at_once_match_one_at_a_time():
    time, event, score, strata = tied_sample(5, n=50)
    b, (a,) = pair_matrices(time, event, [score], strata)
    weights = np.random.default_rng(3).integers(0, 3, size=(4, len(time))).astype(float)
    together = weighted_concordance(weights, b, a)
    alone = [weighted_concordance(w[None, :], b, a)[0] for w in weights]
    np.testing.assert_allclose(together, alone, rtol=1e-15)


def test_bootstrap_is_reproducible_for_a_seed():
    time, event, score, strata = tied_sample(9, n=70)
    full = score + np.random.default_rng(4).normal(0, 0.5, len(time))
    args = (time, event, score, full, strata, 50)
    first = bootstrap_concordance_difference(*args, seed=123)
    again = bootstrap_concordance_difference(*args, seed=123)
    other = bootstrap_concordance_difference(*args, seed=124)
    assert first.shape == (50,)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert np.isfinite(first).all()


def test_bootstrap_differences_vanish_for_identical_scores():
    time, event, score, _ = tied_sample(2, n=40)
    diffs = bootstrap_concordance_difference(time, event, score, score, None, 20, seed=1)
    np.testing.assert_array_equal(diffs, np.zeros(20))


def test_bootstrap_differences_centre_on_the_observed_difference():
    time, event, score, strata = tied_sample(8, n=120)
    full = score + np.random.default_rng(5).normal(0, 1.0, len(time))
    observed = (
        concordance_index(time, event, full, strata).c
        - concordance_index(time, event, score, strata).c
    )
    diffs = bootstrap_concordance_difference(time, event, score, full, strata, 400, seed=2)
    assert abs(np.mean(diffs) - observed) < 2 * np.std(diffs) / np.sqrt(400) + 0.01


def test_bootstrap_refuses_more_patients_than_the_pairwise_limit():
    n = MAX_PAIRWISE_N + 1
    zeros = np.zeros(n)
    with pytest.raises(ValueError, match=f"limited to {MAX_PAIRWISE_N} patients"):
        bootstrap_concordance_difference(np.ones(n), zeros, zeros, zeros, None, 2, seed=1)
