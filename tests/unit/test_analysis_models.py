"""Cox model rows of the analysis layer (markersurv.analysis.cox_models): refusals, statuses
from the proportional-hazards test, complete cases, covariate coding and the restricted cubic
spline basis on hand-computed values."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2

from markersurv.analysis.cox_models import (
    COX_COLUMNS,
    fit_model,
    lr_statistic,
    rcs_basis,
)
from markersurv.config.settings import AnalysisSettings
from markersurv.stats.cox.fit import fit_cox

SETTINGS = AnalysisSettings.from_config({"markers": [{"id": "il6"}], "endpoints": [{"id": "os"}]})
ESTIMATES = ["coef", "se", "hr", "hr_lower", "hr_upper", "z", "p"]


def exponential_data(n: int, seed: int, beta=(0.5, 0.0)):
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"marker": rng.standard_normal(n), "noise": rng.standard_normal(n)})
    latent = rng.exponential(10 * np.exp(-(x.to_numpy() @ np.asarray(beta))))
    censor = rng.uniform(5, 30, n)
    return np.minimum(latent, censor), (latent <= censor).astype(float), x


def crossing_hazards(n: int = 200, seed: int = 0):
    """A binary term whose hazard ratio flips sign over time (strong PH violation) and a
    noise term that satisfies PH."""
    rng = np.random.default_rng(seed)
    x = (rng.random(n) < 0.5).astype(float)
    noise = rng.standard_normal(n)
    latent = np.where(x == 1, 20 * rng.weibull(0.6, n), 20 * rng.weibull(2.5, n))
    censor = rng.uniform(10, 60, n)
    return (
        np.minimum(latent, censor),
        (latent <= censor).astype(float),
        pd.DataFrame({"x": x, "noise": noise}),
    )


def limited_events(time, event, events: int):
    """Keep the first ``events`` events (in row order), censor the others."""
    return np.where(np.cumsum(event) <= events, event, 0.0)


# Refusals --------------------------------------------------------------------------------


def test_fewer_events_than_the_minimum_are_refused_not_fitted():
    time, event, X = exponential_data(100, seed=1)
    event = limited_events(time, event, 9)
    outcome = fit_model("adjusted", time, event, X, None, SETTINGS)
    rows = pd.DataFrame(outcome.rows)
    assert outcome.fit is None and outcome.ph_rows == []
    assert rows["term"].tolist() == ["marker", "noise"]
    assert rows["status"].eq("not_estimable").all()
    assert rows[ESTIMATES + ["lr_p", "concordance", "ph_p"]].isna().all().all()
    assert rows["note"].eq("9 events, fewer than the minimum of 10").all()
    assert rows["n"].eq(100).all() and rows["events"].eq(9).all()
    assert list(rows.columns) == COX_COLUMNS


def test_exactly_the_minimum_number_of_events_is_fitted():
    time, event, X = exponential_data(100, seed=1)
    event = limited_events(time, event, 10)
    rows = pd.DataFrame(fit_model("adjusted", time, event, X, None, SETTINGS).rows)
    assert rows["status"].isin(["ok", "warning"]).all()
    assert np.isfinite(rows[ESTIMATES].to_numpy(float)).all()


def test_events_are_counted_on_complete_rows_only():
    # 12 events in all, but 3 of them lack the covariate: 9 remain.
    time, event, X = exponential_data(60, seed=2)
    event = limited_events(time, event, 12)
    X.loc[np.flatnonzero(event)[:3], "noise"] = np.nan
    rows = pd.DataFrame(fit_model("adjusted", time, event, X, None, SETTINGS).rows)
    assert rows["n"].eq(57).all() and rows["events"].eq(9).all()
    assert rows["status"].eq("not_estimable").all()


def test_a_model_without_patients_says_which_column_is_empty():
    time, event, X = exponential_data(50, seed=3)
    X["noise"] = np.nan
    rows = pd.DataFrame(fit_model("adjusted", time, event, X, None, SETTINGS).rows)
    assert rows["n"].eq(0).all()
    assert rows["note"].str.endswith("no patient has a value of noise").all()


def test_complete_case_fit_equals_a_fit_on_the_complete_rows():
    time, event, X = exponential_data(200, seed=4)
    X.loc[X.index[::7], "marker"] = np.nan
    rows = pd.DataFrame(fit_model("adjusted", time, event, X, None, SETTINGS).rows)
    keep = X.notna().all(axis=1).to_numpy()
    direct = fit_cox(time[keep], event[keep], X[keep])
    assert rows["n"].eq(keep.sum()).all()
    np.testing.assert_allclose(rows["coef"], direct.coef, rtol=1e-12)
    np.testing.assert_allclose(rows["se"], direct.se, rtol=1e-12)
    assert rows["missing_data"].eq("complete_case").all()


def test_a_constant_term_is_not_estimable_and_the_rest_is_reported():
    time, event, X = exponential_data(150, seed=5)
    X["noise"] = 1.0
    rows = pd.DataFrame(fit_model("adjusted", time, event, X, None, SETTINGS).rows)
    rows = rows.set_index("term")
    assert rows.loc["noise", "status"] == "not_estimable"
    assert np.isnan(rows.loc["noise", ESTIMATES].to_numpy(float)).all()
    assert "noise is constant" in rows.loc["noise", "note"]
    assert rows.loc["marker", "status"] in ("ok", "warning")
    assert np.isfinite(rows.loc["marker", ESTIMATES].to_numpy(float)).all()


def test_report_limits_the_rows_to_the_named_terms():
    time, event, X = exponential_data(150, seed=6)
    outcome = fit_model("adjusted", time, event, X, None, SETTINGS, report=["marker"])
    assert [row["term"] for row in outcome.rows] == ["marker"]
    assert outcome.fit.terms == ("marker", "noise")


# Proportional hazards --------------------------------------------------------------------


def test_a_term_violating_proportional_hazards_gets_a_warning():
    time, event, X = crossing_hazards()
    outcome = fit_model("adjusted", time, event, X, None, SETTINGS)
    rows = pd.DataFrame(outcome.rows).set_index("term")
    ph = pd.DataFrame(outcome.ph_rows).set_index("term")
    assert rows.loc["x", "ph_p"] < SETTINGS.ph_alpha
    assert rows.loc["x", "ph_p"] == ph.loc["x", "p"]
    assert rows.loc["x", "status"] == "warning"
    assert rows.loc["x", "note"].startswith("proportional hazards violated for this term")
    # Estimates are still reported under a warning.
    assert np.isfinite(rows.loc["x", ESTIMATES].to_numpy(float)).all()
    # The other term satisfies PH: status ok, but the global test is named in its note.
    assert rows.loc["noise", "ph_p"] > SETTINGS.ph_alpha
    assert rows.loc["noise", "status"] == "ok"
    assert rows.loc["noise", "note"].startswith("global proportional-hazards test p = ")
    assert rows["ph_global_p"].eq(ph.loc["GLOBAL", "p"]).all()
    assert set(ph["model_terms"]) == {"x,noise"}


def test_the_warning_follows_the_configured_alpha():
    time, event, X = crossing_hazards()
    strict = replace(SETTINGS, ph_alpha=1e-30)
    rows = pd.DataFrame(fit_model("adjusted", time, event, X, None, strict).rows)
    assert rows["status"].eq("ok").all()
    assert rows["note"].eq("").all()


def test_ph_of_a_term_group_is_tested_jointly():
    time, event, X = exponential_data(200, seed=7)
    basis = pd.DataFrame(
        rcs_basis(X["marker"].to_numpy(), np.quantile(X["marker"], [0.1, 0.5, 0.9])),
        columns=["m_rcs1", "m_rcs2"],
    )
    outcome = fit_model("spline", time, event, basis, None, SETTINGS, zph_terms={"marker": [0, 1]})
    ph = pd.DataFrame(outcome.ph_rows).set_index("term")
    assert list(ph.index) == ["marker", "GLOBAL"] and ph.loc["marker", "df"] == 2
    assert all(row["ph_p"] == ph.loc["marker", "p"] for row in outcome.rows)


# Likelihood-ratio test ---------------------------------------------------------------------


def test_lr_statistic_of_nested_fits():
    time, event, X = exponential_data(200, seed=8)
    full = fit_cox(time, event, X)
    reduced = fit_cox(time, event, X[["marker"]])
    chisq, df, p = lr_statistic(full, reduced)
    assert chisq == pytest.approx(2 * (full.loglik - reduced.loglik), rel=1e-12)
    assert df == 1
    assert p == pytest.approx(chi2.sf(chisq, 1), rel=1e-12)
    assert all(np.isnan(v) for v in lr_statistic(full, None)[::2])


# Spline basis -------------------------------------------------------------


def test_rcs_basis_three_knots_by_hand():
    # Knots 0, 1, 3; (t_k - t_1)^2 = 9. Harrell:
    # [(x)+^3 - (x - 1)+^3 * 3/2 + (x - 3)+^3 * 1/2] / 9
    x = np.array([-1.0, 0.5, 2.0, 4.0])
    expected = np.array(
        [
            [-1.0, 0.0],
            [0.5, 0.125 / 9],
            [2.0, (8 - 1.5) / 9],
            [4.0, (64 - 27 * 1.5 + 0.5) / 9],
        ]
    )
    np.testing.assert_allclose(rcs_basis(x, np.array([0.0, 1.0, 3.0])), expected, rtol=1e-14)


def test_rcs_basis_four_knots_by_hand():
    # Knots 0, 1, 2, 4; (t_k - t_1)^2 = 16; at x = 3:
    # j=1: [27 - 1 * (4 - 0)/(4 - 2)] / 16 = 25/16;  j=2: [8 - 1 * (4 - 1)/2] / 16 = 6.5/16
    basis = rcs_basis(np.array([3.0]), np.array([0.0, 1.0, 2.0, 4.0]))
    np.testing.assert_allclose(basis, [[3.0, 25 / 16, 6.5 / 16]], rtol=1e-14)


def test_rcs_basis_is_linear_beyond_the_outer_knots():
    knots = np.array([-1.2, 0.1, 0.7, 2.0])
    right = rcs_basis(np.array([2.5, 3.5, 4.5, 5.5]), knots)
    left = rcs_basis(np.array([-5.0, -4.0, -3.0]), knots)
    np.testing.assert_allclose(np.diff(right, n=2, axis=0), 0.0, atol=1e-12)
    np.testing.assert_array_equal(left[:, 1:], 0.0)
    # Three knots, linear tail: (9x - 12) / 9 = x - 4/3 for x >= 3.
    tail = rcs_basis(np.array([3.0, 10.0]), np.array([0.0, 1.0, 3.0]))[:, 1]
    np.testing.assert_allclose(tail, [3 - 4 / 3, 10 - 4 / 3], rtol=1e-13)
