"""Maximally selected log-rank statistics against R maxstat (tests/r/maxstat_reference.R)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import quad
from scipy.stats import multivariate_normal, norm
from sklearn.model_selection import KFold

from markersurv.stats.maxstat import (
    CutpointError,
    cross_validated_cutpoint,
    integer_scores,
    logrank_scores,
    maxstat_logrank,
    p_exact_gauss,
    p_hothorn_lausen,
    p_lausen94,
)
from markersurv.stats.maxstat.hothorn_lausen import _subset_sum_probabilities, _tail_difference
from markersurv.stats.maxstat.scan import accurate_sums, candidate_splits
from tests.r_bridge import run_r
from tests.tcga_data import case_or_skip, pstat3_os, tcga_dir_or_none

CANCER_TYPES = ["KIRC", "OV", "GBM", "LUAD"]
# Small cancer types and random subsets where R's Hothorn-Lausen p-value is still finite.
HL_CANCER_TYPES = ["ACC", "MESO", "UCS"]
HL_SUBSET = 150
STAT_RTOL = 1e-10
HL_RTOL = 1e-6
# Miwa's algorithm in mvtnorm is deterministic, accurate to about 1e-8 absolute at its
# maximum of 4096 grid steps.
GAUSS_MIWA_RTOL, GAUSS_MIWA_ATOL = 1e-5, 2e-8


def synthetic(n: int, seed: int, effect: float, ties: bool = False) -> pd.DataFrame:
    """Exponential survival with a step in hazard at x = 0.3; ties rounds time and marker."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    t = rng.exponential(1 / np.exp(effect * (x > 0.3))) * 12
    c = rng.uniform(0, 30, size=n)
    time, event = np.minimum(t, c), (t <= c).astype(int)
    if ties:
        time, x = np.ceil(time), np.round(x * 2) / 2
    return pd.DataFrame({"time": time, "event": event, "x": x})


def _setting(name, *, hl=0, gauss="", minprop=0.1, maxprop=0.9) -> dict:
    return {"dataset": name, "minprop": minprop, "maxprop": maxprop, "hl": hl, "gauss": gauss}


SYNTHETIC = {
    "strong_60": (synthetic(60, 1, 1.5), {"hl": 1}),
    "strong_100": (synthetic(100, 2, 1.2), {"hl": 1}),
    "tied_80": (synthetic(80, 4, 1.5, ties=True), {"hl": 1, "gauss": "Miwa"}),
    "tied_150": (synthetic(150, 5, 1.0, ties=True), {"hl": 1, "gauss": "Miwa"}),
    "tied_150_quartiles": (
        synthetic(150, 5, 1.0, ties=True),
        {"gauss": "Miwa", "minprop": 0.25, "maxprop": 0.75},
    ),
    "weak_120": (synthetic(120, 8, 0.3), {"gauss": "GenzBretz"}),
    "narrow_40": (synthetic(40, 6, 2.0), {"hl": 1, "minprop": 0.3, "maxprop": 0.6}),
}


@pytest.fixture(scope="module")
def cases(request) -> dict[str, tuple[pd.DataFrame, dict]]:
    out = dict(SYNTHETIC)
    tcga_dir = tcga_dir_or_none(request)
    if tcga_dir is None:
        return out
    cache = request.config.cache.mkdir("tcga")
    for cancer_type in CANCER_TYPES + HL_CANCER_TYPES:
        data = pstat3_os(tcga_dir, cache, cancer_type)
        frame = pd.DataFrame(
            {"time": data["os_time"], "event": data["os_event"], "x": data["pstat3"]}
        )
        small = cancer_type in HL_CANCER_TYPES
        out[cancer_type] = (frame, {"hl": int(small), "gauss": "GenzBretz" if small else ""})
        if cancer_type in ("KIRC", "OV"):
            subset = frame.sample(HL_SUBSET, random_state=1).reset_index(drop=True)
            out[f"{cancer_type}_{HL_SUBSET}"] = (subset, {"hl": 1})
    return out


@pytest.fixture(scope="module")
def reference(cases, tmp_path_factory) -> dict:
    data = pd.concat(
        [frame.assign(dataset=name) for name, (frame, _) in cases.items()], ignore_index=True
    )[["dataset", "time", "event", "x"]]
    settings = pd.DataFrame([_setting(name, **options) for name, (_, options) in cases.items()])
    return run_r(
        "maxstat_reference.R",
        {"data": data, "settings": settings},
        tmp_path_factory.mktemp("maxstat"),
    )


def r_num(value) -> np.ndarray:
    """R's JSON numbers (with "NA", "NaN", "Inf" strings) as a float array."""
    as_float = np.vectorize(lambda v: np.nan if v in ("NA", None) else float(v), otypes=[float])
    return np.atleast_1d(as_float(np.asarray(value, dtype=object)))


ALL_CASES = list(SYNTHETIC) + CANCER_TYPES + HL_CANCER_TYPES + ["KIRC_150", "OV_150"]
HL_CASES = (
    [name for name, (_, o) in SYNTHETIC.items() if o.get("hl")]
    + HL_CANCER_TYPES
    + ["KIRC_150", "OV_150"]
)
GAUSS_CASES = [name for name, (_, o) in SYNTHETIC.items() if o.get("gauss")] + HL_CANCER_TYPES


def _fit(frame, options, pvalues=("Lau94",)):
    return maxstat_logrank(
        frame["time"],
        frame["event"],
        frame["x"],
        minprop=options.get("minprop", 0.1),
        maxprop=options.get("maxprop", 0.9),
        pvalues=pvalues,
    )


@pytest.mark.r
@pytest.mark.parametrize("name", ALL_CASES)
def test_statistic_cutpoint_and_scan_match_maxstat(cases, reference, name):
    frame, options = case_or_skip(cases, name)
    result = _fit(frame, options)
    ref = reference[name]
    assert result.n == int(r_num(ref["n"])[0])
    assert result.statistic == pytest.approx(r_num(ref["statistic"])[0], rel=STAT_RTOL)
    assert result.cutpoint == r_num(ref["cutpoint"])[0]
    np.testing.assert_array_equal(result.cutpoints, r_num(ref["cuts"]))
    np.testing.assert_allclose(result.statistics, r_num(ref["stats"]), rtol=STAT_RTOL, atol=0)
    assert result.n_low == int((frame["x"] <= result.cutpoint).sum())


@pytest.mark.r
@pytest.mark.parametrize("name", ALL_CASES)
def test_lausen94_matches_maxstat_and_is_capped(cases, reference, name):
    frame, options = case_or_skip(cases, name)
    result = _fit(frame, options)
    expected = r_num(reference[name]["p_lau94"])[0]
    assert result.p_lau94_raw == pytest.approx(expected, rel=STAT_RTOL)
    assert result.p_lau94 == pytest.approx(min(expected, 1.0), rel=STAT_RTOL)


@pytest.mark.r
@pytest.mark.parametrize("name", HL_CASES)
def test_hothorn_lausen_matches_maxstat(cases, reference, name):
    frame, options = case_or_skip(cases, name)
    result = _fit(frame, options, pvalues=("HL",))
    ref = reference[name]
    assert result.n <= 170
    assert result.hl_method == "exact"
    assert result.hl_statistic == pytest.approx(r_num(ref["hl_statistic"])[0], rel=STAT_RTOL)
    assert result.p_hl == pytest.approx(r_num(ref["p_hl"])[0], rel=HL_RTOL)


@pytest.mark.r
def test_hothorn_lausen_cases_include_informative_p_values(cases, reference):
    informative = [n for n in HL_CASES if n in cases and r_num(reference[n]["p_hl"])[0] < 0.05]
    assert len(informative) >= 3


@pytest.mark.r
@pytest.mark.parametrize("name", GAUSS_CASES)
def test_exact_gauss_matches_maxstat(cases, reference, name):
    frame, options = case_or_skip(cases, name)
    result = _fit(frame, options, pvalues=("exactGauss",))
    ref = reference[name]
    expected = r_num(ref["p_gauss"])[0]
    if options["gauss"] == "Miwa":
        assert result.p_exact_gauss == pytest.approx(
            expected, rel=GAUSS_MIWA_RTOL, abs=GAUSS_MIWA_ATOL
        )
    else:
        # GenzBretz is randomized: R reports its own absolute error bound.
        assert abs(result.p_exact_gauss - expected) <= 3 * r_num(ref["p_gauss_error"])[0] + 1e-5


def test_logrank_scores_hand_computed_with_ties():
    # r = #(t <= t_i) = 1, 3, 3, 4; event / (n - r + 1) = 1/4, 1/2, 0, 1; cumulated at r.
    scores = logrank_scores([1, 2, 2, 3], [1, 1, 0, 1])
    np.testing.assert_allclose(scores, [0.75, 0.25, -0.75, -0.75], rtol=0, atol=1e-15)


def test_logrank_scores_follow_the_definition_with_exact_sums():
    # Heavy ties in time (20 distinct values among 3000), scores by the definition with each
    # cumulative hazard step summed exactly (math.fsum) in time order.
    rng = np.random.default_rng(11)
    time = rng.integers(1, 21, 3000).astype(float)
    event = (rng.random(3000) < 0.6).astype(float)
    n = time.size
    at_or_before = np.array([np.sum(time <= t) for t in time])
    fact = event / (n - at_or_before + 1)
    cum = {t: math.fsum(fact[time <= t]) for t in np.unique(time)}
    expected = event - np.array([cum[t] for t in time])
    np.testing.assert_allclose(logrank_scores(time, event), expected, rtol=0, atol=2e-16)


def test_accurate_sums_are_exact_sums_rounded_once():
    # Cancelling terms that a plain running sum in double gets wrong by far more than 1 ulp.
    rng = np.random.default_rng(3)
    values = np.concatenate([rng.normal(size=5000) * 1e8, rng.normal(size=5000)])
    values = np.concatenate([values, -values[:5000]])
    rng.shuffle(values)
    total, squares = accurate_sums(values)
    assert total == pytest.approx(math.fsum(values), rel=0, abs=1e-12)
    assert squares == pytest.approx(math.fsum(values * values), rel=1e-15)


def test_statistic_hand_computed():
    # Scores 0.75, 0.25, -0.75, -0.75 in marker order; sum -0.5, sum of squares 1.75, so
    # Var = m (4 - m) / 48 * (4 * 1.75 - 0.25) and E = -0.125 m.
    result = maxstat_logrank([1, 2, 2, 3], [1, 1, 0, 1], [1.0, 2.0, 3.0, 4.0])
    var = np.array([3, 4, 3]) / 48 * 6.75
    expected = np.abs(np.array([0.75, 1.0, 0.25]) + 0.125 * np.arange(1, 4)) / np.sqrt(var)
    np.testing.assert_allclose(result.statistics, expected, rtol=1e-14)
    assert result.statistic == pytest.approx(5 / 3, rel=1e-14)
    assert (result.cutpoint, result.n_low, result.n_high) == (2.0, 2, 2)
    np.testing.assert_array_equal(result.cutpoints, [1.0, 2.0, 3.0])
    assert list(result.scan().columns) == ["cutpoint", "statistic"]


def test_lausen94_single_cutpoint_is_two_sided_normal():
    assert p_lausen94(2.0, 50, [25]) == pytest.approx(2 * norm.sf(2.0), rel=1e-14)


def test_lausen94_can_exceed_one_and_is_reported_capped():
    data = synthetic(200, 12, 0.0)
    result = maxstat_logrank(data["time"], data["event"], data["x"])
    assert result.p_lau94_raw > 1
    assert result.p_lau94 == 1.0


def _brute_force_subset_sums(scores, size):
    counts = {}
    for combo in itertools.combinations(scores, size):
        counts[sum(combo)] = counts.get(sum(combo), 0) + 1
    total = math.comb(len(scores), size)
    return {s: c / total for s, c in counts.items()}


def test_subset_sum_probabilities_match_enumeration():
    scores = np.array([0, 3, 1, 4, 1, 5, 2, 6, 5])
    prob = _subset_sum_probabilities(scores, 6)
    for size in range(7):
        expected = np.zeros(prob.shape[1])
        for s, p in _brute_force_subset_sums(scores, size).items():
            expected[s] = p
        np.testing.assert_allclose(prob[size], expected, rtol=1e-13, atol=1e-16)


def _permutation_exceedance(scores, m, b):
    """P(max over cutpoints of |standardized S_m| > b) over all orderings of the scores."""
    perms = np.array(list(itertools.permutations(scores)), dtype=float)
    n = scores.size
    total, total_sq = scores.sum(), (scores**2).sum()
    cum = np.cumsum(perms, axis=1)[:, m.astype(int) - 1]
    var = m * (n - m) / (n**2 * (n - 1)) * (n * total_sq - total**2)
    stats = np.abs((cum - m / n * total) / np.sqrt(var))
    return float(np.mean(stats.max(axis=1) > b + 1e-12))


@pytest.mark.parametrize("b", [1.0, 1.5, 2.0, 2.3])
def test_hothorn_lausen_bounds_the_exact_permutation_probability(b):
    scores = np.array([0.0, 7, 2, 8, 3, 8, 1, 5])
    m = np.arange(1.0, 8.0)
    exact = _permutation_exceedance(scores, m, b)
    p, method = p_hothorn_lausen(b, scores, m, method="exact")
    assert method == "exact"
    assert exact - 1e-12 <= p <= 1.0
    assert p <= min(1.0, sum(_permutation_exceedance(scores, m[[i]], b) for i in range(7)))


def test_hothorn_lausen_single_cutpoint_is_the_permutation_test():
    scores = np.array([0.0, 7, 2, 8, 3, 8, 1, 5])
    m = np.array([3.0])
    n, total = scores.size, scores.sum()
    var = 3 * 5 / (n**2 * (n - 1)) * (n * (scores**2).sum() - total**2)
    b = abs(scores[:3].sum() - 3 / n * total) / np.sqrt(var)
    exact = _permutation_exceedance(scores, m, b - 1e-9)
    assert p_hothorn_lausen(b, scores, m, method="exact")[0] == pytest.approx(exact, rel=1e-12)


def test_integer_scores_follow_maxstat():
    np.testing.assert_array_equal(integer_scores([1.0, 3.0, 2.0]), [1.0, 3.0, 2.0])
    np.testing.assert_array_equal(integer_scores([0.5, 1.0, 2.5]), [1.0, 2.0, 5.0])
    # Shifted to 0, 0.75, 1.5 and scaled to a maximum of n = 3: 0, 1.5, 3; 1.5 rounds to even.
    np.testing.assert_array_equal(integer_scores([-0.5, 0.25, 1.0]), [0.0, 2.0, 3.0])


def test_hothorn_lausen_beyond_r_overflow_is_exact_and_finite():
    data = synthetic(180, 12, 1.0)
    result = maxstat_logrank(data["time"], data["event"], data["x"], pvalues=("HL",))
    assert result.hl_method == "exact"
    assert 0 < result.p_hl < 1
    normal = maxstat_logrank(
        data["time"], data["event"], data["x"], pvalues=("HL",), hl_method="normal"
    )
    assert normal.p_hl == pytest.approx(result.p_hl, rel=0.35)


def test_tail_differences_equal_the_normal_integral():
    # Short intervals go by quadrature (to a relative 5e-13), long ones by two tails (to
    # the rounding of tails near 1): both against scipy's adaptive integral of the density.
    rng = np.random.default_rng(0)
    for short in (True, False):
        for _ in range(300):
            z0 = rng.uniform(-9, 9)
            reach = 0.05 / max(1.0, abs(z0))
            h = rng.uniform(-1, 1) * (0.999 * reach if short else 2.0) + (0 if short else reach)
            expected = quad(norm.pdf, z0, z0 + h, epsabs=0, epsrel=2e-14)[0]
            assert _tail_difference(z0, z0 + h) == pytest.approx(expected, rel=5e-13, abs=3e-16)


@pytest.mark.parametrize("n", [1000, 10000])
def test_hothorn_lausen_large_n_is_finite_monotone_and_bounded(n):
    data = synthetic(n, n, 0.2)
    scores = integer_scores(logrank_scores(data["time"], data["event"]))
    m = candidate_splits(np.sort(data["x"].to_numpy()), 0.1, 0.9)
    b_grid = np.linspace(1.0, 8.0, 36)
    p = np.array([p_hothorn_lausen(b, scores, m)[0] for b in b_grid])
    assert np.isfinite(p).all()
    assert ((p >= 0) & (p <= 1)).all()
    assert (np.diff(p) <= 0).all()
    assert p[0] == 1.0 and p[-1] < 1e-9
    # An upper bound: never below the single-cutpoint tail nor the Gaussian-limit p-value.
    for b, value in zip(b_grid[::7], p[::7], strict=True):
        assert value >= min(1.0, 2 * norm.sf(b)) * (1 - 1e-6)
    assert p_hothorn_lausen(3.0, scores, m)[1] == "normal"


def test_exact_gauss_two_cutpoints_is_bivariate_normal():
    n, m, b = 20, np.array([5.0, 9.0]), 2.0
    rho = np.sqrt(5 * (n - 9) / ((n - 5) * 9))
    inside = multivariate_normal(mean=[0, 0], cov=[[1, rho], [rho, 1]]).cdf(
        [b, b], lower_limit=[-b, -b]
    )
    assert p_exact_gauss(b, n, m) == pytest.approx(1 - inside, rel=1e-5)


def test_exact_gauss_large_n_small_p_is_positive_and_monotone():
    m = np.arange(100.0, 901.0)
    p = np.array([p_exact_gauss(b, 1000, m) for b in (2.0, 3.0, 4.0, 5.0, 6.0)])
    assert (np.diff(p) < 0).all()
    assert (p > 0).all() and p[0] < 1
    assert p[2] == pytest.approx(0.00197, rel=0.02)


def test_cross_validated_cutpoint_labels_each_patient_out_of_fold():
    data = synthetic(200, 21, 1.0)
    cv = cross_validated_cutpoint(data["time"], data["event"], data["x"], n_splits=5, seed=3)
    assert cv.high.shape == (200,) and cv.fold.shape == (200,)
    assert sorted(np.unique(cv.fold)) == [0, 1, 2, 3, 4]
    x = data["x"].to_numpy()
    folds = KFold(n_splits=5, shuffle=True, random_state=3).split(x)
    for k, (train, test) in enumerate(folds):
        fit = maxstat_logrank(
            data["time"].to_numpy()[train], data["event"].to_numpy()[train], x[train]
        )
        assert cv.cutpoints[k] == fit.cutpoint
        np.testing.assert_array_equal(cv.fold[test], k)
        np.testing.assert_array_equal(cv.high[test], x[test] > fit.cutpoint)
    again = cross_validated_cutpoint(data["time"], data["event"], data["x"], n_splits=5, seed=3)
    np.testing.assert_array_equal(again.high, cv.high)
    other = cross_validated_cutpoint(data["time"], data["event"], data["x"], n_splits=5, seed=4)
    assert not np.array_equal(other.fold, cv.fold)


def test_cross_validated_cutpoint_refuses_missing_values():
    data = synthetic(50, 22, 1.0)
    x = data["x"].to_numpy().copy()
    x[3] = np.nan
    with pytest.raises(CutpointError, match="missing"):
        cross_validated_cutpoint(data["time"], data["event"], x)


@pytest.mark.parametrize(
    ("time", "event", "x", "message"),
    [
        ([1, 2, 3, 4], [0, 0, 0, 0], [1, 2, 3, 4], "no events"),
        ([1, 2, 3, 4], [1, 0, 1, 1], [5, 5, 5, 5], "no cutpoint|minprop|maxprop"),
        ([1, 2, 3], [1, 0, 2], [1, 2, 3], "0/1"),
        ([1, 2, 3], [1, 0], [1, 2, 3], "same length"),
    ],
)
def test_unusable_inputs_raise_cutpoint_error(time, event, x, message):
    with pytest.raises(CutpointError, match=message):
        maxstat_logrank(time, event, x)


def test_missing_values_are_dropped():
    data = synthetic(60, 23, 1.0)
    x = data["x"].to_numpy().copy()
    x[[0, 5]] = np.nan
    full = maxstat_logrank(data["time"][~np.isnan(x)], data["event"][~np.isnan(x)], x[~np.isnan(x)])
    dropped = maxstat_logrank(data["time"], data["event"], x)
    assert dropped.n == 58
    assert dropped.statistic == full.statistic and dropped.cutpoint == full.cutpoint
