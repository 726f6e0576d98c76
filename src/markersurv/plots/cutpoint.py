"""Maximally selected statistic over candidate cutpoints."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from markersurv.plots.checks import require_columns, require_rows
from markersurv.plots.theme import OKABE_ITO, REFERENCE_COLOUR, new_figure, themed


def plot_cutpoint_scan(
    scan: pd.DataFrame,
    chosen: float,
    p_text: str,
    *,
    title: str,
    xlabel: str = "Cutpoint",
    ylabel: str = "Standardized log-rank statistic",
    ax: Axes | None = None,
) -> Axes:
    """The standardized log-rank statistic at each candidate cutpoint, the chosen one marked.

    Parameters
    ----------
    scan : pandas.DataFrame
        cutpoint, statistic (one cohort and marker, as cutpoint_scan.tsv holds them).
    chosen : float
        The selected cutpoint, drawn as a vertical line and printed.
    p_text : str
        Preformatted p-value with its correction, e.g.
        ``"maxstat p = 0.16 (Lausen-Schumacher)"``.
    title, xlabel, ylabel : str
        Labels.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure otherwise.

    Returns
    -------
    matplotlib.axes.Axes
    """
    require_columns(scan, ["cutpoint", "statistic"], "cutpoint scan")
    require_rows(scan, "cutpoint scan")
    ordered = scan.sort_values("cutpoint", kind="mergesort")
    x = ordered["cutpoint"].to_numpy(dtype=float)
    y = ordered["statistic"].to_numpy(dtype=float)
    with themed():
        if ax is None:
            ax = new_figure(5.0, 3.4).add_subplot(label="cutpoint_scan")
        ax.plot(x, y, color=OKABE_ITO["blue"], lw=1.2, marker="o", ms=2.2)
        top = float(np.nanmax(np.abs(y))) if np.isfinite(y).any() else 1.0
        bottom = min(0.0, float(np.nanmin(y)) * 1.1)
        # The top band of the axes is left free for the note: the marker line stops below it.
        ax.set_ylim(bottom, top * 1.4)
        if math.isfinite(chosen):
            ax.plot(
                [chosen, chosen],
                [bottom, top * 1.08],
                color=OKABE_ITO["vermillion"],
                ls="--",
                lw=1.0,
            )
        ax.axhline(0, color=REFERENCE_COLOUR, lw=0.6, zorder=0)
        left_half = math.isfinite(chosen) and chosen < (x.min() + x.max()) / 2
        ax.text(
            0.98 if left_half else 0.02,
            0.97,
            f"Chosen cutpoint: {chosen:.4g}\n{p_text}",
            transform=ax.transAxes,
            ha="right" if left_half else "left",
            va="top",
            fontsize=8,
            bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "0.8", "alpha": 0.9},
        )
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
    return ax
