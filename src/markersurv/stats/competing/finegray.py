"""Fine-Gray proportional subdistribution hazards regression, as R's ``cmprsk::crr``.

Patients who had a competing event stay in the risk set of the event of interest after
their event, weighted by G(s-) / G(t_i-), G the Kaplan-Meier estimate of the censoring
distribution (inverse probability of censoring weights). The coefficients maximize the
weighted partial likelihood with Breslow's handling of tied event times, by Newton steps
halved until the likelihood rises enough (crr's rule: at most 10 steps, converged when
every |score| * max(|coef|, 1) is below 1e-6 * max(|log-likelihood|, 1)).

The variance is crr's sandwich I^-1 (sum_i (eta_i + psi_i)(eta_i + psi_i)') I^-1: I the
information of the weighted likelihood, eta_i a patient's score residual and psi_i the
term for the estimated censoring distribution (Fine and Gray 1999, section 4). Every risk
set sum is a cumulative sum over the patients ordered by time, so a fit costs O(n p^2).

References
----------
Fine JP, Gray RJ. A proportional hazards model for the subdistribution of a competing risk.
J Am Stat Assoc 1999;94:496-509.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from markersurv.stats.competing.data import CENSORED, COMPETING, EVENT, competing_arrays
from markersurv.stats.km import SurvivalDataError

MAX_ITER = 10
GTOL = 1e-6
# crr halves a step at most 20 times.
MAX_HALVINGS = 20
ARMIJO = 1e-4


@dataclass(frozen=True)
class FineGrayFit:
    """A Fine-Gray fit: coefficients (log subdistribution HRs), crr's sandwich variance."""

    names: tuple[str, ...]
    coef: np.ndarray
    var: np.ndarray
    loglik: float
    iterations: int
    converged: bool
    n: int
    events: int
    competing_events: int
    status: str
    note: str

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.var))

    def summary(self, conf_level: float = 0.95) -> list[dict]:
        """One row per term: coef, se, hr and its Wald interval, z and p."""
        z = norm.ppf(0.5 + conf_level / 2)
        rows = []
        for name, b, s in zip(self.names, self.coef, self.se, strict=True):
            ok = self.status != "not_estimable" and np.isfinite(b) and np.isfinite(s)
            rows.append(
                {
                    "term": name,
                    "coef": b if ok else np.nan,
                    "se": s if ok else np.nan,
                    "hr": np.exp(b) if ok else np.nan,
                    "hr_lower": np.exp(b - z * s) if ok else np.nan,
                    "hr_upper": np.exp(b + z * s) if ok else np.nan,
                    "z": b / s if ok else np.nan,
                    "p": float(2 * norm.sf(abs(b / s))) if ok else np.nan,
                }
            )
        return rows


@dataclass(frozen=True)
class _Data:
    """Patients ordered by time, with what every evaluation of the likelihood shares."""

    time: np.ndarray
    cause: np.ndarray
    x: np.ndarray
    # Censoring survival just before each patient's time, and before each event time.
    g_before: np.ndarray
    g_event: np.ndarray
    event_times: np.ndarray
    deaths: np.ndarray
    # First patient (in time order) whose time is >= each event time.
    first_at_risk: np.ndarray


def censoring_before(time: np.ndarray, cause: np.ndarray, at: np.ndarray) -> np.ndarray:
    """G(at-): Kaplan-Meier estimate of the censoring distribution just before ``at``."""
    times, index = np.unique(time, return_inverse=True)
    censored = np.bincount(index, weights=cause == CENSORED, minlength=times.size)
    leaving = np.bincount(index, minlength=times.size)
    at_risk = time.size - np.concatenate([[0], np.cumsum(leaving)[:-1]])
    after = np.cumprod(1.0 - censored / at_risk)
    before = np.concatenate([[1.0], after])
    return before[np.searchsorted(times, at, side="left")]


def _prepare(time: np.ndarray, cause: np.ndarray, x: np.ndarray) -> _Data:
    order = np.argsort(time, kind="stable")
    t, c, xs = time[order], cause[order], x[order]
    event_times, deaths = np.unique(t[c == EVENT], return_counts=True)
    return _Data(
        t,
        c,
        xs - xs.mean(axis=0),
        censoring_before(t, c, t),
        censoring_before(t, c, event_times),
        event_times,
        deaths.astype(float),
        np.searchsorted(t, event_times, side="left"),
    )


def _suffix(values: np.ndarray) -> np.ndarray:
    """Sum of rows k..n-1 for each k = 0..n (the last is 0)."""
    zero = np.zeros((1, *values.shape[1:]))
    return np.concatenate([np.cumsum(values[::-1], axis=0)[::-1], zero])


def _prefix(values: np.ndarray) -> np.ndarray:
    """Sum of rows 0..k-1 for each k = 0..n (the first is 0)."""
    zero = np.zeros((1, *values.shape[1:]))
    return np.concatenate([zero, np.cumsum(values, axis=0)])


@dataclass(frozen=True)
class _RiskSums:
    s0: np.ndarray
    xbar: np.ndarray
    loglik: float
    score: np.ndarray
    information: np.ndarray
    # exp(x beta) of each patient, and the competing patients' weights exp(x beta) / G(t-).
    risk: np.ndarray
    kept: np.ndarray


def _risk_sums(data: _Data, beta: np.ndarray, information: bool = True) -> _RiskSums:
    """Weighted risk-set sums S0, S1 (and S2) at each event time, and the likelihood."""
    eta = data.x @ beta
    risk = np.exp(eta)
    competing = data.cause == COMPETING
    kept = np.where(competing, risk / data.g_before, 0.0)
    pos = data.first_at_risk
    x = data.x
    s0 = _suffix(risk)[pos] + data.g_event * _prefix(kept)[pos]
    s1 = _suffix(risk[:, None] * x)[pos] + data.g_event[:, None] * _prefix(kept[:, None] * x)[pos]
    xbar = s1 / s0[:, None]
    events = data.cause == EVENT
    loglik = float(eta[events].sum() - (data.deaths * np.log(s0)).sum())
    score = x[events].sum(axis=0) - (data.deaths[:, None] * xbar).sum(axis=0)
    info = np.zeros((x.shape[1], x.shape[1]))
    if information:
        outer = x[:, :, None] * x[:, None, :]
        s2 = (
            _suffix(risk[:, None, None] * outer)[pos]
            + data.g_event[:, None, None] * _prefix(kept[:, None, None] * outer)[pos]
        )
        centred = s2 / s0[:, None, None] - xbar[:, :, None] * xbar[:, None, :]
        info = (data.deaths[:, None, None] * centred).sum(axis=0)
    return _RiskSums(s0, xbar, loglik, score, info, risk, kept)


def _sandwich_meat(data: _Data, sums: _RiskSums) -> np.ndarray:
    """sum_i (eta_i + psi_i)(eta_i + psi_i)': score residuals plus the censoring term."""
    t, c, x = data.time, data.cause, data.x
    h = data.deaths / sums.s0
    alpha = h * data.g_event
    # Sums over event times s <= t_i, and over s > t_i, for each patient.
    upto = np.searchsorted(data.event_times, t, side="right")
    h0, h1 = _prefix(h)[upto], _prefix(h[:, None] * sums.xbar)[upto]
    a_after, q_after = _suffix(alpha)[upto], _suffix(alpha[:, None] * sums.xbar)[upto]
    risk = sums.risk[:, None]
    residual = -risk * (x * h0[:, None] - h1)
    events = c == EVENT
    at_event = np.searchsorted(data.event_times, t[events], side="left")
    residual[events] += x[events] - sums.xbar[at_event]
    competing = c == COMPETING
    residual[competing] -= (risk[competing] / data.g_before[competing, None]) * (
        x[competing] * a_after[competing, None] - q_after[competing]
    )
    # The censoring term: q(u) at each time u where someone is censored.
    times, index = np.unique(t, return_inverse=True)
    censored = np.bincount(index, weights=c == CENSORED, minlength=times.size)
    first = np.searchsorted(t, times, side="left")
    at_risk = (t.size - first).astype(float)
    from_u = np.searchsorted(data.event_times, times, side="left")
    q = (
        _suffix(alpha)[from_u][:, None] * _prefix(sums.kept[:, None] * x)[first]
        - _prefix(sums.kept)[first][:, None] * _suffix(alpha[:, None] * sums.xbar)[from_u]
    )
    increments = np.where(censored[:, None] > 0, q * (censored / at_risk**2)[:, None], 0.0)
    psi = -np.cumsum(increments, axis=0)[index]
    was_censored = c == CENSORED
    psi[was_censored] += q[index[was_censored]] / at_risk[index[was_censored], None]
    total = residual + psi
    return total.T @ total


def _not_estimable(names, n, events, competing, note, beta=None, iterations=0) -> FineGrayFit:
    p = len(names)
    coef = np.full(p, np.nan) if beta is None else beta
    return FineGrayFit(
        tuple(names),
        coef,
        np.full((p, p), np.nan),
        np.nan,
        iterations,
        False,
        n,
        events,
        competing,
        "not_estimable",
        note,
    )


def _newton(data: _Data, p: int, max_iter: int, gtol: float):
    """crr's Newton iterations: (coef, risk sums at coef, steps, converged, why not)."""
    beta = np.zeros(p)
    for iterations in range(max_iter + 1):
        sums = _risk_sums(data, beta)
        objective = -sums.loglik
        if np.max(np.abs(sums.score) * np.maximum(np.abs(beta), 1.0)) < (
            max(abs(objective), 1.0) * gtol
        ):
            return beta, sums, iterations, True, ""
        if iterations == max_iter:
            break
        try:
            step = np.linalg.solve(sums.information, sums.score)
        except np.linalg.LinAlgError:
            return beta, sums, iterations, False, "the information matrix is singular"
        for _ in range(MAX_HALVINGS + 1):
            trial = -_risk_sums(data, beta + step, information=False).loglik
            if np.isfinite(trial) and trial <= objective - ARMIJO * float(step @ sums.score):
                break
            step = step / 2
        else:
            return beta, sums, iterations, False, "no Newton step improved the likelihood"
        beta = beta + step
    return (
        beta,
        sums,
        max_iter,
        False,
        f"the Fine-Gray fit did not converge in {max_iter} Newton steps (a group without "
        "events, or a coefficient running to infinity)",
    )


def fine_gray(
    time, cause, x, names=None, *, max_iter: int = MAX_ITER, gtol: float = GTOL
) -> FineGrayFit:
    """Fit ``crr(time, cause, cov1 = x)`` (failcode 1, cencode 0, one censoring group).

    A fit that does not converge in ``max_iter`` Newton steps, or whose step cannot be
    halved into an improvement, is returned ``not_estimable`` with the reason.
    """
    t, c = competing_arrays(time, cause)
    values = np.asarray(x, dtype=float)
    values = values.reshape(t.size, -1) if values.ndim < 2 else values
    if values.shape[0] != t.size:
        raise SurvivalDataError(f"x has {values.shape[0]} rows for {t.size} times")
    if not np.all(np.isfinite(values)):
        raise SurvivalDataError("x has missing or infinite values; drop those patients first")
    p = values.shape[1]
    names = tuple(names) if names is not None else tuple(f"x{i + 1}" for i in range(p))
    counts = (t.size, int((c == EVENT).sum()), int((c == COMPETING).sum()))
    if counts[1] == 0:
        return _not_estimable(names, *counts, "no event of interest")
    data = _prepare(t, c, values)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        beta, sums, iterations, converged, why = _newton(data, p, max_iter, gtol)
        if not converged:
            return _not_estimable(names, *counts, why, iterations=iterations)
        try:
            bread = np.linalg.inv(sums.information)
        except np.linalg.LinAlgError:
            return _not_estimable(names, *counts, "the information matrix is singular")
        var = bread @ _sandwich_meat(data, sums) @ bread.T
    if not np.all(np.isfinite(var)) or np.any(np.diag(var) <= 0):
        return _not_estimable(names, *counts, "the sandwich variance is not finite")
    return FineGrayFit(names, beta, var, sums.loglik, iterations, True, *counts, "ok", "")
