"""Log-rank and trend tests against R survival::survdiff (tests/r/logrank_reference.R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from markersurv.stats.km import SurvivalDataError
from markersurv.stats.logrank import logrank_test, logrank_trend_test
from tests.r_bridge import run_r
from tests.tcga_data import case_or_skip, pstat3_os, tcga_dir_or_none

CANCER_TYPES = ["KIRC", "LUAD", "GBM"]
REL_TOL = 1e-6
P_ABS_TOL = 1e-12


def _cases_from_tcga(cancer_type: str, data: pd.DataFrame) -> dict[str, pd.DataFrame]:
    marker = data["pstat3"]
    base = pd.DataFrame({"time": data["os_time"], "event": data["os_event"]})
    halves = np.where(marker > marker.median(), "high", "low")
    tertiles = pd.qcut(marker, 3, labels=False).to_numpy() + 1
    quartiles = pd.qcut(marker, 4, labels=False).to_numpy() + 1
    quartile_medians = marker.groupby(quartiles).median().to_numpy()
    sex = data["male"].to_numpy()
    return {
        f"{cancer_type}_2": base.assign(group=halves, score=np.where(halves == "high", 2, 1)),
        f"{cancer_type}_3": base.assign(group=tertiles, score=tertiles),
        f"{cancer_type}_4": base.assign(group=quartiles, score=quartiles),
        f"{cancer_type}_4_scored": base.assign(
            group=quartiles, score=quartile_medians[quartiles - 1]
        ),
        f"{cancer_type}_2_strat": base.assign(
            group=halves, stratum=sex, score=np.where(halves == "high", 2, 1)
        ),
        f"{cancer_type}_4_strat": base.assign(group=quartiles, stratum=sex, score=quartiles),
        f"{cancer_type}_2_rho1": base.assign(
            group=halves, score=np.where(halves == "high", 2, 1), rho=1.0
        ),
    }


def _synthetic_cases() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(7)
    n = 240
    group = rng.integers(1, 4, n)
    t = np.ceil(rng.exponential(10.0 / group) * 2.0)
    c = np.ceil(rng.uniform(0.0, 15.0, n) * 2.0)
    tied = pd.DataFrame({"time": np.minimum(t, c), "event": (t <= c).astype(int)})
    tied = tied.assign(group=group, score=group, stratum=rng.integers(1, 3, n))

    def frame(time, event, group):
        return pd.DataFrame({"time": time, "event": event, "group": group, "score": group})

    return {
        "tied_3_strat": tied,
        "tied_3_rho05": tied.drop(columns="stratum").assign(rho=0.5),
        "group_of_one": frame([1, 2, 3, 4, 5, 6, 7], [1, 0, 1, 1, 0, 1, 1], [1, 1, 1, 2, 1, 1, 1]),
        "events_one_time": frame([5, 5, 5, 5, 8, 9], [1, 1, 1, 1, 0, 0], [1, 2, 1, 2, 1, 2]),
        "group_without_expected": frame(
            [1, 2, 3, 4, 5, 6, 0.5], [1, 1, 0, 1, 1, 0, 0], [1, 2, 1, 2, 1, 2, 3]
        ),
        "no_events": frame([1, 2, 3, 4], [0, 0, 0, 0], [1, 1, 2, 2]),
        "one_group": frame([1, 2, 3, 4], [1, 0, 1, 1], [1, 1, 1, 1]),
    }


@pytest.fixture(scope="module")
def cases(request) -> dict[str, pd.DataFrame]:
    out = _synthetic_cases()
    tcga_dir = tcga_dir_or_none(request)
    cache = request.config.cache.mkdir("tcga")
    for cancer_type in CANCER_TYPES if tcga_dir else []:
        out.update(_cases_from_tcga(cancer_type, pstat3_os(tcga_dir, cache, cancer_type)))
    return out


@pytest.fixture(scope="module")
def reference(cases, tmp_path_factory) -> dict:
    columns = ["dataset", "time", "event", "group", "stratum", "score", "rho"]
    stacked = pd.concat(
        [d.assign(dataset=name).reindex(columns=columns) for name, d in cases.items()],
        ignore_index=True,
    )
    stacked["rho"] = stacked["rho"].fillna(0.0)
    return run_r("logrank_reference.R", {"data": stacked}, tmp_path_factory.mktemp("logrank"))


def r_num(value) -> np.ndarray:
    """R's JSON numbers (with "NA", "NaN", "Inf" strings) as a float array."""
    as_float = np.vectorize(lambda v: np.nan if v in ("NA", None) else float(v), otypes=[float])
    return np.atleast_1d(as_float(np.asarray(value, dtype=object)))


def assert_p_close(actual: float, expected: float):
    assert abs(actual - expected) <= max(REL_TOL * abs(expected), P_ABS_TOL)


def _run(data: pd.DataFrame):
    strata = data["stratum"] if "stratum" in data else None
    rho = float(data["rho"].iloc[0]) if "rho" in data else 0.0
    return logrank_test(data["time"], data["event"], data["group"], strata=strata, rho=rho)


COMPARABLE = [
    f"{ct}_{suffix}"
    for ct in CANCER_TYPES
    for suffix in ("2", "3", "4", "4_scored", "2_strat", "4_strat", "2_rho1")
] + ["tied_3_strat", "tied_3_rho05", "group_of_one", "events_one_time", "group_without_expected"]


@pytest.mark.r
@pytest.mark.parametrize("name", COMPARABLE)
def test_logrank_matches_survdiff(cases, reference, name):
    result = _run(case_or_skip(cases, name))
    ref = reference[name]
    assert result.status == "ok"
    np.testing.assert_array_equal(result.n, r_num(ref["n"]))
    np.testing.assert_allclose(result.observed, r_num(ref["observed"]), rtol=0, atol=1e-9)
    np.testing.assert_allclose(result.expected, r_num(ref["expected"]), rtol=0, atol=1e-9)
    k = result.n.size
    np.testing.assert_allclose(
        result.variance, r_num(ref["variance"]).reshape(k, k), rtol=0, atol=1e-9
    )
    assert result.df == int(ref["df"])
    assert result.chisq == pytest.approx(float(ref["chisq"]), rel=REL_TOL)
    assert_p_close(result.p, float(ref["p"]))


@pytest.mark.r
@pytest.mark.parametrize("name", [n for n in COMPARABLE if "rho" not in n and n[-1] != "2"])
def test_trend_matches_statistic_from_survdiff(cases, reference, name):
    data = case_or_skip(cases, name)
    scores = data.groupby("group")["score"].first().to_numpy()
    strata = data["stratum"] if "stratum" in data else None
    result = logrank_trend_test(
        data["time"], data["event"], data["group"], scores=scores, strata=strata
    )
    ref = reference[name]
    assert result.status == "ok"
    assert result.statistic == pytest.approx(float(ref["trend_statistic"]), rel=REL_TOL)
    assert result.chisq == pytest.approx(float(ref["trend_chisq"]), rel=REL_TOL)
    assert_p_close(result.p, float(ref["trend_p"]))


@pytest.mark.r
def test_group_without_expected_events_drops_a_df_like_r(cases, reference):
    result = _run(cases["group_without_expected"])
    assert result.expected[2] == 0.0
    assert result.df == 1 == int(reference["group_without_expected"]["df"])


@pytest.mark.r
def test_no_events_is_flagged_not_a_number(cases, reference):
    """R reports chi-square 0 on -1 df (p NA); we report NaN with an explicit status."""
    result = _run(cases["no_events"])
    assert result.status == "no_events"
    assert np.isnan(result.chisq) and np.isnan(result.p)
    ref = reference["no_events"]
    assert float(ref["chisq"]) == 0.0 and np.isnan(r_num(ref["p"])[0])
    trend = logrank_trend_test([1, 2, 3], [0, 0, 0], [1, 2, 3])
    assert trend.status == "no_events" and np.isnan(trend.p)


@pytest.mark.r
def test_one_group_is_flagged_where_r_stops(cases, reference):
    result = _run(cases["one_group"])
    assert result.status == "single_group"
    assert np.isnan(result.p)
    assert "only 1 group" in reference["one_group"]["error"]


def test_default_trend_scores_are_one_to_k():
    rng = np.random.default_rng(3)
    time = rng.exponential(5.0, 90)
    event = rng.integers(0, 2, 90)
    group = np.repeat(["a", "b", "c"], 30)
    default = logrank_trend_test(time, event, group)
    explicit = logrank_trend_test(time, event, group, scores=[1, 2, 3])
    shifted = logrank_trend_test(time, event, group, scores=[10, 20, 30])
    np.testing.assert_array_equal(default.scores, [1.0, 2.0, 3.0])
    assert default.chisq == explicit.chisq
    # Scores matter only up to location and scale: sum(O - E) = 0 within each stratum.
    assert shifted.chisq == pytest.approx(default.chisq, rel=1e-12)


def test_two_group_trend_equals_logrank():
    rng = np.random.default_rng(5)
    time = rng.exponential(5.0, 80)
    event = rng.integers(0, 2, 80)
    group = rng.integers(0, 2, 80)
    assert logrank_trend_test(time, event, group).chisq == pytest.approx(
        logrank_test(time, event, group).chisq, rel=1e-12
    )


def test_hand_computed_two_groups():
    # Deaths at 1 (group a, 4 at risk: 2 a, 2 b) and 3 (group b, 2 at risk: 1 a, 1 b).
    result = logrank_test([1, 2, 3, 4], [1, 0, 1, 0], ["a", "b", "a", "b"])
    np.testing.assert_allclose(result.observed, [2.0, 0.0])
    np.testing.assert_allclose(result.expected, [0.5 + 0.5, 0.5 + 0.5])
    # Variance per death time: d (n-d)/(n-1) * p (1 - p), p = 1/2.
    v = 3 / 3 * 0.25 + 1 / 1 * 0.25
    assert result.variance[0, 0] == pytest.approx(v)
    assert result.chisq == pytest.approx(1.0 / v)


def test_mismatched_lengths_are_refused():
    with pytest.raises(SurvivalDataError, match="one value per patient"):
        logrank_test([1, 2, 3], [1, 0, 1], [1, 2])
    with pytest.raises(ValueError, match="scores"):
        logrank_trend_test([1, 2, 3], [1, 0, 1], [1, 2, 2], scores=[1, 2, 3])
