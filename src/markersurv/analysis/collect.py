"""The rows one cancer type's analysis collects per table, and the datasets it runs on: the
cohorts pooled (``cohort = all``, stratified by cohort) and each cohort alone."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

ALL = "all"


@dataclass
class Tables:
    """Rows collected for each output table of one cancer type."""

    rows: dict[str, list[dict]] = field(default_factory=dict)

    def add(self, table: str, keys: dict, rows) -> None:
        self.rows.setdefault(table, []).extend({**keys, **r} for r in rows)

    def frames(self) -> dict[str, pd.DataFrame]:
        return {name: pd.DataFrame(rows) for name, rows in self.rows.items()}


def datasets(patients: pd.DataFrame):
    """(cohort label, rows, strata) for the pooled analysis and for each cohort."""
    cohorts = sorted(patients["cohort"].unique())
    strata = patients["cohort"].to_numpy() if len(cohorts) > 1 else None
    yield ALL, patients, strata
    for cohort in cohorts:
        yield cohort, patients[patients["cohort"] == cohort], None
