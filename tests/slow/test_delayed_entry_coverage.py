"""Coverage of the Cox model's 95% intervals with delayed entry, on cohorts simulated with
left truncation by ``markersurv simulate``'s designs.

Truth: a cohort of 500 patients drawn (about 350 seen: entry uniform on 0-12 months after
diagnosis, a patient is seen when still progression-free and under follow-up at entry),
Weibull baselines (shape 1.2, median OS 30 and progression 40 months for the reference
patient), staggered follow-up with drop-out, log HR 0.4 per
SD of IL-6, -0.3 per SD of pSTAT3, 0.02 per year of age, 0.3 for male and 0.7 for late
stage, conditional on all five. The pipeline's conditional model on the counting-process form
(``fit_cox(..., entry=...)``, Wald intervals as cox.tsv reports them) is correctly specified,
so each interval should cover its true log HR in 95% of replicates; replicate r is
``simulate_replicate(design, r)``, its own random stream.

1000 replicates: each term's coverage must lie in 93-97% and pass a two-sided binomial test
at 0.001 against 0.95; the mean estimate must be within an eighth of the effect.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest, norm

from markersurv.simulate.core import CohortDesign, simulate_replicate
from markersurv.stats.cox.fit import fit_cox
from tests.helpers_truth import generating_terms

REPLICATES = 1000
LEVEL, ALPHA = 0.95, 0.001
TRUTH = {"il6_z": 0.4, "pstat3_z": -0.3, "age": 0.02, "male": 0.3, "late": 0.7}
DESIGN = CohortDesign(
    "coverage_truncated",
    "SIM",
    n=500,
    seed=8101,
    log_hr={"il6": 0.4, "pstat3": -0.3, "age": 0.02, "male": 0.3, "late_stage": 0.7},
    baseline={"shape": 1.2, "median_os_months": 30.0, "median_progression_months": 40.0},
    censoring={"dropout_rate_per_year": 0.1, "admin_min_months": 12, "admin_max_months": 72},
    truncation={"entry_max_months": 12},
)


def replicate(r: int) -> dict:
    table = simulate_replicate(DESIGN, r)
    x = generating_terms(table)
    fit = fit_cox(
        table["os_time"].to_numpy(),
        table["os_event"].to_numpy(),
        x,
        entry=table["entry"].to_numpy(),
    )
    return {"seen": len(table), "status": fit.status, "coef": fit.coef, "se": fit.se}


@pytest.fixture(scope="module")
def fits() -> list[dict]:
    return [replicate(r) for r in range(REPLICATES)]


@pytest.mark.slow
def test_truncation_leaves_most_patients_and_every_fit_converges(fits):
    seen = np.array([f["seen"] for f in fits])
    assert 300 < seen.mean() < 400
    assert {f["status"] for f in fits} == {"ok"}


@pytest.mark.slow
@pytest.mark.parametrize("k, term", list(enumerate(TRUTH)))
def test_intervals_cover_the_stated_truth(fits, k, term):
    coef = np.array([f["coef"][k] for f in fits])
    se = np.array([f["se"][k] for f in fits])
    half = norm.ppf(0.5 + LEVEL / 2) * se
    truth = TRUTH[term]
    covered = int(((coef - half <= truth) & (truth <= coef + half)).sum())
    assert 0.93 <= covered / REPLICATES <= 0.97, f"{term}: {covered} of {REPLICATES}"
    assert binomtest(covered, REPLICATES, LEVEL).pvalue > ALPHA
    assert abs(coef.mean() - truth) < abs(truth) / 8, (term, coef.mean())
    assert 0.85 < se.mean() / coef.std() < 1.15
