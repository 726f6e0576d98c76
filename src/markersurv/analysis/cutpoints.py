"""Exploratory optimal cutpoints (maximally selected log-rank statistics) per cohort, and the
cross-validated labels that give an honest hazard ratio for the data-driven split.

A cutpoint chosen on the same data it is tested on overstates its effect: the p-values here
are corrected for the search (Lausen and Schumacher 1994; Hothorn and Lausen 2003), and the
``cv_optimal`` groups label each patient by a cutpoint found without them.

References
----------
Lausen B, Schumacher M. Maximally selected rank statistics. Biometrics 1992;48:73-85.
Hothorn T, Lausen B. On the exact distribution of maximally selected rank statistics.
Comput Stat Data Anal 2003;43:121-137.
Faraggi D, Simon R. A simulation study of cross-validation for selecting an optimal cutpoint
in univariate survival analysis. Stat Med 1996;15:2203-2213.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from markersurv.analysis.entry import DELAYED_ENTRY_NOTE, entry_of
from markersurv.config.settings import AnalysisSettings
from markersurv.stats.maxstat import CutpointError, cross_validated_cutpoint, maxstat_logrank

CORRECTIONS = {
    "p_lau94": "Lausen-Schumacher 1994 (capped at 1)",
    "p_hl": "Hothorn-Lausen 2003",
}


@dataclass
class OptimalCutpoints:
    by_cohort: dict[str, float] = field(default_factory=dict)
    rows: list[dict] = field(default_factory=list)
    scan_rows: list[dict] = field(default_factory=list)


def cohort_arrays(rows: pd.DataFrame, marker: str, endpoint: str):
    return (
        rows[f"{endpoint}_time"].to_numpy(float),
        rows[f"{endpoint}_event"].to_numpy(float),
        rows[marker].to_numpy(float),
    )


def optimal_cutpoints(
    population: pd.DataFrame, marker: str, endpoint: str, settings: AnalysisSettings
) -> OptimalCutpoints:
    """Maximally selected log-rank cutpoint of each cohort, on the marker's own scale."""
    result = OptimalCutpoints()
    for cohort, rows in population.groupby("cohort", sort=True):
        time, event, x = cohort_arrays(rows, marker, endpoint)
        base = {"cohort": cohort, "method": "optimal", "exploratory": True}
        refused = {
            **base,
            "cutpoint": np.nan,
            "statistic": np.nan,
            "p_adjusted": np.nan,
            "correction": "",
            "n_low": np.nan,
            "n_high": np.nan,
            "status": "not_estimable",
        }
        if event.sum() < settings.min_events:
            note = f"{int(event.sum())} events, fewer than the minimum of {settings.min_events}"
            result.rows.append({**refused, "note": note})
            continue
        if entry_of(rows, endpoint) is not None:
            # The maximally selected log-rank statistic has no delayed-entry form here.
            result.rows.append({**refused, "note": DELAYED_ENTRY_NOTE})
            continue
        try:
            found = maxstat_logrank(
                time,
                event,
                x,
                minprop=settings.cutpoint_minprop,
                maxprop=settings.cutpoint_maxprop,
                pvalues=("Lau94", "HL"),
                hl_method="exact" if len(x) <= settings.hl_exact_max_n else "normal",
            )
        except CutpointError as error:
            result.rows.append({**refused, "note": str(error)})
            continue
        result.by_cohort[cohort] = float(found.cutpoint)
        small = min(found.n_low, found.n_high) < settings.min_group_size
        for attribute, correction in CORRECTIONS.items():
            result.rows.append(
                {
                    **base,
                    "cutpoint": found.cutpoint,
                    "statistic": found.hl_statistic if attribute == "p_hl" else found.statistic,
                    "p_adjusted": getattr(found, attribute),
                    "correction": f"{correction} ({found.hl_method})"
                    if attribute == "p_hl"
                    else correction,
                    "n_low": found.n_low,
                    "n_high": found.n_high,
                    "status": "warning" if small else "ok",
                    "note": f"a group has fewer than {settings.min_group_size} patients"
                    if small
                    else "",
                }
            )
        result.scan_rows.extend(
            {"cohort": cohort, "cutpoint": c, "statistic": s}
            for c, s in zip(found.cutpoints, found.statistics, strict=True)
        )
    return result


def cv_labels(
    population: pd.DataFrame, marker: str, endpoint: str, settings: AnalysisSettings
) -> pd.Series:
    """Out-of-fold low/high labels of each cohort's patients (``cv_optimal`` groups)."""
    labels = pd.Series(None, index=population.index, dtype=object)
    for _, rows in population.groupby("cohort", sort=True):
        time, event, x = cohort_arrays(rows, marker, endpoint)
        too_few = event.sum() < settings.min_events or len(rows) < 2 * settings.cv_folds
        if too_few or entry_of(rows, endpoint) is not None:
            continue
        try:
            found = cross_validated_cutpoint(
                time,
                event,
                x,
                n_splits=settings.cv_folds,
                seed=settings.seed,
                minprop=settings.cutpoint_minprop,
                maxprop=settings.cutpoint_maxprop,
            )
        except CutpointError:
            continue
        labels[rows.index] = np.where(np.asarray(found.high, dtype=bool), "high", "low")
    return labels
