"""Random-effects meta-analysis against R metafor::rma and predict (tests/r/meta_reference.R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2, norm, t

from markersurv.stats.meta import MetaAnalysisError, random_effects
from tests.r_bridge import run_r

RTOL = 1e-6
FIELDS = [
    "estimate",
    "se",
    "statistic",
    "p",
    "ci_lower",
    "ci_upper",
    "tau2",
    "tau2_se",
    "i2",
    "h2",
    "q_stat",
    "q_p",
    "pi_lower",
    "pi_upper",
]
METHODS = ["REML", "DL", "FE"]
TESTS = ["z", "knha"]


def studies(k: int, tau: float, seed: int, spread: float = 1.0) -> pd.DataFrame:
    """k log hazard ratios around 0.2 with SEs like those of cohort-level Cox fits.

    ``spread`` scales the within-study noise: 0.1 gives estimates far more alike than their
    SEs imply, so Q < k - 1 and tau^2 is truncated at 0.
    """
    rng = np.random.default_rng(seed)
    se = rng.uniform(0.08, 0.6, k)
    yi = 0.2 + rng.normal(0, tau, k) + spread * rng.normal(0, se)
    return pd.DataFrame({"yi": yi, "sei": se})


DATASETS = {
    f"k{k}_{label}": studies(k, tau, seed=10 * k + i, spread=spread)
    for k in (2, 3, 8, 31)
    for i, (label, tau, spread) in enumerate(
        [("zero", 0.0, 0.1), ("moderate", 0.2, 1.0), ("large", 1.0, 1.0)]
    )
}
DATASETS["identical"] = pd.DataFrame({"yi": [0.3, 0.3, 0.3], "sei": [0.1, 0.2, 0.3]})
DATASETS["k31_tiny_se"] = studies(31, 0.05, seed=99).assign(sei=lambda d: d["sei"] / 20)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict:
    stacked = pd.concat(
        [d.assign(dataset=name) for name, d in DATASETS.items()], ignore_index=True
    )[["dataset", "yi", "sei"]]
    pvalues = pd.DataFrame(columns=["family", "p"])
    return run_r(
        "meta_reference.R",
        {"studies": stacked, "pvalues": pvalues},
        tmp_path_factory.mktemp("meta"),
    )


def r_num(value) -> np.ndarray:
    """R's JSON numbers (with "NA", "NaN", "Inf" strings) as a float array."""
    as_float = np.vectorize(lambda v: np.nan if v in ("NA", None) else float(v), otypes=[float])
    return np.atleast_1d(as_float(np.asarray(value, dtype=object)))


@pytest.mark.r
@pytest.mark.parametrize("test", TESTS)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", list(DATASETS))
def test_matches_metafor(reference, name, method, test):
    data = DATASETS[name]
    ref = reference["meta"][f"{name}|{method}|{test}"]
    result = random_effects(data["yi"], data["sei"], method=method, test=test)
    assert result.k == int(r_num(ref["k"])[0]) == len(data)
    expected = np.array([r_num(ref[f])[0] for f in FIELDS])
    actual = np.array([getattr(result, f) for f in FIELDS])
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=0, err_msg=str(FIELDS))
    assert result.q_df == len(data) - 1
    assert bool(ref["warnings"]) == ("not meant" in result.note)
    assert result.status == ("warning" if result.note else "ok")


@pytest.mark.r
def test_cases_cover_truncated_and_large_heterogeneity(reference):
    tau2 = {name: r_num(reference["meta"][f"{name}|REML|z"]["tau2"])[0] for name in DATASETS}
    assert all(tau2[f"k{k}_zero"] == 0 for k in (3, 8, 31))
    assert all(tau2[f"k{k}_large"] > 0.3 for k in (8, 31))


def test_fixed_effect_hand_computed():
    yi, sei = np.array([0.1, 0.5]), np.array([0.2, 0.4])
    w = 1 / sei**2
    estimate = np.sum(w * yi) / w.sum()
    q = np.sum(w * (yi - estimate) ** 2)
    result = random_effects(yi, sei, method="FE")
    assert result.estimate == pytest.approx(estimate, rel=1e-14)
    assert result.se == pytest.approx(w.sum() ** -0.5, rel=1e-14)
    assert result.q_stat == pytest.approx(q, rel=1e-12)
    assert result.q_p == pytest.approx(chi2.sf(q, 1), rel=1e-12)
    assert result.i2 == pytest.approx(max(0.0, 100 * (q - 1) / q), abs=1e-12)
    assert result.tau2 == 0 and np.isnan(result.tau2_se)
    assert np.isnan(result.pi_lower) and np.isnan(result.pi_upper)


def test_dersimonian_laird_hand_computed_with_knapp_hartung_intervals():
    yi, sei = np.array([-0.3, 0.2, 0.9]), np.array([0.2, 0.25, 0.3])
    w = 1 / sei**2
    fixed = np.sum(w * yi) / w.sum()
    q = np.sum(w * (yi - fixed) ** 2)
    tau2 = (q - 2) / (w.sum() - np.sum(w**2) / w.sum())
    wr = 1 / (sei**2 + tau2)
    estimate = np.sum(wr * yi) / wr.sum()
    var = np.sum(wr * (yi - estimate) ** 2) / 2 / wr.sum()
    result = random_effects(yi, sei, method="DL", test="knha")
    assert result.tau2 == pytest.approx(tau2, rel=1e-12)
    assert result.estimate == pytest.approx(estimate, rel=1e-12)
    assert result.se == pytest.approx(np.sqrt(var), rel=1e-12)
    assert result.df == 2
    assert result.p == pytest.approx(2 * t.sf(abs(estimate) / np.sqrt(var), 2), rel=1e-10)
    half_pi = t.isf(0.025, 2) * np.sqrt(var + tau2)
    assert result.pi_lower == pytest.approx(estimate - half_pi, rel=1e-12)
    assert result.pi_upper == pytest.approx(estimate + half_pi, rel=1e-12)


def test_reml_prediction_interval_is_z_based_for_z_test():
    data = DATASETS["k8_large"]
    result = random_effects(data["yi"], data["sei"])
    half = norm.isf(0.025) * np.sqrt(result.se**2 + result.tau2)
    assert result.pi_upper - result.estimate == pytest.approx(half, rel=1e-12)
    assert result.iterations > 1 and result.status == "ok"


def test_single_study_is_returned_as_is():
    result = random_effects([0.4], [0.2], method="REML", test="knha")
    assert (result.k, result.estimate, result.se) == (1, 0.4, 0.2)
    assert result.ci_lower == pytest.approx(0.4 - norm.isf(0.025) * 0.2, rel=1e-14)
    assert np.isnan([result.tau2, result.i2, result.q_stat, result.pi_lower]).all()
    assert result.status == "warning" and "single study" in result.note


def test_no_studies_is_not_estimable():
    result = random_effects([], [])
    assert result.status == "not_estimable" and result.k == 0 and np.isnan(result.estimate)


def test_missing_pairs_are_dropped_and_noted():
    data = DATASETS["k8_moderate"]
    yi = np.r_[data["yi"], np.nan, 0.1]
    sei = np.r_[data["sei"], 0.2, np.nan]
    result = random_effects(yi, sei)
    clean = random_effects(data["yi"], data["sei"])
    assert result.k == 8 and result.estimate == clean.estimate
    assert result.status == "warning" and "2 studies" in result.note


def test_non_convergence_is_a_status_not_a_number():
    data = DATASETS["k31_large"]
    result = random_effects(data["yi"], data["sei"], max_iter=1)
    assert result.status == "not_estimable"
    assert "did not converge" in result.note
    assert np.isnan([result.estimate, result.se, result.tau2, result.p]).all()


def test_zero_standard_error_is_refused():
    with pytest.raises(MetaAnalysisError, match="positive"):
        random_effects([0.1, 0.2], [0.1, 0.0])


def test_identical_estimates_with_knapp_hartung_are_flagged():
    data = DATASETS["identical"]
    result = random_effects(data["yi"], data["sei"], method="DL", test="knha")
    assert result.status == "warning" and "scale factor is 0" in result.note


@pytest.mark.parametrize(("field", "value"), [("method", "PM"), ("test", "t"), ("level", 95)])
def test_unknown_options_are_refused(field, value):
    with pytest.raises(ValueError, match=field):
        random_effects([0.1, 0.2], [0.1, 0.1], **{field: value})
