"""Forest plot of hazard ratios with text columns, pooled diamonds and prediction intervals."""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from markersurv.plots.checks import require_columns, require_rows
from markersurv.plots.labels import (
    format_count,
    format_interval,
    format_p,
    format_ratio_ci,
    p_equals,
)
from markersurv.plots.theme import REFERENCE_COLOUR, new_figure, themed

_FONT = 8.0
_CHAR = 0.62 * _FONT / 72  # average width of a DejaVu Sans character, inches
_ROW = 0.24
_PLOT_WIDTH = 2.8
_GAP = 0.24
_CLIP = (0.02, 50.0)
_NICE_TICKS = (0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50)
_FINE_TICKS = (0.5, 0.67, 0.8, 1, 1.25, 1.5, 2)
ESTIMATE_COLOUR = "0.2"
POOLED_COLOUR = "#0072B2"


@dataclass
class _Column:
    header: str
    texts: list[str]
    align: str  # "left" or "right"

    @property
    def width(self) -> float:
        longest = max([len(self.header), *(len(t) for t in self.texts)])
        return longest * _CHAR


def _axis_limits(values: np.ndarray, xlim) -> tuple[float, float]:
    if xlim is not None:
        return float(xlim[0]), float(xlim[1])
    finite = values[np.isfinite(values) & (values > 0)]
    lo = min(float(finite.min()) if finite.size else 1.0, 0.8)
    hi = max(float(finite.max()) if finite.size else 1.0, 1.25)
    lo, hi = max(lo / 1.12, _CLIP[0]), min(hi * 1.12, _CLIP[1])
    return lo, hi


def _ticks(lo: float, hi: float) -> list[float]:
    ticks = [t for t in _NICE_TICKS if lo <= t <= hi]
    if len(ticks) < 3:
        ticks = [t for t in _FINE_TICKS if lo <= t <= hi]
    return ticks


def plot_forest(
    rows: pd.DataFrame,
    pooled: pd.DataFrame | None,
    *,
    title: str,
    xlabel: str = "Hazard ratio (95% CI), log scale",
    label_header: str = "Cohort",
    xlim: tuple[float, float] | None = None,
    suppress_below: int | None = None,
) -> Figure:
    """Forest plot: one row per estimate, pooled diamonds, prediction intervals, text columns.

    Left of the plot: label, n and events; right: HR (95% CI), p, q (when the column is
    present) and weight (percent of the total, when present). Squares have an area
    proportional to the weight. A pooled row gets a diamond spanning its confidence interval
    and, when ``pi_lower``/``pi_upper`` are finite, a row below it with the prediction
    interval as a line. The figure grows with the number of rows.

    Parameters
    ----------
    rows : pandas.DataFrame
        label, n, events, hr, hr_lower, hr_upper, p, and optionally q and weight. A missing
        hr is printed ``not estimable`` and drawn as nothing.
    pooled : pandas.DataFrame or None
        label, hr, hr_lower, hr_upper, pi_lower, pi_upper; optionally p, i2, tau2, q_p
        (printed as a heterogeneity note under the plot).
    title : str
        Figure title.
    xlabel, label_header : str
        x-axis label and header of the label column.
    xlim : (float, float), optional
        HR axis limits; by default the data range, within 0.02-50. Intervals beyond the
        limits end in an arrow.
    suppress_below : int, optional
        Print n and events below this as ``<k``.

    Returns
    -------
    matplotlib.figure.Figure
        Axes labelled ``forest``, ``forest_left``, ``forest_right``. Artists carry gids:
        ``estimate`` (squares), ``ci``, ``pooled`` (diamonds), ``prediction_interval``.
    """
    require_columns(
        rows, ["label", "n", "events", "hr", "hr_lower", "hr_upper", "p"], "forest rows"
    )
    require_rows(rows, "forest rows")
    pooled = pooled if pooled is not None else pd.DataFrame()
    if len(pooled):
        require_columns(
            pooled,
            ["label", "hr", "hr_lower", "hr_upper", "pi_lower", "pi_upper"],
            "pooled estimates",
        )
    has_q, has_weight = "q" in rows.columns, "weight" in rows.columns
    layout = _row_layout(rows, pooled)
    n_slots = layout["n_slots"]

    left = [
        _Column(label_header, [*rows["label"].astype(str)] + layout["pooled_labels"], "left"),
        _Column("n", [format_count(v, suppress_below) for v in rows["n"]], "right"),
        _Column("Events", [format_count(v, suppress_below) for v in rows["events"]], "right"),
    ]
    right = [
        _Column(
            "HR (95% CI)",
            [
                format_ratio_ci(h, lo, hi)
                for h, lo, hi in zip(rows["hr"], rows["hr_lower"], rows["hr_upper"], strict=True)
            ]
            + layout["pooled_hr_texts"],
            "left",
        ),
        _Column("p", [format_p(v) for v in rows["p"]] + layout["pooled_p_texts"], "right"),
    ]
    if has_q:
        right.append(_Column("q", [format_p(v) for v in rows["q"]], "right"))
    if has_weight:
        w = rows["weight"].to_numpy(dtype=float)
        total = np.nansum(w)
        right.append(
            _Column(
                "Weight",
                [f"{100 * v / total:.1f}%" if np.isfinite(v) and total > 0 else "" for v in w],
                "right",
            )
        )
    notes = _heterogeneity_notes(pooled)
    left_width = sum(c.width for c in left) + _GAP * (len(left) - 1) + 0.1
    right_width = sum(c.width for c in right) + _GAP * (len(right) - 1) + 0.1
    width = 0.15 + left_width + 0.15 + _PLOT_WIDTH + 0.2 + right_width + 0.15
    # The title is bold and larger than the cells: fewer characters fit on a line.
    title_lines = textwrap.wrap(title, int(width / (_CHAR * 1.3)))
    top, bottom = 0.22 + 0.17 * len(title_lines), 0.55 + 0.16 * len(notes)
    height = top + (n_slots + 1.2) * _ROW + bottom

    values = np.concatenate(
        [
            rows[["hr", "hr_lower", "hr_upper"]].to_numpy(dtype=float).ravel(),
            pooled[["hr_lower", "hr_upper", "pi_lower", "pi_upper"]].to_numpy(dtype=float).ravel()
            if len(pooled)
            else np.array([]),
        ]
    )
    lo, hi = _axis_limits(values, xlim)

    with themed():
        fig = new_figure(width, height, layout=None)
        axes_height = (n_slots + 1.2) * _ROW

        def place(x: float, w: float, label: str):
            """An axes at x inches from the left, w inches wide, over all rows."""
            rect = (x / width, bottom / height, w / width, axes_height / height)
            return fig.add_axes(rect, label=label)

        x_plot = 0.15 + left_width + 0.15
        ax_left = place(0.15, left_width, "forest_left")
        ax = place(x_plot, _PLOT_WIDTH, "forest")
        ax_right = place(x_plot + _PLOT_WIDTH + 0.2, right_width, "forest_right")
        ylim = (n_slots - 0.5, -1.7)
        for text_ax, columns, w in ((ax_left, left, left_width), (ax_right, right, right_width)):
            _draw_columns(text_ax, columns, w, ylim, layout)
        _draw_plot(ax, rows, pooled, layout, lo, hi, ylim, xlabel)
        fig.text(
            0.15 / width,
            1 - 0.12 / height,
            "\n".join(title_lines),
            ha="left",
            va="top",
            fontsize=9.6,
            fontweight="bold",
        )
        for i, note in enumerate(notes):
            fig.text(
                0.15 / width,
                (bottom - 0.5 - 0.16 * i) / height,
                note,
                ha="left",
                va="top",
                fontsize=7,
                color="0.3",
            )
    return fig


def _row_layout(rows: pd.DataFrame, pooled: pd.DataFrame) -> dict:
    """y positions: estimates 0..n-1, then a gap, then each pooled row and its PI row."""
    n = len(rows)
    pooled_y, pi_y, labels, hr_texts, p_texts = [], [], [], [], []
    y = n + 0.4
    for record in pooled.to_dict("records"):
        pooled_y.append(y)
        labels.append(str(record["label"]))
        hr_texts.append(format_ratio_ci(record["hr"], record["hr_lower"], record["hr_upper"]))
        p_texts.append(format_p(record["p"]) if "p" in record else "")
        y += 1
        if math.isfinite(record["pi_lower"]) and math.isfinite(record["pi_upper"]):
            pi_y.append(y)
            labels.append("   95% prediction interval")
            hr_texts.append(format_interval(record["pi_lower"], record["pi_upper"]))
            p_texts.append("")
            y += 1
        else:
            pi_y.append(None)
    extra_y = [v for pair in zip(pooled_y, pi_y, strict=True) for v in pair if v is not None]
    return {
        "n_slots": y,
        "row_y": list(range(n)),
        "pooled_y": pooled_y,
        "pi_y": pi_y,
        "extra_y": extra_y,
        "pooled_labels": labels,
        "pooled_hr_texts": hr_texts,
        "pooled_p_texts": p_texts,
    }


def _heterogeneity_notes(pooled: pd.DataFrame) -> list[str]:
    if not len(pooled) or not {"i2", "tau2"} <= set(pooled.columns):
        return []
    notes = []
    for record in pooled.to_dict("records"):
        text = (
            f"{record['label']}: I\u00b2 = {record['i2']:.0f}%, \u03c4\u00b2 = {record['tau2']:.2g}"
        )
        if "q_p" in record:
            text += ", " + p_equals(record["q_p"], "heterogeneity p")
        notes.append(text)
    return notes


def _draw_columns(ax, columns: list[_Column], width: float, ylim, layout) -> None:
    ax.set_xlim(0, width)
    ax.set_ylim(*ylim)
    ax.axis("off")
    y_all = layout["row_y"] + layout["extra_y"]
    pooled_rows = set(layout["pooled_y"])
    x = 0.05
    for column in columns:
        anchor = x if column.align == "left" else x + column.width
        ax.text(anchor, -1.1, column.header, ha=column.align, va="center", fontweight="bold")
        for y, text in zip(y_all, column.texts, strict=False):
            if not text:
                continue
            ax.text(
                anchor,
                y,
                text,
                ha=column.align,
                va="center",
                fontsize=_FONT,
                fontweight="bold" if y in pooled_rows else "normal",
                gid="cell",
            )
        x += column.width + _GAP
    ax.axhline(-0.55, color="0.3", lw=0.8)


def _draw_plot(ax, rows, pooled, layout, lo, hi, ylim, xlabel) -> None:
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    ax.set_ylim(*ylim)
    ticks = _ticks(lo, hi)
    ax.set_xticks(ticks, labels=[f"{t:g}" for t in ticks])
    ax.minorticks_off()
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel(xlabel, fontsize=_FONT)
    ax.plot([1, 1], [-0.5, ylim[0]], color=REFERENCE_COLOUR, lw=0.8, ls="--", zorder=0)
    ax.axhline(-0.55, color="0.3", lw=0.8)

    weights = rows["weight"].to_numpy(dtype=float) if "weight" in rows.columns else None
    w_max = np.nanmax(weights) if weights is not None and np.isfinite(weights).any() else None
    for i, record in enumerate(rows.to_dict("records")):
        hr = record["hr"]
        if not math.isfinite(hr) or hr <= 0:
            continue
        _interval(ax, record["hr_lower"], record["hr_upper"], i, lo, hi, ESTIMATE_COLOUR, "ci")
        size = 7.0
        if w_max is not None and math.isfinite(weights[i]) and w_max > 0:
            size = 3.5 + 7.5 * math.sqrt(max(weights[i], 0.0) / w_max)
        ax.plot(
            [min(max(hr, lo), hi)],
            [i],
            ls="none",
            marker="s",
            ms=size,
            color=ESTIMATE_COLOUR,
            gid="estimate",
            clip_on=False,
        )
    for record, y, y_pi in zip(
        pooled.to_dict("records"), layout["pooled_y"], layout["pi_y"], strict=True
    ):
        if not math.isfinite(record["hr"]):
            continue
        lower, upper = max(record["hr_lower"], lo), min(record["hr_upper"], hi)
        ax.add_patch(
            Polygon(
                [(lower, y), (record["hr"], y - 0.36), (upper, y), (record["hr"], y + 0.36)],
                closed=True,
                facecolor=POOLED_COLOUR,
                edgecolor=POOLED_COLOUR,
                gid="pooled",
            )
        )
        if y_pi is not None:
            _interval(
                ax,
                record["pi_lower"],
                record["pi_upper"],
                y_pi,
                lo,
                hi,
                POOLED_COLOUR,
                "prediction_interval",
                caps=True,
            )
    if len(pooled):
        ax.axhline(len(rows) - 0.3, color="0.7", lw=0.6)


def _interval(ax, lower, upper, y, lo, hi, colour, gid, caps=False) -> None:
    if not (math.isfinite(lower) and math.isfinite(upper)):
        return
    a, b = max(lower, lo), min(upper, hi)
    ax.plot([a, b], [y, y], color=colour, lw=1.1, gid=gid, solid_capstyle="butt")
    if lower < lo:
        ax.plot([lo], [y], marker="<", ms=4, color=colour, clip_on=False)
    elif caps:
        ax.plot([a], [y], marker="|", ms=6, color=colour)
    if upper > hi:
        ax.plot([hi], [y], marker=">", ms=4, color=colour, clip_on=False)
    elif caps:
        ax.plot([b], [y], marker="|", ms=6, color=colour)
