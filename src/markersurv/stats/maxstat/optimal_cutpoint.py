"""``maxstat_logrank``: the maximally selected log-rank statistic, its cutpoint, p-values.

It checks the input, runs the scan (``scan``), picks the first maximum and adds the
p-values asked for (``gaussian_limit``, ``hothorn_lausen``), returned as a ``MaxStat``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from markersurv.stats.maxstat.gaussian_limit import p_exact_gauss, p_lausen94
from markersurv.stats.maxstat.hothorn_lausen import HLMethod, integer_scores, p_hothorn_lausen
from markersurv.stats.maxstat.scan import (
    CutpointError,
    candidate_splits,
    flat_arrays,
    logrank_scores,
    standardized_statistics,
)
from markersurv.stats.ordering import float_order

PValueMethod = Literal["Lau94", "HL", "exactGauss"]
P_VALUE_METHODS: tuple[str, ...] = ("Lau94", "HL", "exactGauss")


@dataclass(frozen=True, eq=False)
class MaxStat:
    """A maximally selected log-rank statistic and its cutpoint scan.

    Attributes
    ----------
    statistic : float
        Largest absolute standardized log-rank statistic over the candidate cutpoints
        (maxstat's ``statistic``).
    cutpoint : float
        Marker value at the maximum (maxstat's ``estimate``); patients with
        ``x <= cutpoint`` form the low group. The first maximum wins on ties.
    n, n_low, n_high : int
        Patients analysed (after dropping missing values) and the group sizes at the cutpoint.
    cutpoints, statistics : numpy.ndarray
        The full scan: every candidate cutpoint and its standardized statistic.
    minprop, maxprop : float
        The smallest and largest fraction of patients allowed in the low group.
    p_lau94, p_lau94_raw : float
        Lausen-Schumacher (1994) p-value capped at 1, and R's uncapped value (NaN when not
        requested).
    p_hl : float
        Hothorn-Lausen (2003) p-value (NaN when not requested).
    hl_statistic : float
        The maximum statistic recomputed on maxstat's integer scores, which is the statistic
        the Hothorn-Lausen p-value refers to (R reports it as ``statistic`` with
        ``pmethod="HL"``).
    hl_method : str or None
        ``"exact"`` (exact permutation distribution), ``"normal"`` (normal approximation to
        the permutation marginals, for large n) or None when not requested.
    p_exact_gauss : float
        P-value from the exact joint Gaussian limit of the statistics (NaN when not requested).
    """

    statistic: float
    cutpoint: float
    n: int
    n_low: int
    n_high: int
    cutpoints: np.ndarray = field(repr=False)
    statistics: np.ndarray = field(repr=False)
    minprop: float = 0.1
    maxprop: float = 0.9
    p_lau94: float = np.nan
    p_lau94_raw: float = np.nan
    p_hl: float = np.nan
    hl_statistic: float = np.nan
    hl_method: str | None = None
    p_exact_gauss: float = np.nan

    def scan(self) -> pd.DataFrame:
        """The cutpoint scan as a table with columns ``cutpoint`` and ``statistic``."""
        return pd.DataFrame({"cutpoint": self.cutpoints, "statistic": self.statistics})


def _clean(time, event, x) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t, e, v = flat_arrays(time, event, x)
    keep = np.isfinite(t) & np.isfinite(e) & np.isfinite(v)
    if not keep.all():
        t, e, v = t[keep], e[keep], v[keep]
    if not np.isin(e, (0.0, 1.0)).all():
        raise CutpointError("event must be coded 0/1")
    if (t < 0).any():
        raise CutpointError("time must be non-negative")
    if t.size < 2:
        raise CutpointError(f"need at least 2 patients with complete data; found {t.size}")
    if e.sum() == 0:
        raise CutpointError("no events: the log-rank statistic is undefined")
    return t, e, v


def maxstat_logrank(
    time,
    event,
    x,
    *,
    minprop: float = 0.1,
    maxprop: float = 0.9,
    pvalues: Sequence[str] = ("Lau94",),
    hl_method: HLMethod = "auto",
) -> MaxStat:
    """Maximally selected log-rank statistic over the cutpoints of a continuous marker.

    For each distinct marker value c with between ``floor(n * minprop)`` (at least 1) and
    ``floor(n * maxprop)`` patients at or below it, the two-sample linear statistic of the
    log-rank scores of the patients with ``x <= c`` is standardized by its permutation mean
    and variance; the largest absolute value is the maximally selected statistic.

    Parameters
    ----------
    time, event, x : array-like
        Follow-up time, event indicator (0/1) and marker value per patient. Patients with a
        missing value in any of them are dropped.
    minprop, maxprop : float
        Smallest and largest fraction of patients in the low group (maxstat's defaults).
    pvalues : sequence of {"Lau94", "HL", "exactGauss"}
        P-values to compute: Lausen-Schumacher 1994 (cheap), Hothorn-Lausen (exact, expensive
        for large n) and the exact Gaussian limit.
    hl_method : {"auto", "exact", "normal"}
        How the Hothorn-Lausen p-value is computed (see ``p_hothorn_lausen``).

    Returns
    -------
    MaxStat

    Raises
    ------
    CutpointError
        When no cutpoint qualifies, there are no events, or the inputs are malformed.

    References
    ----------
    Lausen B, Schumacher M (1992). Maximally selected rank statistics. Biometrics 48:73-85.
    Hothorn T, Lausen B (2003). On the exact distribution of maximally selected rank
    statistics. Computational Statistics & Data Analysis 43:121-137.
    """
    unknown = set(pvalues) - set(P_VALUE_METHODS)
    if unknown:
        raise ValueError(f"pvalues must be among {P_VALUE_METHODS}; found {sorted(unknown)}")
    if not 0 <= minprop < maxprop <= 1:
        raise ValueError(f"need 0 <= minprop < maxprop <= 1; found {minprop}, {maxprop}")
    t, e, v = _clean(time, event, x)
    n = t.size
    scores = logrank_scores(t, e)
    order = float_order(v)
    x_sorted = v[order]
    m = candidate_splits(x_sorted, minprop, maxprop)
    stats = standardized_statistics(scores[order], m)
    if not np.isfinite(stats).all():
        raise CutpointError("the log-rank scores have zero variance; no statistic to maximize")
    best = int(np.flatnonzero(stats == stats.max())[0])
    size = int(m[best])
    fields: dict = {}
    if "Lau94" in pvalues:
        raw = p_lausen94(stats[best], n, m)
        fields.update(p_lau94_raw=raw, p_lau94=min(raw, 1.0))
    if "HL" in pvalues:
        iscores = integer_scores(scores)
        hl_stat = float(standardized_statistics(iscores[order], m).max())
        p, used = p_hothorn_lausen(hl_stat, iscores, m, method=hl_method)
        fields.update(p_hl=p, hl_statistic=hl_stat, hl_method=used)
    if "exactGauss" in pvalues:
        fields["p_exact_gauss"] = p_exact_gauss(stats[best], n, m)
    return MaxStat(
        statistic=float(stats[best]),
        cutpoint=float(x_sorted[size - 1]),
        n=n,
        n_low=size,
        n_high=n - size,
        cutpoints=x_sorted[m.astype(int) - 1],
        statistics=stats,
        minprop=minprop,
        maxprop=maxprop,
        **fields,
    )
