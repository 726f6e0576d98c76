"""Coverage of the Fine-Gray 95% CI and the size of Gray's test on data simulated from a
known subdistribution truth.

400 seeded replicates (numpy default_rng, seeds 1000-1399) of n = 300 from the generator of
tests/stats/test_competing.py (Fine and Gray 1999): a binary group with subdistribution log
hazard ratio 0.5 and a normal covariate with -0.3, a competing event with its own effects,
uniform censoring, times on a 0.1 grid (ties). The interval of each coefficient must cover
the truth in a count inside the central 99.9% of Binomial(400, 0.95) (about 367-393); the
mean estimate within 0.05 of the truth; the sandwich SE within 20% of the replicates' SD.
Gray's test of the two groups under a null truth (both coefficients 0) rejects at 5% in a
count consistent with Binomial(400, 0.05) at the same level.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom, norm

from markersurv.stats.competing.cuminc import gray_test
from markersurv.stats.competing.finegray import fine_gray
from tests.stats.test_competing import simulate

REPLICATES = 400
ALPHA = 0.001
TRUTH = np.array([0.5, -0.3])


def binomial_band(p: float) -> tuple[float, float]:
    return binom.ppf(ALPHA / 2, REPLICATES, p), binom.isf(ALPHA / 2, REPLICATES, p)


@pytest.fixture(scope="module")
def fits():
    estimates, ses = [], []
    for seed in range(1000, 1000 + REPLICATES):
        data = simulate(300, seed=seed, beta1=tuple(TRUTH))
        fit = fine_gray(data["time"], data["cause"], data[["x1", "x2"]], ["x1", "x2"])
        assert fit.status == "ok", fit.note
        estimates.append(fit.coef)
        ses.append(fit.se)
    return np.array(estimates), np.array(ses)


@pytest.mark.slow
def test_fine_gray_intervals_cover_the_truth(fits):
    estimates, ses = fits
    z = norm.ppf(0.975)
    covered = (np.abs(estimates - TRUTH) <= z * ses).sum(axis=0)
    low, high = binomial_band(0.95)
    assert np.all((covered >= low) & (covered <= high)), covered


@pytest.mark.slow
def test_fine_gray_is_unbiased_with_honest_standard_errors(fits):
    estimates, ses = fits
    assert np.all(np.abs(estimates.mean(axis=0) - TRUTH) < 0.05)
    ratio = ses.mean(axis=0) / estimates.std(axis=0, ddof=1)
    assert np.all((ratio > 0.8) & (ratio < 1.2)), ratio


@pytest.mark.slow
def test_grays_test_holds_its_size_under_the_null():
    rejected = 0
    for seed in range(2000, 2000 + REPLICATES):
        data = simulate(300, seed=seed, beta1=(0.0, 0.0), beta2=(0.0, 0.2))
        rejected += gray_test(data["time"], data["cause"], data["group"]).p < 0.05
    low, high = binomial_band(0.05)
    assert low <= rejected <= high, rejected
