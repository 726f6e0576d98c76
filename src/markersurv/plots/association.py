"""One standardized marker against another per cancer type, with the Spearman correlation in
each panel title."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from markersurv.plots.checks import require_columns, require_rows
from markersurv.plots.labels import format_count
from markersurv.plots.theme import OKABE_ITO, category_colours, new_figure, themed


def correlation_title(cancer_type: str, rho: float, lower: float, upper: float, n: int) -> str:
    """Panel title, e.g. ``BRCA (n = 590)`` over ``rho = 0.21 (0.13 to 0.29)``."""
    if not math.isfinite(rho):
        return f"{cancer_type} (n = {format_count(n)})\n\u03c1 not estimable"

    def signed(v: float) -> str:
        text = f"{v:.2f}"
        return "0.00" if text == "-0.00" else text.replace("-", "\u2212")

    return (
        f"{cancer_type} (n = {format_count(n)})\n"
        f"\u03c1 = {signed(rho)} ({signed(lower)} to {signed(upper)})"
    )


def plot_association(
    frame: pd.DataFrame,
    stats: pd.DataFrame,
    *,
    title: str,
    x: str,
    y: str,
    xlabel: str,
    ylabel: str,
    ncols: int = 4,
    cohort_order: Sequence[str] | None = None,
) -> Figure:
    """Scatter of two standardized markers, one panel per cancer type.

    Parameters
    ----------
    frame : pandas.DataFrame
        cancer_type and the two marker columns named by ``x`` and ``y``; with a cohort column the
        points are coloured by cohort.
    stats : pandas.DataFrame
        cancer_type, rho, lower, upper, n: Spearman correlation and its confidence interval,
        printed in the panel titles.
    title, xlabel, ylabel : str
        Labels.
    ncols : int
        Panels per row.
    cohort_order : sequence of str, optional
        All cohorts of the run, for stable colours.

    Returns
    -------
    matplotlib.figure.Figure
        Axes labelled ``association:<cancer_type>``.
    """
    require_columns(frame, ["cancer_type", x, y], "association data")
    require_columns(stats, ["cancer_type", "rho", "lower", "upper", "n"], "correlation table")
    require_rows(stats, "correlation table")
    types = sorted(stats["cancer_type"].astype(str).unique())
    by_type = stats.assign(cancer_type=stats["cancer_type"].astype(str)).set_index("cancer_type")
    coloured = "cohort" in frame.columns
    colours = category_colours(cohort_order or frame["cohort"].unique()) if coloured else {}
    both = frame[[x, y]].to_numpy(dtype=float)
    finite = both[np.isfinite(both).all(axis=1)]
    reach = float(np.abs(finite).max()) * 1.05 if finite.size else 3.0
    ncols = max(1, min(ncols, len(types)))
    nrows = math.ceil(len(types) / ncols)
    with themed():
        fig = new_figure(0.4 + 2.3 * ncols, 0.9 + 2.5 * nrows)
        axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False).ravel()
        for ax, cancer_type in zip(axes, types, strict=False):
            ax.set_label(f"association:{cancer_type}")
            part = frame[frame["cancer_type"].astype(str) == cancer_type]
            point_colours = [colours[c] for c in part["cohort"]] if coloured else OKABE_ITO["blue"]
            ax.scatter(part[x], part[y], s=6, c=point_colours, alpha=0.5, linewidths=0)
            ax.axhline(0, color="0.8", lw=0.6, zorder=0)
            ax.axvline(0, color="0.8", lw=0.6, zorder=0)
            row = by_type.loc[cancer_type]
            ax.set_title(
                correlation_title(cancer_type, row["rho"], row["lower"], row["upper"], row["n"]),
                fontsize=8,
                fontweight="normal",
            )
            ax.set_aspect("equal", adjustable="box")
        for ax in axes[len(types) :]:
            ax.axis("off")
        # A panel with no visible panel below it needs its own x tick labels.
        for i in range(len(types)):
            if i + ncols >= len(types):
                axes[i].xaxis.set_tick_params(labelbottom=True)
        axes[0].set_xlim(-reach, reach)
        axes[0].set_ylim(-reach, reach)
        fig.supxlabel(xlabel, fontsize=9)
        fig.supylabel(ylabel, fontsize=9)
        fig.suptitle(title, fontsize=9.6, fontweight="bold", x=0.02, ha="left")
        if coloured:
            present = [c for c in colours if c in set(frame["cohort"])]
            handles = [
                Line2D([], [], ls="none", marker="o", ms=4, color=colours[c], label=c)
                for c in present
            ]
            if len(axes) > len(types):
                axes[len(types)].legend(handles=handles, loc="center", title="Cohort")
            else:
                fig.legend(handles=handles, loc="outside right upper", title="Cohort")
    return fig
