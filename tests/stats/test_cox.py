"""Cox regression against R's coxph (tests/r/cox_reference.R) and against lifelines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from markersurv.stats.cox.fit import fit_cox
from markersurv.stats.cox.likelihood import RiskSets
from markersurv.stats.km import SurvivalDataError
from markersurv.stats.timefix import merge_close_times
from tests.r_bridge import run_r
from tests.tcga_data import pstat3_os, tcga_dir_or_none

CANCER_TYPES = ["GBM", "KIRC", "LUAD", "BRCA"]
POOLED = ["GBM", "KIRC", "LUAD"]
TERMS = ["pstat3_z", "age", "male"]
TIGHT = 1e-12
COEF_RTOL = 1e-6
LOGLIK_RTOL = 1e-8
P_RTOL, P_ATOL = 1e-6, 1e-12
# R warns that eps=1e-12 is not above its Cholesky tolerance (1.8e-12); that note is about
# the settings, not the data, so it is ignored when comparing warnings.
SETTINGS_WARNING = "For numerical accuracy, tolerance should be < eps"


def _tcga_frame(data: pd.DataFrame, cancer_type: str) -> pd.DataFrame:
    data = data.dropna(subset=["age"])
    z = (data["pstat3"] - data["pstat3"].mean()) / data["pstat3"].std(ddof=1)
    return pd.DataFrame(
        {
            "time": data["os_time"],
            "event": data["os_event"],
            "stratum": cancer_type,
            "pstat3_z": z,
            "age": data["age"],
            "male": data["male"],
        }
    ).reset_index(drop=True)


def _synthetic(seed: int, n: int, tied: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3))
    x[:, 2] = rng.random(n) < 0.4
    t = rng.exponential(np.exp(-(x @ [0.5, -0.3, 0.4])) * 12)
    c = rng.uniform(0, 30, n)
    time = np.minimum(t, c)
    return pd.DataFrame(
        {
            # whole months: a few dozen distinct times for n patients, so heavy ties
            "time": np.ceil(time) if tied else time,
            "event": (t <= c).astype(int),
            "stratum": rng.integers(1, 4, n),
            "x1": x[:, 0],
            "x2": x[:, 1],
            "x3": x[:, 2],
        }
    )


def _near_tied(data: pd.DataFrame) -> pd.DataFrame:
    """Whole months computed two ways: equal times that differ in their last bits, as
    arithmetic on dates produces. R's timefix ties them again."""
    rng = np.random.default_rng(12)
    return data.assign(time=data["time"] * (1 + rng.integers(0, 3, len(data)) * 1e-13))


def _halving_case() -> pd.DataFrame:
    """Skewed covariate with a strong effect: the first full Newton step from 0 (about 1.06)
    overshoots the optimum (about 0.46) so far that the log-likelihood falls; plain
    Newton-Raphson goes downhill there and only step halving recovers."""
    rng = np.random.default_rng(9)
    x = np.round(np.exp(rng.standard_normal(100)), 2)
    t = rng.exponential(np.exp(-0.5 * x))
    c = rng.exponential(1.0, 100)
    return pd.DataFrame(
        {"time": np.round(np.minimum(t, c), 4), "event": (t <= c).astype(int), "x1": x}
    )


def _degenerate() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(11)
    n = 80
    base = pd.DataFrame(
        {
            "time": np.round(rng.exponential(10, n), 2),
            "event": (rng.random(n) < 0.6).astype(int),
            "x1": rng.standard_normal(n),
            "g": (rng.random(n) < 0.5).astype(int),
        }
    )
    no_events_in_group = base.assign(event=np.where(base["g"] == 1, 0, base["event"]))
    one_event = base.assign(event=0)
    one_event.loc[10, "event"] = 1
    return {
        "monotone": no_events_in_group,
        "constant": base.assign(k=2.0),
        "collinear": base.assign(k=2 * base["x1"] + 1),
        "all_censored": base.assign(event=0),
        "one_event": one_event,
    }


# name -> (dataset, terms, strata, ties[, tol]); tol defaults to TIGHT
SYNTHETIC_CASES = {
    "tied_efron": ("tied", ["x1", "x2", "x3"], False, "efron"),
    "tied_breslow": ("tied", ["x1", "x2", "x3"], False, "breslow"),
    "tied_strata_efron": ("tied", ["x1", "x2", "x3"], True, "efron"),
    "tied_strata_breslow": ("tied", ["x1", "x2", "x3"], True, "breslow"),
    "untied_efron": ("untied", ["x1", "x2", "x3"], False, "efron"),
    "near_tied_efron": ("near_tied", ["x1", "x2", "x3"], False, "efron"),
    "untied_strata_efron": ("untied", ["x1", "x2", "x3"], True, "efron"),
    "halving": ("halving", ["x1"], False, "efron"),
    "one_event": ("one_event", ["x1"], False, "efron"),
}
TCGA_CASES = {
    "GBM_efron": ("GBM", TERMS, False, "efron"),
    "KIRC_efron": ("KIRC", TERMS, False, "efron"),
    "LUAD_efron": ("LUAD", TERMS, False, "efron"),
    "BRCA_efron": ("BRCA", ["pstat3_z", "age"], False, "efron"),
    "KIRC_breslow": ("KIRC", TERMS, False, "breslow"),
    "pooled_strata_efron": ("pooled", TERMS, True, "efron"),
    "pooled_strata_breslow": ("pooled", TERMS, True, "breslow"),
}
DEGENERATE_CASES = {
    "monotone": ("monotone", ["x1", "g"], False, "efron"),
    "monotone_default_tol": ("monotone", ["x1", "g"], False, "efron", 1e-9),
    "brca_male": ("BRCA", TERMS, False, "efron"),
    "constant": ("constant", ["x1", "k"], False, "efron"),
    "constant_only": ("constant", ["k"], False, "efron"),
    "collinear": ("collinear", ["x1", "k"], False, "efron"),
    "all_censored": ("all_censored", ["x1"], False, "efron"),
}


@pytest.fixture(scope="module")
def datasets(request) -> dict[str, pd.DataFrame]:
    out = {
        "tied": _synthetic(1, 1500, tied=True),
        "untied": _synthetic(2, 1500, tied=False),
        "near_tied": _near_tied(_synthetic(1, 1500, tied=True)),
        "halving": _halving_case(),
        **_degenerate(),
    }
    tcga_dir = tcga_dir_or_none(request)
    if tcga_dir is not None:
        cache = request.config.cache.mkdir("tcga")
        for ct in CANCER_TYPES:
            out[ct] = _tcga_frame(pstat3_os(tcga_dir, cache, ct), ct)
        out["pooled"] = pd.concat([out[ct] for ct in POOLED], ignore_index=True)
    return out


def _cases(datasets) -> dict:
    cases = {**SYNTHETIC_CASES, **DEGENERATE_CASES, **TCGA_CASES}
    return {name: case for name, case in cases.items() if case[0] in datasets}


@pytest.fixture(scope="module")
def reference(datasets, tmp_path_factory) -> dict:
    rows = []
    for name, case in _cases(datasets).items():
        data, terms, strata, ties = case[:4]
        rows.append(
            {
                "name": name,
                "case": data,
                "kind": "coxph",
                "terms": ";".join(terms),
                "strata": "TRUE" if strata else "FALSE",
                "ties": ties,
                "eps": _tol(case),
                "iter_max": 100,
            }
        )
    spec = pd.DataFrame(rows)
    stacked = pd.concat([d.assign(case=name) for name, d in datasets.items()], ignore_index=True)
    return run_r("cox_reference.R", {"spec": spec, "data": stacked}, tmp_path_factory.mktemp("cox"))


def r_num(value) -> np.ndarray:
    """R's JSON numbers (null for NA) as a float array."""
    as_float = np.vectorize(lambda v: np.nan if v in ("NA", None) else float(v), otypes=[float])
    return np.atleast_1d(as_float(np.asarray(value, dtype=object)))


def _warnings(ref: dict) -> list[str]:
    return [w for w in np.atleast_1d(ref["warnings"]) if SETTINGS_WARNING not in w]


def _tol(case) -> float:
    return case[4] if len(case) > 4 else TIGHT


def _fit(datasets, name, **kwargs):
    case = _cases(datasets).get(name) or pytest.skip(f"{name}: no data")
    data, terms, strata, ties = case[:4]
    d = datasets[data]
    return fit_cox(
        d["time"],
        d["event"],
        d[terms],
        strata=d["stratum"] if strata else None,
        ties=ties,
        tol=_tol(case),
        max_iter=100,
        **kwargs,
    )


def assert_p_close(actual, expected):
    actual, expected = np.atleast_1d(actual), np.atleast_1d(expected)
    assert np.all(np.abs(actual - expected) <= np.maximum(P_RTOL * np.abs(expected), P_ATOL))


def _assert_matches_r(fit, ref):
    np.testing.assert_allclose(fit.coef, r_num(ref["coef"]), rtol=COEF_RTOL)
    np.testing.assert_allclose(fit.se, r_num(ref["se"]), rtol=COEF_RTOL)
    p = fit.coef.size
    np.testing.assert_allclose(fit.var, r_num(ref["var"]).reshape(p, p), rtol=COEF_RTOL)
    np.testing.assert_allclose(
        [fit.loglik_null, fit.loglik], r_num(ref["loglik"]), rtol=LOGLIK_RTOL
    )
    assert fit.n == ref["n"] and fit.events == ref["nevent"]
    assert fit.iterations == ref["iter"]
    assert_p_close(fit.p, r_num(ref["p"]))
    wald, logtest, sctest = r_num(ref["wald"]), r_num(ref["logtest"]), r_num(ref["sctest"])
    for ours, theirs, stat in [
        (fit.wald_test(), wald, r_num(ref["wald_stat"])[0]),
        (fit.lr_test(), logtest, logtest[0]),
        (fit.score_test(), sctest, sctest[0]),
    ]:
        np.testing.assert_allclose(ours[0], stat, rtol=COEF_RTOL)
        assert ours[1] == theirs[1]
        assert_p_close(ours[2], theirs[2])


def _assert_concordance_matches_r(fit, ref):
    conc = fit.concordance()
    rc = ref["concordance"]
    assert conc.concordant == rc["concordant"]
    assert conc.discordant == rc["discordant"]
    assert conc.tied_risk == rc["tied.x"]
    assert conc.tied_time == rc["tied.y"]
    assert conc.tied_risk_time == rc["tied.xy"]
    assert abs(conc.c - rc["concordance"]) <= 1e-10
    assert abs(conc.se - rc["std"]) <= 1e-10


COMPARABLE = [*SYNTHETIC_CASES, *TCGA_CASES]


@pytest.mark.r
@pytest.mark.parametrize("name", COMPARABLE)
def test_fit_matches_coxph(datasets, reference, name):
    fit = _fit(datasets, name)
    ref = reference[name]
    assert _warnings(ref) == []
    assert fit.status == "ok" and fit.converged and fit.note == ""
    _assert_matches_r(fit, ref)


@pytest.mark.r
@pytest.mark.parametrize("name", COMPARABLE)
def test_concordance_matches_coxph(datasets, reference, name):
    _assert_concordance_matches_r(_fit(datasets, name), reference[name])


@pytest.mark.r
def test_halving_rescues_an_overshooting_newton_step(datasets, reference):
    d = datasets["halving"]
    risk_sets = RiskSets.build(
        d["time"].to_numpy(),
        d["event"].to_numpy(),
        d[["x1"]].to_numpy().T.copy(),
        np.zeros(len(d), dtype=int),
        "efron",
    )
    null, score, info = risk_sets.evaluate(np.zeros(1))
    first_step = np.linalg.solve(info, score)
    assert risk_sets.evaluate(first_step)[0] < null  # plain Newton would go downhill
    fit = _fit(datasets, "halving")
    assert fit.step_halvings > 0 and fit.status == "ok"
    _assert_matches_r(fit, reference["halving"])


@pytest.mark.r
@pytest.mark.parametrize("name", ["monotone", "monotone_default_tol", "brca_male"])
def test_infinite_coefficient_is_not_estimable(datasets, reference, name):
    fit = _fit(datasets, name)
    ref = reference[name]
    r_coef = r_num(ref["coef"])
    bad = list(fit.terms).index("male" if name == "brca_male" else "g")
    # With R's default eps the loglik converges first and R warns; with eps=1e-12 it iterates
    # on until the term's information vanishes and reports it as NA. Same monotone likelihood.
    warned = any("coefficient may be infinite" in w for w in _warnings(ref))
    assert warned != np.isnan(r_coef[bad])
    assert fit.status == "warning"
    assert fit.term_status[bad] == "not_estimable"
    assert "may be infinite (monotone likelihood: no events in one group)" in fit.note
    assert np.isnan(fit.coef[bad]) and np.isnan(fit.se[bad]) and np.isnan(fit.p[bad])
    good = np.arange(fit.coef.size) != bad
    assert all(fit.term_status[i] == "ok" for i in np.flatnonzero(good))
    # the other terms are meaningful and equal R's
    np.testing.assert_allclose(fit.coef[good], r_coef[good], rtol=COEF_RTOL)
    np.testing.assert_allclose(fit.se[good], r_num(ref["se"])[good], rtol=COEF_RTOL)
    np.testing.assert_allclose(fit.loglik, r_num(ref["loglik"])[1], rtol=LOGLIK_RTOL)
    for ours, theirs in [(fit.lr_test(), ref["logtest"]), (fit.score_test(), ref["sctest"])]:
        np.testing.assert_allclose(ours[:2], r_num(theirs)[:2], rtol=COEF_RTOL)
    if warned:
        # a Wald statistic of a divergent coefficient means nothing
        assert np.isnan(fit.wald_test()[0])
    else:
        np.testing.assert_allclose(fit.wald_test()[0], r_num(ref["wald_stat"]), rtol=COEF_RTOL)
    _assert_concordance_matches_r(fit, ref)


@pytest.mark.r
@pytest.mark.parametrize("name", ["constant", "collinear"])
def test_aliased_column_is_not_estimable_like_r_na(datasets, reference, name):
    fit = _fit(datasets, name)
    ref = reference[name]
    assert np.isnan(r_num(ref["coef"])[1])
    assert fit.status == "warning" and fit.term_status == ("ok", "not_estimable")
    assert np.isnan(fit.coef[1]) and np.isnan(fit.var[1]).all()
    assert ("constant" if name == "constant" else "collinear") in fit.term_note[1]
    np.testing.assert_allclose(fit.coef[0], r_num(ref["coef"])[0], rtol=COEF_RTOL)
    np.testing.assert_allclose(fit.se[0], r_num(ref["se"])[0], rtol=COEF_RTOL)
    assert fit.df == 1 == r_num(ref["logtest"])[1]
    for ours, theirs in [(fit.lr_test(), ref["logtest"]), (fit.score_test(), ref["sctest"])]:
        np.testing.assert_allclose(ours[0], r_num(theirs)[0], rtol=COEF_RTOL)


@pytest.mark.r
@pytest.mark.parametrize("name", ["constant_only", "all_censored"])
def test_nothing_estimable(datasets, reference, name):
    fit = _fit(datasets, name)
    assert np.isnan(r_num(reference[name]["coef"])).all()
    assert fit.status == "not_estimable"
    assert np.isnan(fit.coef).all() and np.isnan(fit.se).all() and np.isnan(fit.loglik)
    assert np.isnan(fit.lr_test()[0]) and np.isnan(fit.wald_test()[2])
    assert np.isnan(fit.linear_predictor).all() and np.isnan(fit.concordance().c)
    assert ("no events" in fit.note) == (name == "all_censored")


def test_no_convergence_is_never_a_number(datasets):
    d = datasets["halving"]
    fit = fit_cox(d["time"], d["event"], d[["x1"]], max_iter=2, tol=TIGHT)
    assert fit.status == "not_estimable" and not fit.converged
    assert "did not converge in 2 iterations, nor with steps scaled by 0.5" in fit.note
    assert np.isnan(fit.coef).all() and np.isnan(fit.hr_ci()[0]).all()
    assert np.isnan(fit.lr_test()[0])


def test_refit_with_damped_steps_after_a_failed_start(datasets):
    d = datasets["halving"]
    # exp(100 * x) overflows for the largest x, so the first attempt cannot even start
    fit = fit_cox(d["time"], d["event"], d[["x1"]], init=[100.0], tol=TIGHT)
    plain = fit_cox(d["time"], d["event"], d[["x1"]], tol=TIGHT)
    assert fit.status == "warning" and "refitted with Newton steps scaled by 0.5" in fit.note
    np.testing.assert_allclose(fit.coef, plain.coef, rtol=1e-9)
    assert fit.loglik_null == plain.loglik_null and fit.score_statistic == plain.score_statistic
    off = fit_cox(d["time"], d["event"], d[["x1"]], init=[100.0], tol=TIGHT, refit_step=None)
    assert off.status == "not_estimable" and np.isnan(off.coef).all()


def test_near_ties_are_ties_unless_timefix_is_off(datasets):
    near, exact = datasets["near_tied"], datasets["tied"]
    assert near["time"].nunique() > exact["time"].nunique()
    terms = ["x1", "x2", "x3"]
    fixed = fit_cox(near["time"], near["event"], near[terms], tol=TIGHT)
    reference = fit_cox(exact["time"], exact["event"], exact[terms], tol=TIGHT)
    raw = fit_cox(near["time"], near["event"], near[terms], tol=TIGHT, timefix=False)
    np.testing.assert_allclose(fixed.coef, reference.coef, rtol=1e-12)
    assert fixed.concordance() == reference.concordance()
    assert abs(raw.loglik - reference.loglik) > 1e-3


def test_merge_close_times_keeps_the_smallest_of_a_chain():
    time = np.array([1.0, 1.0 + 1e-10, 1.0 + 2e-10, 2.0, 3.0, 3.0 + 1e-9])
    np.testing.assert_array_equal(merge_close_times(time), [1.0, 1.0, 1.0, 2.0, 3.0, 3.0])
    distinct = np.array([1.0, 1.001, 2.0])
    assert merge_close_times(distinct) is distinct


def test_likelihood_derivatives_match_finite_differences(datasets):
    d = datasets["tied"]
    rs = RiskSets.build(
        d["time"].to_numpy(),
        d["event"].to_numpy(),
        d[["x1", "x2", "x3"]].to_numpy().T.copy(),
        d["stratum"].to_numpy(),
        "efron",
    )
    beta = np.array([0.3, -0.2, 0.5])
    _, score, info = rs.evaluate(beta)
    h = 1e-5
    for j in range(3):
        up, down = beta.copy(), beta.copy()
        up[j] += h
        down[j] -= h
        (l_up, s_up, _), (l_down, s_down, _) = rs.evaluate(up), rs.evaluate(down)
        assert abs((l_up - l_down) / (2 * h) - score[j]) < 1e-5 * max(1, abs(score[j]))
        np.testing.assert_allclose(-(s_up - s_down) / (2 * h), info[j], rtol=1e-6, atol=1e-6)


def test_lifelines_agrees(datasets):
    from lifelines import CoxPHFitter

    d = datasets["KIRC"] if "KIRC" in datasets else datasets["tied"]
    terms = TERMS if "KIRC" in datasets else ["x1", "x2", "x3"]
    lifelines_fit = CoxPHFitter().fit(
        d[["time", "event", *terms]], "time", "event", fit_options={"precision": 1e-14}
    )
    fit = fit_cox(d["time"], d["event"], d[terms], tol=TIGHT)
    np.testing.assert_allclose(fit.coef, lifelines_fit.params_[terms].to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(fit.se, lifelines_fit.standard_errors_[terms].to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(fit.loglik, lifelines_fit.log_likelihood_, rtol=1e-8)


def test_summary_and_intervals(datasets):
    d = datasets["tied"]
    fit = fit_cox(d["time"], d["event"], d[["x1", "x2", "x3"]])
    table = fit.summary(level=0.9)
    assert list(table.columns) == [
        "term", "coef", "se", "hr", "hr_lower", "hr_upper", "z", "p", "status", "note",
    ]  # fmt: skip
    assert list(table["term"]) == ["x1", "x2", "x3"]
    half = 1.6448536269514722 * fit.se
    np.testing.assert_allclose(table["hr_lower"], np.exp(fit.coef - half), rtol=1e-12)
    np.testing.assert_allclose(table["hr_upper"], np.exp(fit.coef + half), rtol=1e-12)
    np.testing.assert_allclose(
        fit.linear_predictor, d[["x1", "x2", "x3"]].to_numpy() @ fit.coef, rtol=1e-12
    )
    unnamed = fit_cox(d["time"], d["event"], d[["x1", "x2", "x3"]].to_numpy())
    assert unnamed.terms == ("x1", "x2", "x3")
    np.testing.assert_array_equal(unnamed.coef, fit.coef)


def test_order_of_patients_does_not_matter(datasets):
    d = datasets["tied"]
    shuffled = d.sample(frac=1.0, random_state=3)
    a = fit_cox(d["time"], d["event"], d[["x1", "x2"]], strata=d["stratum"], tol=TIGHT)
    b = fit_cox(
        shuffled["time"], shuffled["event"], shuffled[["x1", "x2"]], strata=shuffled["stratum"],
        tol=TIGHT,
    )  # fmt: skip
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-10)
    assert a.concordance() == b.concordance()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"X": pd.DataFrame({"a": [1.0, np.nan, 2.0, 3.0]})}, "covariate 'a' has 1 missing"),
        ({"X": pd.DataFrame({"a": ["x", "y", "x", "y"]})}, "covariate 'a' is not numeric"),
        ({"X": np.ones((3, 1))}, "expected 4 rows"),
        ({"event": [1, 2, 0, 1]}, "event"),
    ],
)
def test_input_errors_name_the_problem(change, message):
    args = {"time": [1.0, 2.0, 3.0, 4.0], "event": [1, 0, 1, 1], "X": np.arange(4.0)}
    args.update(change)
    with pytest.raises(SurvivalDataError, match=message):
        fit_cox(args["time"], args["event"], args["X"])


def test_bad_options_raise():
    with pytest.raises(ValueError, match="ties"):
        fit_cox([1, 2], [1, 1], [0.0, 1.0], ties="exact")
    with pytest.raises(ValueError, match="init"):
        fit_cox([1, 2], [1, 1], [0.0, 1.0], init=[0.0, 1.0])
