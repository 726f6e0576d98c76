"""Scaled Schoenfeld residuals against transformed time, with a spline smooth."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator, NullLocator

from markersurv.plots.checks import PlotDataError, require_columns, require_rows
from markersurv.plots.labels import p_equals
from markersurv.plots.theme import OKABE_ITO, REFERENCE_COLOUR, new_figure, themed


def plot_schoenfeld(
    residuals: pd.DataFrame,
    smooth: pd.DataFrame,
    *,
    term: str,
    p: float,
    transform_label: str,
    title: str,
    coef: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Scaled Schoenfeld residuals of one term against transformed event time.

    A flat smooth supports proportional hazards; the test p-value (``cox.zph``) is printed
    in the panel. The smooth and its band are drawn as given (the analysis computes them as
    R's ``plot.cox.zph`` does; see ``markersurv.stats.smooth``).

    Parameters
    ----------
    residuals : pandas.DataFrame
        x (transformed event time) and residual (scaled Schoenfeld residual of the term);
        rows with a missing value are dropped. With a ``time`` column (the event time
        itself), the x ticks sit at round times, placed where they fall on the transformed
        axis, and the axis is labelled in months.
    smooth : pandas.DataFrame
        x, fit, lower, upper: the smooth and its pointwise band.
    term, transform_label, title : str
        Term name (y-axis label), time-transform name (x-axis label), title.
    p : float
        Proportional-hazards test p-value of the term.
    coef : float, optional
        The fitted coefficient, drawn as a horizontal line (the time-constant effect).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure otherwise.

    Returns
    -------
    matplotlib.axes.Axes
    """
    require_columns(residuals, ["x", "residual"], "residuals")
    require_columns(smooth, ["x", "fit", "lower", "upper"], "smooth")
    x = residuals["x"].to_numpy(dtype=float)
    y = residuals["residual"].to_numpy(dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if x.size < 3:
        raise PlotDataError(f"need at least 3 finite residuals to plot; found {x.size}")
    require_rows(smooth, "smooth")
    grid = smooth["x"].to_numpy(dtype=float)
    fit, lower, upper = (smooth[c].to_numpy(dtype=float) for c in ("fit", "lower", "upper"))
    with themed():
        if ax is None:
            ax = new_figure(5.0, 3.4).add_subplot(label="schoenfeld")
        ax.plot(x, y, ls="none", marker="o", ms=2.5, color="0.45", alpha=0.5, mew=0)
        ax.fill_between(grid, lower, upper, color=OKABE_ITO["blue"], alpha=0.18, lw=0)
        ax.plot(grid, fit, color=OKABE_ITO["blue"], lw=1.6, label="Spline smooth (95% band)")
        ax.axhline(0.0, color=REFERENCE_COLOUR, lw=0.6, zorder=0)
        if coef is not None and math.isfinite(coef):
            ax.axhline(
                coef, color=OKABE_ITO["vermillion"], ls="--", lw=1.0, label="Cox coefficient"
            )
        span = np.concatenate([y, lower, upper])
        span = span[np.isfinite(span)]
        lo, hi = float(span.min()), float(span.max())
        margin = 0.08 * (hi - lo if hi > lo else 1.0)
        ax.set_ylim(lo - margin, hi + 3 * margin)
        ax.text(
            0.02,
            0.97,
            p_equals(p, "PH test p"),
            transform=ax.transAxes,
            ha="left",
            va="top",
            fontsize=8,
            bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "0.8", "alpha": 0.9},
        )
        if "time" in residuals:
            _time_ticks(ax, residuals["time"].to_numpy(dtype=float)[keep], x)
            ax.set_xlabel(f"Months (axis spaced as {transform_label})")
        else:
            ax.set_xlabel(transform_label)
        ax.set_ylabel(f"Beta(t) for {term}")
        ax.set_title(title)
        ax.legend(loc="upper right")
    return ax


def time_ticks(time: np.ndarray, x: np.ndarray, n: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """Round times within the observed range and where each falls on the transformed axis
    (between observed event times, by linear interpolation of the monotone time-x pairs);
    a tick too close to the one before it on the transformed axis is left out."""
    order = np.argsort(time, kind="mergesort")
    t, tx = time[order], x[order]
    ticks = MaxNLocator(nbins=n, steps=[1, 2, 2.5, 3, 5, 6, 10]).tick_values(t.min(), t.max())
    ticks = ticks[(ticks >= t.min()) & (ticks <= t.max())]
    where = np.interp(ticks, t, tx)
    # A transform that compresses late times would print their ticks over each other.
    gap = 0.07 * (tx.max() - tx.min())
    keep: list[int] = []
    for i, position in enumerate(where):
        if not keep or position - where[keep[-1]] >= gap:
            keep.append(i)
    return ticks[keep], where[keep]


def _time_ticks(ax: Axes, time: np.ndarray, x: np.ndarray) -> None:
    ticks, where = time_ticks(time, x)
    ax.set_xticks(where, labels=[f"{t:g}" for t in ticks])
    ax.xaxis.set_minor_locator(NullLocator())
