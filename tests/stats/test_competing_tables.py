"""The rows of cuminc.tsv and competing.tsv against R (tests/r/competing_tables_reference.R),
which recomputes them from the same patient rows with cmprsk and survival, forming the
median split itself.

Datasets: a SYNTHETIC two-cohort cancer type (tests/stats/test_competing.py's generator,
seeds 21 and 22), pooled (Gray's test and the cause-specific model stratified by cohort,
Fine-Gray with a cohort indicator) and per cohort; and, where the shared data are present,
TCGA's PFI and DSS with the CDR's competing-risk codings (pSTAT3, a few cancer types).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from markersurv.analysis.cancer_type import analyse_cancer_type
from markersurv.analysis.competing import competing_rows
from markersurv.cohort.spec import load_cohort_spec
from markersurv.cohort.vocab import Vocabulary
from markersurv.config.settings import AnalysisSettings, HarmonizeSettings
from markersurv.harmonize.cohort import Settings, harmonize_cohort
from tests.r_bridge import run_r
from tests.stats.test_competing import r_num, simulate

RTOL = 1e-6
SETTINGS = AnalysisSettings.from_config(
    {
        "markers": [{"id": "il6"}],
        "endpoints": [{"id": "dss", "competing": "death from another cause"}],
        "analysis": {"bootstrap_replicates": 0},
    }
)
TCGA_TYPES = ("BRCA", "KIRC", "LGG")


def synthetic_patients() -> pd.DataFrame:
    """Two SYNTHETIC cohorts of one cancer type with il6 and a competing-risks endpoint."""
    parts = []
    for cohort, seed, n in (("syn_a", 21, 160), ("syn_b", 22, 120)):
        d = simulate(n, seed=seed, grid=0.1)
        value = np.exp(d["x2"] + 1.0)
        parts.append(
            pd.DataFrame(
                {
                    "cohort": cohort,
                    "cancer_type": "SYN",
                    "il6": value,
                    "il6_scale": "pg/mL",
                    "il6_z": (np.log2(value) - np.log2(value).mean()) / np.log2(value).std(ddof=1),
                    "dss_time": d["time"],
                    "dss_event": (d["cause"] == 1).astype(int),
                    "dss_cause": d["cause"],
                    "age": 60.0,
                    "sex": "female",
                    "stage": "II",
                    "stage_group": "early",
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def datasets(patients: pd.DataFrame, label: str):
    """(name, rows, strata) of the pooled analysis and of each cohort."""
    cohorts = sorted(patients["cohort"].unique())
    yield f"{label}|all", patients, patients["cohort"].to_numpy() if len(cohorts) > 1 else None
    if len(cohorts) > 1:
        for cohort in cohorts:
            yield f"{label}|{cohort}", patients[patients["cohort"] == cohort], None


def cases(patients: pd.DataFrame, label: str, marker: str, endpoint: str, settings) -> list:
    rows = patients[
        patients[f"{endpoint}_time"].notna()
        & patients[f"{endpoint}_cause"].notna()
        & patients[marker].notna()
    ]
    out = []
    for name, data, strata in datasets(rows, label):
        tables = competing_rows(data, strata, marker, endpoint, settings)
        r_input = pd.DataFrame(
            {
                "dataset": name,
                "cohort": data["cohort"].to_numpy(),
                "time": data[f"{endpoint}_time"].to_numpy(dtype=float),
                "cause": data[f"{endpoint}_cause"].to_numpy(dtype=float).astype(int),
                "z": data[f"{marker}_z"].to_numpy(dtype=float),
                "value": data[marker].to_numpy(dtype=float),
            }
        )
        out.append((name, tables, r_input, marker))
    return out


@pytest.fixture(scope="module")
def synthetic_cases() -> list:
    return cases(synthetic_patients(), "synthetic", "il6", "dss", SETTINGS)


@pytest.fixture(scope="module")
def tcga_cases(repo_dir, tcga_dir) -> list:
    config = yaml.safe_load((repo_dir / "config" / "tcga.yaml").read_text())
    config["analysis"] = {**(config.get("analysis") or {}), "bootstrap_replicates": 0}
    settings = AnalysisSettings.from_config(config)
    harmonize = HarmonizeSettings.from_config(config)
    vocab = Vocabulary.load(repo_dir / "resources" / "vocab")
    spec = load_cohort_spec(repo_dir / "config" / "cohorts" / "tcga.yaml", {"tcga": str(tcga_dir)})
    patients = harmonize_cohort(
        spec,
        vocab,
        Settings(settings.markers, settings.endpoints, "half", b"k", competing=harmonize.competing),
    ).patients
    out = []
    for cancer_type in TCGA_TYPES:
        of_type = patients[patients["cancer_type"] == cancer_type]
        for endpoint in ("pfi", "dss"):
            out += cases(of_type, f"tcga_{cancer_type}_{endpoint}", "pstat3", endpoint, settings)
    return out


def compare(all_cases: list, tmp_path) -> int:
    data = pd.concat([c[2] for c in all_cases], ignore_index=True)
    reference = run_r("competing_tables_reference.R", {"data": data}, tmp_path)
    compared = 0
    for name, tables, _, marker in all_cases:
        ref = reference[name]
        cuminc = pd.DataFrame(tables["cuminc"])
        for group in ("low", "high"):
            curve = cuminc[(cuminc["cut_method"] == "median") & (cuminc["group"] == group)]
            jumps = curve.iloc[1:][curve["time"].iloc[1:].isin(r_num(ref["cuminc"][group]["time"]))]
            # Beyond R's jumps: time 0 and, after the last event, the last follow-up.
            assert len(curve) - len(jumps) in (1, 2)
            np.testing.assert_allclose(jumps["time"], r_num(ref["cuminc"][group]["time"]))
            np.testing.assert_allclose(jumps["cif"], r_num(ref["cuminc"][group]["est"]), rtol=RTOL)
            np.testing.assert_allclose(
                jumps["cif_var"], r_num(ref["cuminc"][group]["var"]), rtol=RTOL
            )
        rows = pd.DataFrame(tables["competing"]).set_index(["model", "cut_method", "term"])
        gray = rows.loc[("gray", "median", f"{marker}_high")]
        if gray["status"] == "ok":
            np.testing.assert_allclose(gray["statistic"], r_num(ref["gray"]["stat"])[0], rtol=RTOL)
            np.testing.assert_allclose(gray["p"], r_num(ref["gray"]["p"])[0], rtol=RTOL)
            compared += 1
        for model, key in (("fine_gray", "fine_gray"), ("cause_specific", "cause_specific")):
            for cut, term, suffix in (
                ("none", f"{marker}_z", "z"),
                ("median", f"{marker}_high", "high"),
            ):
                row, expected = rows.loc[(model, cut, term)], ref[f"{key}_{suffix}"]
                if row["status"] == "not_estimable":
                    assert np.isnan(row["coef"]) and row["note"]
                    continue
                np.testing.assert_allclose(row["coef"], r_num(expected["coef"])[0], rtol=RTOL)
                np.testing.assert_allclose(row["se"], r_num(expected["se"])[0], rtol=RTOL)
                compared += 1
    return compared


@pytest.mark.r
def test_synthetic_rows_match_r(synthetic_cases, tmp_path):
    assert compare(synthetic_cases, tmp_path) == 3 * 5


@pytest.mark.r
def test_tcga_rows_match_r(tcga_cases, tmp_path):
    assert compare(tcga_cases, tmp_path) >= 5 * len(tcga_cases) // 2


def test_the_pooled_fine_gray_row_says_how_cohort_enters(synthetic_cases):
    (name, tables, _, _), *_ = synthetic_cases
    assert name == "synthetic|all"
    rows = pd.DataFrame(tables["competing"])
    fine_gray = rows[rows["model"] == "fine_gray"]
    assert (fine_gray["note"].str.contains("cohort indicators as covariates")).all()
    gray = rows[rows["model"] == "gray"]
    assert (gray["note"] == "stratified by cohort").all()
    assert set(rows["model"]) == {"gray", "cause_specific", "fine_gray"}


def test_curves_start_at_zero_and_reach_each_groups_last_follow_up(synthetic_cases):
    (_, tables, r_input, _), *_ = synthetic_cases
    cuminc = pd.DataFrame(tables["cuminc"])
    for _, curve in cuminc.groupby("group"):
        assert curve["time"].iloc[0] == 0 and curve["cif"].iloc[0] == 0
        assert curve["cif"].is_monotonic_increasing and curve["time"].is_monotonic_increasing
    assert cuminc["time"].max() == r_input["time"].max()


def test_no_competing_events_and_too_few_events_are_not_estimable():
    patients = synthetic_patients()
    no_competing = patients.assign(dss_cause=patients["dss_cause"].replace(2, 0))
    (_, tables, _, _), *_ = cases(no_competing, "x", "il6", "dss", SETTINGS)
    rows = pd.DataFrame(tables["competing"])
    refused = rows[rows["model"] != "cause_specific"]
    assert (refused["status"] == "not_estimable").all()
    assert refused["note"].str.startswith("no competing events").all()
    assert refused[["statistic", "coef", "hr", "p"]].isna().all().all()
    few = patients[patients["dss_cause"] != 1].copy()
    few.iloc[:3, few.columns.get_loc("dss_cause")] = 1
    (_, tables, _, _), *_ = cases(few, "y", "il6", "dss", SETTINGS)
    rows = pd.DataFrame(tables["competing"])
    assert (rows["status"] == "not_estimable").all()
    assert rows["note"].str.contains("fewer than the minimum").all()


def test_the_cancer_type_analysis_writes_both_tables_only_with_a_cause_column():
    patients = synthetic_patients()
    frames = analyse_cancer_type(patients, SETTINGS)
    assert {"cuminc", "competing"} <= set(frames)
    assert set(frames["competing"]["cohort"]) == {"all", "syn_a", "syn_b"}
    without = analyse_cancer_type(patients.drop(columns="dss_cause"), SETTINGS)
    assert "cuminc" not in without and "competing" not in without


def test_patients_with_an_unknown_cause_are_left_out_with_a_note():
    patients = synthetic_patients()
    patients.loc[patients.index[:4], "dss_cause"] = np.nan
    patients["dss_cause"] = patients["dss_cause"].astype("Int8")
    rows = competing_rows(patients, patients["cohort"].to_numpy(), "il6", "dss", SETTINGS)
    competing = pd.DataFrame(rows["competing"])
    assert (competing["n"] <= len(patients) - 4).all()
    assert competing["note"].str.contains("4 patient\\(s\\) whose cause").all()
