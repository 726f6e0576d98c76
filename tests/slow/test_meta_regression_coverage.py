"""Coverage of the meta-regression's 95% intervals and the size of the moderator and
subgroup-difference tests on study estimates simulated from a known truth.

2000 seeded replicates (numpy default_rng, seeds 5000-6999) of k = 10 synthetic study
estimates in the setting the pipeline meets: few estimates (ten cancer types), two levels of
a categorical moderator (five types each), true log hazard ratio 0.2 in the reference level
and 0.2 + 0.3 in the other, residual between-type SD 0.2, SEs uniform on (0.08, 0.4). With
Knapp-Hartung tests (the default) and REML, the interval of the moderator coefficient must
cover the truth in 93-97% of the replicates. Under a null truth (no moderator effect) the
omnibus test QM rejects at 5% in 3-7%; so does the test of subgroup differences with no
residual heterogeneity (its fixed-effect model is then the true one).
"""

from __future__ import annotations

import numpy as np
import pytest

from markersurv.stats.meta_regression import (
    categorical_design,
    meta_regression,
    subgroup_difference,
)

pytestmark = pytest.mark.slow

REPLICATES = 2000
K = 10
GROUPS = ["a"] * 5 + ["b"] * 5
DESIGN = categorical_design(GROUPS)
INTERCEPT, EFFECT, TAU = 0.2, 0.3, 0.2


def replicate(seed: int, effect: float, tau: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    se = rng.uniform(0.08, 0.4, K)
    truth = INTERCEPT + effect * DESIGN.matrix[:, 1]
    return truth + rng.normal(0, tau, K) + rng.normal(0, se), se


def fits(effect: float, tau: float):
    for seed in range(5000, 5000 + REPLICATES):
        yi, se = replicate(seed, effect, tau)
        fit = meta_regression(yi, se, DESIGN, method="REML", test="knha")
        assert fit.status in ("ok", "warning"), fit.note
        yield yi, se, fit


def test_knapp_hartung_interval_of_the_moderator_covers_the_truth():
    covered = [fit.ci_lower[1] <= EFFECT <= fit.ci_upper[1] for _, _, fit in fits(EFFECT, TAU)]
    assert 0.93 <= np.mean(covered) <= 0.97, np.mean(covered)


def test_moderator_test_holds_its_size_under_the_null():
    rejected = [fit.qm_p < 0.05 for _, _, fit in fits(0.0, TAU)]
    assert 0.03 <= np.mean(rejected) <= 0.07, np.mean(rejected)


def test_subgroup_difference_holds_its_size_without_heterogeneity():
    rejected = [
        subgroup_difference(yi, se, GROUPS).qm_p < 0.05
        for seed in range(5000, 5000 + REPLICATES)
        for yi, se in [replicate(seed, 0.0, 0.0)]
    ]
    assert 0.03 <= np.mean(rejected) <= 0.07, np.mean(rejected)
