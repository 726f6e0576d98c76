"""A cancer type whose patients entered after the time origin is analysed on the
counting-process form: its Cox, Kaplan-Meier and log-rank rows, the cause-specific model of
a competing-risks endpoint and the treatment interaction equal the statistics with delayed
entry (themselves checked against R in tests/stats/test_delayed_entry.py), and what
has no delayed-entry form says so instead of a number.

The cohorts are SYNTHETIC: ``markersurv.simulate.core.simulate_patients`` (seeds [7, k]),
with entry uniform on 0-6 months and the patients whose follow-up ended before their entry
left out, as a study recruiting at a later visit never sees them.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest

from markersurv.analysis.cancer_type import analyse_cancer_type
from markersurv.analysis.competing import competing_rows
from markersurv.analysis.predictive import predictive_rows
from markersurv.config.covariates import Treatment
from markersurv.config.settings import AnalysisSettings
from markersurv.simulate.core import simulate_patients
from markersurv.stats.cox.fit import fit_cox
from markersurv.stats.km import kaplan_meier

SETTINGS = AnalysisSettings.from_config(
    {"markers": [{"id": "il6"}], "endpoints": [{"id": "os"}, {"id": "pfs"}]}
)


@cache
def truncated_patients() -> pd.DataFrame:
    parts = []
    for k in range(2):
        cohort = f"cohort_{'ab'[k]}"
        rng = np.random.default_rng([7, k])
        table = simulate_patients(
            300,
            cancer_type="NSCLC",
            log_hr={"il6": 0.5},
            baseline={"median_os_months": 20.0, "median_progression_months": 10.0},
            censoring={"dropout_rate_per_year": 0.1},
            rng=rng,
            id_prefix=f"{cohort}-",
        )
        entry = rng.uniform(0, 6, len(table))
        table = table.assign(cohort=cohort, il6_scale="pg/mL", il6_below_lod=False)
        table = table.assign(os_entry=entry, pfs_entry=entry)
        parts.append(table[(entry < table["os_time"]) & (entry < table["pfs_time"])])
    patients = pd.concat(parts, ignore_index=True)
    for column in patients.columns:
        if isinstance(patients[column].dtype, pd.CategoricalDtype):
            patients[column] = patients[column].astype(str)
    return patients


@cache
def tables() -> dict[str, pd.DataFrame]:
    return analyse_cancer_type(truncated_patients(), SETTINGS)


def row(table: str, **keys) -> pd.Series:
    frame = tables()[table]
    for key, value in keys.items():
        frame = frame[frame[key] == value]
    assert len(frame) == 1, keys
    return frame.iloc[0]


def test_the_pooled_cox_model_is_fitted_with_entry():
    p = truncated_patients()
    fit = fit_cox(
        p["os_time"], p["os_event"], p[["il6_z"]], strata=p["cohort"], entry=p["os_entry"]
    )
    got = row("cox", cohort="all", endpoint="os", model="continuous", term="il6_z")
    assert got["status"] == "ok"
    assert got["coef"] == pytest.approx(fit.coef[0], rel=1e-10)
    assert got["se"] == pytest.approx(fit.se[0], rel=1e-10)
    assert got["concordance"] == pytest.approx(fit.concordance().c, rel=1e-12)
    ignored = fit_cox(p["os_time"], p["os_event"], p[["il6_z"]], strata=p["cohort"])
    assert abs(got["coef"] - ignored.coef[0]) > 1e-4
    assert np.isfinite(got["ph_p"])


def test_kaplan_meier_rows_count_the_truncated_risk_sets():
    p = truncated_patients()
    a = p[p["cohort"] == "cohort_a"]
    km = kaplan_meier(a["pfs_time"], a["pfs_event"], entry=a["pfs_entry"])
    got = row("km", cohort="cohort_a", endpoint="pfs", cut_method="median", group="all")
    assert got["median"] == pytest.approx(km.median)
    risk = tables()["risk_table"]
    at_zero = risk[
        (risk["cohort"] == "cohort_a")
        & (risk["endpoint"] == "pfs")
        & (risk["cut_method"] == "median")
        & (risk["group"] == "all")
        & (risk["time"] == 0)
    ]
    # Nobody has entered at time 0.
    assert at_zero["n_risk"].tolist() == [0]


def test_what_has_no_delayed_entry_form_says_so():
    cutpoints = tables()["cutpoints"]
    assert cutpoints["status"].eq("not_estimable").all()
    assert cutpoints["note"].eq("not computed with delayed entry").all()
    nonproportional = tables()["nonproportional"]
    rmst = nonproportional[nonproportional["model"] == "rmst_difference"]
    assert len(rmst) > 0 and rmst["note"].eq("not computed with delayed entry").all()
    intervals = nonproportional[nonproportional["model"] == "interval_hr"]
    assert intervals["status"].ne("not_estimable").any()


def test_competing_risks_with_entry_fit_only_the_cause_specific_model():
    p = truncated_patients()
    a = p[p["cohort"] == "cohort_a"].reset_index(drop=True)
    # Every third death counted as a competing event, the rest as the event of interest.
    cause = np.where(a["os_event"] == 1, np.where(np.arange(len(a)) % 3 == 0, 2, 1), 0)
    rows = competing_rows(a.assign(os_cause=cause), None, "il6", "os", SETTINGS)
    assert rows["cuminc"] == []
    models = pd.DataFrame(rows["competing"])
    refused = models[models["model"].isin(["gray", "fine_gray"])]
    assert len(refused) == 3 and refused["status"].eq("not_estimable").all()
    assert refused["note"].eq("not computed with delayed entry").all()
    assert refused["p"].isna().all()
    (per_sd,) = models[
        (models["model"] == "cause_specific") & (models["cut_method"] == "none")
    ].index
    fit = fit_cox(a["os_time"], (cause == 1).astype(float), a[["il6_z"]], entry=a["os_entry"])
    assert models.loc[per_sd, "status"] == "ok"
    assert models.loc[per_sd, "coef"] == pytest.approx(fit.coef[0], rel=1e-10)
    assert models.loc[per_sd, "se"] == pytest.approx(fit.se[0], rel=1e-10)


def test_the_treatment_interaction_is_fitted_with_entry():
    p = truncated_patients()
    arm = np.where(np.arange(len(p)) % 2 == 0, "control", "drug")
    arms = Treatment("Treatment", ("control", "drug"))
    rows = pd.DataFrame(
        predictive_rows(p.assign(treatment=arm), "il6", "os", p["cohort"], arms, {}, SETTINGS)
    )
    (got,) = rows[(rows["group"] == "continuous") & (rows["estimate"] == "interaction")].index
    drug = (arm == "drug").astype(float)
    x = pd.DataFrame({"z": p["il6_z"], "drug": drug, "z:drug": p["il6_z"] * drug})
    fit = fit_cox(p["os_time"], p["os_event"], x, strata=p["cohort"], entry=p["os_entry"])
    assert rows.loc[got, "status"] == "ok"
    assert rows.loc[got, "coef"] == pytest.approx(fit.coef[2], rel=1e-10)
    assert rows.loc[got, "se"] == pytest.approx(fit.se[2], rel=1e-10)
