"""Kaplan-Meier and log-rank rows for one dataset split into marker groups."""

from __future__ import annotations

import numpy as np
import pandas as pd

from markersurv.config.settings import AnalysisSettings
from markersurv.stats.km import kaplan_meier
from markersurv.stats.logrank import LogRank, LogRankTrend, logrank_test, logrank_trend_test


def risk_times_for(grid: tuple[float, ...], last_time: float) -> list[float]:
    """The configured times at which numbers at risk are tabulated, continued at the grid's
    last step up to the end of follow-up, so that a figure's time axis is labelled and has
    its numbers at risk to its end.

    >>> risk_times_for((0, 12, 24), 50.0)
    [0, 12, 24, 36, 48]
    >>> risk_times_for((0, 12, 24), 20.0)
    [0, 12, 24]
    """
    times = list(grid)
    if len(times) < 2 or not last_time > times[-1]:
        return times
    step = times[-1] - times[-2]
    if not step > 0:
        return times
    more = int(np.floor((last_time - times[-1]) / step + 1e-9))
    return times + [times[-1] + step * k for k in range(1, more + 1)]


def km_rows(
    time: np.ndarray,
    event: np.ndarray,
    groups: pd.Series,
    order: tuple[str, ...],
    settings: AnalysisSettings,
    entry: np.ndarray | None = None,
    *,
    curves: bool = True,
) -> tuple[list[dict], list[dict], pd.DataFrame]:
    """One km.tsv row per group (plus ``all``), the risk-table rows of each group, and (with
    ``curves``) the step rows of each group's curve (km_curve.tsv: what a Kaplan-Meier
    figure draws); with ``entry``, on the risk sets of delayed entry."""
    rows: list[dict] = []
    risk: list[dict] = []
    curve: list[pd.DataFrame] = []
    labels = groups.to_numpy(dtype=object)
    grouped = labels != None  # noqa: E711
    last = float(np.nanmax(time[grouped])) if grouped.any() else 0.0
    risk_times = risk_times_for(settings.risk_table_times, last)
    for label in ("all", *order):
        mask = labels != None if label == "all" else labels == label  # noqa: E711
        if not mask.any():
            continue
        km = kaplan_meier(
            time[mask],
            event[mask],
            conf_type=settings.km_conf_type,
            conf_level=settings.conf_level,
            entry=None if entry is None else entry[mask],
        )
        row = {
            "group": label,
            "n": km.n,
            "events": km.events,
            "median": km.median,
            "median_lower": km.median_lower,
            "median_upper": km.median_upper,
        }
        at = km.survival_at(list(settings.survival_times))
        for t, s, lo, hi in zip(at["time"], at["surv"], at["lower"], at["upper"], strict=True):
            name = f"surv_{t:g}"
            row.update({name: s, f"{name}_lower": lo, f"{name}_upper": hi})
        rows.append(row)
        table = km.at_risk(risk_times)
        for record in table.to_dict("records"):
            risk.append(
                {
                    "group": label,
                    "time": record["time"],
                    "n_risk": record["n_risk"],
                    "cum_events": record["cum_events"],
                    "cum_censored": record["cum_censored"],
                }
            )
        if curves and label != "all":
            steps = km.table().drop(columns="std_err")
            steps.insert(0, "group", label)
            curve.append(steps)
    return rows, risk, pd.concat(curve, ignore_index=True) if curve else pd.DataFrame()


def small_groups(groups: pd.Series, order, minimum: int) -> list[str]:
    counts = groups.value_counts()
    return [f"{g} (n={int(counts.get(g, 0))})" for g in order if counts.get(g, 0) < minimum]


def logrank_rows(
    time: np.ndarray,
    event: np.ndarray,
    groups: pd.Series,
    order: tuple[str, ...],
    strata,
    settings: AnalysisSettings,
    entry: np.ndarray | None = None,
) -> list[dict]:
    """Two-group test for two groups; k-group and trend tests for ordered k > 2 groups (on
    the risk sets of delayed entry with ``entry``)."""
    present = groups.notna().to_numpy()
    t, e, g = time[present], event[present], groups[present].to_numpy(dtype=object)
    s = None if strata is None else np.asarray(strata)[present]
    a = None if entry is None else entry[present]
    small = small_groups(groups[present], order, settings.min_group_size)
    base = {"n_low": np.nan, "n_high": np.nan, "events_low": np.nan, "events_high": np.nan}
    if len(order) == 2:
        for side, label in (("low", order[0]), ("high", order[1])):
            base[f"n_{side}"] = int((g == label).sum())
            base[f"events_{side}"] = int(e[g == label].sum())
    tests = ["two_group"] if len(order) == 2 else ["k_group"]
    if len(order) > 2 and order[0].startswith(("T", "Q")):
        tests.append("trend")
    rows = []
    for test in tests:
        row = {
            **base,
            "test": test,
            "chisq": np.nan,
            "df": np.nan,
            "p": np.nan,
            "status": "ok",
            "note": "",
        }
        if small:
            row.update(
                status="not_estimable",
                note=f"too few patients in {', '.join(small)} (minimum {settings.min_group_size})",
            )
        else:
            result: LogRank | LogRankTrend
            if test == "trend":
                result = logrank_trend_test(
                    t, e, pd.Categorical(g, categories=order), strata=s, entry=a
                )
            else:
                result = logrank_test(t, e, pd.Categorical(g, categories=order), strata=s, entry=a)
            if result.status != "ok":
                row.update(status="not_estimable", note=result.status.replace("_", " "))
            else:
                row.update(chisq=result.chisq, df=result.df, p=result.p)
        rows.append(row)
    return rows
