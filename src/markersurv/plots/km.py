"""Kaplan-Meier curves with a numbers-at-risk table aligned to the time axis."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from markersurv.plots.checks import PlotDataError, require_columns, require_rows
from markersurv.plots.labels import AS_GIVEN, RISK_ROW_LABELS, Labels, format_count, p_equals
from markersurv.plots.theme import group_colours, new_figure, themed

_KM_HEIGHT = 3.4
_RISK_LINE = 0.19
_WIDTH = 6.5
# R's survfit calls a survival within sqrt(machine epsilon) of 0.5 "exactly 0.5".
_HALF_TOLERANCE = math.sqrt(np.finfo(float).eps)
# One dash pattern per curve, in drawing order, so that curves stay apart in grey print and
# for readers who cannot tell their colours apart: solid, dashed, dash-dot, dotted.
LINE_STYLES = ("-", (0, (5, 2)), (0, (5, 1.5, 1.2, 1.5)), (0, (1.2, 1.2)))


def _steps(curve: pd.DataFrame, columns: Sequence[str]) -> dict[str, np.ndarray]:
    """Step data starting at time 0 with survival (and its limits) 1."""
    time = curve["time"].to_numpy(dtype=float)
    out = {"time": np.concatenate([[0.0], time])}
    for name in columns:
        out[name] = np.concatenate([[1.0], curve[name].to_numpy(dtype=float)])
    return out


def _median_crossing(time: np.ndarray, surv: np.ndarray) -> float:
    """Where the drawn step curve reaches 0.5 (midpoint of a flat stretch at exactly 0.5)."""
    at_or_below = np.flatnonzero(surv < 0.5 + _HALF_TOLERANCE)
    if at_or_below.size == 0:
        return math.nan
    first = at_or_below[0]
    if abs(surv[first] - 0.5) < _HALF_TOLERANCE:
        lower = np.flatnonzero(surv[first:] < surv[first])
        if lower.size:
            return float((time[first] + time[first + lower[0]]) / 2.0)
    return float(time[first])


def risk_columns(times: Sequence[float], max_columns: int) -> np.ndarray:
    """The risk-table times shown: all of them, or every k-th from the first when too many."""
    t = np.unique(np.asarray(times, dtype=float))
    if t.size <= max_columns:
        return t
    step = math.ceil(t.size / max_columns)
    return t[::step]


def time_axis_end(curves: Mapping[str, pd.DataFrame], risk: pd.DataFrame) -> float:
    """Where the time axis ends: the last time of any curve, or the last risk-table time
    with patients still at risk if that is later (no curve is cut, no stretch is empty)."""
    last_step = max(float(c["time"].max()) for c in curves.values())
    at_risk = risk.loc[risk["n_risk"] > 0, "time"] if "n_risk" in risk else risk["time"]
    return max(last_step, float(at_risk.max()) if len(at_risk) else 0.0)


def _risk_lookup(
    risk: pd.DataFrame, groups: Sequence[str], times: np.ndarray, row: str
) -> np.ndarray:
    table = risk.pivot_table(index="group", columns="time", values=row, aggfunc="first")
    missing = [
        (g, float(t))
        for g in groups
        for t in times
        if g not in table.index or t not in table.columns or pd.isna(table.at[g, t])
    ]
    if missing:
        raise PlotDataError(
            f"risk table has no {row!r} for (group, time) {missing[:5]}"
            f"{' and more' if len(missing) > 5 else ''}; expected one row per group and time"
        )
    return table.loc[list(groups), list(times)].to_numpy(dtype=float)


def plot_km(
    curves: Mapping[str, pd.DataFrame],
    risk: pd.DataFrame,
    *,
    title: str,
    xlabel: str = "Months",
    ylabel: str = "Survival probability",
    hr_text: str | None = None,
    logrank_p: float | None = None,
    trend_p: float | None = None,
    split_text: str | None = None,
    group_notes: Mapping[str, str] | None = None,
    show_ci: bool = False,
    show_censors: bool = True,
    show_median: bool = False,
    risk_rows: Sequence[str] = ("n_risk",),
    suppress_below: int | None = None,
    max_risk_columns: int = 13,
    labels: Labels = AS_GIVEN,
    fig: Figure | None = None,
) -> Figure:
    """Kaplan-Meier curves of marker groups with numbers at risk below the time axis.

    The x axis runs from 0 to the last curve time (or the last risk-table time with
    patients at risk, if later), with the risk-table times up to there as its ticks; every
    number of the risk table is printed at its tick's x position in an axes that shares the
    time axis, so columns line up for any number of groups and time range. Each curve has
    its group's colour and its own dash pattern. The legend sits above the curves, its
    title holding the hazard ratio, the tests and the split.

    Parameters
    ----------
    curves : mapping of group label to pandas.DataFrame
        Step data per group (``KaplanMeier.table()``): time, surv, and lower/upper for
        ``show_ci``, n_censor for ``show_censors``. Curves are drawn in mapping order.
    risk : pandas.DataFrame
        group, time and the columns named in ``risk_rows`` (n_risk, cum_events,
        cum_censored), one row per group and time, as risk_table.tsv holds them.
    title : str
        Figure title (cancer type, marker, endpoint, n; see ``labels.figure_title``).
    xlabel, ylabel : str
        Axis labels.
    hr_text : str, optional
        Preformatted hazard ratio, e.g. ``"HR 1.48 (1.17\u20131.86)"``.
    logrank_p : float, optional
        Log-rank p-value printed as ``Log-rank p = ...``.
    trend_p : float, optional
        Log-rank test for trend over ordered groups, printed as ``Trend p = ...``.
    split_text : str, optional
        How the groups were formed, e.g. ``"Split at 5.2 pg/mL"``.
    group_notes : mapping of group label to str, optional
        Text after a group's name in the legend (events and median survival).
    show_ci : bool
        Shade the pointwise confidence band of each curve.
    show_censors : bool
        Mark censoring times with ticks.
    show_median : bool
        Dashed drop lines where each curve reaches 0.5.
    risk_rows : sequence of str
        Risk-table blocks, one per column of ``risk``, in order.
    suppress_below : int, optional
        Print counts below this as ``<k`` (small-cell suppression for shared reports).
    max_risk_columns : int
        More risk times than this are thinned to every k-th time (ticks follow).
    fig : matplotlib.figure.Figure, optional
        An empty figure to draw on; a new one is made otherwise.

    Returns
    -------
    matplotlib.figure.Figure
        Axes labelled ``survival`` and ``risk_table:<row>`` (``Axes.get_label()``).
    """
    if not curves:
        raise PlotDataError("curves is empty: expected at least one group")
    need = ["time", "surv"]
    need += ["lower", "upper"] if show_ci else []
    need += ["n_censor"] if show_censors else []
    for label, curve in curves.items():
        require_columns(curve, need, f"curve of group {label!r}")
        require_rows(curve, f"curve of group {label!r}")
    require_columns(risk, ["group", "time", *risk_rows], "risk table")
    groups = [str(g) for g in curves]
    shown = risk[risk["group"].astype(str).isin(groups)].assign(
        group=lambda f: f["group"].astype(str)
    )
    require_rows(shown, f"risk table for groups {groups}")
    end = time_axis_end(curves, shown)
    times = risk_columns(shown.loc[shown["time"] <= end, "time"], max_risk_columns)
    if times.size == 0 or end <= 0:
        raise PlotDataError(
            f"curves and risk-table times must reach beyond 0; found risk times "
            f"{sorted(shown['time'].unique().tolist())}"
        )
    tables = {row: _risk_lookup(shown, groups, times, row) for row in risk_rows}
    colours = group_colours(groups)

    with themed():
        risk_heights = [(len(groups) + 1.2) * _RISK_LINE for _ in risk_rows]
        if fig is None:
            fig = new_figure(_WIDTH, 1.0 + _KM_HEIGHT + sum(risk_heights))
        grid = fig.add_gridspec(1 + len(risk_rows), 1, height_ratios=[_KM_HEIGHT, *risk_heights])
        ax = fig.add_subplot(grid[0], label="survival")
        notes = group_notes or {}
        for i, (label, curve) in enumerate(curves.items()):
            name = labels.group(label)
            if notes.get(label):
                name += f": {notes[label]}"
            style = LINE_STYLES[i % len(LINE_STYLES)]
            _draw_curve(ax, curve, name, colours[label], style, show_ci, show_censors)
        start = min(times[0], 0.0)
        pad = 0.03 * (end - start)
        ax.set_xlim(start - pad, end + pad)
        ax.set_ylim(-0.02, 1.03)
        ax.set_xticks(times, labels=[f"{t:g}" for t in times])
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        fig.suptitle(
            "\n".join(textwrap.wrap(title, 75)),
            x=0.01,
            ha="left",
            fontsize=9.6,
            fontweight="bold",
        )
        if show_median:
            _draw_medians(ax, curves, colours)
        lines = [hr_text] if hr_text else []
        if logrank_p is not None:
            lines.append(p_equals(logrank_p, "Log-rank p"))
        if trend_p is not None:
            lines.append(p_equals(trend_p, "Trend p"))
        if split_text:
            lines.append(split_text)
        ax.legend(
            title="\n".join(lines) if lines else None,
            loc="lower left",
            bbox_to_anchor=(0.0, 1.01),
            borderaxespad=0.0,
            alignment="left",
            handlelength=2.6,
            frameon=False,
        )
        for i, row in enumerate(risk_rows):
            rax = fig.add_subplot(grid[1 + i], sharex=ax, label=f"risk_table:{row}")
            names = [labels.group(g) for g in groups]
            _draw_risk_block(rax, groups, names, times, tables[row], row, colours, suppress_below)
    return fig


def _draw_curve(ax, curve, label, colour, style, show_ci, show_censors) -> None:
    columns = ["surv", "lower", "upper"] if show_ci else ["surv"]
    data = _steps(curve.sort_values("time", kind="mergesort"), columns)
    ax.step(data["time"], data["surv"], where="post", color=colour, ls=style, lw=1.6, label=label)
    if show_ci:
        ax.fill_between(
            data["time"],
            data["lower"],
            data["upper"],
            step="post",
            color=colour,
            alpha=0.15,
            lw=0,
        )
    if show_censors:
        censored = curve["n_censor"].to_numpy(dtype=float) > 0
        ax.plot(
            curve["time"].to_numpy(dtype=float)[censored],
            curve["surv"].to_numpy(dtype=float)[censored],
            ls="none",
            marker="|",
            ms=5,
            mew=1.0,
            color=colour,
        )


def _draw_medians(ax, curves, colours) -> None:
    drawn = False
    for label, curve in curves.items():
        ordered = curve.sort_values("time", kind="mergesort")
        median = _median_crossing(
            ordered["time"].to_numpy(dtype=float), ordered["surv"].to_numpy(dtype=float)
        )
        if math.isnan(median):
            continue
        ax.plot([median, median], [0, 0.5], ls="--", lw=0.8, color=colours[label])
        drawn = True
    if drawn:
        ax.axhline(0.5, ls="--", lw=0.8, color="0.5", zorder=0)


def _draw_risk_block(rax, groups, names, times, values, row, colours, suppress_below) -> None:
    for j in range(len(groups)):
        for t, value in zip(times, values[j], strict=True):
            rax.text(
                t,
                j,
                format_count(value, suppress_below),
                ha="center",
                va="center",
                fontsize=7.5,
                color="0.15",
            )
    rax.set_ylim(len(groups) - 0.5, -0.5)
    rax.set_yticks(range(len(groups)), labels=names)
    for tick, group in zip(rax.get_yticklabels(), groups, strict=True):
        tick.set_color(colours[group])
        tick.set_fontweight("bold")
    rax.tick_params(axis="y", length=0, labelsize=7.5)
    rax.tick_params(axis="x", length=0, labelbottom=False)
    for spine in rax.spines.values():
        spine.set_visible(False)
    rax.set_title(RISK_ROW_LABELS.get(row, row), loc="left", fontsize=8, fontweight="normal")
