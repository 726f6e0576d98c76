"""The rows one cancer type's analysis collects per table, and the datasets it runs on: the
cohorts pooled (``cohort = all``, stratified by cohort) and each cohort alone."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

ALL = "all"


@dataclass
class Tables:
    """Rows collected for each output table of one cancer type: records (dicts), or whole
    frames for the long tables (curve steps, residuals: one row per event time), which are
    kept as they are rather than turned into a dict per row."""

    rows: dict[str, list[dict]] = field(default_factory=dict)
    blocks: dict[str, list[pd.DataFrame]] = field(default_factory=dict)

    def add(self, table: str, keys: dict, rows) -> None:
        if isinstance(rows, pd.DataFrame):
            self._add_frame(table, keys, rows)
            return
        if table in self.blocks:
            raise ValueError(f"table {table} collects frames; add one, not records")
        self.rows.setdefault(table, []).extend({**keys, **r} for r in rows)

    def _add_frame(self, table: str, keys: dict, frame: pd.DataFrame) -> None:
        if table in self.rows:
            raise ValueError(f"table {table} collects records; add those, not a frame")
        shared = set(keys) & set(frame.columns)
        if shared:
            raise ValueError(f"keys {sorted(shared)} are columns of the {table} frame too")
        block = frame.copy()
        for position, (name, value) in enumerate(keys.items()):
            block.insert(position, name, value)
        self.blocks.setdefault(table, []).append(block)

    def frames(self) -> dict[str, pd.DataFrame]:
        out = {name: pd.DataFrame(rows) for name, rows in self.rows.items()}
        for name, blocks in self.blocks.items():
            out[name] = pd.concat(blocks, ignore_index=True)
        return out


def datasets(patients: pd.DataFrame):
    """(cohort label, rows, strata) for the pooled analysis and for each cohort."""
    cohorts = sorted(patients["cohort"].unique())
    strata = patients["cohort"].to_numpy() if len(cohorts) > 1 else None
    yield ALL, patients, strata
    for cohort in cohorts:
        yield cohort, patients[patients["cohort"] == cohort], None
