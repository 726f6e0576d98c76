"""Are a patient's dates and follow-up times possible?

Three things no patient can have: a date later than the day of the run (whatever day the
pipeline runs, a later date has not happened yet), follow-up longer than a human life
(:data:`MAX_FOLLOW_UP_YEARS`), and an event after death: a progression or recurrence dated
after the death date, or an endpoint's event timed after the death that ends overall
survival (the endpoints of :data:`DEATH_ENDPOINTS`, or derived from the death date alone).
Dates before the diagnosis (death before diagnosis) are found where endpoints are derived
(:mod:`~markersurv.harmonize.endpoints`), negative durations where they are read.

Such patients go to the ledger with a reason and a detail that names the column, never the
value. Where most of a column is impossible, the column is wrong (a unit, a date format, a
two-digit year read in the wrong century): the cohort stops with an error naming it.

The run date is used to refuse only, never to compute a value, so reruns of the same data
give the same bytes on any day its dates are in the past.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import pandas as pd

from markersurv.cohort.spec import CohortSpec
from markersurv.errors import HarmonizationError
from markersurv.harmonize.records import located
from markersurv.ingest.readers import FILE, ROW

MAX_FOLLOW_UP_YEARS = 120
MAX_FOLLOW_UP_MONTHS = MAX_FOLLOW_UP_YEARS * 12
# Overall survival: the endpoint whose event is death from any cause, as the config names it.
DEATH_ENDPOINTS = ("os",)
# An event this much later than death (in months: half a month) is a contradiction; less is
# the rounding of one time written in months and another in days.
AFTER_DEATH_TOLERANCE_MONTHS = 0.5
# A column is wrong, not a few of its patients, when more than this share of its filled
# values (and at least two) is impossible.
WRONG_COLUMN_SHARE = 0.5
LATER_EVENTS = ("progression", "recurrence")


@dataclass(frozen=True)
class ImpossibleRows:
    """Rows to exclude for one ledger reason, with the detail the ledger records."""

    reason: str
    mask: np.ndarray
    detail: str


def run_date() -> datetime.date:
    """The day of the run: only dates after it are refused (see the module docstring)."""
    return datetime.date.today()


def impossible_rows(spec: CohortSpec, data: pd.DataFrame) -> list[ImpossibleRows]:
    """Per reason, the rows of ``data`` (one per patient, endpoints derived) whose dates or
    times are impossible; stops the cohort where a whole column is."""
    found = [
        *future_dates(spec, data, pd.Timestamp(run_date())),
        *lifelong_follow_up(spec, data),
        *events_after_death(spec, data),
    ]
    return [f for f in found if f.mask.any()]


def future_dates(spec: CohortSpec, data: pd.DataFrame, today: pd.Timestamp) -> list:
    found = []
    for name, declared in dated_columns(spec):
        key = f"date:{name}"
        if key not in data:
            continue
        later = (data[key] > today).fillna(False).to_numpy(dtype=bool)
        stop_if_column_wrong(
            spec,
            data,
            later,
            data[key].notna(),
            declared.table,
            declared.column,
            f"{name} dates after the day of the run ({today.date()})",
            "dates that have happened",
            "Check the date format (a two-digit year read in the wrong century?) and the column",
        )
        found.append(
            ImpossibleRows(
                "date_after_run_date", later, f"{name} date ({declared.column}) after the run date"
            )
        )
    return found


def dated_columns(spec: CohortSpec) -> list:
    columns = list(spec.dates.items())
    if spec.age is not None and spec.age.birth_date is not None:
        columns.append(("birth", spec.age.birth_date))
    return columns


def lifelong_follow_up(spec: CohortSpec, data: pd.DataFrame) -> list[ImpossibleRows]:
    found = []
    for endpoint, declared in spec.endpoints.items():
        key = f"{endpoint}_time"
        if key not in data:
            continue
        times = pd.to_numeric(data[key], errors="coerce")
        longer = (times > MAX_FOLLOW_UP_MONTHS).fillna(False).to_numpy(dtype=bool)
        if declared.time is not None:
            table, column, what = declared.time.table, declared.time.column, declared.time.unit
            hint = "Check the unit declared for the column (days declared as months?)"
        else:
            diagnosis = spec.dates["diagnosis"]
            table, column, what = diagnosis.table, diagnosis.column, "months from the dates"
            hint = "Check the date columns and their formats"
        stop_if_column_wrong(
            spec,
            data,
            longer,
            times.notna(),
            table,
            column,
            f"{endpoint} follow-up longer than {MAX_FOLLOW_UP_YEARS} years ({what})",
            f"follow-up within a human life (at most {MAX_FOLLOW_UP_YEARS} years)",
            hint,
        )
        found.append(
            ImpossibleRows(
                "follow_up_beyond_lifetime",
                longer,
                f"{endpoint} follow-up longer than {MAX_FOLLOW_UP_YEARS} years",
            )
        )
    return found


def events_after_death(spec: CohortSpec, data: pd.DataFrame) -> list[ImpossibleRows]:
    """Progression or recurrence dated after death; an endpoint's event timed after the
    death of an overall-survival endpoint (both recorded as events)."""
    found = []
    death = data.get("date:death")
    for name in LATER_EVENTS:
        if death is not None and f"date:{name}" in data:
            after = (data[f"date:{name}"] > death).fillna(False).to_numpy(dtype=bool)
            found.append(
                ImpossibleRows("event_after_death", after, f"{name} date after the death date")
            )
    for dead in death_endpoints(spec, data):
        died = event_times(data, dead)
        for endpoint in spec.endpoints:
            if endpoint == dead or f"{endpoint}_time" not in data:
                continue
            later = event_times(data, endpoint) - died > AFTER_DEATH_TOLERANCE_MONTHS
            found.append(
                ImpossibleRows(
                    "event_after_death",
                    later.fillna(False).to_numpy(dtype=bool),
                    f"{endpoint} event after the death that ends {dead}",
                )
            )
    return found


def death_endpoints(spec: CohortSpec, data: pd.DataFrame) -> list[str]:
    return [
        e
        for e, declared in spec.endpoints.items()
        if (e in DEATH_ENDPOINTS or declared.event_dates == ("death",))
        and f"{e}_time" in data
        and f"{e}_event" in data
    ]


def event_times(data: pd.DataFrame, endpoint: str) -> pd.Series:
    """An endpoint's time where it is an event, NaN where censored or missing."""
    time = pd.to_numeric(data[f"{endpoint}_time"], errors="coerce")
    event = pd.to_numeric(data.get(f"{endpoint}_event"), errors="coerce")
    return time.where(event == 1)


def stop_if_column_wrong(
    spec: CohortSpec,
    data: pd.DataFrame,
    impossible: np.ndarray,
    filled: pd.Series,
    table: str | None,
    column: str,
    what: str,
    expected: str,
    hint: str,
) -> None:
    """The error for a column most of whose filled values are impossible."""
    n, total = int(impossible.sum()), int(filled.sum())
    if n < 2 or n <= WRONG_COLUMN_SHARE * total:
        return
    table = spec.primary if table is None else table
    first = data[impossible].iloc[0]
    where = {**located(spec, table, column)}
    if table == spec.primary:
        where.update(file=first[FILE], row=first[ROW])
    raise HarmonizationError.at(
        f"{what} in {n} of {total} rows: the column is wrong, not the patients",
        expected=expected,
        found=f"{n} impossible values",
        hint=hint,
        **where,
    )
