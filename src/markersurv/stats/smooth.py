"""Natural cubic spline smooth of residuals over time, as R's ``plot.cox.zph`` draws it."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import t as t_dist


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


def residual_smooth(
    x: np.ndarray, y: np.ndarray, *, points: int = 100, df: int = 4, level: float = 0.95
) -> pd.DataFrame:
    """The smooth of :func:`spline_smooth` on an even grid over the finite residuals.

    Returns
    -------
    pandas.DataFrame
        x, fit, lower, upper at ``points`` grid values from the smallest to the largest x
        (empty with fewer than 3 finite pairs).
    """
    x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if x.size < 3:
        return pd.DataFrame(columns=["x", "fit", "lower", "upper"], dtype=float)
    grid = np.linspace(x.min(), x.max(), points)
    fit, lower, upper = spline_smooth(x, y, grid, df=df, level=level)
    return pd.DataFrame({"x": grid, "fit": fit, "lower": lower, "upper": upper})
