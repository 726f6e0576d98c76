"""The two distribution functions the Cox fit and Kaplan-Meier limits need, without importing
scipy.stats (about 130 MB and a second of import for two formulas): the standard normal
quantile and the upper tail of the chi-square distribution with one degree of freedom.

>>> round(normal_quantile(0.975), 6)
1.959964
>>> chi2_sf_one(np.array([3.841458820694124, 0.0])).round(6).tolist()
[0.05, 1.0]
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

_ERFC = np.frompyfunc(math.erfc, 1, 1)


def normal_quantile(p: float) -> float:
    """The standard normal quantile of ``p`` (0 < p < 1)."""
    return NormalDist().inv_cdf(p)


def chi2_sf_one(statistic: np.ndarray) -> np.ndarray:
    """P(X > statistic) for X chi-square with 1 degree of freedom: erfc(sqrt(statistic / 2)),
    elementwise; NaN stays NaN."""
    values = np.asarray(statistic, dtype=float)
    root = np.sqrt(np.where(values > 0, values, 0.0) / 2.0)
    out = np.asarray(_ERFC(root), dtype=float)
    return np.where(np.isnan(values), np.nan, out)
