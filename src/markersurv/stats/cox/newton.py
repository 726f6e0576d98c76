"""Newton-Raphson for the Cox partial likelihood, step for step as R's ``coxph.fit``.

The iteration follows survival 3.x's ``coxfit6``: a step is accepted when the
log-likelihood does not decrease; otherwise the candidate is pulled back towards the last
accepted point (step halving, more aggressive each time it repeats); convergence is declared
when the relative change of the log-likelihood against the best value so far is at most
``tol``. Aliased columns are found by a pivot test on the information matrix at every step and
take no part in the solve.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from markersurv.stats.cox.likelihood import RiskSets, independent_columns, solve_kept

#: R's ``coxph.control()$toler.chol``, the relative pivot size below which a column is aliased.
TOLER_CHOL = np.finfo(float).eps ** 0.75


@dataclass(frozen=True, eq=False)
class NewtonResult:
    """Outcome of one Newton-Raphson run, in the caller's (scaled) coordinates.

    ``score``, ``info`` and ``kept`` are evaluated at ``beta``; ``loglik_init``,
    ``score_test`` and ``kept_init`` at the starting point.
    """

    beta: np.ndarray
    loglik: float
    score: np.ndarray
    info: np.ndarray
    kept: np.ndarray
    loglik_init: float
    score_test: float
    kept_init: np.ndarray
    iterations: int
    converged: bool
    halvings: int


def _evaluate(risk_sets: RiskSets, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    # Trial points far out on a monotone likelihood overflow exp(); the non-finite result is
    # the signal to halve the step, exactly as in R, so the floating-point warning is noise.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return risk_sets.evaluate(beta)


def _all_finite(loglik: float, score: np.ndarray, info: np.ndarray) -> bool:
    return bool(np.isfinite(loglik) and np.isfinite(score).all() and np.isfinite(info).all())


def _relative_change(best: float, new: float) -> float:
    if best == new:
        return 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(abs(1.0 - best / new))


def newton_raphson(
    risk_sets: RiskSets,
    init: np.ndarray,
    *,
    max_iter: int,
    tol: float,
    step: float = 1.0,
    toler_chol: float = TOLER_CHOL,
) -> NewtonResult:
    """Maximize the partial likelihood from ``init``.

    Parameters
    ----------
    risk_sets : RiskSets
        The data.
    init : numpy.ndarray
        Starting coefficients.
    max_iter : int
        Iteration limit (each iteration is one evaluation of the likelihood); 0 only
        evaluates the starting point.
    tol : float
        Convergence when ``|1 - loglik_best / loglik_new| <= tol``.
    step : float
        Multiplier of every Newton step; 1 is R's algorithm, smaller values damp it.
    toler_chol : float
        Relative pivot tolerance for aliased columns.

    Returns
    -------
    NewtonResult
        On convergence, the last candidate with its score and information (as R returns
        them); otherwise the last accepted point, re-evaluated.

    References
    ----------
    Therneau, T. M. and Grambsch, P. M. (2000). *Modeling Survival Data: Extending the Cox
    Model*. Springer, section 3.3. Therneau, T. M. (2023). survival: Survival Analysis,
    R package version 3.5, ``coxph.fit`` and ``coxfit6.c``.
    """
    beta = np.array(init, dtype=float)
    loglik_init, score, info = _evaluate(risk_sets, beta)
    kept_init = independent_columns(info, toler_chol)
    finite = _all_finite(loglik_init, score, info)
    newton_step = solve_kept(info, score, kept_init) if finite else np.zeros_like(beta)
    start: dict[str, Any] = dict(
        loglik_init=loglik_init,
        kept_init=kept_init,
        score_test=float(score @ newton_step) if finite else float("nan"),
    )
    if max_iter == 0 or not finite:
        return NewtonResult(
            beta,
            loglik_init,
            score,
            info,
            kept_init,
            **start,
            iterations=0,
            converged=False,
            halvings=0,
        )

    best = loglik_init
    candidate = beta + step * newton_step
    halving = halvings = 0
    for iteration in range(1, max_iter + 1):
        loglik, score, info = _evaluate(risk_sets, candidate)
        kept = independent_columns(info, toler_chol)
        finite = _all_finite(loglik, score, info)
        if finite and _relative_change(best, loglik) <= tol:
            return NewtonResult(
                candidate,
                loglik,
                score,
                info,
                kept,
                **start,
                iterations=iteration,
                converged=True,
                halvings=halvings,
            )
        if not finite or loglik < best:
            halving += 1
            halvings += 1
            candidate = (candidate + halving * beta) / (halving + 1.0)
        else:
            halving = 0
            best = loglik
            beta = candidate
            candidate = candidate + step * solve_kept(info, score, kept)

    loglik, score, info = _evaluate(risk_sets, beta)
    kept = independent_columns(info, toler_chol)
    return NewtonResult(
        beta,
        loglik,
        score,
        info,
        kept,
        **start,
        iterations=max_iter,
        converged=False,
        halvings=halvings,
    )
