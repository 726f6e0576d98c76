"""cox.zph (survival 3.x score test) against R (tests/r/zph_reference.R).

The coefficients come from R's coxph, fitted to convergence, so these tests exercise only the
proportional-hazards test itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from markersurv.stats.km import SurvivalDataError
from markersurv.stats.zph import cox_zph
from tests.r_bridge import run_r
from tests.tcga_data import case_or_skip, pstat3_os, tcga_dir_or_none

CANCER_TYPES = ["KIRC", "LUAD", "GBM"]
TRANSFORMS = ["km", "identity", "rank", "log"]
CHISQ_REL_TOL = 1e-5
P_ABS_TOL = 1e-12


def _synthetic_tied() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 400
    x = rng.normal(size=(n, 2))
    male = rng.integers(0, 2, n)
    # Hazard ratio for x1 that fades with time: a real departure from proportionality.
    t = rng.weibull(0.7, n) * np.exp(-0.6 * x[:, 0] - 0.3 * male)
    c = rng.uniform(0.0, 3.0, n)
    return pd.DataFrame(
        {
            "time": np.ceil(np.minimum(t, c) * 3.0),
            "event": (t <= c).astype(int),
            "stratum": rng.integers(1, 4, n),
            "x1": x[:, 0],
            "x2": x[:, 1],
            "x3": male,
        }
    )


CASES = (
    [(f"{ct}_1", ct, "x1", "efron", 0) for ct in CANCER_TYPES]
    + [(f"{ct}_3", ct, "x1 + x2 + x3", "efron", 0) for ct in CANCER_TYPES]
    + [(f"{ct}_strat", ct, "x1 + x2", "efron", 1) for ct in CANCER_TYPES]
    + [(f"{ct}_months", f"{ct}_months", "x1 + x2 + x3", "efron", 0) for ct in CANCER_TYPES]
    + [
        ("KIRC_months_breslow", "KIRC_months", "x1 + x2 + x3", "breslow", 0),
        ("KIRC_spline", "KIRC", "ns(x2, df = 3) + x1", "efron", 0),
        ("tied_3", "tied", "x1 + x2 + x3", "efron", 0),
        ("tied_3_breslow", "tied", "x1 + x2 + x3", "breslow", 0),
        ("tied_strat", "tied", "x1 + x2 + x3", "efron", 1),
        ("tied_strat_breslow", "tied", "x1 + x2", "breslow", 1),
    ]
)


@pytest.fixture(scope="module")
def datasets(request) -> dict[str, pd.DataFrame]:
    out = {"tied": _synthetic_tied()}
    tcga_dir = tcga_dir_or_none(request)
    cache = request.config.cache.mkdir("tcga")
    for cancer_type in CANCER_TYPES if tcga_dir else []:
        data = pstat3_os(tcga_dir, cache, cancer_type).dropna(subset=["age"])
        frame = pd.DataFrame(
            {
                "time": data["os_time"].to_numpy(),
                "event": data["os_event"].to_numpy(),
                "stratum": data["male"].to_numpy(),
                "x1": data["pstat3"].to_numpy(),
                "x2": data["age"].to_numpy(),
                "x3": data["male"].to_numpy(),
            }
        )
        out[cancer_type] = frame
        # Whole months: heavy ties on real follow-up.
        out[f"{cancer_type}_months"] = frame.assign(time=np.ceil(frame["time"]))
    return out


@pytest.fixture(scope="module")
def reference(datasets, tmp_path_factory) -> dict:
    stacked = pd.concat([d.assign(dataset=name) for name, d in datasets.items()], ignore_index=True)
    cases = pd.DataFrame(CASES, columns=["case", "dataset", "formula", "ties", "stratified"])
    cases = cases[cases["dataset"].isin(list(datasets))]
    return run_r(
        "zph_reference.R", {"data": stacked, "cases": cases}, tmp_path_factory.mktemp("zph")
    )


def r_num(value) -> np.ndarray:
    """R's JSON numbers (with "NA", "NaN", "Inf" strings) as a float array."""
    as_float = np.vectorize(lambda v: np.nan if v in ("NA", None) else float(v), otypes=[float])
    return np.atleast_1d(as_float(np.asarray(value, dtype=object)))


def _zph(datasets, ref, case, transform):
    _, dataset, _, ties, stratified = next(c for c in CASES if c[0] == case)
    data = case_or_skip(datasets, dataset)
    r = ref[case]
    x = r_num(r["x"]).reshape(len(data), -1)
    terms = {name: np.atleast_1d(cols) for name, cols in r["assign"].items()}
    return cox_zph(
        data["time"],
        data["event"],
        x,
        r_num(r["coef"]),
        strata=data["stratum"] if stratified else None,
        transform=transform,
        terms=terms,
        ties=ties,
        names=np.atleast_1d(r["columns"]),
    )


@pytest.mark.r
@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("case", [c[0] for c in CASES])
def test_table_matches_cox_zph(datasets, reference, case, transform):
    result = _zph(datasets, reference, case, transform)
    ref = reference[case]["zph"][transform]
    assert list(result.table.index) == list(np.atleast_1d(ref["term"]))
    np.testing.assert_array_equal(result.table["df"], r_num(ref["df"]))
    np.testing.assert_allclose(result.table["chisq"], r_num(ref["chisq"]), rtol=CHISQ_REL_TOL)
    p, p_ref = result.table["p"].to_numpy(), r_num(ref["p"])
    assert np.all(np.abs(p - p_ref) <= np.maximum(CHISQ_REL_TOL * p_ref, P_ABS_TOL))


@pytest.mark.r
@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("case", ["KIRC_3", "LUAD_strat", "KIRC_spline", "tied_strat"])
def test_residuals_and_times_match_cox_zph(datasets, reference, case, transform):
    result = _zph(datasets, reference, case, transform)
    ref = reference[case]["zph"][transform]
    np.testing.assert_allclose(result.x, r_num(ref["x"]), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(result.time, r_num(ref["time"]))
    y_ref = r_num(ref["y"]).reshape(result.y.shape)
    np.testing.assert_allclose(result.y.to_numpy(), y_ref, rtol=1e-8, atol=1e-10)
    var_ref = r_num(ref["var"]).reshape(result.var.shape)
    np.testing.assert_allclose(result.var, var_ref, rtol=1e-8)


@pytest.mark.r
def test_score_at_r_coefficients_is_zero(datasets, reference):
    result = _zph(datasets, reference, "tied_3", "km")
    assert np.max(np.abs(result.score)) < 1e-6


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    return _synthetic_tied().iloc[:150]


def test_invariant_to_shifting_covariates_and_scaling_time(small):
    coef = [0.5, -0.2, 0.3]
    x = small[["x1", "x2", "x3"]]
    base = cox_zph(small["time"], small["event"], x, coef, transform="identity")
    moved = cox_zph(
        small["time"] * 30.4375,
        small["event"],
        x + [100.0, -5.0, 2.0],
        coef,
        transform="identity",
    )
    np.testing.assert_allclose(moved.table["chisq"], base.table["chisq"], rtol=1e-9)
    assert list(base.table.index) == ["x1", "x2", "x3", "GLOBAL"]


def test_multi_column_term_gets_one_row(small):
    x = small[["x1", "x2", "x3"]]
    result = cox_zph(
        small["time"], small["event"], x, [0.5, -0.2, 0.3], terms={"a": [0, 1], "b": [2]}
    )
    assert list(result.table.index) == ["a", "b", "GLOBAL"]
    np.testing.assert_array_equal(result.table["df"], [2, 1, 3])
    assert list(result.y.columns) == ["a", "b"]


def test_constant_covariate_in_a_stratum_gives_missing_residuals():
    rng = np.random.default_rng(2)
    n = 60
    stratum = np.repeat([1, 2], n // 2)
    x = np.where(stratum == 1, rng.normal(size=n), 0.0)
    time = rng.exponential(1.0, n)
    result = cox_zph(time, np.ones(n), x, [0.1], strata=stratum)
    in_second = result.strata == 2
    assert in_second.any() and np.isnan(result.y.to_numpy()[in_second]).all()
    assert np.isfinite(result.y.to_numpy()[~in_second]).all()


def test_refuses_what_cannot_be_tested(small):
    x = small[["x1"]]
    with pytest.raises(SurvivalDataError, match="no events"):
        cox_zph(small["time"], np.zeros(len(small)), x, [0.1])
    with pytest.raises(ValueError, match="exactly one term"):
        cox_zph(small["time"], small["event"], x, [0.1], terms={"a": [0, 1]})
    with pytest.raises(SurvivalDataError, match="event at time 0"):
        cox_zph([0.0, 1.0, 2.0], [1, 1, 0], [[0.0], [1.0], [0.5]], [0.1], transform="log")
    with pytest.raises(ValueError, match="transform"):
        cox_zph(small["time"], small["event"], x, [0.1], transform="sqrt")


def test_constant_covariate_is_refused(small):
    x = small[["x1"]].assign(flat=1.0)
    with pytest.raises(SurvivalDataError, match="constant"):
        cox_zph(small["time"], small["event"], x, [0.1, 0.0])
