"""Cox proportional-hazards regression (Efron or Breslow ties, optional strata), as R's coxph.

:func:`fit_cox` reproduces ``survival::coxph`` (survival 3.x) for right-censored data: the
same Newton-Raphson path with step halving and convergence rule, the same detection of aliased
columns and of coefficients that may be infinite, and the score, likelihood-ratio and Wald tests
of ``summary(coxph)``. Unlike R it never hands back a plausible number for a failed fit: such
fits and terms get status ``not_estimable``, NaN estimates and a note that says why.
"""

from __future__ import annotations

import sys
from typing import Any, Literal

import numpy as np

from markersurv.stats.cox.likelihood import RiskSets, inverse_kept
from markersurv.stats.cox.newton import NewtonResult, newton_raphson
from markersurv.stats.cox.result import CoxFit, frozen
from markersurv.stats.km import (
    SurvivalDataError,
    entry_before_exit,
    ordered_levels,
    survival_arrays,
)
from markersurv.stats.timefix import merge_close_times_ordered

__all__ = ["CoxFit", "fit_cox"]


def _readonly(values: np.ndarray, *inputs) -> np.ndarray:
    """``values`` frozen for the fit to keep: copied only where it may share memory with one
    of the caller's ``inputs`` (an array the fit made itself is frozen as it is)."""
    shared = any(isinstance(a, np.ndarray) and np.shares_memory(values, a) for a in inputs)
    out = np.array(values) if shared or not values.flags.owndata else values
    out.setflags(write=False)
    return out


def _design(x, n: int) -> tuple[tuple[str, ...], np.ndarray]:
    # pandas only where it is already loaded: a DataFrame cannot come from anywhere else, and
    # a fit from arrays then needs no pandas at all.
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(x, pd.DataFrame):
        names = tuple(str(c) for c in x.columns)
        for name in names:
            if not (pd.api.types.is_numeric_dtype(x[name]) or pd.api.types.is_bool_dtype(x[name])):
                raise SurvivalDataError(
                    f"covariate {name!r} is not numeric (dtype {x[name].dtype}); encode it as "
                    "numbers (for example 0/1 indicators) before fitting"
                )
        values = x.to_numpy(dtype=float)
    else:
        values = np.asarray(x, dtype=float)
        if values.ndim == 1:
            values = values[:, None]
        names = tuple(f"x{i + 1}" for i in range(values.shape[1]))
    if values.ndim != 2 or values.shape[0] != n:
        raise SurvivalDataError(
            f"X must have one row per patient: expected {n} rows, found shape {values.shape}"
        )
    if values.shape[1] == 0:
        raise SurvivalDataError("X has no columns: a Cox model needs at least one covariate")
    bad = ~np.isfinite(values)
    if bad.any():
        col = int(np.argmax(bad.any(axis=0)))
        raise SurvivalDataError(
            f"covariate {names[col]!r} has {int(bad[:, col].sum())} missing or infinite values "
            f"(first at row {int(np.argmax(bad[:, col]))}); drop those patients first"
        )
    return names, values


def _center_scale(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # As coxph: columns coded in {-1, 0, 1} are left alone; others are centred and scaled by
    # the inverse mean absolute deviation. Newton's method is affine invariant, so this changes
    # only rounding and the relative pivot test, both towards R's.
    means = values.mean(axis=0)
    scale = np.ones(values.shape[1])
    for j in range(values.shape[1]):
        if np.isin(values[:, j], (-1.0, 0.0, 1.0)).all():
            means[j] = 0.0
            continue
        spread = np.abs(values[:, j] - means[j]).sum()
        if spread > 0:
            scale[j] = values.shape[0] / spread
    return means, scale


def _infinite_terms(res: NewtonResult, coef: np.ndarray, var: np.ndarray, tol: float):
    # R's rule: the Newton step still pending at convergence is large both absolutely and
    # relative to the coefficient, i.e. the likelihood flattened out while the term kept going.
    with np.errstate(invalid="ignore", over="ignore"):
        score = res.score
        pending = np.abs(score @ var) if np.isfinite(score).all() else np.full(coef.size, np.inf)
        flagged = ~np.isfinite(pending) | (
            (pending > tol) & (pending > np.sqrt(tol) * np.abs(coef))
        )
    return flagged & res.kept


def _term_reasons(names, values, event, res: NewtonResult, infinite) -> list[str]:
    notes = []
    for j, name in enumerate(names):
        col = values[:, j]
        if not res.kept[j] and not res.kept_init[j]:
            what = "constant" if np.ptp(col) == 0 else "collinear with the other covariates"
            notes.append(f"{name} is {what}: its coefficient is not estimable (R reports NA)")
        elif not res.kept[j] or infinite[j]:
            # A column whose information vanished during the iterations went there because its
            # coefficient ran off to infinity (R then reports NA rather than a warning).
            levels = np.unique(col)
            why = "monotone likelihood"
            if levels.size == 2 and min(event[col == v].sum() for v in levels) == 0:
                why += ": no events in one group"
            notes.append(f"coefficient of {name} may be infinite ({why})")
        else:
            notes.append("")
    return notes


def linear_predictor(values: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """``values @ coef`` summed column by column, so that patients with identical covariates
    get bit-identical scores whatever the memory layout (a BLAS product may not), and their
    pairs stay tied in the concordance, as in R."""
    out = np.zeros(values.shape[0])
    for j, b in enumerate(coef):
        out += values[:, j] * b
    return out


def fit_cox(
    time,
    event,
    X,
    *,
    strata=None,
    ties: Literal["efron", "breslow"] = "efron",
    tol: float = 1e-9,
    max_iter: int = 30,
    init=None,
    refit_step: float | None = 0.5,
    timefix: bool = True,
    entry=None,
) -> CoxFit:
    """Fit a Cox proportional-hazards model by Newton-Raphson on the partial likelihood.

    Parameters
    ----------
    time : array-like
        Follow-up times (finite, non-negative).
    event : array-like
        1 for an event, 0 for censoring.
    X : numpy.ndarray or pandas.DataFrame
        ``n x p`` covariates; a DataFrame's column names become the term names.
    strata : array-like, optional
        Stratum label per patient: a separate baseline hazard per stratum, as ``strata()`` in
        R's formula; only patients of the same stratum share risk sets.
    ties : {"efron", "breslow"}
        Approximation for tied event times.
    tol : float
        Convergence when the relative change of the log-likelihood is at most ``tol`` (R's
        ``coxph.control(eps=)``); ``sqrt(tol)`` is R's ``toler.inf`` for infinite coefficients.
    max_iter : int
        Newton-Raphson iterations per attempt.
    init : array-like, optional
        Starting coefficients (default 0). The score test and null log-likelihood are always
        at 0 (R computes them at ``init``).
    refit_step : float or None
        When the first attempt does not converge, refit from 0 with every Newton step
        multiplied by this factor, then polish with full steps from there; None disables it.
    timefix : bool
        Treat times equal up to rounding error as tied (R's default ``timefix = TRUE``, see
        :func:`~markersurv.stats.timefix.merge_close_times`); with ``entry``, over entry and
        exit times together, as R's ``aeqSurv`` does for ``Surv(entry, time, event)``.
    entry : array-like, optional
        Delayed-entry (left-truncation) times, each below its patient's ``time``: the patient
        is at risk at the deaths of ``(entry, time]``, R's counting-process form
        ``Surv(entry, time, event)``.

    Returns
    -------
    CoxFit

    Notes
    -----
    With ``timefix`` off, ties are exact floating-point ties only.

    References
    ----------
    Cox, D. R. (1972). Regression models and life-tables. *J R Stat Soc B* 34, 187-220.
    Efron, B. (1977). The efficiency of Cox's likelihood function for censored data. *J Am
    Stat Assoc* 72, 557-565.
    Breslow, N. (1974). Covariance analysis of censored survival data. *Biometrics* 30, 89-99.
    Therneau, T. M. and Grambsch, P. M. (2000). *Modeling Survival Data: Extending the Cox
    Model*. Springer.
    """
    t, e, start, ascending = _times(time, event, entry, timefix)
    names, values = _design(X, t.size)
    if ties not in ("efron", "breslow"):
        raise ValueError(f"ties must be 'efron' or 'breslow'; found {ties!r}")
    if not tol > 0 or max_iter < 1:
        raise ValueError(f"need tol > 0 and max_iter >= 1; found tol={tol}, max_iter={max_iter}")
    codes = np.zeros(t.size, dtype=np.intp)
    if strata is not None:
        codes = ordered_levels(strata, "strata")[1]
        if codes.size != t.size:
            raise SurvivalDataError(f"strata must have {t.size} values; found {codes.size}")
    p = values.shape[1]
    beta0 = np.zeros(p) if init is None else np.asarray(init, dtype=float).ravel()
    if beta0.size != p or not np.isfinite(beta0).all():
        raise ValueError(f"init must hold {p} finite values; found {init!r}")

    data: dict[str, Any] = dict(
        terms=names,
        n=t.size,
        events=int(e.sum()),
        ties=ties,
        _time=_readonly(t, time, entry),
        _event=_readonly(e, event),
        _strata=_readonly(codes, strata),
        _entry=None if start is None else _readonly(start, time, entry),
    )
    if data["events"] == 0:
        return _not_estimable(data, "no events: the partial likelihood is flat", nan_stats=True)

    means, scale = _center_scale(values)
    risk_sets = RiskSets.build(
        t, e, values.T, codes, ties, ascending=ascending, entry=start, centre=(means, scale)
    )
    first, res, counts, notes = _attempts(risk_sets, beta0 / scale, max_iter, tol, refit_step)
    null = first if init is None else newton_raphson(risk_sets, np.zeros(p), max_iter=0, tol=tol)
    stats: dict[str, Any] = dict(
        loglik_null=null.loglik_init,
        score_statistic=null.score_test,
        df=int(res.kept.sum()),
        **counts,
    )
    if not res.converged:
        again = f", nor with steps scaled by {refit_step}" if refit_step is not None else ""
        note = f"did not converge in {max_iter} iterations{again}"
        return _not_estimable(data, note, converged=False, **stats)
    if res.loglik < null.loglik_init - 1e-8 * max(1.0, abs(null.loglik_init)):
        return _not_estimable(data, "log-likelihood below the null model's", **stats)

    coef = res.beta * scale
    var = inverse_kept(res.info, res.kept) * np.outer(scale, scale)
    infinite = _infinite_terms(res, coef, var, tol)
    term_notes = _term_reasons(names, values, e, res, infinite)
    estimable = res.kept & ~infinite
    notes += [note for note in term_notes if note]
    if not estimable.any():
        return _not_estimable(data, "; ".join(notes), term_notes=term_notes, **stats)
    shown_var = np.where(np.outer(estimable, estimable), var, np.nan)
    return CoxFit(
        coef=frozen(np.where(estimable, coef, np.nan)),
        se=frozen(np.sqrt(np.diag(shown_var))),
        var=frozen(shown_var),
        loglik=float(res.loglik),
        converged=True,
        status="ok" if not notes else "warning",
        note="; ".join(notes),
        term_status=tuple("ok" if ok else "not_estimable" for ok in estimable),
        term_note=tuple(term_notes),
        linear_predictor=frozen(linear_predictor(values, coef)),
        **data,
        **stats,
    )


def _times(time, event, entry, timefix: bool):
    """Exit times, events, entry times (or None) and, when known, the exits' ascending order,
    after R's timefix: over entry and exit times together where there is delayed entry."""
    t, e = survival_arrays(time, event)
    start = None if entry is None else entry_before_exit(entry, t)
    if not timefix:
        return t, e, start, None
    if start is None:
        t, ascending = merge_close_times_ordered(t)
        return t, e, None, ascending
    start, t = np.split(merge_close_times_ordered(np.concatenate([start, t]))[0], 2)
    if (start >= t).any():
        raise SurvivalDataError(
            "an entry time equals its exit time up to rounding (R's timefix merges them); a "
            "patient is at risk only after entering"
        )
    return t, e, start, None


def _attempts(risk_sets, start, max_iter, tol, refit_step):
    """R's Newton-Raphson; if it fails, damped steps from 0 and a full-step polish.

    Returns the first attempt, the final one, iteration counts and notes.
    """
    res = first = newton_raphson(risk_sets, start, max_iter=max_iter, tol=tol)
    iterations, halvings, notes = res.iterations, res.halvings, []
    if not res.converged and refit_step is not None:
        p = start.size
        damped = newton_raphson(risk_sets, np.zeros(p), max_iter=max_iter, tol=tol, step=refit_step)
        iterations += damped.iterations
        halvings += damped.halvings
        if damped.converged:
            # Damped steps converge only linearly; full steps from there restore precision.
            res = newton_raphson(risk_sets, damped.beta, max_iter=max_iter, tol=tol)
            iterations += res.iterations
            halvings += res.halvings
            notes.append(
                f"did not converge in {max_iter} iterations; refitted with Newton steps "
                f"scaled by {refit_step}"
            )
    return first, res, {"iterations": iterations, "step_halvings": halvings}, notes


def _not_estimable(
    data: dict,
    note: str,
    *,
    converged: bool = True,
    term_notes=None,
    nan_stats: bool = False,
    **stats,
) -> CoxFit:
    p = len(data["terms"])
    if nan_stats:
        stats = dict(
            loglik_null=np.nan, score_statistic=np.nan, df=0, iterations=0, step_halvings=0
        )
    return CoxFit(
        coef=frozen(np.full(p, np.nan)),
        se=frozen(np.full(p, np.nan)),
        var=frozen(np.full((p, p), np.nan)),
        loglik=float("nan"),
        converged=converged,
        status="not_estimable",
        note=note,
        term_status=("not_estimable",) * p,
        term_note=tuple(term_notes) if term_notes is not None else (note,) * p,
        linear_predictor=frozen(np.full(data["n"], np.nan)),
        **data,
        **stats,
    )
