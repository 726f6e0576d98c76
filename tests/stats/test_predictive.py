"""predictive.tsv rows against R's survival (tests/r/predictive_reference.R).

Synthetic cohorts from markersurv's simulator (``simulate_patients``, seeds below) with a
stated truth: treatment log HR at the marker mean and marker x treatment interaction per SD
of the marker (pSTAT3 on the H-score). R fits ``coxph(Surv(time, event) ~ z * treatment +
strata(cohort))``, the model without the product term (``anova`` gives the interaction's
likelihood-ratio test), the same with the median split (formed in R within each cohort
on every patient, whatever the arm, as the pipeline forms marker groups), and
``coxph(Surv(time, event) ~ treatment + strata(cohort))`` within each group and overall.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from markersurv.analysis.groups import marker_groups
from markersurv.analysis.predictive import predictive_rows
from markersurv.config.covariates import Treatment
from markersurv.config.settings import AnalysisSettings
from markersurv.simulate.core import simulate_patients
from tests.r_bridge import run_r

COEF_RTOL = 1e-6
P_RTOL, P_ATOL = 1e-6, 1e-12

SETTINGS = AnalysisSettings.from_config(
    {
        "markers": [{"id": "pstat3", "label": "Marker", "kind": "score"}],
        "endpoints": [{"id": "os", "label": "Overall survival"}],
    }
)

# case: (seeds of its cohorts, patients per cohort, arms (reference first), treatment log HR,
# interaction log HR per SD, whole-month rounding of times for ties)
CASES = {
    "pooled_interaction": ((21, 22, 23), 220, ("control", "drug"), -0.3, -0.5, 0.5),
    "one_cohort_null": ((31,), 300, ("control", "drug"), 0.2, 0.0, None),
    "three_arms": ((41, 42), 260, ("observation", "chemo", "radio"), -0.2, 0.4, 1.0),
}


def simulated(case: str) -> tuple[pd.DataFrame, Treatment]:
    seeds, n, levels, log_hr, interaction, rounding = CASES[case]
    frames = []
    for i, seed in enumerate(seeds):
        d = simulate_patients(
            n,
            cancer_type="SIM",
            log_hr={"pstat3": 0.25, "il6": 0.2},
            baseline={"shape": 1.2, "median_os_months": 30},
            censoring={"dropout_rate_per_year": 0.05, "admin_min_months": 24},
            rng=np.random.default_rng(seed),
            treatment={
                "levels": levels[:2],
                "log_hr": log_hr,
                "interaction": {"pstat3": interaction},
            },
        )
        d = d.assign(
            cohort=f"{case}_{i}",
            pstat3_scale=d["pstat3_scale"].astype(str),
            treatment=d["treatment"].astype(object),
        )
        if len(levels) == 3:
            # A third arm drawn from the same treated patients' model: half of them, at random.
            third = np.random.default_rng([seed, 3]).random(n) < 0.5
            d.loc[third & (d["treatment"] == levels[1]).to_numpy(), "treatment"] = levels[2]
        if rounding is not None:
            d["os_time"] = np.maximum(np.round(d["os_time"] / rounding) * rounding, rounding)
        frames.append(d)
    return pd.concat(frames, ignore_index=True), Treatment("Arm", levels)


def python_rows(case: str) -> pd.DataFrame:
    data, treatment = simulated(case)
    strata = data["cohort"].to_numpy() if data["cohort"].nunique() > 1 else None
    groups = {"median": marker_groups(data, "pstat3", "median")}
    rows = predictive_rows(data, "pstat3", "os", strata, treatment, groups, SETTINGS)
    return pd.DataFrame(rows)


def comparisons() -> list[tuple[str, str]]:
    return [(case, level) for case, spec in CASES.items() for level in spec[2][1:]]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict:
    frames = []
    for case in CASES:
        data, treatment = simulated(case)
        frames.append(
            pd.DataFrame(
                {
                    "case": case,
                    "time": data["os_time"],
                    "event": data["os_event"],
                    "z": data["pstat3_z"],
                    "marker": data["pstat3"],
                    "treatment": data["treatment"],
                    "reference": treatment.reference,
                    "cohort": data["cohort"],
                }
            )
        )
    return run_r(
        "predictive_reference.R",
        {"data": pd.concat(frames, ignore_index=True)},
        tmp_path_factory.mktemp("predictive"),
    )


@pytest.fixture(scope="module")
def ours() -> dict[str, pd.DataFrame]:
    return {case: python_rows(case) for case in CASES}


def row(ours, case, level, cut_method, group, estimate) -> dict:
    table = ours[case]
    found = table[
        (table["treatment"] == level)
        & (table["cut_method"] == cut_method)
        & (table["group"] == group)
        & (table["estimate"] == estimate)
    ]
    (record,) = found.to_dict("records")
    assert record["status"] == "ok", record["note"]
    return record


def close(ours_value, r_value, rtol=COEF_RTOL, atol=0.0):
    np.testing.assert_allclose(ours_value, r_value, rtol=rtol, atol=atol)


@pytest.mark.parametrize("case, level", comparisons())
@pytest.mark.parametrize(
    "model, cut_method, group",
    [("continuous", "none", "continuous"), ("split", "median", "high vs low")],
)
def test_interaction_against_r(ours, reference, case, level, model, cut_method, group):
    r = reference[f"{case}:{level}"][model]
    interaction = row(ours, case, level, cut_method, group, "interaction")
    close(interaction["coef"], r["coef"][2])
    close(interaction["se"], r["se"][2])
    close(interaction["hr"], np.exp(r["coef"][2]))
    close(interaction["interaction_p"], r["p"][2], P_RTOL, P_ATOL)
    close(interaction["interaction_lr_p"], r["lr_p"], P_RTOL, P_ATOL)
    if model == "continuous":
        at_mean = row(ours, case, level, "none", "continuous", "treatment_hr_at_mean")
        close(at_mean["coef"], r["coef"][1])
        close(at_mean["se"], r["se"][1])
        close(at_mean["p"], r["p"][1], P_RTOL, P_ATOL)
        close(at_mean["interaction_p"], r["p"][2], P_RTOL, P_ATOL)


@pytest.mark.parametrize("case, level", comparisons())
@pytest.mark.parametrize(
    "key, cut_method, group",
    [
        ("within_low", "median", "low"),
        ("within_high", "median", "high"),
        ("overall", "none", "all"),
    ],
)
def test_treatment_hr_within_groups_against_r(ours, reference, case, level, key, cut_method, group):
    r = reference[f"{case}:{level}"][key]
    within = row(ours, case, level, cut_method, group, "treatment_hr")
    assert (within["n"], within["events"]) == (r["n"], r["events"])
    for name in ("coef", "se", "hr", "hr_lower", "hr_upper"):
        close(within[name], r[name])
    close(within["p"], r["p"], P_RTOL, P_ATOL)


def test_the_stated_interaction_is_detected_where_it_is_large(ours):
    # Truth -0.5 per SD with 660 patients: the data carry it; the null case does not
    # contradict its truth of 0 at the 0.1% level.
    assert (
        row(ours, "pooled_interaction", "drug", "none", "continuous", "interaction")[
            "interaction_p"
        ]
        < 0.01
    )
    assert (
        row(ours, "one_cohort_null", "drug", "none", "continuous", "interaction")["interaction_p"]
        > 0.001
    )
