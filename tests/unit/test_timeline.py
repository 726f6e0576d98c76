"""Impossible dates and times: after the day of the run, follow-up longer than a life, events
after death, death before diagnosis. Patients go to the ledger (every row accounted for);
a column that is wrong as a whole stops the cohort naming it."""

from __future__ import annotations

import datetime

import pytest

from markersurv.errors import HarmonizationError
from markersurv.harmonize import timeline
from tests.helpers_cohort import base_spec, check_ledger, clinical, harmonize_rows

RUN = datetime.date(2024, 6, 30)
DATES = {
    "diagnosis": {"column": "dx", "format": "%Y-%m-%d"},
    "death": {"column": "dod", "format": "%Y-%m-%d"},
    "progression": {"column": "dop", "format": "%Y-%m-%d"},
    "last_contact": {"column": "lc", "format": "%Y-%m-%d"},
}
DATED = base_spec(
    dates=DATES,
    endpoints={"os": {"event_dates": ["death"]}, "pfs": {"event_dates": ["progression", "death"]}},
)
HEADER = ("pid", "il6", "dx", "dod", "dop", "lc")


@pytest.fixture(autouse=True)
def fixed_run_date(monkeypatch):
    monkeypatch.setattr(timeline, "run_date", lambda: RUN)


def reasons(result) -> dict[str, tuple[str, str]]:
    ledger = result.exclusions
    return {
        r: (reason, detail)
        for r, reason, detail in zip(
            ledger["source_row"], ledger["reason"], ledger["detail"], strict=True
        )
    }


def test_dates_after_the_run_date_go_to_the_ledger(tmp_path):
    rows = [
        ["P1", "2", "2020-01-01", "2021-01-01", "", "2021-01-01"],
        ["P2", "2", "2020-01-01", "", "", "2024-07-02"],  # last contact after the run
        ["P3", "2", "2020-01-01", "", "", "2023-01-01"],
        ["P4", "2", "2020-01-01", "", "", "2023-05-01"],
    ]
    result = harmonize_rows(tmp_path, DATED, clinical(*rows, header=HEADER))
    assert reasons(result) == {
        "3": ("date_after_run_date", "last_contact date (lc) after the run date")
    }
    assert len(result.patients) == 3
    check_ledger(result, {"clinical": 4})


def test_the_real_run_date_refuses_a_date_after_today(tmp_path, monkeypatch):
    monkeypatch.undo()
    later = (datetime.date.today() + datetime.timedelta(days=400)).isoformat()
    rows = [
        ["P1", "2", "2020-01-01", later, "", ""],
        ["P2", "2", "2020-01-01", "2021-01-01", "", ""],
        ["P3", "2", "2020-01-01", "", "", "2022-01-01"],
    ]
    result = harmonize_rows(tmp_path, DATED, clinical(*rows, header=HEADER))
    assert reasons(result)["2"][0] == "date_after_run_date"
    assert later not in result.exclusions.to_csv()
    check_ledger(result, {"clinical": 3})


def test_a_date_column_mostly_after_the_run_date_stops_the_cohort(tmp_path):
    """Two-digit years read in the wrong century: the column, not the patients, is wrong."""
    spec = base_spec(
        dates={**DATES, "diagnosis": {"column": "dx", "format": "%d/%m/%y"}},
        endpoints={"os": {"event_dates": ["death"]}},
    )
    rows = [
        ["P1", "2", "01/01/68", "", "", "2070-01-01"],
        ["P2", "2", "01/01/55", "", "", "2060-01-01"],
        ["P3", "2", "01/01/20", "", "", "2021-01-01"],
    ]
    with pytest.raises(HarmonizationError) as info:
        harmonize_rows(tmp_path, spec, clinical(*rows, header=HEADER))
    problem = info.value.problems[0]
    assert problem.where.column == "dx" and str(problem.where.row) == "2"
    assert "diagnosis dates after the day of the run (2024-06-30) in 2 of 3 rows" in str(problem)
    assert "2068" not in str(info.value)


def test_follow_up_longer_than_a_life_goes_to_the_ledger(tmp_path):
    rows = [["P1", "2", "50000", "1"], ["P2", "2", "300", "0"], ["P3", "2", "40", "1"]]
    result = harmonize_rows(tmp_path, base_spec(), clinical(*rows))
    assert reasons(result) == {
        "2": ("follow_up_beyond_lifetime", "os follow-up longer than 120 years")
    }
    check_ledger(result, {"clinical": 3})


def test_follow_up_from_dates_longer_than_a_life(tmp_path):
    rows = [
        ["P1", "2", "1890-01-01", "2021-01-01", "", ""],
        ["P2", "2", "2020-01-01", "2021-01-01", "", ""],
        ["P3", "2", "2020-01-01", "", "", "2023-01-01"],
    ]
    result = harmonize_rows(tmp_path, DATED, clinical(*rows, header=HEADER))
    assert reasons(result)["2"][0] == "follow_up_beyond_lifetime"
    check_ledger(result, {"clinical": 3})


def test_a_time_column_in_the_wrong_unit_stops_the_cohort(tmp_path):
    """Days declared as months: every follow-up is centuries long."""
    spec = base_spec()
    spec["endpoints"]["os"]["time"]["unit"] = "months"
    rows = [["P1", "2", "3650", "1"], ["P2", "2", "2920", "0"], ["P3", "2", "1500", "1"]]
    with pytest.raises(HarmonizationError) as info:
        harmonize_rows(tmp_path, spec, clinical(*rows))
    problem = info.value.problems[0]
    assert problem.where.column == "os_days"
    assert "os follow-up longer than 120 years (months) in 3 of 3 rows" in problem.message
    assert "days declared as months" in problem.hint and "3650" not in str(problem)


def test_progression_dated_after_death_goes_to_the_ledger(tmp_path):
    rows = [
        ["P1", "2", "2020-01-01", "2021-01-01", "2021-06-01", ""],
        ["P2", "2", "2020-01-01", "2021-01-01", "2020-06-01", ""],
        ["P3", "2", "2020-01-01", "", "", "2023-01-01"],
    ]
    result = harmonize_rows(tmp_path, DATED, clinical(*rows, header=HEADER))
    assert reasons(result) == {"2": ("event_after_death", "progression date after the death date")}
    check_ledger(result, {"clinical": 3})


def test_an_event_timed_after_death_goes_to_the_ledger(tmp_path):
    spec = base_spec()
    spec["endpoints"]["pfs"] = {
        "time": {"column": "pfs_months", "unit": "months"},
        "event": {"column": "pfs_status"},
    }
    header = ("pid", "il6", "os_days", "os_status", "pfs_months", "pfs_status")
    rows = [
        ["P1", "2", "300", "1", "20", "1"],  # progression 20 months, death at 10
        ["P2", "2", "300", "1", "20", "0"],  # censored later: not both events
        ["P3", "2", "300", "1", "10", "1"],  # progression at death (rounding)
        ["P4", "2", "300", "0", "20", "1"],  # alive at 10 months: a later progression is fine
    ]
    result = harmonize_rows(tmp_path, spec, clinical(*rows, header=header))
    assert reasons(result) == {"2": ("event_after_death", "pfs event after the death that ends os")}
    assert len(result.patients) == 3
    check_ledger(result, {"clinical": 4})


def test_death_before_diagnosis_goes_to_the_ledger(tmp_path):
    rows = [
        ["P1", "2", "2020-01-01", "2019-01-01", "", ""],
        ["P2", "2", "2020-01-01", "2021-01-01", "", ""],
        ["P3", "2", "2020-01-01", "", "", "2023-01-01"],
    ]
    result = harmonize_rows(tmp_path, DATED, clinical(*rows, header=HEADER))
    assert reasons(result)["2"][0] == "impossible_date_sequence"
    check_ledger(result, {"clinical": 3})


def test_reruns_on_another_day_give_the_same_patients(tmp_path, monkeypatch):
    """The run date refuses only: it never enters a value."""
    rows = [
        ["P1", "2", "2020-01-01", "2021-01-01", "", ""],
        ["P2", "2", "2020-01-01", "", "", "2023-01-01"],
    ]
    first = harmonize_rows(tmp_path / "a", DATED, clinical(*rows, header=HEADER))
    monkeypatch.setattr(timeline, "run_date", lambda: datetime.date(2031, 1, 1))
    second = harmonize_rows(tmp_path / "b", DATED, clinical(*rows, header=HEADER))
    assert first.patients.equals(second.patients)
