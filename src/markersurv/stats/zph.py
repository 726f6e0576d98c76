"""Test of proportional hazards for a fitted Cox model, as ``cox.zph`` of R survival 3.x.

Since survival 3.0, ``cox.zph`` is the score test for adding ``g(t) * x`` to the model, with
``g`` a transform of time, evaluated at the fitted coefficients with the full
``2p x 2p`` information matrix and the same tie handling (Efron or Breslow) and strata as the
fit. The older test (survival < 3, and lifelines) approximates that information by
``var(beta) * n_events`` and gives different chi-squares.

The model is given by its coefficients: fitting is not done here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import chi2, rankdata

from markersurv.stats.km import (
    SurvivalDataError,
    entry_before_exit,
    kaplan_meier,
    ordered_levels,
    survival_arrays,
)
from markersurv.stats.ordering import code_order, float_order

Transform = Literal["km", "identity", "rank", "log"]
TRANSFORMS: tuple[str, ...] = ("km", "identity", "rank", "log")


@dataclass(frozen=True, eq=False)
class CoxZph:
    """Result of :func:`cox_zph`, with the fields of R's ``cox.zph`` object.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per term plus ``GLOBAL``, columns chisq, df, p (R's ``zph$table``).
    x : numpy.ndarray
        Transformed event times, one per event, events ordered by stratum then time
        (``zph$x``).
    time : numpy.ndarray
        Event times in the same order (``zph$time``).
    strata : numpy.ndarray or None
        Stratum label of each event (``zph$strata``); None for an unstratified model.
    y : pandas.DataFrame
        Scaled Schoenfeld residuals, one column per term (``zph$y``): the coefficient plus
        the residual scaled by the inverse of the average information. A term with several
        columns gets the residual of its linear predictor, scaled, plus 1, as in R. NaN for a
        term that is constant within an event's stratum, as in R (where every term is
        constant in a stratum, R's rows shift out of line; here they are all NaN).
    var : numpy.ndarray
        Inverse of the average information per event, terms x terms (``zph$var``), used for
        confidence bands in plots of ``y`` against ``x``.
    transform : str
        Time transform used.
    score : numpy.ndarray
        Score of the model coefficients at ``coef`` (close to 0 when ``coef`` is the maximum
        partial likelihood estimate; the test assumes it is 0, as R does).
    """

    table: pd.DataFrame
    x: np.ndarray
    time: np.ndarray
    strata: np.ndarray | None
    y: pd.DataFrame
    var: np.ndarray
    transform: str
    score: np.ndarray


def _time_transform(
    t: np.ndarray, e: np.ndarray, transform: str, entry: np.ndarray | None = None
) -> np.ndarray:
    if transform == "identity":
        return t.copy()
    if transform == "rank":
        return rankdata(t, method="average")
    if transform == "log":
        if (t[e] <= 0).any():
            raise SurvivalDataError(
                "transform='log' needs positive event times; found an event at time 0. "
                "Use 'km' or 'rank'"
            )
        # A censoring at time 0 gets log(0) = -inf, which never enters the test (as in R).
        with np.errstate(divide="ignore"):
            return np.log(t)
    if transform == "km":
        # One minus the pooled Kaplan-Meier just before each time (strata ignored, as in R).
        km = kaplan_meier(t, e, entry=entry)
        # looked up in time order (sorted queries run through km.time once), put back
        order = float_order(t)
        before = np.empty(t.size, dtype=np.intp)
        before[order] = np.searchsorted(km.time, t[order], side="left")
        return 1.0 - np.concatenate([[1.0], km.surv])[before]
    raise ValueError(f"transform must be one of {TRANSFORMS}; found {transform!r}")


def _term_groups(
    terms: bool | Mapping[str, Sequence[int]], names: list[str]
) -> tuple[list[str], list[np.ndarray]]:
    p = len(names)
    if isinstance(terms, bool):
        return list(names), [np.array([j]) for j in range(p)]
    labels = [str(k) for k in terms]
    columns = [np.asarray(v, dtype=np.intp).ravel() for v in terms.values()]
    used = np.concatenate(columns) if columns else np.array([], dtype=np.intp)
    if used.size != p or not np.array_equal(np.sort(used), np.arange(p)):
        raise ValueError(
            f"terms must assign each of the {p} columns {names} to exactly one term; "
            f"found {dict(zip(labels, [c.tolist() for c in columns], strict=True))}"
        )
    return labels, columns


def _not_entered(entry, x, eta, strata_codes, block_time, block_stratum):
    """Per death block, the risk-set sums (of exp(eta), exp(eta) x, exp(eta) x x') of the
    block's stratum's patients who enter at or after its time: not yet at risk there."""
    p = x.shape[1]
    order = code_order(strata_codes, float_order(entry))
    ent, strat = entry[order], strata_codes[order]
    risk = np.exp(eta[order])
    rx = risk[:, None] * x[order]
    rxx = rx[:, :, None] * x[order][:, None, :]
    out = [
        np.zeros(block_time.size),
        np.zeros((block_time.size, p)),
        np.zeros((block_time.size, p, p)),
    ]
    for code in np.unique(block_stratum):
        lo, hi = np.searchsorted(strat, code, "left"), np.searchsorted(strat, code, "right")
        blocks = block_stratum == code
        first = np.searchsorted(ent[lo:hi], block_time[blocks], side="left")
        for total, values in zip(out, (risk, rx, rxx), strict=True):
            suffix = np.cumsum(values[lo:hi][::-1], axis=0)[::-1]
            padded = np.concatenate([suffix, np.zeros((1,) + suffix.shape[1:])])
            total[blocks] = padded[first]
    return out


def _score_pieces(t, e, x, eta, strata_codes, gtime, ties, entry=None):
    """Score vector (2p), information (2p x 2p) and Schoenfeld residuals at fixed beta.

    Sums run over tied death times within strata; every death at a time is one Efron
    sub-step in which the tied deaths enter the risk set with weight (k+1)/d, or all with
    weight 1 for Breslow. With delayed entry, patients entering at or after a time are not
    in its risk set.
    """
    n, p = x.shape
    order = code_order(strata_codes, float_order(t))  # by stratum, then time
    ts, es, ss = t[order], e[order], strata_codes[order]
    xs, gs = x[order], gtime[order]
    risk = np.exp(eta[order])
    new_block = np.ones(n, dtype=bool)
    new_block[1:] = (ts[1:] != ts[:-1]) | (ss[1:] != ss[:-1])
    block = np.cumsum(new_block) - 1
    starts = np.flatnonzero(new_block)
    nb = starts.size
    block_stratum = ss[starts]

    rx = risk[:, None] * xs
    rxx = rx[:, :, None] * xs[:, None, :]
    dead = es.astype(float)

    def per_block(values):
        return np.add.reduceat(values, starts, axis=0)

    all0, all1, all2 = per_block(risk), per_block(rx), per_block(rxx)
    dth0 = per_block(risk * dead)
    dth1 = per_block(rx * dead[:, None])
    dth2 = per_block(rxx * dead[:, None, None])
    ndead = per_block(dead)
    # First block past each block's stratum: risk sets stop there.
    stratum_end = np.searchsorted(block_stratum, block_stratum, side="right")

    def from_here(values):
        rev = np.cumsum(values[::-1], axis=0)[::-1]
        padded = np.concatenate([rev, np.zeros((1,) + rev.shape[1:])])
        return rev - padded[stratum_end]

    base0 = from_here(all0) - dth0
    base1 = from_here(all1) - dth1
    base2 = from_here(all2) - dth2
    if entry is not None:
        later0, later1, later2 = _not_entered(
            entry, x, eta, strata_codes, ts[starts], block_stratum
        )
        base0, base1, base2 = base0 - later0, base1 - later1, base2 - later2

    death_rows = np.flatnonzero(es)
    death_block = block[death_rows]
    # Position of each death among the deaths of its time (0, 1, ..., d-1).
    rank_in_block = np.arange(death_rows.size) - np.searchsorted(death_rows, starts[death_block])
    d = ndead[death_block]
    frac = (rank_in_block + 1.0) / d if ties == "efron" else np.ones(death_rows.size)

    s0 = base0[death_block] + frac * dth0[death_block]
    s1 = base1[death_block] + frac[:, None] * dth1[death_block]
    s2 = base2[death_block] + frac[:, None, None] * dth2[death_block]
    mean = s1 / s0[:, None]
    info_step = s2 / s0[:, None, None] - mean[:, :, None] * mean[:, None, :]

    # Every death at a time gets the average of that time's sub-step means.
    block_mean = np.zeros((nb, p))
    # death_block is non-decreasing: each time's deaths are one run of rows
    runs = np.flatnonzero(np.r_[True, death_block[1:] != death_block[:-1]])
    if runs.size and death_rows.size:
        block_mean[death_block[runs]] = np.add.reduceat(mean, runs, axis=0)
    block_mean /= np.maximum(ndead, 1.0)[:, None]
    schoenfeld = xs[death_rows] - block_mean[death_block]

    g = gs[death_rows]
    u_beta = schoenfeld.sum(axis=0)
    u_time = g @ schoenfeld
    i11 = info_step.sum(axis=0)
    i12 = np.einsum("k,kij->ij", g, info_step)
    i22 = np.einsum("k,kij->ij", g * g, info_step)
    info = np.block([[i11, i12], [i12.T, i22]])
    return u_beta, u_time, info, schoenfeld, order[death_rows]


def _scaled_residuals(schoenfeld, info_beta, beta, columns, x, strata_codes, event_strata):
    """Scaled Schoenfeld residuals per term and the inverse average information (R's rules)."""
    p = beta.size
    n_strata = int(strata_codes.max()) + 1
    deaths = np.bincount(event_strata, minlength=n_strata)
    # used[s, j]: deaths in stratum s if column j varies there, else 0.
    used = np.zeros((n_strata, p))
    for s in range(n_strata):
        xs = x[strata_codes == s]
        varies = (xs != xs[0]).any(axis=0) if xs.shape[0] else np.zeros(p, dtype=bool)
        used[s] = np.where(varies, deaths[s], 0)
    for cols in columns:
        if cols.size > 1 and (used[:, cols] == 0).any():
            used[:, cols] = used[:, cols].max(axis=1, keepdims=True)
    weight = np.minimum(used[:, :, None], used[:, None, :]).sum(axis=0)
    vmean = info_beta / np.where(weight == 0, 1.0, weight)

    multi = any(cols.size > 1 for cols in columns)
    to_terms = np.zeros((p, len(columns)))
    for i, cols in enumerate(columns):
        to_terms[cols, i] = beta[cols] if cols.size > 1 else 1.0
    if multi:
        resid = schoenfeld @ to_terms
        vmean = to_terms.T @ vmean @ to_terms
        used = used[:, [cols[0] for cols in columns]]
    else:
        resid = schoenfeld.copy()
    scaled = np.full_like(resid, np.nan)
    for s in range(n_strata):
        k = np.flatnonzero(used[s] > 0)
        rows = event_strata == s
        if k.size and rows.any():
            scaled[np.ix_(rows, k)] = np.linalg.solve(vmean[np.ix_(k, k)], resid[rows][:, k].T).T
    offset = np.array([beta[cols[0]] if cols.size == 1 else 1.0 for cols in columns])
    return scaled + offset, np.linalg.inv(vmean)


# Complexity over the limit: survival's cox.zph steps in their order: transform, residuals per
# stratum, terms, test.
def cox_zph(  # noqa: C901
    time,
    event,
    X,
    coef,
    *,
    strata=None,
    transform: Transform = "km",
    terms: bool | Mapping[str, Sequence[int]] = True,
    ties: Literal["efron", "breslow"] = "efron",
    names: Sequence[str] | None = None,
    entry=None,
) -> CoxZph:
    """Score test of proportional hazards for each term and globally (R survival 3.x cox.zph).

    Parameters
    ----------
    time, event : array-like
        Follow-up times and 0/1 event codes, as used in the fit.
    X : array-like or pandas.DataFrame, shape (n, p)
        Covariates of the fit (a DataFrame's column names become term names).
    coef : array-like, shape (p,)
        Fitted coefficients (maximum partial likelihood, same ties and strata).
    strata : array-like, optional
        Stratum per patient, as in the fit.
    transform : {"km", "identity", "rank", "log"}
        Time transform g(t): ``km`` is one minus the pooled Kaplan-Meier just before t (R's
        default), ``rank`` the average rank of t among all times.
    terms : bool or mapping of str to column indices
        ``True`` or ``False``: each column is its own term. A mapping groups columns into
        terms (for example the basis columns of a spline), each tested on as many df as it
        has columns, as R does for a multi-column term with ``terms=TRUE``.
    ties : {"efron", "breslow"}
        Tie handling of the fit.
    names : sequence of str, optional
        Column names when ``X`` is not a DataFrame (default x1, x2, ...).
    entry : array-like, optional
        Delayed-entry times of the fit (R's ``Surv(entry, time, event)``): risk sets and the
        Kaplan-Meier transform count a patient from its entry only.

    Returns
    -------
    CoxZph

    Notes
    -----
    With ``g`` centred on its mean over events, the test statistic for a set of columns J is
    the score test for adding ``g(t) x_J`` to the model at the fitted coefficients:
    ``U' I^-1 U`` with ``U = (0, sum_events g (x_J - xbar_J))`` and ``I`` the information
    matrix of the extended model (Efron or Breslow weighting as in the fit). The scaled
    Schoenfeld residuals are ``beta + r V^-1`` with ``V`` the information averaged over the
    events of the strata in which each covariate varies (Grambsch and Therneau).

    References
    ----------
    .. [1] Grambsch PM, Therneau TM. Proportional hazards tests and diagnostics based on
       weighted residuals. Biometrika. 1994;81:515-526.
    .. [2] Therneau TM, Grambsch PM. Modeling Survival Data: Extending the Cox Model.
       Springer; 2000, chapter 6.
    .. [3] Therneau TM. survival package for R, version 3.x: cox.zph (score test since 3.0).
    """
    if ties not in ("efron", "breslow"):
        raise ValueError(f"ties must be 'efron' or 'breslow'; found {ties!r}")
    if transform not in TRANSFORMS:
        raise ValueError(f"transform must be one of {TRANSFORMS}; found {transform!r}")
    t, e = survival_arrays(time, event)
    start = None if entry is None else entry_before_exit(entry, t)
    if isinstance(X, pd.DataFrame):
        col_names = [str(c) for c in X.columns]
        x = X.to_numpy(dtype=float)
    else:
        x = np.asarray(X, dtype=float)
        if x.ndim == 1:
            x = x[:, None]
        col_names = [f"x{j + 1}" for j in range(x.shape[1])]
    if names is not None:
        col_names = [str(c) for c in names]
    n, p = x.shape
    if n != t.size:
        raise SurvivalDataError(f"X has {n} rows for {t.size} patients")
    if len(col_names) != p:
        raise ValueError(f"names has {len(col_names)} entries for {p} columns")
    if not np.isfinite(x).all():
        raise SurvivalDataError("X has missing or infinite values; drop those patients first")
    constant = [name for name, col in zip(col_names, x.T, strict=True) if (col == col[0]).all()]
    if constant:
        raise SurvivalDataError(
            f"covariates {constant} are constant: they have no coefficient to test; drop them"
        )
    beta = np.asarray(coef, dtype=float).ravel()
    if beta.size != p or not np.isfinite(beta).all():
        raise ValueError(f"coef must be {p} finite numbers; found {beta}")
    if not e.any():
        raise SurvivalDataError("no events: the proportional-hazards test needs events")
    if strata is None:
        strata_levels, strata_codes = None, np.zeros(n, dtype=np.intp)
    else:
        strata_levels, strata_codes = ordered_levels(strata, "strata")
        if strata_codes.size != n:
            raise SurvivalDataError(f"strata has {strata_codes.size} values for {n} patients")
    labels, columns = _term_groups(terms, col_names)

    ttimes = _time_transform(t, e, transform, start)
    gtime = ttimes - ttimes[e].mean()
    # Centring changes nothing mathematically and keeps the sums of squares well scaled.
    xc = x - x.mean(axis=0)
    eta = xc @ beta
    u_beta, u_time, info, schoenfeld, event_index = _score_pieces(
        t, e, xc, eta, strata_codes, gtime, ties, start
    )
    event_strata = strata_codes[event_index]

    def score_test(cols: np.ndarray) -> float:
        kk = np.concatenate([np.arange(p), cols + p])
        u = np.concatenate([np.zeros(p), u_time[cols]])
        return float(u @ np.linalg.solve(info[np.ix_(kk, kk)], u))

    try:
        chisq = [score_test(c) for c in columns] + [score_test(np.arange(p))]
        scaled, var = _scaled_residuals(
            schoenfeld, info[:p, :p], beta, columns, x, strata_codes, event_strata
        )
    except np.linalg.LinAlgError as err:
        raise SurvivalDataError(
            "the information matrix is singular: a covariate is constant within the risk "
            "sets or columns are collinear; drop or merge those columns before the test"
        ) from err
    df = [int(c.size) for c in columns] + [p]
    table = pd.DataFrame(
        {"chisq": chisq, "df": df, "p": chi2.sf(np.asarray(chisq), np.asarray(df))},
        index=pd.Index([*labels, "GLOBAL"], name="term"),
    )

    return CoxZph(
        table=table,
        x=ttimes[event_index],
        time=t[event_index],
        strata=None
        if strata_levels is None
        else np.asarray(strata_levels, dtype=object)[event_strata],
        y=pd.DataFrame(scaled, columns=labels),
        var=var,
        transform=transform,
        score=u_beta,
    )
