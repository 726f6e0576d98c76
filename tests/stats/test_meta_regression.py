"""Meta-regression and the test of subgroup differences against R metafor::rma with mods
(tests/r/meta_regression_reference.R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2, f

from markersurv.stats.meta import MetaAnalysisError, random_effects
from markersurv.stats.meta_regression import (
    categorical_design,
    continuous_design,
    meta_regression,
    subgroup_difference,
)
from tests.r_bridge import run_r
from tests.stats.test_meta import r_num

# The same tolerance as the intercept-only comparison (tests/stats/test_meta.py): REML stops
# when tau^2 changes by at most 1e-5 on both sides, by the same Fisher scoring steps.
RTOL = 1e-6
COEFFICIENT_FIELDS = ["estimate", "se", "statistic", "p_value", "ci_lower", "ci_upper"]
MODEL_FIELDS = ["qm", "qm_df", "qm_p", "qe", "qe_p", "tau2", "r2"]
METHODS = ["REML", "DL"]
# metafor's errors, and the words of our not_estimable note for the same case.
R_REFUSALS = {"Number of parameters": "coefficients need", "did not converge": "did not converge"}
TESTS = ["z", "knha"]
# Synthetic study estimates: true log hazard ratio 0.1 + effects * (GROUP_EFFECT[group] +
# SLOPE * x), with between-study SD tau and SEs like those of cohort-level Cox fits; spread
# scales the within-study noise (below 1: estimates more alike than their SEs imply).
GROUP_EFFECT = {"a": 0.0, "b": 0.3, "c": -0.2, "d": 0.5, "e": 0.1}
SLOPE = 0.4


def studies(
    k: int,
    groups: str,
    tau: float,
    seed: int,
    reference: str = "a",
    spread: float = 1.0,
    effects: float = 1.0,
) -> pd.DataFrame:
    """k synthetic study estimates (numpy default_rng(seed)), groups assigned in turn."""
    rng = np.random.default_rng(seed)
    group = [groups[i % len(groups)] for i in range(k)]
    x = rng.uniform(-1, 1, k)
    se = rng.uniform(0.08, 0.5, k)
    truth = 0.1 + effects * (np.array([GROUP_EFFECT[g] for g in group]) + SLOPE * x)
    yi = truth + rng.normal(0, tau, k) + spread * rng.normal(0, se)
    return pd.DataFrame({"yi": yi, "sei": se, "group": group, "reference": reference, "x": x})


DATASETS = {
    "k12_four_groups": studies(12, "abcd", tau=0.15, seed=1),
    "k30_five_groups": studies(30, "abcde", tau=0.3, seed=2, reference="c"),
    "k6_two_groups": studies(6, "ab", tau=0.0, seed=3),
    "k4_three_groups": studies(4, "abc", tau=0.2, seed=4, reference="b"),
    "k8_small_spread": studies(8, "ab", tau=0.0, seed=5, spread=0.1),
    "k10_homogeneous": studies(10, "ab", tau=0.0, seed=20, spread=0.5, effects=0.0),
    "k3_three_groups": studies(3, "abc", tau=0.2, seed=7),
    # One estimate per subgroup: the subgroup test is Cochran's Q across the subgroups.
    "k5_one_per_group": studies(5, "abcde", tau=0.25, seed=8),
}


def design_of(data: pd.DataFrame, kind: str):
    if kind == "factor":
        return categorical_design(list(data["group"]), reference=data["reference"].iloc[0])
    return continuous_design(data["x"].to_numpy(), "x")


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict:
    stacked = pd.concat(
        [d.assign(dataset=name) for name, d in DATASETS.items()], ignore_index=True
    )[["dataset", "yi", "sei", "group", "reference", "x"]]
    return run_r(
        "meta_regression_reference.R",
        {"studies": stacked},
        tmp_path_factory.mktemp("meta_regression"),
    )


@pytest.mark.r
@pytest.mark.parametrize("test", TESTS)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", ["factor", "continuous"])
@pytest.mark.parametrize("name", list(DATASETS))
def test_matches_metafor(reference, name, kind, method, test):
    data = DATASETS[name]
    ref = reference["rma"][f"{name}|{kind}|{method}|{test}"]
    result = meta_regression(
        data["yi"], data["sei"], design_of(data, kind), method=method, test=test
    )
    if "error" in ref:
        # metafor refuses the model; so must we, with the reason, not a number.
        reasons = [ours for theirs, ours in R_REFUSALS.items() if theirs in ref["error"]]
        assert len(reasons) == 1, ref["error"]
        assert result.status == "not_estimable" and reasons[0] in result.note
        assert np.isnan([result.qm, result.tau2]).all()
        return
    assert (result.k, result.p) == (int(r_num(ref["k"])[0]), int(r_num(ref["p"])[0]))
    r_terms = np.atleast_1d(ref["terms"])
    assert r_terms[0] == "intrcpt" and result.terms[0] == "intercept"
    assert all(str(r).endswith(ours) for r, ours in zip(r_terms[1:], result.terms[1:], strict=True))
    for field in COEFFICIENT_FIELDS:
        np.testing.assert_allclose(
            getattr(result, field), r_num(ref[field]), rtol=RTOL, atol=0, err_msg=field
        )
    expected = np.array([r_num(ref[field])[0] for field in MODEL_FIELDS])
    actual = np.array([getattr(result, field) for field in MODEL_FIELDS])
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=0, err_msg=str(MODEL_FIELDS))
    expected_df = r_num(ref["df_residual"])[0]
    assert (np.isnan(result.df_residual) and np.isnan(expected_df)) or (
        result.df_residual == expected_df
    )
    half_steps = "full_step_error" in ref
    assert half_steps == ("steps scaled by 0.5" in result.note)
    assert (bool(ref["warnings"]) or half_steps) == bool(result.note)


@pytest.mark.r
def test_cases_cover_what_they_claim(reference):
    """The datasets reach the cases they are named for: tau^2 truncated at 0 with and without
    moderators (R^2 of 0), all of it explained (R^2 of 100) and part of it, a model with one
    residual df, REML not converging, and too many coefficients."""
    rma = reference["rma"]
    for kind in ("factor", "continuous"):
        assert r_num(rma[f"k10_homogeneous|{kind}|REML|z"]["tau2"])[0] == 0
        assert r_num(rma[f"k10_homogeneous|{kind}|REML|z"]["r2"])[0] == 0
    assert r_num(rma["k6_two_groups|continuous|DL|z"]["r2"])[0] == 100
    # Full Fisher scoring steps do not converge; half steps do, on both sides.
    assert "did not converge" in rma["k8_small_spread|factor|REML|z"]["full_step_error"]
    assert r_num(rma["k8_small_spread|factor|REML|z"]["stepadj"])[0] == 0.5
    r2 = r_num(rma["k30_five_groups|factor|REML|knha"]["r2"])[0]
    assert 0 < r2 < 100
    assert r_num(rma["k4_three_groups|factor|DL|knha"]["df_residual"])[0] == 1
    assert "error" in rma["k3_three_groups|factor|REML|z"]


@pytest.mark.r
@pytest.mark.parametrize("name", list(DATASETS))
def test_subgroup_difference_matches_metafor(reference, name):
    data = DATASETS[name]
    ref = reference["subgroup"][name]
    result = subgroup_difference(data["yi"], data["sei"], list(data["group"]))
    assert result.qm == pytest.approx(r_num(ref["qm"])[0], rel=RTOL)
    assert result.qm_df == r_num(ref["qm_df"])[0] == data["group"].nunique() - 1
    assert result.qm_p == pytest.approx(r_num(ref["qm_p"])[0], rel=RTOL)
    assert result.status == "ok"


@pytest.mark.r
def test_one_estimate_per_subgroup_is_cochrans_q(reference):
    data = DATASETS["k5_one_per_group"]
    ref = reference["subgroup"]["k5_one_per_group"]
    result = subgroup_difference(data["yi"], data["sei"], list(data["group"]))
    q = random_effects(data["yi"], data["sei"], method="FE").q_stat
    assert r_num(ref["qm"])[0] == pytest.approx(r_num(ref["q_fixed_effect"])[0], rel=1e-10)
    assert result.qm == pytest.approx(q, rel=1e-10)


def test_subgroup_difference_hand_computed():
    yi, sei = np.array([0.1, 0.3, 0.8, 0.6]), np.array([0.2, 0.1, 0.25, 0.2])
    groups = ["x", "x", "y", "y"]
    w = 1 / sei**2
    means = [np.sum(w[i] * yi[i]) / w[i].sum() for i in ([0, 1], [2, 3])]
    weights = [w[[0, 1]].sum(), w[[2, 3]].sum()]
    grand = np.dot(weights, means) / sum(weights)
    q_between = sum(wj * (mj - grand) ** 2 for wj, mj in zip(weights, means, strict=True))
    result = subgroup_difference(yi, sei, groups)
    assert result.qm == pytest.approx(q_between, rel=1e-12)
    assert result.qm_p == pytest.approx(chi2.sf(q_between, 1), rel=1e-12)


def test_knapp_hartung_single_moderator_f_is_t_squared():
    data = DATASETS["k12_four_groups"]
    result = meta_regression(data["yi"], data["sei"], continuous_design(data["x"], "x"))
    assert result.test == "knha" and result.df_residual == 10
    assert result.qm == pytest.approx(result.statistic[1] ** 2, rel=1e-12)
    assert result.qm_p == pytest.approx(f.sf(result.qm, 1, 10), rel=1e-12)
    assert result.qm_p == pytest.approx(result.p_value[1], rel=1e-10)


def test_recovers_the_simulated_truth():
    """On 400 synthetic studies (seed 11) the coefficients lie within 3.5 SEs of the truth."""
    data = studies(400, "abcd", tau=0.1, seed=11)
    design = categorical_design(list(data["group"]))
    result = meta_regression(data["yi"] - SLOPE * data["x"], data["sei"], design, test="z")
    truth = [0.1, GROUP_EFFECT["b"], GROUP_EFFECT["c"], GROUP_EFFECT["d"]]
    z = (np.array(result.estimate) - truth) / np.array(result.se)
    assert np.all(np.abs(z) < 3.5), z
    assert result.tau2 == pytest.approx(0.01, abs=0.01)


def test_a_level_without_estimates_is_not_estimable():
    design = categorical_design(["a", "a", "b", "b", "c"])
    result = meta_regression([0.1, 0.2, 0.3, 0.4, np.nan], [0.1] * 5, design, method="DL")
    assert result.status == "not_estimable" and "full rank" in result.note
    assert "1 studies" in result.note


def test_a_constant_moderator_is_not_estimable():
    result = meta_regression([0.1, 0.2, 0.3, 0.5], [0.1] * 4, continuous_design([2.0] * 4, "x"))
    assert result.status == "not_estimable" and "full rank" in result.note


def test_one_subgroup_is_not_estimable():
    result = subgroup_difference([0.1, 0.2], [0.1, 0.1], ["a", "a"])
    assert result.status == "not_estimable" and "at least 2" in result.note
    assert np.isnan(result.qm)


def test_reference_level_must_be_a_level():
    with pytest.raises(ValueError, match="reference level 'z'"):
        categorical_design(["a", "b"], reference="z")


def test_mismatched_lengths_are_refused():
    with pytest.raises(MetaAnalysisError, match="one row per study"):
        meta_regression([0.1, 0.2], [0.1, 0.1, 0.1], continuous_design([1.0, 2.0], "x"))
