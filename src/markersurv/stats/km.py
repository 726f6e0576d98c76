"""Kaplan-Meier estimates with R's ``survfit`` conventions.

The step table, Greenwood standard errors, pointwise confidence limits (``log``, ``log-log``,
``plain``), the median and its confidence limits, survival at fixed times and numbers at risk
reproduce R ``survival`` 3.x (``survfit``, ``print.survfit``, ``summary.survfit`` with
``extend=TRUE``) to rounding error.

Times are compared exactly. R merges times that differ by less than about 1.5e-8 relative
(``timefix``); times computed the same way from the same day counts are bitwise equal, so this
only matters for times produced by different arithmetic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from markersurv.stats.light_distributions import normal_quantile
from markersurv.stats.ordering import float_order
from markersurv.stats.survival_data import (
    SurvivalDataError,
    entry_before_exit,
    ordered_levels,
    survival_arrays,
)

__all__ = [
    "KaplanMeier",
    "SurvivalDataError",
    "entry_before_exit",
    "kaplan_meier",
    "kaplan_meier_groups",
    "ordered_levels",
    "survival_arrays",
]

if TYPE_CHECKING:
    import pandas as pd

ConfType = Literal["log", "log-log", "plain"]
CONF_TYPES: tuple[str, ...] = ("log", "log-log", "plain")

# R's survmean() and findq() call a survival within this distance of 0.5 "exactly 0.5".
_MEDIAN_TOLERANCE = float(np.sqrt(np.finfo(float).eps))


def _confidence_limits(
    surv: np.ndarray, std_err: np.ndarray, conf_type: str, conf_level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise limits from the survival and the standard error of its logarithm (R's rule)."""
    z = normal_quantile(1.0 - (1.0 - conf_level) / 2.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if conf_type == "plain":
            half = std_err * surv * z
            return np.maximum(surv - half, 0.0), np.minimum(surv + half, 1.0)
        if conf_type == "log":
            p = np.where(surv == 0.0, np.nan, surv)
            half = z * std_err
            return np.exp(np.log(p) - half), np.minimum(np.exp(np.log(p) + half), 1.0)
        if conf_type == "log-log":
            p = np.where((surv == 0.0) | (surv == 1.0), np.nan, surv)
            half = z * std_err / np.log(p)
            loglog = np.log(-np.log(p))
            return np.exp(-np.exp(loglog - half)), np.exp(-np.exp(loglog + half))
    raise ValueError(f"conf_type must be one of {CONF_TYPES}; found {conf_type!r}")


def _first_time_below_half(curve: np.ndarray, time: np.ndarray) -> float:
    """R's ``survmean`` rule for the time a curve reaches 0.5 (median and its limits).

    The first time the curve is at or below 0.5; when it sits exactly at 0.5 there, the
    midpoint between that time and the time it next drops; NaN when it never gets there.
    """
    keep = ~np.isnan(curve) & (curve < 0.5 + _MEDIAN_TOLERANCE)
    if not keep.any():
        return float("nan")
    y, x = curve[keep], time[keep]
    lower = y < y[0]
    if abs(y[0] - 0.5) < _MEDIAN_TOLERANCE and lower.any():
        return float((x[0] + x[np.argmax(lower)]) / 2.0)
    return float(x[0])


@dataclass(frozen=True, eq=False)
class KaplanMeier:
    """A Kaplan-Meier curve as R's ``survfit`` reports it.

    One row per distinct observed time (event or censoring), as in ``survfit``.

    Attributes
    ----------
    time, n_risk, n_event, n_censor : numpy.ndarray
        Distinct times; at risk just before, events and censorings at each.
    surv : numpy.ndarray
        Kaplan-Meier survival just after each time.
    std_err : numpy.ndarray
        Greenwood standard error of the cumulative hazard, i.e. of ``log(surv)``: R's
        ``survfit(...)$std.err`` (``inf`` once the curve reaches 0). The standard error of
        ``surv`` itself is ``surv * std_err`` (what ``summary.survfit`` prints).
    lower, upper : numpy.ndarray
        Pointwise confidence limits (NaN where R gives NA: ``log`` at survival 0,
        ``log-log`` at survival 0 or 1).
    conf_type, conf_level : str, float
        Transform and level of the limits.
    n, events : int
        Patients and events.
    median, median_lower, median_upper : float
        Median survival and its confidence limits as ``print.survfit`` gives them; NaN when
        not reached.
    """

    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    surv: np.ndarray
    std_err: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    conf_type: str
    conf_level: float
    n: int
    events: int
    median: float
    median_lower: float
    median_upper: float
    sorted_time: np.ndarray = field(repr=False)
    sorted_event_time: np.ndarray = field(repr=False)
    sorted_entry: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))

    def table(self) -> pd.DataFrame:
        """The step table: time, n_risk, n_event, n_censor, surv, std_err, lower, upper."""
        import pandas as pd

        return pd.DataFrame(
            {
                "time": self.time,
                "n_risk": self.n_risk,
                "n_event": self.n_event,
                "n_censor": self.n_censor,
                "surv": self.surv,
                "std_err": self.std_err,
                "lower": self.lower,
                "upper": self.upper,
            }
        )

    def _times(self, times) -> np.ndarray:
        t = np.sort(np.atleast_1d(np.asarray(times, dtype=float)))
        if not np.isfinite(t).all() or (t < 0).any():
            raise ValueError(f"times must be finite and non-negative; found {t.tolist()}")
        return t

    def _n_risk_at(self, t: np.ndarray) -> np.ndarray:
        return at_risk_counts(self.sorted_time, self.sorted_entry, t)

    def survival_at(self, times: Sequence[float] | np.ndarray) -> pd.DataFrame:
        """Survival at given times, as ``summary(fit, times=, extend=TRUE)`` reports it.

        Times are sorted (as R does). The curve is carried forward past its last time; before
        the first time, survival is 1 with limits 1.

        Returns
        -------
        pandas.DataFrame
            time, surv, std_err (standard error of ``surv``, R's summary scale), lower,
            upper, n_risk (patients with follow-up at least ``time``, and entered before it;
            0 past the last time).
        """
        import pandas as pd

        t = self._times(times)
        row = np.searchsorted(self.time, t, side="right") - 1
        before = row < 0
        row = np.maximum(row, 0)
        surv = np.where(before, 1.0, self.surv[row])
        log_se = np.where(before, 0.0, self.std_err[row])
        with np.errstate(invalid="ignore"):
            se = log_se * surv
        return pd.DataFrame(
            {
                "time": t,
                "surv": surv,
                "std_err": se,
                "lower": np.where(before, 1.0, self.lower[row]),
                "upper": np.where(before, 1.0, self.upper[row]),
                "n_risk": self._n_risk_at(t),
            }
        )

    def at_risk(self, times: Sequence[float] | np.ndarray) -> pd.DataFrame:
        """Numbers at risk for a risk table under a Kaplan-Meier plot.

        As ``summary(fit, times=, extend=TRUE)`` and survminer's risk table define them:
        ``n_risk`` counts patients with follow-up at least ``time``; ``n_event`` and
        ``n_censor`` count what happened after the previous requested time up to and including
        ``time``; ``cum_events`` and ``cum_censored`` count everything up to ``time``.

        Returns
        -------
        pandas.DataFrame
            time, n_risk, n_event, cum_events, n_censor, cum_censored (times sorted).
        """
        import pandas as pd

        t = self._times(times)
        cum_events = np.searchsorted(self.sorted_event_time, t, side="right").astype(np.int64)
        cum_all = np.searchsorted(self.sorted_time, t, side="right").astype(np.int64)
        cum_censored = cum_all - cum_events
        return pd.DataFrame(
            {
                "time": t,
                "n_risk": self._n_risk_at(t),
                "n_event": np.diff(cum_events, prepend=0),
                "cum_events": cum_events,
                "n_censor": np.diff(cum_censored, prepend=0),
                "cum_censored": cum_censored,
            }
        )


def at_risk_counts(sorted_time: np.ndarray, sorted_entry: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Patients at risk at each of ``t``: follow-up at least ``t``, entry before ``t``."""
    n = sorted_time.size
    left = n - np.searchsorted(sorted_time, t, side="left")
    not_entered = sorted_entry.size - np.searchsorted(sorted_entry, t, side="left")
    return (left - not_entered).astype(np.int64)


def kaplan_meier(
    time, event, *, conf_type: ConfType = "log", conf_level: float = 0.95, entry=None
) -> KaplanMeier:
    """Kaplan-Meier estimate with Greenwood standard errors and pointwise limits, as R's survfit.

    Parameters
    ----------
    time : array-like
        Follow-up times (non-negative).
    event : array-like
        1 for an event, 0 for censoring.
    conf_type : {"log", "log-log", "plain"}
        Transform for the pointwise limits; ``"log"`` is R's default (lifelines uses
        ``"log-log"``). ``"plain"`` limits are clipped to [0, 1] as in R.
    conf_level : float
        Confidence level of the limits and of the median's limits.
    entry : array-like, optional
        Delayed-entry (left-truncation) times, each below its patient's ``time``: a patient
        is at risk at the times of ``(entry, time]``, as in R's ``Surv(entry, time, event)``.

    Returns
    -------
    KaplanMeier

    Notes
    -----
    Greenwood's variance of the cumulative hazard is the sum of ``d / (n (n - d))`` over event
    times; with ``se`` its square root, the ``log`` limits are ``S exp(+-z se)``, the
    ``log-log`` limits ``S^exp(-+z se / log S)`` and the ``plain`` limits ``S (1 +- z se)``.
    The median's limits are where the upper and lower pointwise limits reach 0.5
    (Brookmeyer and Crowley), with R's tie rules (see :class:`KaplanMeier`).

    References
    ----------
    .. [1] Kaplan EL, Meier P. Nonparametric estimation from incomplete observations.
       J Am Stat Assoc. 1958;53:457-481.
    .. [2] Greenwood M. The natural duration of cancer. Rep Public Health Med Subj.
       1926;33:1-26.
    .. [3] Brookmeyer R, Crowley J. A confidence interval for the median survival time.
       Biometrics. 1982;38:29-41.
    .. [4] Therneau TM. A package for survival analysis in R (survival 3.x): survfit,
       print.survfit, summary.survfit.
    """
    if conf_type not in CONF_TYPES:
        raise ValueError(f"conf_type must be one of {CONF_TYPES}; found {conf_type!r}")
    if not 0.0 < conf_level < 1.0:
        raise ValueError(f"conf_level must be in (0, 1); found {conf_level!r}")
    t, e = survival_arrays(time, event)
    n = t.size
    sorted_entry = np.empty(0) if entry is None else np.sort(entry_before_exit(entry, t))
    # One (radix) sort gives the distinct times, their counts and the sorted times.
    order = float_order(t)
    sorted_time, sorted_event = t[order], e[order]
    starts = np.flatnonzero(np.r_[True, sorted_time[1:] != sorted_time[:-1]])
    uniq = sorted_time[starts]
    n_total = np.diff(np.r_[starts, n])
    n_event = np.add.reduceat(sorted_event.astype(np.int64), starts)
    n_censor = n_total - n_event
    n_risk = at_risk_counts(sorted_time, sorted_entry, uniq)
    d = n_event.astype(float)
    r = n_risk.astype(float)
    surv = np.cumprod(1.0 - d / r)
    with np.errstate(divide="ignore"):
        greenwood = np.where(d > 0, d / (r * (r - d)), 0.0)
    std_err = np.sqrt(np.cumsum(greenwood))
    lower, upper = _confidence_limits(surv, std_err, conf_type, conf_level)
    return KaplanMeier(
        time=uniq,
        n_risk=n_risk.astype(np.int64),
        n_event=n_event,
        n_censor=n_censor.astype(np.int64),
        surv=surv,
        std_err=std_err,
        lower=lower,
        upper=upper,
        conf_type=conf_type,
        conf_level=float(conf_level),
        n=int(n),
        events=int(e.sum()),
        median=_first_time_below_half(surv, uniq),
        median_lower=_first_time_below_half(lower, uniq),
        median_upper=_first_time_below_half(upper, uniq),
        sorted_time=sorted_time,
        sorted_event_time=sorted_time[sorted_event],
        sorted_entry=sorted_entry,
    )


def kaplan_meier_groups(
    time, event, group, *, conf_type: ConfType = "log", conf_level: float = 0.95, entry=None
) -> dict[object, KaplanMeier]:
    """One Kaplan-Meier curve per group, keyed by group label in a stable order.

    Labels come in category order for a pandas categorical and sorted otherwise (see
    :func:`ordered_levels`). Other parameters as :func:`kaplan_meier`.

    References
    ----------
    .. [1] Kaplan EL, Meier P. Nonparametric estimation from incomplete observations.
       J Am Stat Assoc. 1958;53:457-481.
    """
    t, e = survival_arrays(time, event)
    levels, codes = ordered_levels(group)
    if codes.size != t.size:
        raise SurvivalDataError(
            f"group must have one value per patient; found {codes.size} for {t.size} patients"
        )
    start = None if entry is None else entry_before_exit(entry, t)
    return {
        level: kaplan_meier(
            t[codes == i],
            e[codes == i],
            conf_type=conf_type,
            conf_level=conf_level,
            entry=None if start is None else start[codes == i],
        )
        for i, level in enumerate(levels)
    }
