"""What to read where hazards are not proportional: the restricted mean survival time
difference between the median-split groups up to a horizon, and the hazard ratio within
time intervals (a step function with breaks at configured times).

The hazard ratio in an interval [a, b) is the Cox fit of the patients still at risk at a,
censored at b: the partial likelihood of a model with one coefficient per interval
(survival's ``survSplit`` episodes with ``x:strata(tgroup)``) factorizes over intervals, so
each interval's fit alone gives the same estimate.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from markersurv.analysis.cox_models import fit_model
from markersurv.analysis.entry import DELAYED_ENTRY_NOTE
from markersurv.config.settings import AnalysisSettings
from markersurv.stats.rmst import restricted_mean, rmst_difference

NONPROPORTIONAL_COLUMNS = [
    "model",
    "cut_method",
    "term",
    "start",
    "end",
    "n",
    "events",
    "estimate",
    "lower",
    "upper",
    "p",
    "status",
    "note",
]


def interval_rows(
    time: np.ndarray,
    event: np.ndarray,
    x: pd.DataFrame,
    strata,
    settings: AnalysisSettings,
    cut_method: str,
    entry: np.ndarray | None = None,
) -> list[dict]:
    """The HR of the single column of ``x`` in each interval between the configured breaks
    (with delayed entry, a patient enters an interval at the later of its start and the
    patient's entry)."""
    breaks = [0.0, *settings.hr_interval_breaks, np.inf]
    rows = []
    for start, end in zip(breaks[:-1], breaks[1:], strict=True):
        # Everybody is at risk in the first interval, a follow-up of 0 included.
        at_risk = time > start if start > 0 else np.ones(time.size, dtype=bool)
        if entry is not None:
            at_risk &= entry < end
        t = np.minimum(time, end)[at_risk]
        e = (event.astype(bool) & (time <= end))[at_risk].astype(float)
        s = None if strata is None else np.asarray(strata)[at_risk]
        a = None if entry is None else np.maximum(entry, start)[at_risk]
        # Few events in an interval can leave a coefficient whose interval overflows.
        with np.errstate(over="ignore"):
            outcome = fit_model(
                "interval", t, e, x[at_risk], s, settings, cut_method=cut_method, entry=a
            )
        (fit,) = outcome.rows
        if fit["status"] != "not_estimable" and not np.isfinite(fit["hr_upper"]):
            fit = {
                **fit,
                **dict.fromkeys(("hr", "hr_lower", "hr_upper", "p"), np.nan),
                "status": "not_estimable",
                "note": "; ".join(
                    n for n in (fit["note"], "the hazard ratio in this interval is not finite") if n
                ),
            }
        rows.append(
            {
                "model": "interval_hr",
                "cut_method": cut_method,
                "term": fit["term"],
                "start": start,
                # The last interval is open: no end (tables hold no infinite values).
                "end": end if np.isfinite(end) else np.nan,
                "n": fit["n"],
                "events": fit["events"],
                "estimate": fit["hr"],
                "lower": fit["hr_lower"],
                "upper": fit["hr_upper"],
                "p": fit["p"],
                "status": fit["status"],
                "note": fit["note"],
            }
        )
    return rows


def rmst_row(
    time: np.ndarray,
    event: np.ndarray,
    groups: pd.Series,
    settings: AnalysisSettings,
    pooled: bool,
    delayed_entry: bool = False,
) -> dict:
    """Restricted mean survival time, high minus low median group, up to the configured
    horizon (default: the shorter of the two groups' longest follow-up); ``pooled`` when
    the patients of several cohorts are taken together (not stratified). Not computed with
    delayed entry: the area under a truncated curve depends on where it is taken to start."""
    row: dict[str, Any] = dict.fromkeys(NONPROPORTIONAL_COLUMNS, np.nan)
    row.update(model="rmst_difference", cut_method="median", term="high - low", start=0.0)
    low, high = (groups == "low").to_numpy(), (groups == "high").to_numpy()
    row.update(n=int(low.sum() + high.sum()), events=int(event[low | high].sum()))
    if delayed_entry:
        return {**row, "status": "not_estimable", "note": DELAYED_ENTRY_NOTE}
    if low.sum() < settings.min_group_size or high.sum() < settings.min_group_size:
        return {**row, "status": "not_estimable", "note": "a group below the minimum size"}
    longest = min(time[low].max(), time[high].max())
    tau = settings.rmst_horizon if settings.rmst_horizon is not None else longest
    if tau > longest:
        return {
            **row,
            "end": tau,
            "status": "not_estimable",
            "note": f"horizon {tau:g} beyond a group's follow-up ({longest:g})",
        }
    diff = rmst_difference(
        restricted_mean(time[low], event[low], tau),
        restricted_mean(time[high], event[high], tau),
        settings.conf_level,
    )
    return {
        **row,
        "end": tau,
        "estimate": diff.difference,
        "lower": diff.lower,
        "upper": diff.upper,
        "p": diff.p,
        "status": "ok",
        "note": "in months" + ("; cohorts taken together, not stratified" if pooled else ""),
    }
