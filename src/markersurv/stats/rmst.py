"""Restricted mean survival time up to a horizon, as R's ``print.survfit(rmean = tau)``.

The restricted mean is the area under the Kaplan-Meier curve from 0 to ``tau``; its
standard error is the Greenwood-type estimate survival's ``survmean`` reports: the sum over
event times t_i <= tau of A_i^2 d_i / (n_i (n_i - d_i)) (0 where d_i = n_i), A_i the area
under the curve from t_i to tau.

References
----------
Royston P, Parmar MKB. Restricted mean survival time: an alternative to the hazard ratio for
the design and analysis of randomized trials with a time-to-event outcome. BMC Med Res
Methodol 2013;13:152.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from markersurv.stats.km import kaplan_meier


@dataclass(frozen=True)
class RestrictedMean:
    rmst: float
    se: float


def restricted_mean(time, event, tau: float) -> RestrictedMean:
    """The restricted mean survival time up to ``tau`` and its standard error."""
    km = kaplan_meier(time, event)
    inside = km.time <= tau
    times = np.concatenate([[0.0], km.time[inside], [tau]])
    surv = np.concatenate([[1.0], km.surv[inside]])
    widths = np.diff(times)
    areas = widths * surv
    rmst = float(areas.sum())
    # Area from each time t_i (i >= 1) to tau.
    after = np.cumsum(areas[::-1])[::-1][1:]
    d, n = km.n_event[inside], km.n_risk[inside]
    with np.errstate(divide="ignore", invalid="ignore"):
        # A time at which every patient at risk has the event adds nothing (as survmean).
        terms = np.where((d > 0) & (n > d), after**2 * d / (n * (n - d)), 0.0)
    return RestrictedMean(rmst, float(np.sqrt(terms.sum())))


@dataclass(frozen=True)
class RmstDifference:
    difference: float
    se: float
    lower: float
    upper: float
    p: float


def rmst_difference(first: RestrictedMean, second: RestrictedMean, conf_level: float):
    """``second - first`` with a Wald interval and p (independent groups)."""
    difference = second.rmst - first.rmst
    se = float(np.hypot(first.se, second.se))
    z = norm.ppf(0.5 + conf_level / 2)
    p = float(2 * norm.sf(abs(difference / se))) if se > 0 else float("nan")
    return RmstDifference(difference, se, difference - z * se, difference + z * se, p)
