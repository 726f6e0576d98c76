"""predictive.tsv rows: which rows, what their numbers are fitted from, and explicit
statuses where a comparison cannot be estimated (an arm absent, arms in different
cohorts, an arm without events in a marker group, too few events)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2

from markersurv.analysis.groups import marker_groups
from markersurv.analysis.predictive import PREDICTIVE_COLUMNS, predictive_rows
from markersurv.config.covariates import Treatment
from markersurv.config.settings import AnalysisSettings
from markersurv.simulate.core import simulate_patients
from markersurv.stats.cox.fit import fit_cox
from markersurv.tables.beyond_prognostic import BEYOND_PROGNOSTIC

CONFIG = {
    "markers": [{"id": "pstat3", "label": "Tumour marker", "kind": "score"}],
    "endpoints": [{"id": "os", "label": "Overall survival"}],
}
ARMS = Treatment("Adjuvant regimen", ("surgery alone", "chemoradiation"))
SETTINGS = AnalysisSettings.from_config(CONFIG)


def cohorts(n=250, seeds=(1, 2), levels=ARMS.levels, fraction=0.5) -> pd.DataFrame:
    """Synthetic cohorts (simulate_patients, the seeds given) with a treatment effect and a
    marker x treatment interaction."""
    frames = []
    for i, seed in enumerate(seeds):
        d = simulate_patients(
            n,
            cancer_type="SIM",
            log_hr={"pstat3": 0.3},
            baseline={},
            censoring={"admin_min_months": 36, "admin_max_months": 72},
            rng=np.random.default_rng(seed),
            treatment={
                "levels": levels[:2],
                "log_hr": -0.3,
                "interaction": {"pstat3": -0.4},
                "treated_fraction": fraction,
            },
        )
        d = d.assign(
            cohort=f"sim_{i}",
            patient_id=d["patient_id"] + f"-{i}",
            pstat3_scale=d["pstat3_scale"].astype(str),
            treatment=d["treatment"].astype(object),
        )
        frames.append(d)
    return pd.concat(frames, ignore_index=True)


def rows_of(data, treatment=ARMS, pooled=True, settings=SETTINGS):
    groups = {"median": marker_groups(data, "pstat3", "median")}
    strata = data["cohort"].to_numpy() if pooled else None
    return pd.DataFrame(predictive_rows(data, "pstat3", "os", strata, treatment, groups, settings))


def test_no_declared_treatment_gives_no_rows():
    assert predictive_rows(cohorts(), "pstat3", "os", None, None, {}, SETTINGS) == []


def test_a_cancer_type_whose_cohorts_map_no_treatment_gives_no_rows():
    unknown = cohorts().assign(treatment=None)
    assert predictive_rows(unknown, "pstat3", "os", None, ARMS, {}, SETTINGS) == []


def test_rows_of_a_comparison_and_their_contract():
    table = rows_of(cohorts())
    assert list(table.columns) == PREDICTIVE_COLUMNS
    assert list(zip(table["cut_method"], table["group"], table["estimate"], strict=True)) == [
        ("none", "all", "treatment_hr"),
        ("none", "continuous", "interaction"),
        ("none", "continuous", "treatment_hr_at_mean"),
        ("median", "low", "treatment_hr"),
        ("median", "high", "treatment_hr"),
        ("median", "high vs low", "interaction"),
    ]
    assert set(table["treatment"]) == {"chemoradiation"}
    assert set(table["reference"]) == {"surgery alone"}
    assert set(table["status"]) == {"ok"} and set(table["role"]) == {"secondary"}
    keyed = table.assign(cancer_type="SIM", cohort="all", endpoint="os", marker="pstat3")
    (contract,) = [c for c in BEYOND_PROGNOSTIC if c.name == "predictive"]
    assert contract.problems(keyed) == []


def test_estimates_are_those_of_the_stratified_cox_models():
    data = cohorts()
    table = rows_of(data).set_index(["cut_method", "group", "estimate"]).sort_index()
    t, e = data["os_time"].to_numpy(), data["os_event"].to_numpy()
    s = data["cohort"].to_numpy()
    arm = (data["treatment"] == "chemoradiation").to_numpy(dtype=float)
    z = data["pstat3_z"].to_numpy()
    full = fit_cox(t, e, np.column_stack([z, arm, z * arm]), strata=s)
    main = fit_cox(t, e, np.column_stack([z, arm]), strata=s)
    interaction = table.loc[("none", "continuous", "interaction")]
    assert interaction["coef"] == pytest.approx(full.coef[2], rel=1e-12)
    assert interaction["interaction_p"] == pytest.approx(full.p[2], rel=1e-12)
    lr = chi2.sf(2 * (full.loglik - main.loglik), 1)
    assert interaction["interaction_lr_p"] == pytest.approx(lr, rel=1e-9)
    at_mean = table.loc[("none", "continuous", "treatment_hr_at_mean")]
    assert at_mean["hr"] == pytest.approx(np.exp(full.coef[1]), rel=1e-12)
    high = (marker_groups(data, "pstat3", "median") == "high").to_numpy()
    within = fit_cox(t[high], e[high], arm[high, None], strata=s[high])
    row = table.loc[("median", "high", "treatment_hr")]
    assert row["hr"] == pytest.approx(within.hr[0], rel=1e-12)
    assert row["n"] == high.sum() and row["events"] == e[high].sum()
    assert row["treatment_n"] == int(arm[high].sum())


def test_each_arm_is_compared_with_the_reference_on_the_two_arms_only():
    data = cohorts()
    third = np.random.default_rng(0).random(len(data)) < 0.2
    data.loc[third, "treatment"] = "brachytherapy"
    data.loc[:4, "treatment"] = None
    arms = Treatment("Adjuvant regimen", (*ARMS.levels, "brachytherapy"))
    table = rows_of(data, arms)
    assert set(table["treatment"]) == {"chemoradiation", "brachytherapy"}
    overall = table[table["group"] == "all"].set_index("treatment")["n"]
    in_arm = data["treatment"].value_counts()
    assert overall["brachytherapy"] == in_arm["brachytherapy"] + in_arm["surgery alone"]
    assert overall["chemoradiation"] == in_arm["chemoradiation"] + in_arm["surgery alone"]


def test_an_absent_arm_is_not_estimable_in_the_configs_words():
    data = cohorts()
    data["treatment"] = "surgery alone"
    table = rows_of(data)
    assert set(table["status"]) == {"not_estimable"}
    assert table[["hr", "p", "interaction_p"]].isna().all().all()
    assert table["note"].str.contains("no patient in the Adjuvant regimen arm chemoradiation").all()


def test_arms_in_different_cohorts_are_not_compared():
    data = cohorts()
    data["treatment"] = np.where(data["cohort"] == "sim_0", "surgery alone", "chemoradiation")
    table = rows_of(data)
    assert set(table["status"]) == {"not_estimable"}
    assert table["note"].str.contains("no cohort holds both Adjuvant regimen arms").all()
    # One cohort alone: the treatment is constant.
    alone = rows_of(data[data["cohort"] == "sim_0"], pooled=False)
    assert set(alone["status"]) == {"not_estimable"}


def test_an_arm_without_events_in_a_marker_group():
    data = cohorts()
    high = marker_groups(data, "pstat3", "median") == "high"
    data.loc[high & (data["treatment"] == "chemoradiation"), "os_event"] = 0
    table = {(r["cut_method"], r["group"]): r for r in rows_of(data).to_dict("records")}
    assert table["median", "high"]["status"] == "not_estimable"
    assert table["median", "high vs low"]["status"] == "not_estimable"
    assert "chemoradiation in the high group" in table["median", "high vs low"]["note"]
    assert np.isnan(table["median", "high"]["hr"])
    assert table["median", "low"]["status"] != "not_estimable"
    assert np.isfinite(table["median", "low"]["hr"])


def test_too_few_events_is_not_estimable():
    data = cohorts(n=200, seeds=(4,))
    strict = AnalysisSettings.from_config({**CONFIG, "analysis": {"min_events": 500}})
    table = rows_of(data, pooled=False, settings=strict)
    assert set(table["status"]) == {"not_estimable"}
    assert table["note"].str.contains("fewer than the minimum of 500").all()


def test_only_prespecified_two_group_splits_are_used():
    data = cohorts()
    median = marker_groups(data, "pstat3", "median")
    groups = {
        "median": median,
        "optimal": median,
        "cv_optimal": median,
        "tertile": marker_groups(data, "pstat3", "tertile"),
    }
    rows = predictive_rows(data, "pstat3", "os", None, ARMS, groups, SETTINGS)
    assert {r["cut_method"] for r in rows} == {"none", "median"}
