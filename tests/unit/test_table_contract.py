"""The contract of the result tables: every table has one, and the writer enforces it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from markersurv.tables.contract import (
    CANCER_TYPE_TABLES,
    CONTRACTS,
    TableContractError,
    read_table,
    write_table,
)
from markersurv.tables.patients_contract import patients_contract


def km_frame(**changes) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "cancer_type": ["BRCA", "BRCA"],
            "cohort": ["007", "all"],
            "endpoint": ["os", "os"],
            "marker": ["il6", "il6"],
            "cut_method": ["median", "median"],
            "group": ["low", "high"],
            "n": [10, 12],
            "events": [3, np.nan],
            "median": [20.5, np.nan],
            "median_lower": [10.0, np.nan],
            "median_upper": [np.nan, np.nan],
            "surv_12": [0.8, 0.7],
            "surv_12_lower": [0.6, 0.5],
        }
    )
    return frame.assign(**changes)


def test_every_table_of_a_cancer_type_has_a_contract_with_the_leading_columns():
    assert set(CANCER_TYPE_TABLES) <= set(CONTRACTS)
    for name in CANCER_TYPE_TABLES:
        columns = list(CONTRACTS[name].columns)
        assert columns[:4] == ["cancer_type", "cohort", "endpoint", "marker"]


def test_the_patient_table_contract_follows_the_configured_markers_and_endpoints(tmp_path):
    contract = patients_contract(["crp"], ["os"])
    assert {"crp", "crp_scale", "crp_below_lod", "crp_z", "os_time", "os_event"} <= set(
        contract.columns
    )
    frame = pd.DataFrame({c: [np.nan] for c in contract.columns})
    write_table(contract, frame.assign(os_event=[1.0]), tmp_path / "patients.parquet")
    assert list(pd.read_parquet(tmp_path / "patients.parquet").columns) == list(frame.columns)
    with pytest.raises(TableContractError, match="'os_event' holds float64, not count"):
        write_table(contract, frame.assign(os_event=[0.5]), tmp_path / "bad.parquet")


def test_a_table_that_keeps_its_contract_is_written_and_read_back(tmp_path):
    path = tmp_path / "km.tsv"
    write_table("km", km_frame(), path)
    back = read_table("km", path)
    assert list(back["cohort"]) == ["007", "all"]
    pd.testing.assert_frame_equal(back, km_frame(), check_dtype=False)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"group": [1, 2]}, "column 'group' holds int64, not text"),
        ({"n": [10.5, 12.0]}, "column 'n' holds float64, not count"),
        ({"median": ["20", "x"]}, "column 'median' holds object, not real"),
        ({"surv_12_lower": ["a", "b"]}, "column 'surv_12_lower' holds object, not real"),
    ],
)
def test_the_writer_refuses_a_column_of_the_wrong_kind(tmp_path, changes, message):
    path = tmp_path / "km.tsv"
    with pytest.raises(TableContractError, match=message):
        write_table("km", km_frame(**changes), path)
    assert not path.exists()


def test_the_writer_refuses_a_missing_column_and_pooled_columns_are_required_when_pooled(
    tmp_path,
):
    with pytest.raises(TableContractError, match=r"missing columns \['group'\]"):
        write_table("km", km_frame().drop(columns="group"), tmp_path / "km.tsv")
    logrank = pd.DataFrame({c: [np.nan] for c in CONTRACTS["logrank"].columns})
    write_table("logrank", logrank, tmp_path / "per_type.tsv")
    with pytest.raises(TableContractError, match=r"missing columns \['family', 'q', 'role'\]"):
        write_table("logrank", logrank, tmp_path / "pooled.tsv", pooled=True)


def test_an_empty_table_is_an_empty_file_and_an_empty_frame(tmp_path):
    path = tmp_path / "cox.tsv"
    write_table("cox", pd.DataFrame(), path)
    assert read_table("cox", path).empty
