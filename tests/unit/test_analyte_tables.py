"""Long tables of many analytes: a spec selects the rows of one analyte as a marker, and
several markers from one table. Every cohort here is SYNTHETIC (ids and values made up)."""

from __future__ import annotations

import numpy as np
import pytest

from markersurv.errors import InputFileError
from tests.helpers_cohort import base_spec, check_ledger, harmonize_rows

CLINICAL = [
    ["pid", "os_days", "os_status"],
    ["S1", "100", "1"],
    ["S2", "200", "0"],
    ["S3", "300", "1"],
]
LAB = [
    ["patient", "gene", "result", "platform"],
    ["S1", "IL6", "4.5", "panel A"],
    ["S1", "CRP", "10", "panel A"],
    ["S1", "PSTAT3", "120", "panel A"],
    ["S2", "IL6", "7.25", "panel A"],
    ["S2", "CRP", "3", "panel A"],
    ["S3", "PSTAT3", "80", "panel A"],
    ["S3", "PSTAT3", "80", "panel A"],
]


def spec(**lab_options):
    lab = {
        "path": "lab.csv",
        "id_column": "patient",
        "analytes": {"column": "gene", "value": "result"},
        **lab_options,
    }
    return base_spec(
        tables={"clinical": {"path": "clinical.csv", "id_column": "pid"}, "lab": lab},
        markers={
            "il6": {"table": "lab", "column": "IL6", "unit": "pg/mL"},
            "pstat3": {"table": "lab", "column": "PSTAT3", "scale": "h_score"},
        },
    )


def test_two_markers_are_selected_from_one_long_table_by_analyte(tmp_path):
    result = harmonize_rows(tmp_path, spec(), {"clinical": CLINICAL, "lab": LAB})
    patients = result.patients.sort_values("os_time")
    np.testing.assert_allclose(patients["il6"], [4.5, 7.25, np.nan])
    np.testing.assert_allclose(patients["pstat3"], [120.0, np.nan, 80.0])
    # One record per patient; a repeated identical row is the same measurement.
    assert result.flow["tables"]["lab"]["records"] == 3
    check_ledger(result, {"clinical": 3, "lab": 3})


def test_an_analyte_measured_twice_with_different_values_is_an_error(tmp_path):
    lab = [*LAB, ["S1", "IL6", "5.0", "panel B"]]
    with pytest.raises(InputFileError) as error:
        harmonize_rows(tmp_path, spec(), {"clinical": CLINICAL, "lab": lab})
    text = str(error.value)
    assert "analyte 'IL6' has two different values for one patient (rows 2 and 9)" in text
    assert "lab.csv" in text and "row 9" in text


def test_a_missing_analyte_is_named_with_the_analytes_the_table_has(tmp_path):
    wrong = spec()
    wrong["markers"]["il6"]["column"] = "IL-6"
    with pytest.raises(Exception) as error:
        harmonize_rows(tmp_path, wrong, {"clinical": CLINICAL, "lab": LAB})
    assert "column for markers.il6 not found" in str(error.value)
    assert "'IL6'" in str(error.value)


def test_a_misnamed_value_column_is_a_located_error(tmp_path):
    with pytest.raises(InputFileError, match="value column not found"):
        harmonize_rows(
            tmp_path,
            spec(analytes={"column": "gene", "value": "value"}),
            {"clinical": CLINICAL, "lab": LAB},
        )
