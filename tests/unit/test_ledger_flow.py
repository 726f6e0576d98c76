"""Ledger invariants: every source row ends in exactly one place, and flow.json adds up."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from markersurv.harmonize.ledger import REASONS, Ledger, build_flow
from markersurv.harmonize.merge import merge_exclusions, merge_flow, merge_patients
from tests.helpers_cohort import base_spec, check_ledger, harmonize_rows

NORMALIZER = {"remove": "[-_ ]", "strip_leading_zeros": True, "replicates": "mean"}


def every_reason_cohort(tmp_path, cohort="c1"):
    """Two tables whose rows hit every exclusion reason a long table can have."""
    spec = base_spec(
        cohort,
        tables={
            "clinical": {"path": "clinical.csv", "id_column": "pid", "id_normalizer": NORMALIZER},
            "assay": {
                "path": "assay.csv",
                "id_column": "sample",
                "id_normalizer": {
                    "sample_type": {
                        "start": 4,
                        "end": 5,
                        "keep": [1, 9],
                        "labels": {"01": "Primary tumour", 11: "Normal tissue"},
                    },
                    "extract": "^(P\\d+)",
                    "replicates": "mean",
                },
            },
        },
        cancer_type={"column": "type"},
        markers={
            "il6": {"table": "assay", "column": "il6", "unit": "pg/mL"},
            "pstat3": {"column": "h", "scale": "h_score"},
        },
        dates={
            "diagnosis": {"column": "dx", "format": "%Y-%m-%d"},
            "death": {"column": "dod", "format": "%Y-%m-%d"},
            "last_contact": {"column": "lc", "format": "%Y-%m-%d"},
            "progression": {"column": "dop", "format": "%Y-%m-%d"},
            "entry": {"column": "doe", "format": "%Y-%m-%d"},
        },
        endpoints={"os": {"event_dates": ["death"]}},
    )
    clinical = [
        ["pid", "type", "h", "dx", "dod", "lc", "dop", "doe"],
        ["P1", "BRCA", "100", "2020-01-01", "2021-01-01", "", "", ""],  # included
        ["P2", "LUAD", "", "2020-01-01", "", "2022-01-01", "", ""],  # included (il6 from assay)
        ["P2", "LUAD", "", "2020-01-01", "", "2022-01-01", "", ""],  # duplicate_row
        ["", "", "", "", "", "", "", ""],  # blank_row
        ["", "BRCA", "5", "2020-01-01", "", "2020-02-01", "", ""],  # missing_id
        ["P3", "", "10", "2020-01-01", "", "2020-06-01", "", ""],  # missing_cancer_type
        ["P4", "BRCA", "10", "2020-06-01", "2020-01-01", "", "", ""],  # impossible_date_sequence
        ["P5", "LUAD", "", "2020-01-01", "", "2020-06-01", "", ""],  # included, without a marker
        ["P6", "LUAD", "20", "2020-01-01", "", "", "", ""],  # no_follow_up
        ["P7", "BRCA", "30", "2020-01-01", "", "2020-03-01", "", ""],  # included
        ["P10", "BRCA", "30", "2020-01-01", "", "2200-01-01", "", ""],  # date_after_run_date
        ["P11", "BRCA", "30", "1880-01-01", "2020-01-01", "", "", ""],  # follow_up_beyond_lifetime
        [
            "P12",
            "BRCA",
            "30",
            "2020-01-01",
            "2021-01-01",
            "",
            "2021-02-01",
            "",
        ],  # event_after_death
        [
            "P13",
            "BRCA",
            "30",
            "2020-01-01",
            "",
            "2020-06-01",
            "",
            "2020-07-01",
        ],  # entry_after_follow_up
    ]
    assay = [
        ["sample", "il6"],
        ["P1-01A", "2"],  # included
        ["P2-01A", "4"],  # included (averaged)
        ["P2-01B", "8"],  # replicate_merged
        ["P2-11A", "9"],  # sample_type_excluded
        ["P9-01A", "1"],  # not_in_primary_table
        ["", ""],  # blank_row
        ["X9-01A", "3"],  # missing_id (extract finds no patient)
        ["P6-01A", "5"],  # joins a patient excluded for no follow-up
    ]
    return harmonize_rows(tmp_path, spec, {"clinical": clinical, "assay": assay})


def test_every_row_in_exactly_one_place(tmp_path):
    result = every_reason_cohort(tmp_path)
    check_ledger(result, {"clinical": 14, "assay": 8})
    excluded = result.exclusions
    by_row = {(t, r): reason for t, r, reason in excluded[["table", "source_row", "reason"]].values}
    assert by_row == {
        ("clinical", "4"): "duplicate_row",
        ("clinical", "5"): "blank_row",
        ("clinical", "6"): "missing_id",
        ("clinical", "7"): "missing_cancer_type",
        ("clinical", "8"): "impossible_date_sequence",
        ("clinical", "10"): "no_follow_up",
        ("clinical", "12"): "date_after_run_date",
        ("clinical", "13"): "follow_up_beyond_lifetime",
        ("clinical", "14"): "event_after_death",
        ("clinical", "15"): "entry_after_follow_up",
        ("assay", "4"): "replicate_merged",
        ("assay", "5"): "sample_type_excluded",
        ("assay", "6"): "not_in_primary_table",
        ("assay", "7"): "blank_row",
        ("assay", "8"): "missing_id",
    }
    assert len(result.patients) == 4
    assert result.patients[["il6", "pstat3"]].isna().all(axis=1).sum() == 1  # P5
    # included assay rows (2, 3, 9) join distinct primary patients: P1, P2 and P6
    assert result.flow["tables"]["assay"]["included"] == 3


def test_flow_per_cancer_type(tmp_path):
    flow = every_reason_cohort(tmp_path).flow
    by_type = flow["by_cancer_type"]
    assert set(by_type) == {"BRCA", "LUAD", "unknown"}
    assert by_type["BRCA"]["included"] == 2 and by_type["LUAD"]["included"] == 2
    assert by_type["BRCA"]["excluded"] == {
        "impossible_date_sequence": 1,
        "date_after_run_date": 1,
        "follow_up_beyond_lifetime": 1,
        "event_after_death": 1,
        "entry_after_follow_up": 1,
    }
    assert by_type["LUAD"]["excluded"] == {"duplicate_row": 1, "no_follow_up": 1}
    assert by_type["unknown"]["excluded"] == {
        "blank_row": 1,
        "missing_cancer_type": 1,
        "missing_id": 1,
    }
    assert sum(t["records"] for t in by_type.values()) == flow["tables"]["clinical"]["records"]
    assert by_type["BRCA"]["endpoints"]["os"] == {"n": 2, "events": 1}
    assert by_type["LUAD"]["with_marker"] == {"il6": 1, "pstat3": 0}
    assert set(flow["reasons"]) == set(REASONS)  # the cohort uses every reason


def test_flow_is_json_and_names_only_reasons_used(tmp_path):
    flow = every_reason_cohort(tmp_path).flow
    assert json.loads(json.dumps(flow)) == flow
    assert flow["tables"]["clinical"]["files"] == ["clinical.csv"]
    assert flow["tables"]["assay"]["excluded"] == {
        "blank_row": 1,
        "missing_id": 1,
        "not_in_primary_table": 1,
        "replicate_merged": 1,
        "sample_type_excluded": 1,
    }


def test_flow_counts_the_samples_of_each_sample_type(tmp_path):
    flow = every_reason_cohort(tmp_path).flow
    # P1, P2 (twice), P9 and P6 are tumour samples (01), P2-11A a normal one; the blank row
    # and the id without a patient are dropped before their sample type is read
    assert flow["tables"]["assay"]["sample_types"] == {
        "keep": [1, 9],
        "kept": {"01": 5},
        "excluded": {"11": 1},
        "labels": {"01": "Primary tumour", "11": "Normal tissue"},
    }
    assert "sample_types" not in flow["tables"]["clinical"]


def test_detail_and_patient_of_exclusions(tmp_path):
    excluded = every_reason_cohort(tmp_path).exclusions.set_index(["table", "source_row"])
    assert excluded.loc[("assay", "5"), "detail"] == "sample type 11 outside 01-09"
    assert excluded.loc[("assay", "4"), "detail"] == "averaged with 1 other row(s) of this patient"
    assert excluded.loc[("clinical", "8"), "cancer_type"] == "BRCA"
    assert excluded.loc[("clinical", "5"), "patient_id"] == ""
    assert excluded.loc[("clinical", "6"), "detail"] == "patient id is blank"
    assert excluded.loc[("assay", "8"), "detail"] == (
        "id does not match the id_normalizer's extract pattern"
    )
    assert len(excluded.loc[("clinical", "10"), "patient_id"]) == 16


def test_merged_flow_totals_equal_the_merged_tables(tmp_path):
    a = every_reason_cohort(tmp_path / "a", "a")
    b = every_reason_cohort(tmp_path / "b", "b")
    patients = merge_patients([a.patients, b.patients])
    exclusions = merge_exclusions([a.exclusions, b.exclusions])
    flow = merge_flow([b.flow, a.flow], ["il6", "pstat3"], ["os", "pfs"])
    assert flow["patients"] == len(patients) == 8
    assert flow["excluded"] == len(exclusions) == 30
    assert flow["records"] == 44
    assert [c["cohort"] for c in flow["cohorts"]] == ["a", "b"]
    assert flow["by_cancer_type"]["BRCA"]["included"] == 4
    assert flow["by_cancer_type"]["BRCA"]["cohorts"] == ["a", "b"]
    assert sum(t["included"] for t in flow["by_cancer_type"].values()) == len(patients)
    assert patients["cohort"].is_monotonic_increasing


def test_empty_cohort_flow(tmp_path):
    ledger = Ledger("c", lambda ids: ids)
    patients = pd.DataFrame(columns=["cancer_type", "il6", "il6_below_lod", "os_time", "os_event"])
    flow = build_flow(
        "c",
        False,
        {"t": {"files": ["x.csv"], "records": 0}},
        ledger.frame(),
        patients,
        ["il6"],
        ["os"],
    )
    assert flow["patients"] == 0 and flow["by_cancer_type"] == {} and flow["reasons"] == {}


def test_unknown_reason_is_a_programming_error():
    ledger = Ledger("c", lambda ids: ids)
    with pytest.raises(ValueError, match="unknown exclusion reason"):
        ledger.exclude("t", pd.DataFrame({"__file__": ["f"], "__row__": ["1"]}), "misc", "")


def test_ledger_pseudonymizes_patient_ids():
    ledger = Ledger("c", lambda ids: "h" + ids)
    ledger.exclude(
        "t",
        pd.DataFrame({"__file__": ["f", "f"], "__row__": ["2", "3"]}),
        "duplicate_row",
        "d",
        ["P1", "P2"],
        ["BRCA", ""],
    )
    frame = ledger.frame()
    assert frame["patient_id"].tolist() == ["hP1", "hP2"]
    assert frame["cancer_type"].tolist() == ["BRCA", ""]


def test_constant_cancer_type_cohort_has_no_unknown_type(tmp_path):
    spec = base_spec(cancer_type={"constant": "colorectal cancer"})
    tables = {
        "clinical": [
            ["pid", "il6", "os_days", "os_status"],
            ["P1", "2", "10", "1"],
            ["P1", "2", "10", "1"],
            ["", "", "", ""],
            ["", "3", "5", "0"],
        ]
    }
    result = harmonize_rows(tmp_path, spec, tables)
    assert set(result.exclusions["cancer_type"]) == {"CRC"}
    assert list(result.flow["by_cancer_type"]) == ["CRC"]
    assert result.flow["by_cancer_type"]["CRC"]["records"] == 4
    check_ledger(result, {"clinical": 4})
