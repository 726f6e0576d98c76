"""Kaplan-Meier against R survival 3.x (tests/r/km_reference.R) and hand-computed cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from markersurv.stats.km import (
    SurvivalDataError,
    kaplan_meier,
    kaplan_meier_groups,
    ordered_levels,
)
from tests.r_bridge import run_r
from tests.tcga_data import case_or_skip, pstat3_os, tcga_dir_or_none

CANCER_TYPES = ["KIRC", "LUAD", "GBM"]
CONF_TYPES = ["log", "log-log", "plain"]
SUMMARY_TIMES = [0.0, 6.0, 12.0, 24.0, 36.0, 60.0, 120.0, 1000.0]
ABS_TOL = 1e-8


def _synthetic() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(20240611)
    untied_t = rng.exponential(30.0, 200)
    untied_c = rng.exponential(60.0, 200)
    tied_t = np.ceil(rng.exponential(20.0, 300) / 6.0) * 6.0
    tied_c = np.ceil(rng.uniform(0.0, 90.0, 300) / 6.0) * 6.0

    def frame(time, event):
        return pd.DataFrame({"time": np.asarray(time, float), "event": np.asarray(event, int)})

    return {
        "untied": frame(np.minimum(untied_t, untied_c), untied_t <= untied_c),
        "tied": frame(np.minimum(tied_t, tied_c), tied_t <= tied_c),
        "all_censored": frame([3.0, 5.0, 8.0, 8.0, 20.0], [0, 0, 0, 0, 0]),
        "one_event": frame([7.0], [1]),
        "one_censored": frame([7.0], [0]),
        "all_events_one_time": frame([12.0] * 6, [1] * 6),
        "events_one_time_then_censored": frame([12.0] * 4 + [30.0, 40.0], [1] * 4 + [0, 0]),
        "half_interior": frame([1.0, 2.0, 3.0, 4.0], [1, 1, 1, 1]),
        "half_then_censored": frame([1.0, 2.0, 3.0, 4.0], [1, 1, 0, 0]),
        "half_flat_then_drop": frame([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [1, 1, 1, 0, 1, 0]),
        "time_zero": frame([0.0, 0.0, 0.0, 2.0, 5.0, 9.0, 9.0], [1, 0, 1, 1, 0, 1, 0]),
        "all_events": frame([1.0, 2.0, 2.0, 4.0, 7.0], [1, 1, 1, 1, 1]),
    }


@pytest.fixture(scope="module")
def curves(request) -> dict[str, pd.DataFrame]:
    """One data frame per curve, keyed 'dataset|group'."""
    out = {f"{name}|all": d for name, d in _synthetic().items()}
    tcga_dir = tcga_dir_or_none(request)
    cache = request.config.cache.mkdir("tcga")
    for cancer_type in CANCER_TYPES if tcga_dir else []:
        data = pstat3_os(tcga_dir, cache, cancer_type)
        frame = pd.DataFrame({"time": data["os_time"], "event": data["os_event"]})
        out[f"{cancer_type}|all"] = frame
        high = data["pstat3"] > data["pstat3"].median()
        out[f"{cancer_type}|high"] = frame[high].reset_index(drop=True)
        out[f"{cancer_type}|low"] = frame[~high].reset_index(drop=True)
    return out


@pytest.fixture(scope="module")
def reference(curves, tmp_path_factory) -> dict:
    stacked = pd.concat(
        [d.assign(dataset=key.split("|")[0], group=key.split("|")[1]) for key, d in curves.items()],
        ignore_index=True,
    )[["dataset", "group", "time", "event"]]
    times = pd.DataFrame({"time": SUMMARY_TIMES})
    return run_r("km_reference.R", {"data": stacked, "times": times}, tmp_path_factory.mktemp("km"))


def r_num(value) -> np.ndarray:
    """R's JSON numbers (with "NA", "NaN", "Inf" strings) as a float array."""
    as_float = np.vectorize(lambda v: np.nan if v in ("NA", None) else float(v), otypes=[float])
    return np.atleast_1d(as_float(np.asarray(value, dtype=object)))


def assert_close(actual, expected, tol=ABS_TOL):
    actual = np.asarray(actual, dtype=float)
    expected = r_num(expected)
    assert actual.shape == expected.shape
    assert np.array_equal(np.isnan(actual), np.isnan(expected))
    assert np.array_equal(np.isinf(actual), np.isinf(expected))
    finite = np.isfinite(expected)
    assert np.max(np.abs(actual[finite] - expected[finite]), initial=0.0) <= tol


def curve_keys() -> list[str]:
    keys = [f"{name}|all" for name in _synthetic()]
    keys += [f"{ct}|{g}" for ct in CANCER_TYPES for g in ("all", "low", "high")]
    return keys


@pytest.mark.r
@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("key", curve_keys())
def test_step_table_matches_r(curves, reference, key, conf_type):
    data = case_or_skip(curves, key)
    fit = kaplan_meier(data["time"], data["event"], conf_type=conf_type)
    ref = reference[f"{key}|{conf_type}"]
    np.testing.assert_array_equal(fit.time, r_num(ref["time"]))
    for name in ("n_risk", "n_event", "n_censor"):
        np.testing.assert_array_equal(getattr(fit, name), r_num(ref[name]))
    for name in ("surv", "std_err", "lower", "upper"):
        assert_close(getattr(fit, name), ref[name])


@pytest.mark.r
@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("key", curve_keys())
def test_median_and_limits_equal_r(curves, reference, key, conf_type):
    data = case_or_skip(curves, key)
    fit = kaplan_meier(data["time"], data["event"], conf_type=conf_type)
    ref = reference[f"{key}|{conf_type}"]
    got = np.array([fit.median, fit.median_lower, fit.median_upper])
    want = r_num([ref["median"], ref["median_lower"], ref["median_upper"]])
    np.testing.assert_array_equal(got, want)


@pytest.mark.r
def test_median_rule_is_print_survfit_not_quantile(curves, reference):
    """The one place R's two median rules differ: a curve that ends exactly at 0.5.

    print.survfit reports the time 0.5 is reached; quantile.survfit the midpoint to the
    last follow-up time. We follow print.survfit (the table everyone quotes).
    """
    data = curves["half_then_censored|all"]
    fit = kaplan_meier(data["time"], data["event"])
    ref = reference["half_then_censored|all|log"]
    assert fit.median == 2.0 == float(ref["median"])
    assert float(ref["quantile_median"]) == 3.0


@pytest.mark.r
@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("key", curve_keys())
def test_survival_at_times_matches_r_summary(curves, reference, key, conf_type):
    data = case_or_skip(curves, key)
    fit = kaplan_meier(data["time"], data["event"], conf_type=conf_type)
    ref = reference[f"{key}|{conf_type}"]["at"]
    at = fit.survival_at(SUMMARY_TIMES)
    np.testing.assert_array_equal(at["time"], r_num(ref["time"]))
    np.testing.assert_array_equal(at["n_risk"], r_num(ref["n_risk"]))
    for name in ("surv", "std_err", "lower", "upper"):
        assert_close(at[name], ref[name])


@pytest.mark.r
@pytest.mark.parametrize("key", curve_keys())
def test_at_risk_numbers_equal_r(curves, reference, key):
    data = case_or_skip(curves, key)
    table = kaplan_meier(data["time"], data["event"]).at_risk(SUMMARY_TIMES[::-1])
    ref = reference[f"{key}|log"]["at"]
    np.testing.assert_array_equal(table["time"], SUMMARY_TIMES)
    for name in ("n_risk", "n_event", "n_censor"):
        np.testing.assert_array_equal(table[name], r_num(ref[name]))
    np.testing.assert_array_equal(table["cum_events"], np.cumsum(r_num(ref["n_event"])))
    np.testing.assert_array_equal(table["cum_censored"], np.cumsum(r_num(ref["n_censor"])))


def test_hand_computed_curve():
    # Greenwood terms at the event times 1, 2, 3, 4: 1/(5*4), 1/(4*3), 1/(2*1), then n = d.
    fit = kaplan_meier([1, 2, 2, 3, 4], [1, 1, 0, 1, 1])
    np.testing.assert_array_equal(fit.time, [1, 2, 3, 4])
    np.testing.assert_array_equal(fit.n_risk, [5, 4, 2, 1])
    np.testing.assert_array_equal(fit.n_censor, [0, 1, 0, 0])
    np.testing.assert_allclose(fit.surv, [0.8, 0.6, 0.3, 0.0], rtol=0, atol=1e-15)
    var = np.cumsum([1 / 20, 1 / 12, 1 / 2])
    np.testing.assert_allclose(fit.std_err[:3], np.sqrt(var), rtol=1e-14)
    assert np.isinf(fit.std_err[3])
    z = 1.959963984540054
    np.testing.assert_allclose(fit.lower[:3], fit.surv[:3] * np.exp(-z * np.sqrt(var)))
    assert np.isnan(fit.lower[3]) and np.isnan(fit.upper[3])
    assert (fit.median, fit.median_lower) == (3.0, 2.0)
    assert np.isnan(fit.median_upper)


def test_median_midpoint_when_curve_sits_at_half():
    fit = kaplan_meier([1, 2, 3, 4], [1, 1, 1, 1])
    assert fit.median == 2.5


def test_all_censored_has_no_median():
    fit = kaplan_meier([3, 5, 8], [0, 0, 0])
    np.testing.assert_array_equal(fit.surv, [1.0, 1.0, 1.0])
    assert np.isnan([fit.median, fit.median_lower, fit.median_upper]).all()
    assert fit.events == 0


def test_survival_before_first_time_is_one():
    fit = kaplan_meier([5, 6], [1, 0], conf_type="log-log")
    at = fit.survival_at([0.0, 4.9, 5.0, 100.0])
    np.testing.assert_array_equal(at["surv"], [1.0, 1.0, 0.5, 0.5])
    np.testing.assert_array_equal(at["lower"][:2], [1.0, 1.0])
    np.testing.assert_array_equal(at["n_risk"], [2, 2, 2, 0])


def test_groups_keep_categorical_order_and_sort_otherwise():
    time = [1, 2, 3, 4, 5, 6]
    event = [1, 0, 1, 1, 0, 1]
    labels = ["low", "high", "low", "high", "low", "high"]
    assert list(kaplan_meier_groups(time, event, labels)) == ["high", "low"]
    ordered = pd.Categorical(labels, categories=["low", "high"], ordered=True)
    fits = kaplan_meier_groups(time, event, ordered)
    assert list(fits) == ["low", "high"]
    np.testing.assert_array_equal(fits["low"].time, [1, 3, 5])
    assert ordered_levels(pd.Series([3, 1, 2, 1]))[0] == [1, 2, 3]


@pytest.mark.parametrize(
    "values",
    [
        np.array([7, 3, 7, 9, 3]),  # gaps in a small range: the counting path
        np.array([2, 0, 1, 2]),  # codes 0..k-1 already
        np.array([5, 3, 4, 3]),  # every value of a range: one shift
        np.array([-128, 127, -128, 0], dtype=np.int8),  # the whole int8 range
        np.array([0, 2**40, 5]),  # a wide range: sorted
        np.array([2.5, 1.0, 2.5]),
        np.array([True, False, True]),
        np.array(["b", "a", "b"], dtype=object),
    ],
)
def test_levels_of_arrays_equal_those_of_pandas(values):
    levels, codes = ordered_levels(values)
    expected_levels, expected_codes = ordered_levels(pd.Series(values))
    assert levels == expected_levels
    np.testing.assert_array_equal(codes, expected_codes)
    assert codes.dtype == np.intp


def test_codes_that_are_the_callers_array_cannot_change_it():
    values = np.array([1, 0, 2, 1])
    codes = ordered_levels(values)[1]
    with pytest.raises(ValueError, match="read-only"):
        codes[0] = 2
    np.testing.assert_array_equal(values, [1, 0, 2, 1])


def test_missing_numeric_levels_are_refused():
    with pytest.raises(SurvivalDataError, match="1 missing values"):
        ordered_levels(np.array([1.0, np.nan]), "strata")


@pytest.mark.parametrize(
    ("time", "event", "message"),
    [
        ([1.0, np.nan], [1, 0], "missing"),
        ([1.0, -2.0], [1, 0], "non-negative"),
        ([1.0, 2.0], [1, 2], "0/1"),
        ([1.0, 2.0], [1], "same length"),
        ([], [], "no observations"),
    ],
)
def test_invalid_input_is_refused(time, event, message):
    with pytest.raises(SurvivalDataError, match=message):
        kaplan_meier(time, event)


def test_unknown_conf_type_is_refused():
    with pytest.raises(ValueError, match="conf_type"):
        kaplan_meier([1.0], [1], conf_type="logit")
