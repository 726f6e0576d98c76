"""Endpoints declared with a competing event: the spec maps a column saying whether one
ended follow-up; the event column then says censored and ``<endpoint>_cause`` says what ended
follow-up (0 censored, 1 the event of interest, 2 a competing event).
Every cohort here is SYNTHETIC (ids and values made up)."""

from __future__ import annotations

import pandas as pd
import pytest

from markersurv.cohort.spec import load_cohort_spec
from markersurv.config.study import Study
from markersurv.errors import HarmonizationError
from markersurv.harmonize.cohort import Settings, harmonize_cohort, patient_columns
from markersurv.tables.patients_contract import patients_contract
from tests.helpers_cohort import KEY, VOCAB, base_spec, check_ledger, write_cohort

HEADER = ["pid", "il6", "dss_days", "DSS", "DSS_cr"]
ROWS = [
    ["S1", "2", "100", "1", "1"],  # cancer death
    ["S2", "3", "200", "0", "2"],  # death from another cause
    ["S3", "4", "300", "0", "0"],  # alive
    ["S4", "5", "400", "0", ""],  # competing status unknown
    ["S5", "6", "500", "1", ""],  # cancer death, competing column empty
]


def harmonized(tmp_path, rows, competing=("dss",)):
    spec = base_spec(
        endpoints={
            "dss": {
                "time": {"column": "dss_days", "unit": "days"},
                "event": {"column": "DSS"},
                "competing": {"column": "DSS_cr", "map": {2: 1, 1: 0, 0: 0}},
            }
        }
    )
    path = write_cohort(tmp_path, spec, {"clinical": [HEADER, *rows]})
    settings = Settings(("il6",), ("dss",), "half", KEY, competing=competing)
    return harmonize_cohort(load_cohort_spec(path, {}, tmp_path), VOCAB, settings)


def test_a_competing_event_is_censored_and_coded_2_in_the_cause(tmp_path):
    result = harmonized(tmp_path, ROWS)
    patients = result.patients.sort_values("dss_time")
    assert list(patients.columns) == patient_columns(
        Settings(("il6",), ("dss",), competing=("dss",))
    )
    assert patients["dss_event"].tolist() == [1, 0, 0, 0, 1]
    assert str(patients["dss_cause"].dtype) == "Int8"
    cause = patients["dss_cause"].tolist()
    assert cause[:3] == [1, 2, 0] and cause[4] == 1
    assert pd.isna(cause[3])
    check_ledger(result, {"clinical": 5})


def test_without_a_declared_competing_event_there_is_no_cause_column(tmp_path):
    result = harmonized(tmp_path, ROWS, competing=())
    assert "dss_cause" not in result.patients.columns


def test_the_event_and_a_competing_event_together_are_an_error(tmp_path):
    rows = [*ROWS, ["S6", "2", "50", "1", "2"]]
    with pytest.raises(HarmonizationError, match="1 patient\\(s\\) have both the event"):
        harmonized(tmp_path, rows)


def test_cautions_apply_to_the_cancer_types_they_name():
    study = Study.from_config(
        {
            "markers": [{"id": "il6", "label": "IL-6"}],
            "endpoints": [
                {
                    "id": "dss",
                    "label": "Disease-specific survival",
                    "definition": "death with tumour",
                    "competing": "death from other causes",
                    "cautions": [
                        {"note": "approximated", "except_cancer_types": ["CESC", "PAAD"]},
                        {"note": "not available", "cancer_types": ["UVM"]},
                    ],
                }
            ],
        }
    )
    (dss,) = study.endpoints
    assert dss.competing == "death from other causes"
    assert dss.caution_for("CESC") is None
    assert dss.caution_for("BRCA") == "approximated"
    assert dss.caution_for("UVM") == "approximated"


def test_the_patient_table_contract_declares_the_cause_as_a_count():
    contract = patients_contract(["il6"], ["os", "dss"], competing=("dss",))
    assert contract.columns["dss_cause"] == "count"
    assert "os_cause" not in contract.columns and "dss_competing" not in contract.columns
