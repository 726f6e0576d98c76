"""Competing risks of one dataset (the pooled analysis or one cohort), for endpoints the
config declares with a competing event (their ``<endpoint>_cause`` column: 0 censored, 1
the event of interest, 2 a competing event).

cuminc.tsv: the Aalen-Johansen cumulative incidence of the event of interest in each marker
group (median split, and a fixed cutpoint where configured), from time 0 to the group's
last follow-up, with cmprsk's variance and log(-log) limits. competing.tsv: Gray's test
across those groups (stratified by cohort in the pooled analysis; ``statistic`` the
chi-square on 1 df), the cause-specific Cox model (competing events censored, stratified by
cohort when pooled) and the Fine-Gray model (``crr``) of the standardized marker (per SD)
and of the split; for the models ``statistic`` is the Wald z. ``crr`` has no strata: the
pooled Fine-Gray model adjusts for cohort with one indicator per cohort beyond the first.

With delayed entry the cause-specific model is fitted on the counting-process form
``Surv(entry, time, cause == 1)``; the cumulative incidence, Gray's test and the Fine-Gray
model have no such form here (cmprsk's have none either), so no curve is written and their
rows say they were not computed with delayed entry.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from markersurv.analysis.cox_models import fit_model
from markersurv.analysis.entry import DELAYED_ENTRY_NOTE, entry_of
from markersurv.analysis.groups import LABELS, marker_groups
from markersurv.config.settings import AnalysisSettings
from markersurv.stats.competing.cuminc import aalen_johansen, gray_test
from markersurv.stats.competing.finegray import fine_gray

COMPETING_COLUMNS = [
    "cut_method",
    "model",
    "term",
    "n",
    "events",
    "competing_events",
    "statistic",
    "coef",
    "se",
    "hr",
    "hr_lower",
    "hr_upper",
    "p",
    "status",
    "note",
]
VALUES = ("statistic", "coef", "se", "hr", "hr_lower", "hr_upper", "p")


def split_methods(marker: str, settings: AnalysisSettings) -> list[str]:
    """The prespecified two-group splits: the median always, a fixed cutpoint if declared."""
    fixed = "fixed" in settings.cut_methods and marker in settings.fixed_cutpoints
    return ["median", *(["fixed"] if fixed else [])]


def base_row(model: str, cut_method: str, term: str, cause: np.ndarray) -> dict[str, Any]:
    return {
        **dict.fromkeys(COMPETING_COLUMNS, np.nan),
        "cut_method": cut_method,
        "model": model,
        "term": term,
        "n": int(cause.size),
        "events": int((cause == 1).sum()),
        "competing_events": int((cause == 2).sum()),
        "status": "ok",
        "note": "",
    }


def refusal(row: dict, settings: AnalysisSettings, entry: np.ndarray | None) -> str:
    """Why a Gray or Fine-Gray row cannot be estimated ('' when it can)."""
    if entry is not None:
        return DELAYED_ENTRY_NOTE
    if row["events"] < settings.min_events:
        return f"{row['events']} events, fewer than the minimum of {settings.min_events}"
    if row["competing_events"] == 0:
        return (
            "no competing events: the cumulative incidence is 1 - Kaplan-Meier and the "
            "Fine-Gray model is the Cox model (see cox.tsv)"
        )
    return ""


def refused(row: dict, note: str) -> dict:
    return {**row, **dict.fromkeys(VALUES, np.nan), "status": "not_estimable", "note": note}


def cuminc_rows(time, cause, groups: pd.Series, method: str, settings) -> list[dict]:
    """Each group's curve: time 0, every event of interest, and its last follow-up."""
    rows = []
    for group in LABELS[method]:
        member = (groups == group).to_numpy()
        if not member.any():
            continue
        t, c = time[member], cause[member]
        curve = aalen_johansen(t, c, settings.conf_level)
        counts = {"n": curve.n, "events": curve.events, "competing_events": curve.competing_events}
        points = [(0.0, 0.0, 0.0, np.nan, np.nan)]
        points += zip(curve.time, curve.cif, curve.var, curve.lower, curve.upper, strict=True)
        if t.max() > points[-1][0]:
            points.append((float(t.max()), *points[-1][1:]))
        rows += [
            {
                "cut_method": method,
                "group": group,
                "time": p[0],
                "cif": p[1],
                "cif_lower": p[3],
                "cif_upper": p[4],
                "cif_var": p[2],
                **counts,
            }
            for p in points
        ]
    return rows


def gray_row(time, cause, groups: pd.Series, method, marker, strata, settings, entry) -> dict:
    assigned = groups.notna().to_numpy()
    row = base_row("gray", method, f"{marker}_high", cause[assigned])
    why = refusal(row, settings, entry)
    sizes = groups[assigned].value_counts()
    if not why and (len(sizes) < 2 or sizes.min() < settings.min_group_size):
        why = f"a group below the minimum size of {settings.min_group_size}"
    if why:
        return refused(row, why)
    s = None if strata is None else np.asarray(strata)[assigned]
    test = gray_test(time[assigned], cause[assigned], groups[assigned].to_numpy(), s)
    if test.status != "ok":
        return refused(row, test.note)
    note = "stratified by cohort" if strata is not None else ""
    return {**row, "statistic": test.statistic, "p": test.p, "note": note}


def cohort_indicators(cohorts: np.ndarray) -> pd.DataFrame:
    """One 0/1 column per cohort beyond the first (sorted), for the pooled Fine-Gray model."""
    levels = sorted(set(cohorts))
    return pd.DataFrame({f"cohort_{c}": (cohorts == c).astype(float) for c in levels[1:]})


def fine_gray_row(time, cause, x: pd.Series, method, strata, settings, entry) -> dict:
    present = x.notna().to_numpy()
    row = base_row("fine_gray", method, str(x.name), cause[present])
    why = refusal(row, settings, entry)
    if why:
        return refused(row, why)
    t, c = time[present], cause[present]
    design = pd.DataFrame({x.name: x[present].to_numpy(dtype=float)})
    notes = []
    if strata is not None:
        cohorts = np.asarray(strata)[present]
        without = sorted(set(cohorts[c != 1]) - set(cohorts[c == 1]))
        if without:
            keep = ~np.isin(cohorts, without)
            t, c, cohorts, design = t[keep], c[keep], cohorts[keep], design[keep]
            notes.append(f"cohorts without an event of interest left out: {', '.join(without)}")
            row = {**row, **base_row("fine_gray", method, str(x.name), c)}
        indicators = cohort_indicators(cohorts)
        design = pd.concat([design.reset_index(drop=True), indicators], axis=1)
        if indicators.shape[1]:
            notes.append("cohort indicators as covariates (crr has no strata)")
    fit = fine_gray(t, c, design.to_numpy(), list(design.columns))
    if fit.status != "ok":
        return refused(row, "; ".join([*notes, fit.note]))
    (summary, *_) = fit.summary(settings.conf_level)
    values = {k: summary[k] for k in ("coef", "se", "hr", "hr_lower", "hr_upper", "p")}
    return {**row, **values, "statistic": summary["z"], "note": "; ".join(notes)}


def cause_specific_row(time, cause, x: pd.Series, method, strata, settings, entry) -> dict:
    """The Cox model of the event of interest with competing events censored."""
    present = x.notna().to_numpy()
    row = base_row("cause_specific", method, str(x.name), cause[present])
    outcome = fit_model(
        "cause_specific",
        time,
        (cause == 1).astype(float),
        x.to_frame(),
        strata,
        settings,
        cut_method=method,
        entry=entry,
    )
    (cox,) = outcome.rows
    values = {k: cox[k] for k in ("coef", "se", "hr", "hr_lower", "hr_upper", "p")}
    note = "; ".join(n for n in ("competing events censored", cox["note"]) if n)
    return {**row, **values, "statistic": cox["z"], "status": cox["status"], "note": note}


def competing_rows(
    data: pd.DataFrame, strata, marker: str, endpoint: str, settings: AnalysisSettings
) -> dict[str, list[dict]]:
    """cuminc and competing rows of one dataset ({} when the endpoint declares no
    competing event); patients whose cause is unknown are left out."""
    cause_column = f"{endpoint}_cause"
    if cause_column not in data.columns:
        return {}
    known = data[cause_column].notna().to_numpy()
    data = data[known]
    strata = None if strata is None else np.asarray(strata)[known]
    time = data[f"{endpoint}_time"].to_numpy(dtype=float)
    cause = data[cause_column].to_numpy(dtype=float).astype(int)
    if data.empty:
        return {}
    entry = entry_of(data, endpoint)
    z = data[f"{marker}_z"].rename(f"{marker}_z")
    models = [
        cause_specific_row(time, cause, z, "none", strata, settings, entry),
        fine_gray_row(time, cause, z, "none", strata, settings, entry),
    ]
    curves = []
    for method in split_methods(marker, settings):
        groups = marker_groups(data, marker, method, settings.fixed_cutpoints)
        if groups.notna().sum() == 0:
            continue
        high = (groups == "high").astype(float).where(groups.notna()).rename(f"{marker}_high")
        if entry is None:
            curves += cuminc_rows(time, cause, groups, method, settings)
        models += [
            gray_row(time, cause, groups, method, marker, strata, settings, entry),
            cause_specific_row(time, cause, high, method, strata, settings, entry),
            fine_gray_row(time, cause, high, method, strata, settings, entry),
        ]
    unknown = int((~known).sum())
    if unknown:
        left_out = f"{unknown} patient(s) whose cause of the end of follow-up is unknown left out"
        models = [{**r, "note": "; ".join(n for n in (r["note"], left_out) if n)} for r in models]
    return {"cuminc": curves, "competing": models}
