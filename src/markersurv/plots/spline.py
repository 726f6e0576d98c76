"""Hazard ratio as a smooth function of a continuous marker (restricted cubic spline)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FixedLocator, NullLocator

from markersurv.plots.checks import require_columns, require_rows
from markersurv.plots.labels import p_equals
from markersurv.plots.theme import OKABE_ITO, REFERENCE_COLOUR, new_figure, themed

_HR_TICKS = (0.1, 0.2, 0.25, 0.5, 0.67, 1.0, 1.5, 2.0, 4.0, 5.0, 10.0)


def hr_ticks(lo: float, hi: float) -> list[float]:
    """Readable hazard-ratio ticks for a log axis from ``lo`` to ``hi``."""
    coarse = [t for t in (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0) if lo <= t <= hi]
    if len(coarse) >= 3:
        return coarse
    return [t for t in _HR_TICKS if lo <= t <= hi]


def plot_spline(
    curve: pd.DataFrame,
    rug: np.ndarray,
    *,
    title: str,
    xlabel: str = "Marker (z score)",
    reference: float | None = None,
    nonlinearity_p: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """HR curve with its pointwise confidence band, log y axis, HR = 1 line and a rug.

    Parameters
    ----------
    curve : pandas.DataFrame
        x, hr, hr_lower, hr_upper (spline_curve.tsv for one cancer type, marker, endpoint).
    rug : array-like
        Observed marker values, drawn as ticks along the x axis.
    title, xlabel : str
        Labels.
    reference : float, optional
        The marker value the HRs are relative to (the median), marked with a dot; without
        it the panel says only that the reference is the median.
    nonlinearity_p : float, optional
        Test of the nonlinear terms, printed in the panel.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure otherwise.

    Returns
    -------
    matplotlib.axes.Axes
    """
    require_columns(curve, ["x", "hr", "hr_lower", "hr_upper"], "spline curve")
    require_rows(curve, "spline curve")
    ordered = curve.sort_values("x", kind="mergesort")
    x = ordered["x"].to_numpy(dtype=float)
    hr, lower, upper = (ordered[c].to_numpy(dtype=float) for c in ("hr", "hr_lower", "hr_upper"))
    values = np.asarray(rug, dtype=float)
    values = values[np.isfinite(values)]
    with themed():
        if ax is None:
            ax = new_figure(5.0, 3.4).add_subplot(label="spline")
        colour = OKABE_ITO["blue"]
        ax.fill_between(x, lower, upper, color=colour, alpha=0.18, lw=0, label="95% CI")
        ax.plot(x, hr, color=colour, lw=1.6, label="Hazard ratio")
        ax.axhline(1.0, color=REFERENCE_COLOUR, ls="--", lw=0.8, zorder=0)
        if reference is not None:
            ax.plot([reference], [1.0], ls="none", marker="o", ms=4, color="0.2", label="Reference")
        ax.set_yscale("log")
        band = np.concatenate([lower, upper, [1.0]])
        band = band[np.isfinite(band) & (band > 0)]
        lo, hi = float(band.min()) / 1.25, float(band.max()) * 1.1
        ax.set_ylim(lo, hi)
        ax.yaxis.set_major_locator(FixedLocator(hr_ticks(lo, hi)))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:g}")
        if values.size:
            ax.plot(
                values,
                np.full_like(values, 0.03),
                ls="none",
                marker="|",
                ms=7,
                mew=0.6,
                color="0.35",
                alpha=0.5,
                transform=ax.get_xaxis_transform(),
                clip_on=False,
                gid="rug",
            )
        ax.set_xlim(
            min(x.min(), values.min() if values.size else x.min()),
            max(x.max(), values.max() if values.size else x.max()),
        )
        lines = [
            "HR relative to the median" + (f" ({reference:.2f})" if reference is not None else "")
        ]
        if nonlinearity_p is not None:
            lines.append(p_equals(nonlinearity_p, "Nonlinearity p"))
        ax.text(
            0.02,
            0.97,
            "\n".join(lines),
            transform=ax.transAxes,
            ha="left",
            va="top",
            fontsize=8,
            gid="spline_note",
            bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "0.8", "alpha": 0.9},
        )
        ax.set_xlabel(xlabel)
        ax.set_ylabel("Hazard ratio (log scale)")
        ax.set_title(title)
        ax.legend(loc="best")
    return ax
