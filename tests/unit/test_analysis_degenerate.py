"""Degenerate datasets through the whole analysis of a cancer type.

Each dataset below is a small canonical patient table (two cohorts of 40 simulated patients
unless stated) bent into one degenerate shape. ``analyse_cancer_type`` and ``finalize_tables``
must neither raise nor hand out NaN as if it were a number: every row of a table with a
``status`` column is ok, warning or not_estimable; a not_estimable row has NaN estimates and a
note saying why; an ok row has its estimates (the spline's nonlinearity row carries a p-value
only). Run with ``-s`` to see the statuses each dataset produced
(``test_status_summary``).
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import numpy as np
import pandas as pd
import pytest

from markersurv.analysis.cancer_type import analyse_cancer_type
from markersurv.analysis.pooling import finalize_tables
from markersurv.cohort.vocab import Vocabulary
from markersurv.config.settings import AnalysisSettings
from markersurv.errors import HarmonizationError
from markersurv.harmonize.standardize import standardize_markers
from markersurv.simulate.core import simulate_patients
from markersurv.tables.contract import CONTRACTS

SETTINGS = AnalysisSettings.from_config(
    {
        "markers": [{"id": "il6"}, {"id": "pstat3"}],
        # PFS columns are in the tables but only OS is analysed, to keep the run short; a
        # short bootstrap too: the concordance gain is not what is tested here.
        "endpoints": [{"id": "os"}],
        "analysis": {"bootstrap_replicates": 20},
    }
)
STATUSES = {"ok", "warning", "not_estimable"}
# Per table: the estimate columns (NaN when not_estimable) and those an ok row must have.
ESTIMATES = {
    "cox": (["coef", "se", "hr", "hr_lower", "hr_upper", "z", "p"], ["coef", "se", "hr", "p"]),
    "logrank": (["chisq", "p"], ["chisq", "p"]),
    "nonproportional": (["estimate", "lower", "upper", "p"], ["estimate", "lower", "upper"]),
    "pooled": (["log_hr", "se", "hr", "hr_lower", "hr_upper", "p"], ["log_hr", "se", "hr", "p"]),
    "cutpoints": (["cutpoint", "statistic", "p_adjusted"], ["cutpoint", "p_adjusted"]),
    "added_value": (
        ["c_clinical", "c_full", "c_diff", "c_diff_lower", "c_diff_upper", "lr_chisq", "lr_p"],
        ["c_clinical", "c_full", "c_diff", "c_diff_lower", "c_diff_upper", "lr_p"],
    ),
    # An intercept-only subgroup test has a statistic and p; a coefficient has estimate and se.
    "meta_regression": (["estimate", "se", "statistic", "p", "qm_p"], ["p"]),
    # Gray's test has a statistic and p, the Cox and Fine-Gray rows a coefficient too.
    "competing": (["coef", "se", "hr", "hr_lower", "hr_upper", "statistic", "p"], ["p"]),
    "predictive": (["hr", "hr_lower", "hr_upper", "p"], ["hr", "p"]),
}
CANONICAL = [
    "cohort",
    "patient_id",
    "cancer_type",
    "il6",
    "il6_scale",
    "il6_below_lod",
    "il6_z",
    "pstat3",
    "pstat3_scale",
    "pstat3_below_lod",
    "pstat3_z",
    "os_time",
    "os_event",
    "pfs_time",
    "pfs_event",
    "age",
    "sex",
    "stage",
    "stage_group",
]


# Datasets -----------------------------------------------------------------------------------


def simulated(sizes=(40, 40), seed: int = 1) -> pd.DataFrame:
    parts = []
    for k, n in enumerate(sizes):
        cohort = f"cohort_{chr(ord('a') + k)}"
        table = simulate_patients(
            max(n, 2),
            cancer_type="NSCLC",
            log_hr={"il6": 0.5, "pstat3": -0.3, "late_stage": 0.5},
            baseline={"median_os_months": 20.0, "median_progression_months": 10.0},
            censoring={"dropout_rate_per_year": 0.1},
            rng=np.random.default_rng([seed, k]),
            id_prefix=f"{cohort}-",
        ).iloc[:n]
        table = table.assign(
            cohort=cohort, il6_scale="pg/mL", il6_below_lod=False, pstat3_below_lod=False
        )
        parts.append(table)
    patients = pd.concat(parts, ignore_index=True)
    for column in patients.columns:
        if isinstance(patients[column].dtype, pd.CategoricalDtype):
            patients[column] = patients[column].astype(str)
    return patients[CANONICAL]


def restandardize(patients: pd.DataFrame, marker: str) -> pd.DataFrame:
    """``<marker>_z`` recomputed within cohort as the harmonizer does (log2 for IL-6)."""
    for _, rows in patients.groupby("cohort"):
        values = rows[marker].to_numpy(float)
        values = np.log2(values) if marker == "il6" else values
        sd = values.std(ddof=1) if len(values) > 1 else 0.0
        z = (values - values.mean()) / sd if sd > 0 else np.nan
        patients.loc[rows.index, f"{marker}_z"] = z
    return patients


def per_cohort(patients: pd.DataFrame, change) -> pd.DataFrame:
    for _, rows in patients.groupby("cohort"):
        change(patients, rows)
    return patients


def all_censored():
    return simulated().assign(os_event=0, pfs_event=0)


def all_events_at_one_time():
    return simulated().assign(os_time=12.0, os_event=1, pfs_time=12.0, pfs_event=1)


def one_patient_in_a_group():
    # Every IL-6 value equal but one per cohort: the median split leaves one patient high.
    patients = simulated().assign(il6=2.0)
    patients.loc[patients.groupby("cohort").head(1).index, "il6"] = 8.0
    return restandardize(patients, "il6")


def constant_marker():
    return simulated().assign(il6=2.0, il6_z=np.nan)


def perfect_separation():
    # Within each cohort, the higher the IL-6 the earlier the death, and only the upper half
    # die: the likelihood of the IL-6 terms is monotone.
    def change(p, rows):
        rank = rows["il6"].rank(ascending=False).to_numpy()
        died = (rank <= len(rows) / 2).astype(int)
        p.loc[rows.index, ["os_time", "os_event"]] = np.column_stack([rank, died])
        p.loc[rows.index, ["pfs_time", "pfs_event"]] = np.column_stack([rank / 2, died])

    return per_cohort(simulated(), change)


def massive_ties():
    # Three distinct follow-up times and pSTAT3 on three H-score levels.
    patients = simulated()
    patients["os_time"] = np.ceil(patients["os_time"] / 24) * 24
    patients["pfs_time"] = np.minimum(np.ceil(patients["pfs_time"] / 24) * 24, patients["os_time"])
    patients["pstat3"] = np.round(patients["pstat3"] / 150) * 150
    return restandardize(patients, "pstat3")


def zero_negative_infinite_marker():
    # Harmonization refuses these values (see test_harmonization_refuses_...); an analysis
    # handed them anyway sees them in the raw column with a missing z.
    patients = simulated()
    rows = [0, 1, 2, 40]
    patients.loc[rows, "il6"] = [0.0, -1.0, np.inf, np.inf]
    patients.loc[rows, "il6_z"] = np.nan
    patients.loc[[3, 41], "pstat3"] = 0.0
    return restandardize(patients, "pstat3")


def events_at_time_zero():
    patients = simulated()
    zero = patients.index[::5]
    patients.loc[zero, ["os_time", "os_event"]] = [0.0, 1]
    patients["pfs_time"] = np.minimum(patients["pfs_time"], patients["os_time"])
    return patients


def one_cohort():
    return simulated(sizes=(60,))


def cohort_with_one_patient():
    patients = simulated(sizes=(60, 1))
    # A single patient cannot be standardized.
    patients.loc[patients["cohort"] == "cohort_b", ["il6_z", "pstat3_z"]] = np.nan
    return patients


def group_without_events():
    def change(p, rows):
        high = rows.index[rows["il6"] > rows["il6"].median()]
        p.loc[high, ["os_event", "pfs_event"]] = 0

    return per_cohort(simulated(), change)


def fewer_events_than_min_events():
    patients = simulated()
    for endpoint in ("os", "pfs"):
        event = patients[f"{endpoint}_event"].to_numpy()
        patients[f"{endpoint}_event"] = np.where(np.cumsum(event) <= 8, event, 0)
    return patients


def stage_never_recorded():
    return simulated().assign(stage=None, stage_group=None)


def one_sex():
    return simulated().assign(sex="female")


DATASETS = {
    "all censored": all_censored,
    "all events at one time": all_events_at_one_time,
    "one patient in a group": one_patient_in_a_group,
    "constant marker (z missing)": constant_marker,
    "marker perfectly separating events": perfect_separation,
    "massive ties": massive_ties,
    "zero, negative and infinite marker values": zero_negative_infinite_marker,
    "events at time zero": events_at_time_zero,
    "cancer type with one cohort": one_cohort,
    "cohort with one patient": cohort_with_one_patient,
    "marker group without events": group_without_events,
    "fewer events than min_events": fewer_events_than_min_events,
    "stage never recorded": stage_never_recorded,
    "one sex": one_sex,
}
IMPUTED = ("constant marker (z missing)", "cohort with one patient", "stage never recorded")


@cache
def patients_of(name: str) -> pd.DataFrame:
    return DATASETS[name]()


@cache
def tables_of(name: str, imputation: bool) -> dict[str, pd.DataFrame]:
    """The tables of one cancer type, before finalizing (no default argument: the cache
    would keep ``f(x)`` and ``f(x, False)`` apart)."""
    settings = (
        replace(SETTINGS, missing_covariates="multiple_imputation", imputations=2)
        if imputation
        else SETTINGS
    )
    return analyse_cancer_type(patients_of(name), settings)


@cache
def analysed(name: str, imputation: bool = False) -> dict[str, pd.DataFrame]:
    return finalize_tables([tables_of(name, imputation)], SETTINGS)


# Every dataset -----------------------------------------------------------------------------


def status_problems(tables: dict[str, pd.DataFrame]) -> list[str]:
    problems = []
    for name, table in tables.items():
        numbers = table.select_dtypes("number")
        infinite = [c for c in numbers if np.isinf(numbers[c].to_numpy(float)).any()]
        if infinite:
            problems.append(f"{name}: infinite values in {infinite}")
        if "status" not in table:
            continue
        unknown = set(table["status"]) - STATUSES
        if unknown:
            problems.append(f"{name}: statuses {unknown}")
        estimates, required = ESTIMATES[name]
        refused = table[table["status"] == "not_estimable"]
        with_numbers = refused[refused[estimates].notna().any(axis=1)]
        if len(with_numbers):
            problems.append(f"{name}: not_estimable rows with numbers\n{with_numbers}")
        flagged = table[table["status"] != "ok"]
        if flagged["note"].fillna("").eq("").any():
            problems.append(f"{name}: not_estimable or warning rows without a note")
        ok = table[table["status"] == "ok"]
        missing = ok[required].isna().any(axis=1).to_numpy()
        if name == "cox":
            p_only = (ok["term"] == "nonlinearity").to_numpy()
            missing = np.where(p_only, ok["p"].isna().to_numpy(), missing)
        if name in ("cox", "logrank"):
            # A pooled data-chosen split has no p (each cohort chose its own cutpoint).
            chosen = ((ok["cut_method"] == "optimal") & (ok["cohort"] == "all")).to_numpy()
            without_p = ok[[c for c in required if c != "p"]].isna().any(axis=1).to_numpy()
            missing = np.where(chosen, without_p, missing)
        if missing.any():
            problems.append(f"{name}: ok rows with NaN estimates\n{ok[missing]}")
    return problems


def contract_problems(tables: dict[str, pd.DataFrame], pooled: bool) -> list[str]:
    return [
        f"{name}: {problem}"
        for name, table in tables.items()
        for problem in CONTRACTS[name].problems(table, pooled=pooled)
    ]


@pytest.mark.parametrize("name", list(DATASETS))
def test_degenerate_dataset_gets_statuses_not_crashes(name):
    tables = analysed(name)
    assert set(patients_of(name).columns) == set(CANONICAL)
    assert {"cox", "logrank", "km"} <= set(tables)
    assert status_problems(tables) == []
    assert contract_problems(tables_of(name, False), pooled=False) == []
    assert contract_problems(tables, pooled=True) == []


@pytest.mark.parametrize("name", IMPUTED)
def test_degenerate_dataset_under_multiple_imputation(name):
    tables = analysed(name, imputation=True)
    assert status_problems(tables) == []
    adjusted = tables["cox"][tables["cox"]["model"] == "adjusted"]
    assert adjusted["missing_data"].str.startswith("multiple_imputation").all()


def test_all_degenerate_cancer_types_finalized_together():
    """Pan-cancer pooling and q-values over every degenerate cancer type at once."""
    parts = [
        {table: f.assign(cancer_type=f"T{k:02d}") for table, f in tables_of(name, False).items()}
        for k, name in enumerate(DATASETS)
    ]
    tables = finalize_tables(parts, SETTINGS)
    assert status_problems(tables) == []
    pan = tables["pooled"][tables["pooled"]["scope"] == "pan-cancer"]
    assert len(pan) > 0 and (pan["status"] != "not_estimable").any()
    primary = tables["cox"][tables["cox"]["family"] != ""]
    assert primary.loc[primary["p"].isna(), "q"].isna().all()
    assert primary.loc[primary["p"].notna(), "q"].between(0, 1).all()


def cox_rows(name: str, **where) -> pd.DataFrame:
    cox = analysed(name)["cox"]
    mask = np.ones(len(cox), dtype=bool)
    for column, value in where.items():
        mask &= (cox[column] == value).to_numpy()
    rows = cox[mask]
    assert len(rows) > 0, where
    return rows


# What each dataset produces -------------------------------------------------------------------


def test_all_censored_refuses_every_model():
    tables = analysed("all censored")
    for name in ("cox", "logrank", "cutpoints", "added_value", "pooled"):
        assert tables[name]["status"].eq("not_estimable").all(), name
    assert tables["cox"]["note"].str.startswith("0 events, fewer than the minimum").all()
    assert tables["logrank"]["note"].eq("no events").all()


def test_events_at_one_time_leave_no_comparable_pair():
    tables = analysed("all events at one time")
    assert tables["logrank"]["status"].eq("not_estimable").all()
    added = tables["added_value"]
    assert added["status"].eq("warning").all()
    assert added["note"].str.contains("no comparable pairs").all()
    assert added[["c_clinical", "c_full", "c_diff", "c_diff_lower"]].isna().all().all()
    # Everyone dies in one risk set: the score of Efron's partial likelihood is
    # n * (mean of x - risk-weighted mean of x), zero at coefficient 0, its maximum.
    continuous = cox_rows("all events at one time", model="continuous")
    assert continuous["coef"].abs().max() < 1e-8


def test_one_patient_in_a_group_is_too_small_to_test():
    logrank = analysed("one patient in a group")["logrank"]
    rows = logrank[
        (logrank["marker"] == "il6")
        & (logrank["cut_method"] == "median")
        & (logrank["cohort"] != "all")
    ]
    assert rows["status"].eq("not_estimable").all()
    assert rows["note"].str.contains(r"too few patients in high \(n=1\)").all()


def test_constant_marker_refuses_its_models_and_keeps_the_other_marker():
    il6 = cox_rows("constant marker (z missing)", marker="il6", model="continuous")
    assert il6["status"].eq("not_estimable").all()
    assert il6["note"].str.endswith("no patient has a value of il6_z").all()
    pstat3 = cox_rows("constant marker (z missing)", marker="pstat3", model="continuous")
    assert pstat3["status"].isin(["ok", "warning"]).all()
    assert not (cox_rows("constant marker (z missing)", marker="il6")["model"] == "spline").any()


def test_perfect_separation_is_flagged_as_monotone_likelihood():
    dichotomized = cox_rows(
        "marker perfectly separating events",
        marker="il6",
        model="dichotomized",
        cut_method="median",
    )
    assert dichotomized["status"].eq("not_estimable").all()
    assert dichotomized["note"].str.contains("may be infinite").all()
    continuous = cox_rows("marker perfectly separating events", marker="il6", model="continuous")
    assert continuous["status"].eq("not_estimable").all()


def test_massive_ties_are_estimated():
    rows = cox_rows("massive ties", model="continuous", cohort="all")
    assert rows["status"].isin(["ok", "warning"]).all()
    assert np.isfinite(rows[["coef", "se", "p"]].to_numpy(float)).all()


def test_nonfinite_marker_values_leave_the_models_by_their_missing_z():
    patients = patients_of("zero, negative and infinite marker values")
    rows = cox_rows("zero, negative and infinite marker values", marker="il6", model="continuous")
    expected = {
        cohort: int(patients.loc[patients["cohort"] == cohort, "il6_z"].notna().sum())
        for cohort in ("cohort_a", "cohort_b")
    }
    expected["all"] = sum(expected.values())
    os_rows = rows[rows["endpoint"] == "os"].set_index("cohort")["n"]
    assert os_rows.to_dict() == expected


def test_harmonization_refuses_log_of_zero_or_negative_values(repo_dir):
    """Non-finite cells are refused earlier, when the cells are read (tests/unit/
    test_fields.py); here the transform step of the harmonizer."""
    vocab = Vocabulary.load(repo_dir / "resources" / "vocab")
    for bad in (0.0, -1.0):
        table = pd.DataFrame(
            {"cancer_type": "NSCLC", "il6": [1.0, 2.0, bad, 4.0], "il6_scale": "pg/mL"}
        )
        with pytest.raises(HarmonizationError, match="cannot be log-transformed"):
            standardize_markers(table, ["il6"], vocab, {"cohort": "x"})
    # An H-score of 0 is a real reading on an identity scale.
    table = pd.DataFrame(
        {"cancer_type": "NSCLC", "pstat3": [0.0, 0.0, 100.0, 300.0], "pstat3_scale": "h_score"}
    )
    z = standardize_markers(table, ["pstat3"], vocab, {"cohort": "x"})["pstat3_z"]
    assert np.isfinite(z).all() and z.std(ddof=1) == pytest.approx(1.0)


def test_events_at_time_zero_are_kept():
    patients = patients_of("events at time zero")
    km = analysed("events at time zero")["km"]
    everyone = km[
        (km["cohort"] == "all")
        & (km["endpoint"] == "os")
        & (km["marker"] == "il6")
        & (km["cut_method"] == "median")
        & (km["group"] == "all")
    ]
    assert everyone["n"].tolist() == [len(patients)]
    rows = cox_rows("events at time zero", model="continuous", endpoint="os", cohort="all")
    assert rows["events"].eq(patients["os_event"].sum()).all()


def test_one_cohort_pools_nothing_and_its_all_analysis_is_the_cohort():
    tables = analysed("cancer type with one cohort")
    pooled = tables["pooled"]
    assert set(pooled["scope"]) == {"pan-cancer"}
    assert pooled["status"].eq("not_estimable").all()
    assert pooled["note"].str.contains("pooling needs at least 2").all()
    cox = tables["cox"][tables["cox"]["model"] == "continuous"]
    keys = ["endpoint", "marker", "term"]
    together = cox[cox["cohort"] == "all"].set_index(keys)["coef"]
    alone = cox[cox["cohort"] == "cohort_a"].set_index(keys)["coef"]
    pd.testing.assert_series_equal(together, alone.reindex(together.index), rtol=1e-12)


def test_cohort_with_one_patient_is_refused_and_not_pooled():
    tables = analysed("cohort with one patient")
    cox = tables["cox"]
    single = cox[cox["cohort"] == "cohort_b"]
    assert single["status"].eq("not_estimable").all()
    pooled = tables["pooled"]
    scoped = pooled[pooled["scope"] == "NSCLC"]
    assert scoped["status"].eq("not_estimable").all()
    assert scoped["note"].eq("1 estimable study; pooling needs at least 2").all()


def test_group_without_events_has_an_infinite_dichotomized_hr():
    rows = cox_rows(
        "marker group without events", marker="il6", model="dichotomized", cut_method="median"
    )
    assert rows["status"].eq("not_estimable").all()
    assert rows["note"].str.contains("no events in one group").all()
    logrank = analysed("marker group without events")["logrank"]
    median = logrank[(logrank["marker"] == "il6") & (logrank["cut_method"] == "median")]
    assert median["status"].eq("ok").all() and (median["events_high"] == 0).all()


def test_fewer_events_than_min_events_refuse_every_model():
    tables = analysed("fewer events than min_events")
    cox = tables["cox"]
    assert cox["status"].eq("not_estimable").all()
    assert cox["note"].str.contains("fewer than the minimum of 10").all()
    assert tables["cutpoints"]["status"].eq("not_estimable").all()
    assert tables["added_value"]["status"].eq("not_estimable").all()


def test_stage_never_recorded_refuses_its_own_model_and_adjusts_without_it():
    rows = cox_rows("stage never recorded", model="clinical", term="stage_group")
    assert rows["status"].eq("not_estimable").all()
    assert rows["note"].str.endswith("no patient has a value of stage_group").all()
    # The adjusted model uses what the cohorts recorded and says what it left out.
    adjusted = cox_rows("stage never recorded", model="adjusted")
    assert set(adjusted["term"]) == {"il6_z", "pstat3_z", "age", "sex"}
    assert adjusted["status"].isin(["ok", "warning"]).all()
    assert (
        adjusted["note"]
        .str.contains("adjusted without stage_group (not recorded)", regex=False)
        .all()
    )
    assert adjusted["ph_p"].notna().all()
    age = cox_rows("stage never recorded", model="clinical", term="age")
    assert age["status"].isin(["ok", "warning"]).all()


def test_a_covariate_constant_in_an_analysis_is_left_out_of_its_adjusted_model():
    # Every patient female (as in breast cancer): sex adjusts for nothing.
    adjusted = cox_rows("one sex", model="adjusted")
    assert "sex" not in set(adjusted["term"])
    assert adjusted["note"].str.contains("sex (the same for every patient)", regex=False).all()
    assert adjusted["status"].isin(["ok", "warning"]).all()
    assert adjusted["ph_p"].notna().all()


def status_summary() -> pd.DataFrame:
    counts = []
    for name in DATASETS:
        for table, frame in analysed(name).items():
            if "status" in frame:
                for status, count in frame["status"].value_counts().items():
                    counts.append(
                        {"dataset": name, "table": table, "status": status, "rows": count}
                    )
    summary = pd.DataFrame(counts).pivot_table(
        index="dataset", columns=["table", "status"], values="rows", fill_value=0, sort=False
    )
    return summary.sort_index(axis=1).astype(int)


def test_status_summary():
    summary = status_summary()
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(f"\n{len(DATASETS)} degenerate datasets, rows by table and status:\n{summary}")
    assert list(summary.index) == list(DATASETS)
    assert summary.to_numpy().sum() > 0
