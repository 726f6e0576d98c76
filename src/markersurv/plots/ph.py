"""Scaled Schoenfeld residuals against transformed time, with a spline smooth."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from scipy.stats import t as t_dist

from markersurv.plots.checks import PlotDataError
from markersurv.plots.labels import p_equals
from markersurv.plots.theme import OKABE_ITO, REFERENCE_COLOUR, new_figure, themed


def natural_spline_basis(x: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """Natural (restricted) cubic spline basis: x and k - 2 nonlinear columns for k knots.

    Cubic between the knots, linear beyond the outer ones; together with an intercept it
    spans the same functions as R's ``ns(x, knots = interior, Boundary.knots = outer)``.

    References
    ----------
    .. [1] Harrell FE. Regression Modeling Strategies, 2nd ed. Springer; 2015. Section 2.4.5.
    """
    k = np.asarray(knots, dtype=float)
    scale = (k[-1] - k[0]) ** 2

    def cube(v):
        return np.maximum(v, 0.0) ** 3

    columns = [x]
    for j in range(k.size - 2):
        columns.append(
            (
                cube(x - k[j])
                - cube(x - k[-2]) * (k[-1] - k[j]) / (k[-1] - k[-2])
                + cube(x - k[-1]) * (k[-2] - k[j]) / (k[-1] - k[-2])
            )
            / scale
        )
    return np.column_stack(columns)


def spline_smooth(
    x: np.ndarray, y: np.ndarray, grid: np.ndarray, *, df: int = 4, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Least-squares natural cubic spline fit of y on x with ``df`` degrees of freedom.

    The smooth and pointwise band that R's ``plot.cox.zph`` draws: ``df - 1`` interior knots
    at equally spaced quantiles of x plus the two extremes, and a t-based band for the
    fitted mean. With fewer distinct x values than ``df + 2`` the fit is linear.

    Returns
    -------
    fit, lower, upper : numpy.ndarray
        Fitted values and band at ``grid``.

    References
    ----------
    .. [1] Grambsch PM, Therneau TM. Proportional hazards tests and diagnostics based on
       weighted residuals. Biometrika. 1994;81:515-526.
    .. [2] Therneau TM, Grambsch PM. Modeling Survival Data: Extending the Cox Model.
       Springer; 2000. Section 6.2.
    """
    x, y, grid = (np.asarray(v, dtype=float) for v in (x, y, grid))
    if np.unique(x).size >= df + 2:
        knots = np.quantile(x, np.linspace(0, 1, df + 1))
        if np.unique(knots).size == knots.size:
            design, at = natural_spline_basis(x, knots), natural_spline_basis(grid, knots)
        else:
            design, at = x[:, None], grid[:, None]
    else:
        design, at = x[:, None], grid[:, None]
    design = np.column_stack([np.ones_like(x), design])
    at = np.column_stack([np.ones_like(grid), at])
    coef, _, rank, _ = np.linalg.lstsq(design, y, rcond=None)
    fit = at @ coef
    dof = x.size - rank
    if dof <= 0:
        return fit, np.full_like(fit, np.nan), np.full_like(fit, np.nan)
    sigma2 = float(np.sum((y - design @ coef) ** 2)) / dof
    pinv = np.linalg.pinv(design.T @ design)
    se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", at, pinv, at), 0.0) * sigma2)
    half = t_dist.ppf(0.5 + level / 2, dof) * se
    return fit, fit - half, fit + half


def plot_schoenfeld(
    x: Sequence[float] | np.ndarray,
    y: Sequence[float] | np.ndarray,
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
    in the panel. The smooth is a natural cubic spline with 4 df and its 95% band, as R's
    ``plot.cox.zph`` draws (see :func:`spline_smooth`).

    Parameters
    ----------
    x : array-like
        Transformed event times (``CoxZph.x``).
    y : array-like
        Scaled Schoenfeld residuals of the term (a column of ``CoxZph.y``); NaN are dropped.
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
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if x.size != y.size:
        raise PlotDataError(f"x and y must have the same length; found {x.size} and {y.size}")
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if x.size < 3:
        raise PlotDataError(f"need at least 3 finite residuals to plot; found {x.size}")
    grid = np.linspace(x.min(), x.max(), 100)
    fit, lower, upper = spline_smooth(x, y, grid)
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
        ax.set_xlabel(transform_label)
        ax.set_ylabel(f"Beta(t) for {term}")
        ax.set_title(title)
        ax.legend(loc="upper right")
    return ax
