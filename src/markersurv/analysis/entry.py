"""Delayed entry (left truncation) of an endpoint in the patient table.

A cohort whose spec maps an entry time has ``<endpoint>_entry`` (months from the time origin);
other cohorts have none, and a missing value is entry at the origin. The analyses then use
the counting-process form ``Surv(entry, time, event)``; those without such a form here
(maximally selected log-rank cutpoints, restricted mean survival time, cumulative
incidence) say so in their notes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DELAYED_ENTRY_NOTE = "not computed with delayed entry"


def entry_of(data: pd.DataFrame, endpoint: str) -> np.ndarray | None:
    """Entry times of ``data``'s patients for ``endpoint`` (0 where missing), or None when no
    patient entered after the origin."""
    column = f"{endpoint}_entry"
    if column not in data:
        return None
    entry = data[column].to_numpy(dtype=float, na_value=np.nan)
    entry = np.where(np.isnan(entry), 0.0, entry)
    return entry if (entry > 0).any() else None


def entry_endpoints(patients: pd.DataFrame, endpoints) -> list[str]:
    """The endpoints (of ``endpoints``, in order) some patient entered after the origin."""
    return [e for e in endpoints if entry_of(patients, e) is not None]
