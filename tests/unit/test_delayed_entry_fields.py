"""A cohort spec maps delayed entry (left truncation) as a duration or a date: the patient
table gets ``<endpoint>_entry`` in months from the time origin, and patients whose entry is
at or after the end of an endpoint's follow-up go to the ledger."""

from __future__ import annotations

import pytest

from markersurv.errors import CohortSpecError
from tests.helpers_cohort import base_spec, check_ledger, clinical, harmonize_rows

HEADER = ("pid", "il6", "os_days", "os_status", "sampled_days")


def by_id(result):
    return result.patients.set_index("patient_id")


def test_entry_as_a_duration_reaches_every_endpoint(tmp_path):
    spec = base_spec(entry={"column": "sampled_days", "unit": "days"}, allow_raw_ids=True)
    rows = [
        ["P1", "2", "300", "1", "30.4375"],
        ["P2", "3", "200", "0", "0"],
        ["P3", "4", "100", "1", "100"],  # sampled on the day of death: never at risk
        ["P4", "5", "90", "0", "120"],
    ]
    result = harmonize_rows(tmp_path, spec, clinical(*rows, header=HEADER))
    patients = by_id(result)
    assert list(patients.index) == ["P1", "P2"]
    assert patients.loc["P1", "os_entry"] == pytest.approx(1.0)
    assert patients.loc["P2", "os_entry"] == 0
    ledger = result.exclusions.set_index("source_row")["reason"].to_dict()
    assert ledger == {"4": "entry_after_follow_up", "5": "entry_after_follow_up"}
    check_ledger(result, {"clinical": 4})


def test_entry_as_a_date_counts_from_the_diagnosis(tmp_path):
    spec = base_spec(
        dates={
            "diagnosis": {"column": "dx", "format": "%Y-%m-%d"},
            "entry": {"column": "enrolled", "format": "%Y-%m-%d"},
            "death": {"column": "dod", "format": "%Y-%m-%d"},
            "last_contact": {"column": "lc", "format": "%Y-%m-%d"},
        },
        endpoints={"os": {"event_dates": ["death"]}},
        allow_raw_ids=True,
    )
    rows = [
        ["P1", "2", "2020-01-01", "2020-03-01", "2021-01-01", ""],
        ["P2", "2", "2020-01-01", "2020-01-01", "", "2020-06-30"],
    ]
    header = ("pid", "il6", "dx", "enrolled", "dod", "lc")
    patients = by_id(harmonize_rows(tmp_path, spec, clinical(*rows, header=header)))
    assert patients.loc["P1", "os_entry"] == pytest.approx(60 / 30.4375)
    assert patients.loc["P2", "os_entry"] == 0
    assert patients.loc["P1", "os_time"] == pytest.approx(366 / 30.4375)


def test_without_entry_the_patient_table_has_no_entry_column(tmp_path):
    result = harmonize_rows(tmp_path, base_spec(), clinical(["P1", "2", "300", "1"]))
    assert not any(c.endswith("_entry") for c in result.patients.columns)


@pytest.mark.parametrize(
    ("dates", "entry", "message"),
    [
        # Entry counts from the diagnosis, which the schema asks for with any date.
        (
            {"entry": {"column": "enrolled", "format": "%Y-%m-%d"}},
            None,
            "'diagnosis' is a required property",
        ),
        (
            {
                "diagnosis": {"column": "dx", "format": "%Y-%m-%d"},
                "entry": {"column": "enrolled", "format": "%Y-%m-%d"},
            },
            {"column": "sampled_days", "unit": "days"},
            "delayed entry is declared twice",
        ),
    ],
)
def test_entry_declared_wrongly_is_an_error(tmp_path, dates, entry, message):
    spec = base_spec(dates=dates, **({"entry": entry} if entry else {}))
    header = (*HEADER, "dx", "enrolled")
    with pytest.raises(CohortSpecError, match=message):
        harmonize_rows(
            tmp_path, spec, clinical(["P1", "2", "300", "1", "0", "", ""], header=header)
        )
