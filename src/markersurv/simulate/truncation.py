"""Delayed entry (left truncation) in a simulated cohort: who is seen, and from when.

A study that enrols patients some time after diagnosis sees only those still alive, free of
progression and under follow-up at enrolment; their survival counts from diagnosis, so they
are at risk only from their entry time. :class:`Truncation` draws each simulated patient's
entry time and keeps the patients a study would have seen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Truncation:
    """Entry times uniform on [0, ``entry_max_months``] months after diagnosis.

    A patient is seen when its entry comes before the end of its progression-free follow-up
    (``entry < pfs_time``, so both endpoints are valid under delayed entry); the others are
    never enrolled and leave no row. The cohort's ``n`` is the number of patients drawn
    before truncation.
    """

    entry_max_months: float

    def __post_init__(self):
        if not self.entry_max_months > 0:
            raise ValueError(
                f"truncation entry_max_months: expected > 0, found {self.entry_max_months}"
            )

    def apply(self, table: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
        """The patients seen, with their ``entry`` (months from diagnosis), in their order."""
        entry = rng.uniform(0.0, self.entry_max_months, len(table))
        seen = entry < table["pfs_time"].to_numpy()
        return table.assign(entry=entry)[seen].reset_index(drop=True)
