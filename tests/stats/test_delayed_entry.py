"""Delayed entry (left truncation) against R's counting-process form Surv(entry, time, event)
(tests/r/entry_reference.R): Cox fits, their proportional-hazards tests, Kaplan-Meier curves
and the log-rank test on the truncated risk sets.

The data are SYNTHETIC, drawn here with numpy (seeds below): exponential survival with a
stated log hazard ratio of 0.5 per unit of x and 0.3 for g, uniform censoring, and entry
uniform on 0-8 months; patients whose event or censoring comes before their entry are never
observed (truncation), as in a cohort recruited at a later visit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from markersurv.stats.concordance import concordance_index
from markersurv.stats.concordance_entry import concordance_with_entry
from markersurv.stats.cox.fit import fit_cox
from markersurv.stats.km import SurvivalDataError, kaplan_meier
from markersurv.stats.logrank import logrank_test
from markersurv.stats.zph import cox_zph
from tests.r_bridge import run_r

COEF_RTOL = 1e-6
LOGLIK_RTOL = 1e-9
KM_RTOL = 1e-10


def truncated(seed: int, n: int, step: float | None) -> pd.DataFrame:
    """Observed patients of a truncated sample; times rounded to ``step`` months (ties)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    g = rng.integers(0, 2, n)
    t = rng.exponential(np.exp(-(0.5 * x + 0.3 * g)) * 20)
    c = rng.uniform(5, 40, n)
    entry = rng.uniform(0, 8, n)
    time = np.minimum(t, c)
    if step is not None:
        time, entry = np.ceil(time / step) * step, np.floor(entry / step) * step
    frame = pd.DataFrame(
        {
            "entry": entry,
            "time": time,
            "event": (t <= c).astype(int),
            "x": x,
            "g": g,
            "stratum": rng.integers(1, 4, n),
            # a score with many ties, for the concordance's tie counts
            "score": np.round(x, 1) + 0.3 * g,
        }
    )
    return frame[frame["entry"] < frame["time"]].reset_index(drop=True)


CASES = {"untied": truncated(20261204, 500, None), "tied": truncated(20261205, 500, 0.5)}


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict:
    data = pd.concat([d.assign(case=name) for name, d in CASES.items()], ignore_index=True)
    return run_r("entry_reference.R", {"data": data}, tmp_path_factory.mktemp("entry"))


def r_values(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in np.atleast_1d(values)], dtype=float)


@pytest.mark.r
@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("stratified", [False, True])
def test_cox_with_entry_equals_coxph(reference, case, stratified):
    d = CASES[case]
    fit = fit_cox(
        d["time"],
        d["event"],
        d[["x", "g"]],
        entry=d["entry"],
        strata=d["stratum"] if stratified else None,
    )
    r = reference[case]["cox_strata" if stratified else "cox"]
    assert fit.status == "ok"
    np.testing.assert_allclose(fit.coef, r["coef"], rtol=COEF_RTOL)
    np.testing.assert_allclose(fit.se, r["se"], rtol=COEF_RTOL)
    np.testing.assert_allclose([fit.loglik_null, fit.loglik], r["loglik"], rtol=LOGLIK_RTOL)
    np.testing.assert_allclose(fit.score_statistic, r["score"], rtol=COEF_RTOL)
    zph = cox_zph(
        d["time"],
        d["event"],
        d[["x", "g"]],
        fit.coef,
        entry=d["entry"],
        strata=d["stratum"] if stratified else None,
    )
    np.testing.assert_allclose(zph.table["chisq"], r["zph"], rtol=COEF_RTOL)


@pytest.mark.r
def test_entry_changes_the_fit(reference):
    """The truncated risk sets matter: ignoring entry gives another estimate."""
    d = CASES["untied"]
    ignored = fit_cox(d["time"], d["event"], d[["x", "g"]])
    assert abs(ignored.coef[0] - reference["untied"]["cox"]["coef"][0]) > 1e-3


@pytest.mark.r
@pytest.mark.parametrize("case", list(CASES))
def test_kaplan_meier_with_entry_equals_survfit(reference, case):
    d = CASES[case]
    km = kaplan_meier(d["time"], d["event"], entry=d["entry"])
    r = reference[case]["km"]
    # R's JSON writes 15 significant digits.
    np.testing.assert_allclose(km.time, r_values(r["time"]), rtol=1e-13)
    np.testing.assert_array_equal(km.n_risk, r_values(r["n_risk"]))
    np.testing.assert_array_equal(km.n_event, r_values(r["n_event"]))
    for ours, theirs in [
        (km.surv, r["surv"]),
        (km.std_err, r["std_err"]),
        (km.lower, r["lower"]),
        (km.upper, r["upper"]),
    ]:
        np.testing.assert_allclose(ours, r_values(theirs), rtol=KM_RTOL)
    np.testing.assert_allclose(
        [km.median, km.median_lower, km.median_upper],
        r_values([r["median"], r["median_lower"], r["median_upper"]]),
        rtol=KM_RTOL,
    )
    at = km.survival_at([5, 10, 20])
    np.testing.assert_array_equal(at["n_risk"], r_values(r["at_n_risk"]))
    np.testing.assert_allclose(at["surv"], r_values(r["at_surv"]), rtol=KM_RTOL)
    np.testing.assert_allclose(at["lower"], r_values(r["at_lower"]), rtol=KM_RTOL)


@pytest.mark.r
@pytest.mark.parametrize("stratified", [False, True])
def test_logrank_with_entry_equals_breslow_score_test_without_ties(reference, stratified):
    d = CASES["untied"]
    test = logrank_test(
        d["time"], d["event"], d["g"], entry=d["entry"], strata=d["stratum"] if stratified else None
    )
    key = "breslow_score_strata" if stratified else "breslow_score"
    np.testing.assert_allclose(test.chisq, reference["untied"][key], rtol=COEF_RTOL)


def test_without_entry_times_at_zero_nothing_changes():
    """Entry at 0 for everybody (all times positive) is the plain right-censored analysis."""
    d = CASES["tied"]
    zero = np.zeros(len(d))
    with_zero = fit_cox(d["time"], d["event"], d[["x", "g"]], entry=zero)
    plain = fit_cox(d["time"], d["event"], d[["x", "g"]])
    np.testing.assert_allclose(with_zero.coef, plain.coef, rtol=1e-10)
    km0, km = kaplan_meier(d["time"], d["event"], entry=zero), kaplan_meier(d["time"], d["event"])
    np.testing.assert_array_equal(km0.n_risk, km.n_risk)
    lr0 = logrank_test(d["time"], d["event"], d["g"], entry=zero)
    assert lr0.chisq == pytest.approx(logrank_test(d["time"], d["event"], d["g"]).chisq)


@pytest.mark.parametrize("call", ["cox", "km", "logrank"])
def test_entry_at_or_after_exit_is_refused(call):
    time, event, entry = np.array([5.0, 8.0, 3.0]), np.array([1, 0, 1]), np.array([1.0, 8.0, 0])
    run = {
        "cox": lambda: fit_cox(time, event, np.array([0.1, 0.5, 0.9]), entry=entry),
        "km": lambda: kaplan_meier(time, event, entry=entry),
        "logrank": lambda: logrank_test(time, event, [0, 1, 0], entry=entry),
    }[call]
    with pytest.raises(SurvivalDataError, match="1 entry times are not before their exit"):
        run()


def counts(c) -> list[float]:
    return [c.concordant, c.discordant, c.tied_risk, c.tied_time, c.tied_risk_time]


R_COUNTS = ["concordant", "discordant", "tied.x", "tied.y", "tied.xy"]


@pytest.mark.r
@pytest.mark.parametrize("case", list(CASES))
def test_concordance_of_a_fit_with_entry_equals_coxph(reference, case):
    d = CASES[case]
    c = fit_cox(d["time"], d["event"], d[["x", "g"]], entry=d["entry"]).concordance()
    r = reference[case]["cox"]["concordance"]
    np.testing.assert_array_equal(counts(c), [r[k] for k in R_COUNTS])
    np.testing.assert_allclose([c.c, c.se], [r["concordance"], r["std"]], rtol=1e-10)


@pytest.mark.r
@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("stratified", [False, True])
def test_concordance_with_entry_and_tied_scores_equals_r(reference, case, stratified):
    d = CASES[case]
    strata = d["stratum"] if stratified else None
    c = concordance_with_entry(d["time"], d["event"], d["score"], d["entry"], strata)
    r = reference[case]["scores"][int(stratified)]
    np.testing.assert_array_equal(counts(c), [r["count"][k] for k in R_COUNTS])
    np.testing.assert_allclose([c.c, c.se], [r["concordance"], r["std"]], rtol=1e-10)


def test_concordance_with_entry_before_every_time_is_the_right_censored_one():
    d = CASES["tied"]
    before = np.full(len(d), -1.0)
    with_entry = concordance_with_entry(d["time"], d["event"], d["score"], before)
    plain = concordance_index(d["time"], d["event"], d["score"])
    assert counts(with_entry) == counts(plain)
    assert with_entry.se == pytest.approx(plain.se, rel=1e-12)
