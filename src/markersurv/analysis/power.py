"""What a Cox model could have detected: the smallest hazard ratio per unit of a term that a
two-sided test at the configured level finds with the configured power, given the model's
events and the term's spread (Schoenfeld 1983; for a term adjusted for others, its
variance is deflated by 1 - R^2 of the term on the other terms, Hsieh and Lavori 2000).

The variance is that of the term over the fitted patients (for a 0/1 term, p(1 - p)); in a
stratified model it is the variance over all strata.

References
----------
Schoenfeld DA. Sample-size formula for the proportional-hazards regression model.
Biometrics 1983;39:499-503.
Hsieh FY, Lavori PW. Sample-size calculations for the Cox proportional hazards regression
model with nonbinary covariates. Control Clin Trials 2000;21:552-560.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm


def detectable_hazard_ratios(x: np.ndarray, events: int, level: float, power: float) -> np.ndarray:
    """For each column of the design ``x`` (fitted rows only), the smallest HR above 1 per
    unit detectable with ``power`` by a two-sided test at ``level`` (NaN for a constant
    column or one the others explain fully)."""
    x = np.asarray(x, dtype=float)
    z = norm.ppf(1 - level / 2) + norm.ppf(power)
    out = np.full(x.shape[1], np.nan)
    for j in range(x.shape[1]):
        column = x[:, j]
        variance = column.var() * (1 - r_squared(column, np.delete(x, j, axis=1)))
        if events > 0 and variance > 1e-12 * max(column.var(), 1e-300):
            out[j] = np.exp(z / np.sqrt(events * variance))
    return out


def r_squared(y: np.ndarray, others: np.ndarray) -> float:
    """R^2 of the least-squares regression of ``y`` on ``others`` with an intercept."""
    if others.shape[1] == 0 or y.var() == 0:
        return 0.0
    design = np.column_stack([np.ones(len(y)), others])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    residual = y - design @ coef
    return float(1 - residual.var() / y.var())
