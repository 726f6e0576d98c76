"""Endpoints derived from dates: time in months from diagnosis to the earliest event date,
or to the last contact when there is none, and the delayed entry from its date; dates before
the diagnosis flag the record."""

from __future__ import annotations

import numpy as np
import pandas as pd

from markersurv.cohort.spec import CohortSpec
from markersurv.errors import HarmonizationError
from markersurv.harmonize import fields
from markersurv.harmonize.records import located
from markersurv.ingest.readers import FILE, ROW


def endpoints_from_dates(spec: CohortSpec, data: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Durations in months from dates; rows with impossible sequences flagged. A status column
    that says event where no event date is given stops the cohort."""
    diagnosis = data.get("date:diagnosis")
    impossible = np.zeros(len(data), dtype=bool)
    if diagnosis is None:
        return data, impossible
    dated = [
        c
        for c in data.columns
        if c.startswith("date:") and c not in ("date:diagnosis", "date:birth")
    ]
    for column in dated:
        impossible |= (data[column] < diagnosis).fillna(False).to_numpy()
    if "date:entry" in data:
        data["entry_time"] = (data["date:entry"] - diagnosis).dt.days / fields.DAYS_PER_MONTH
    for endpoint, declared in spec.endpoints.items():
        if not declared.from_dates:
            continue
        columns = [f"date:{d}" for d in declared.event_dates if f"date:{d}" in data]
        event_dates = data[columns].min(axis=1)
        censor = data.get("date:last_contact", pd.Series(pd.NaT, index=data.index))
        end = event_dates.fillna(censor)
        data[f"{endpoint}_time"] = (end - diagnosis).dt.days / fields.DAYS_PER_MONTH
        data[f"{endpoint}_event"] = np.where(end.isna(), np.nan, event_dates.notna().astype(float))
        status = f"{endpoint}_event_status"
        if status in data:
            claimed = (pd.to_numeric(data[status], errors="coerce") == 1) & event_dates.isna()
            if claimed.any():
                first = data[claimed].iloc[0]
                table = spec.table_of(declared.event)
                raise HarmonizationError.at(
                    f"{endpoint} status says event but no event date is given in "
                    f"{int(claimed.sum())} row(s)"
                    + ("" if table == spec.primary else f" (status in table {table!r})"),
                    row=first[ROW],
                    expected=f"one of the dates {list(declared.event_dates)}",
                    found="all empty",
                    hint="Add the date or correct the status",
                    **{
                        **located(spec, spec.primary, declared.event.column),
                        "file": first[FILE],
                    },
                )
    return data, impossible
