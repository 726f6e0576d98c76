"""The kinds of value a result table's column holds, and a table's contract: its name and
columns, checked before the table is written (see :mod:`markersurv.tables.contract`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd
from pandas.api import types

TEXT, REAL, COUNT, FLAG = "text", "real", "count", "flag"
KEYS = {"cancer_type": TEXT, "cohort": TEXT, "endpoint": TEXT, "marker": TEXT}
ESTIMATE = {"hr": REAL, "hr_lower": REAL, "hr_upper": REAL, "p": REAL}
STATUS = {"status": TEXT, "note": TEXT}


@dataclass(frozen=True)
class TableContract:
    """The columns a table holds, each with its kind of value.

    ``pooled`` lists the columns pooling across cancer types adds (in results/tables);
    ``extra`` is a pattern for further columns a setting decides (survival at configured
    times), all real.
    """

    name: str
    columns: dict[str, str]
    pooled: dict[str, str] = field(default_factory=dict)
    extra: str | None = None

    def problems(self, frame: pd.DataFrame, *, pooled: bool = False) -> list[str]:
        """What in ``frame`` breaks the contract (nothing for an empty table)."""
        if frame.empty and not len(frame.columns):
            return []
        wanted = {**self.columns, **(self.pooled if pooled else {})}
        found = []
        missing = [c for c in wanted if c not in frame.columns]
        if missing:
            found.append(f"missing columns {missing}")
        for column in frame.columns:
            kind = wanted.get(column)
            if kind is None and self.extra and re.fullmatch(self.extra, column):
                kind = REAL
            if kind is not None and not holds(frame[column], kind):
                found.append(f"column {column!r} holds {frame[column].dtype}, not {kind}")
        return found


def holds(values: pd.Series, kind: str) -> bool:
    """Whether a column's values are of ``kind`` (a column of missing values is any kind)."""
    if values.isna().all():
        return True
    if kind == TEXT:
        return types.is_object_dtype(values) or types.is_string_dtype(values)
    if kind == FLAG:
        return types.is_bool_dtype(values)
    if kind == COUNT:
        present = values.dropna()
        return types.is_numeric_dtype(values) and bool((present == present.round()).all())
    return types.is_numeric_dtype(values) and not types.is_bool_dtype(values)
