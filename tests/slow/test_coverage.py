"""Coverage of the reported 95% CIs on data simulated from a known truth (a smaller run of
benchmarks/bench_coverage.py, which holds the truths and the fits).

200 seeded replicates of cohorts of n = 300 (truth A: IL-6 0.4, pSTAT3 -0.3 per SD, age,
sex and stage effects; truth B: IL-6 0.4 alone). With 200 replicates a 95% interval covers in
190 +/- 3 of them; the test fails when the count is outside the central 99.9% of
Binomial(estimable, 0.95), i.e. a two-sided binomial test at 0.001. Random-effects intervals
from three homogeneous cohorts are conservative by design (tau^2 is estimated above 0 in some
replicates), so for them only the lower side is tested.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom, binomtest

from benchmarks.bench_coverage import LEVEL, run, summarise

REPLICATES = 200
ALPHA = 0.001
MAX_ABS_BIAS = 0.05  # an eighth of the IL-6 effect; the Monte Carlo SE is about 0.006
SE_RATIO = (0.8, 1.25)


@pytest.fixture(scope="module")
def summary():
    return summarise(run(REPLICATES, workers=1, full=False))


@pytest.mark.slow
def test_every_replicate_is_estimable(summary):
    assert len(summary) == 11
    assert (summary["estimable"] == REPLICATES).all(), summary[["analysis", "term", "estimable"]]


@pytest.mark.slow
def test_single_cohort_intervals_cover_at_the_nominal_rate(summary):
    rows = summary[~summary["analysis"].str.startswith("random-effects")]
    assert len(rows) == 7
    for r in rows.itertuples():
        p = binomtest(int(r.covered), int(r.estimable), LEVEL).pvalue
        assert p > ALPHA, f"{r.scenario} {r.analysis} {r.term}: coverage {r.coverage:.3f}"


@pytest.mark.slow
def test_pooled_intervals_do_not_undercover(summary):
    rows = summary[summary["analysis"].str.startswith("random-effects")]
    assert set(rows["analysis"]) == {
        "random-effects pooled, 3 cohorts, REML, z",
        "random-effects pooled, 3 cohorts, DL, z",
    }
    for r in rows.itertuples():
        assert binom.cdf(r.covered, r.estimable, LEVEL) > ALPHA / 2, (r.analysis, r.term)


@pytest.mark.slow
def test_estimates_are_unbiased_with_honest_standard_errors(summary):
    fitted = summary[np.isfinite(summary["truth"])]
    assert (fitted["bias"].abs() < MAX_ABS_BIAS).all(), fitted[["analysis", "term", "bias"]]
    single = fitted[~fitted["analysis"].str.startswith("random-effects")]
    low, high = SE_RATIO
    assert single["se_ratio"].between(low, high).all(), single[["analysis", "term", "se_ratio"]]
