"""Out-of-fold high/low labels from maximally selected cutpoints (Faraggi and Simon 1996)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from markersurv.stats.maxstat.optimal_cutpoint import maxstat_logrank
from markersurv.stats.maxstat.scan import CutpointError, flat_arrays


@dataclass(frozen=True, eq=False)
class CrossValidatedCutpoint:
    """Out-of-fold high/low labels from cutpoints optimized on the other folds.

    Attributes
    ----------
    high : numpy.ndarray of bool
        Per patient (input order): marker above the cutpoint chosen without that patient.
    fold : numpy.ndarray of int
        Fold in which each patient was held out (0-based).
    cutpoints, statistics : numpy.ndarray
        Per fold: the cutpoint and maximally selected statistic on the training part.
    n_splits, seed : int
        The K-fold split that produced them.
    """

    high: np.ndarray
    fold: np.ndarray
    cutpoints: np.ndarray
    statistics: np.ndarray
    n_splits: int
    seed: int


def cross_validated_cutpoint(
    time,
    event,
    x,
    *,
    n_splits: int = 5,
    seed: int = 0,
    minprop: float = 0.1,
    maxprop: float = 0.9,
) -> CrossValidatedCutpoint:
    """Label each patient high/low by a cutpoint optimized without that patient.

    The patients are split by scikit-learn's ``KFold(n_splits, shuffle=True,
    random_state=seed)``; for each fold the maximally selected log-rank cutpoint is found on
    the other folds and the held-out patients are labelled high when ``x > cutpoint``. A hazard
    ratio for these labels is free of the optimism of the in-sample optimal cutpoint.

    Parameters
    ----------
    time, event, x : array-like
        Follow-up time, event indicator (0/1) and marker value per patient, all complete
        (drop incomplete patients first, so that labels align with the input).
    n_splits, seed : int
        Number of folds and the shuffling seed.
    minprop, maxprop : float
        As for ``maxstat_logrank``, applied within each training part.

    Returns
    -------
    CrossValidatedCutpoint

    Raises
    ------
    CutpointError
        On missing values, or when a training part has no usable cutpoint (the message names
        the fold).

    References
    ----------
    Faraggi D, Simon R (1996). A simulation study of cross-validation for selecting an
    optimal cutpoint in univariate survival analysis. Statistics in Medicine 15:2203-2213.
    """
    # scikit-learn adds about half a second of imports that only this function needs.
    from sklearn.model_selection import KFold

    t, e, v = flat_arrays(time, event, x)
    missing = ~(np.isfinite(t) & np.isfinite(e) & np.isfinite(v))
    if missing.any():
        raise CutpointError(
            f"{int(missing.sum())} patients have a missing time, event or marker value (first "
            f"at position {int(np.argmax(missing))}); drop them so the labels align"
        )
    high = np.zeros(t.size, dtype=bool)
    fold = np.full(t.size, -1, dtype=int)
    cutpoints = np.full(n_splits, np.nan)
    statistics = np.full(n_splits, np.nan)
    splitter = KFold(n_splits=n_splits, shuffle=True, random_state=seed)
    for k, (train, test) in enumerate(splitter.split(v)):
        try:
            fit = maxstat_logrank(t[train], e[train], v[train], minprop=minprop, maxprop=maxprop)
        except CutpointError as err:
            raise CutpointError(f"fold {k} of {n_splits} (training part): {err}") from err
        cutpoints[k], statistics[k] = fit.cutpoint, fit.statistic
        high[test] = v[test] > fit.cutpoint
        fold[test] = k
    return CrossValidatedCutpoint(high, fold, cutpoints, statistics, n_splits, seed)
