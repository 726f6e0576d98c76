"""Competing risks against R cmprsk (cuminc, Gray's test, crr) and survival (coxph with the
competing event censored): tests/r/competing_reference.R.

The simulated cohorts are SYNTHETIC (numpy default_rng, seeds below), from Fine and Gray's
(1999, section 5) design with a stated truth: the event of interest has subdistribution
P(T <= t, cause 1 | x) = 1 - (1 - p (1 - exp(-t)))^exp(x beta1), the competing event
occurs otherwise after an exponential time with rate exp(x beta2), censoring is uniform;
times are rounded to a grid so that events, competing events and censorings tie.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from markersurv.stats.competing.cuminc import aalen_johansen, gray_test, loglog_limits
from markersurv.stats.competing.finegray import censoring_before, fine_gray
from markersurv.stats.cox.fit import fit_cox
from tests.r_bridge import run_r

RTOL = 1e-6


def simulate(
    n: int,
    seed: int,
    beta1=(0.5, -0.3),
    beta2=(-0.4, 0.2),
    p: float = 0.45,
    grid: float = 0.1,
    censor_max: float = 4.0,
) -> pd.DataFrame:
    """A SYNTHETIC competing-risks sample with Fine-Gray coefficients ``beta1`` on (x1, x2):
    x1 a binary group, x2 standard normal, ``stratum`` one of three."""
    rng = np.random.default_rng(seed)
    x1 = rng.integers(0, 2, n).astype(float)
    x2 = rng.normal(size=n)
    lp1 = beta1[0] * x1 + beta1[1] * x2
    lp2 = beta2[0] * x1 + beta2[1] * x2
    rate1 = np.exp(lp1)
    u = rng.uniform(size=n)
    first = u < 1 - (1 - p) ** rate1
    with np.errstate(invalid="ignore", divide="ignore"):
        t1 = -np.log(1 - (1 - (1 - u) ** (1 / rate1)) / p)
    t2 = rng.exponential(1 / np.exp(lp2))
    latent = np.where(first, t1, t2)
    censor = rng.uniform(0, censor_max, n)
    time = np.minimum(latent, censor)
    cause = np.where(latent <= censor, np.where(first, 1, 2), 0)
    time = np.maximum(np.ceil(time / grid) * grid, grid)
    return pd.DataFrame(
        {
            "time": np.round(time, 10),
            "cause": cause,
            "group": x1.astype(int),
            "stratum": rng.integers(0, 3, n),
            "x1": x1,
            "x2": x2,
        }
    )


DATASETS = {
    "n60_coarse": simulate(60, seed=11, grid=0.25),
    "n300_ties": simulate(300, seed=12, grid=0.1),
    "n800_fine": simulate(800, seed=13, grid=0.01),
    "n200_heavy_competing": simulate(200, seed=14, p=0.15, beta2=(0.6, 0.3), grid=0.2),
}


def r_num(value) -> np.ndarray:
    as_float = np.vectorize(lambda v: np.nan if v in ("NA", None) else float(v), otypes=[float])
    return np.atleast_1d(as_float(np.asarray(value, dtype=object)))


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict:
    stacked = pd.concat([d.assign(dataset=k) for k, d in DATASETS.items()], ignore_index=True)
    return run_r("competing_reference.R", {"data": stacked}, tmp_path_factory.mktemp("cr"))


def test_the_simulated_data_tie_and_hold_every_cause():
    for data in DATASETS.values():
        assert set(data["cause"]) == {0, 1, 2}
        assert data["time"].duplicated().sum() > 0
        tied = data.groupby("time")["cause"].nunique()
        assert (tied > 1).any()


@pytest.mark.r
@pytest.mark.parametrize("name", list(DATASETS))
def test_cumulative_incidence_matches_cuminc(reference, name):
    data = DATASETS[name]
    for group, ref in reference[name]["cuminc"].items():
        rows = data[data["group"] == int(group)]
        result = aalen_johansen(rows["time"], rows["cause"])
        np.testing.assert_allclose(result.time, r_num(ref["time"]), rtol=1e-12)
        np.testing.assert_allclose(result.cif, r_num(ref["est"]), rtol=RTOL)
        np.testing.assert_allclose(result.var, r_num(ref["var"]), rtol=RTOL)


@pytest.mark.r
@pytest.mark.parametrize("name", list(DATASETS))
def test_confidence_limits_are_the_loglog_transform_of_cuminc_variance(reference, name):
    # cmprsk gives no limits: the stated transform applied to R's estimate and variance.
    data = DATASETS[name]
    for group, ref in reference[name]["cuminc"].items():
        rows = data[data["group"] == int(group)]
        result = aalen_johansen(rows["time"], rows["cause"], conf_level=0.95)
        est, var = r_num(ref["est"]), r_num(ref["var"])
        sd = np.sqrt(var) / (est * np.abs(np.log(est)))
        lower, upper = est ** np.exp(1.959963984540054 * sd), est ** np.exp(-1.959963984540054 * sd)
        np.testing.assert_allclose(result.lower, lower, rtol=RTOL)
        np.testing.assert_allclose(result.upper, upper, rtol=RTOL)
        assert np.all((result.lower < result.cif) & (result.cif < result.upper))


@pytest.mark.r
@pytest.mark.parametrize("name", list(DATASETS))
@pytest.mark.parametrize("stratified", [False, True])
def test_gray_test_matches_cuminc(reference, name, stratified):
    data = DATASETS[name]
    ref = reference[name]["gray_strata" if stratified else "gray"]
    strata = data["stratum"] if stratified else None
    result = gray_test(data["time"], data["cause"], data["group"], strata)
    assert result.status == "ok"
    assert result.df == int(r_num(ref["df"])[0]) == 1
    np.testing.assert_allclose(result.statistic, r_num(ref["stat"])[0], rtol=RTOL)
    np.testing.assert_allclose(result.p, r_num(ref["p"])[0], rtol=RTOL)


@pytest.mark.r
@pytest.mark.parametrize("name", list(DATASETS))
@pytest.mark.parametrize("terms", [["x1"], ["x1", "x2"]])
def test_fine_gray_matches_crr(reference, name, terms):
    data = DATASETS[name]
    ref = reference[name]["crr"]["_".join(terms)]
    result = fine_gray(data["time"], data["cause"], data[terms], terms)
    assert ref["converged"] is True and result.converged and result.status == "ok"
    p = len(terms)
    np.testing.assert_allclose(result.coef, r_num(ref["coef"]), rtol=RTOL)
    np.testing.assert_allclose(result.var, r_num(ref["var"]).reshape(p, p), rtol=RTOL)
    np.testing.assert_allclose(result.loglik, r_num(ref["loglik"])[0], rtol=RTOL)
    assert result.n == int(r_num(ref["n"])[0]) == len(data)


@pytest.mark.r
@pytest.mark.parametrize("name", list(DATASETS))
def test_cause_specific_cox_censors_competing_events(reference, name):
    data = DATASETS[name]
    ref = reference[name]["cause_specific"]
    event = (data["cause"] == 1).astype(float).to_numpy()
    time = data["time"].to_numpy()
    fit = fit_cox(time, event, data[["x1", "x2"]], ties="efron")
    np.testing.assert_allclose(fit.coef, r_num(ref["coef"]), rtol=RTOL)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.var)), r_num(ref["se"]), rtol=RTOL)
    strat = fit_cox(time, event, data[["x1"]], strata=data["stratum"].to_numpy(), ties="efron")
    np.testing.assert_allclose(strat.coef, r_num(ref["strata_coef"]), rtol=RTOL)
    np.testing.assert_allclose(np.sqrt(np.diag(strat.var)), r_num(ref["strata_se"]), rtol=RTOL)


def test_without_competing_events_the_cif_is_one_minus_kaplan_meier():
    time = np.array([1.0, 2.0, 2.0, 3.0, 4.0, 5.0])
    cause = np.array([1, 1, 0, 1, 0, 1])
    result = aalen_johansen(time, cause)
    # KM: 5/6 at 1, * 4/5 at 2 (one death of five at risk), * 2/3 at 3, * 0 at 5.
    surv = np.cumprod([5 / 6, 4 / 5, 2 / 3, 0.0])
    np.testing.assert_allclose(result.time, [1, 2, 3, 5])
    np.testing.assert_allclose(result.cif, 1 - surv, rtol=1e-14)
    assert np.isnan(result.lower[-1]) and np.isnan(result.upper[-1])


def test_hand_computed_cumulative_incidence_with_a_competing_event():
    # Four patients: event at 1, competing at 2, event at 3, censored at 4.
    result = aalen_johansen([1.0, 2.0, 3.0, 4.0], [1, 2, 1, 0])
    # F(1) = 1/4; S(2) = 3/4 * 2/3 = 1/2; F(3) = 1/4 + 1/2 * 1/2.
    np.testing.assert_allclose(result.cif, [0.25, 0.5], rtol=1e-14)
    assert (result.n, result.events, result.competing_events) == (4, 2, 1)


def test_limits_need_an_estimate_strictly_between_zero_and_one():
    lower, upper = loglog_limits(np.array([0.0, 0.3, 1.0]), np.array([0.01, 0.01, 0.01]), 0.95)
    assert np.isnan(lower[[0, 2]]).all() and np.isnan(upper[[0, 2]]).all()
    assert 0 < lower[1] < 0.3 < upper[1] < 1


def test_censoring_distribution_is_taken_just_before_each_time():
    time = np.array([1.0, 2.0, 2.0, 3.0])
    cause = np.array([0, 0, 1, 1])
    # Censored at 1 (1 of 4 at risk) and at 2 (1 of 3): G(2-) = 3/4, G(3-) = 3/4 * 2/3.
    np.testing.assert_allclose(
        censoring_before(time, cause, np.array([1.0, 2.0, 3.0, 9.0])), [1, 0.75, 0.5, 0.5]
    )


def test_gray_test_needs_two_groups():
    result = gray_test([1.0, 2.0, 3.0], [1, 2, 0], ["a", "a", "a"])
    assert result.status == "not_estimable" and np.isnan(result.statistic)


def test_a_group_without_events_of_interest_does_not_converge():
    time = np.arange(1.0, 21.0)
    cause = np.where(np.arange(20) % 2 == 0, 1, 2)
    x = (np.arange(20) % 2 == 1).astype(float)
    result = fine_gray(time, cause, x, ["high"])
    assert result.status == "not_estimable" and not result.converged
    assert "did not converge" in result.note
    assert np.isnan(result.var).all()


def test_no_event_of_interest_is_not_estimable():
    result = fine_gray([1.0, 2.0, 3.0], [2, 0, 2], [0.0, 1.0, 0.5], ["x"])
    assert result.status == "not_estimable" and result.note == "no event of interest"
