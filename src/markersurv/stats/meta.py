"""Inverse-variance meta-analysis of log hazard ratios, as R's ``metafor::rma`` (metafor 3.8).

``random_effects`` pools per-study estimates with a fixed-effect (``"FE"``) or random-effects
model whose between-study variance tau^2 is estimated by DerSimonian-Laird (``"DL"``) or
restricted maximum likelihood (``"REML"``, Fisher scoring with metafor's defaults: start at the
Hedges estimate, step halving at the tau^2 >= 0 bound, stop when tau^2 changes by at most
1e-5, give up after 100 iterations, and fall back to tau^2 = 0 when the fitted value has a
lower likelihood than tau^2 = 0). Tests are Wald z or Knapp-Hartung t; heterogeneity is
Cochran's Q, I^2 and H^2 as metafor defines them; the prediction interval is the one
``predict(rma(...))`` prints.

Where metafor stops with an error (Fisher scoring not converging) the result has status
``not_estimable`` and NaN numbers; where metafor warns (fallback to tau^2 = 0, Knapp-Hartung
with a fixed-effect model or a zero scale factor) the status is ``warning`` and ``note`` says
why.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
from scipy.stats import chi2, norm, t

Method = Literal["REML", "DL", "FE"]
Test = Literal["z", "knha"]
METHODS: tuple[str, ...] = ("REML", "DL", "FE")
TESTS: tuple[str, ...] = ("z", "knha")

# metafor's rma() control defaults.
REML_THRESHOLD = 1e-5
REML_MAX_ITER = 100
LL0_TOLERANCE = float(np.finfo(float).eps ** 0.25)


class MetaAnalysisError(ValueError):
    """Study estimates cannot be pooled as given (mismatched lengths, non-positive SEs)."""


@dataclass(frozen=True)
class MetaResult:
    """A pooled estimate with heterogeneity statistics and prediction interval.

    Attributes
    ----------
    k : int
        Studies pooled (after dropping pairs with a missing estimate or SE).
    method, test : str
        tau^2 estimator (REML, DL, FE) and test (z or knha).
    level : float
        Confidence level of the intervals.
    estimate, se : float
        Pooled log hazard ratio and its standard error (Knapp-Hartung scaled for knha).
    statistic, df : float
        z (df NaN) or t statistic with k - 1 degrees of freedom.
    p, ci_lower, ci_upper : float
        Two-sided p-value and confidence limits of the pooled log hazard ratio.
    tau2, tau2_se : float
        Between-study variance and its standard error (0 and NaN for FE).
    i2, h2 : float
        I^2 in percent and H^2, as metafor reports them.
    q_stat, q_df, q_p : float
        Cochran's Q test of heterogeneity.
    pi_lower, pi_upper : float
        Prediction interval for the true effect in a new study (NaN for FE, as metafor).
    iterations : int
        Fisher scoring iterations (0 for non-iterative estimators).
    status : str
        ``ok``, ``warning`` or ``not_estimable``.
    note : str
        Why the status is not ``ok`` (empty otherwise).
    """

    k: int
    method: str
    test: str
    level: float
    estimate: float = np.nan
    se: float = np.nan
    statistic: float = np.nan
    df: float = np.nan
    p: float = np.nan
    ci_lower: float = np.nan
    ci_upper: float = np.nan
    tau2: float = np.nan
    tau2_se: float = np.nan
    i2: float = np.nan
    h2: float = np.nan
    q_stat: float = np.nan
    q_df: float = np.nan
    q_p: float = np.nan
    pi_lower: float = np.nan
    pi_upper: float = np.nan
    iterations: int = 0
    status: str = "ok"
    note: str = ""

    def to_dict(self) -> dict:
        """The fields as a plain dict (one row of a tidy table)."""
        return asdict(self)


def projection(weights: np.ndarray, design: np.ndarray | None = None) -> np.ndarray:
    """P = W - W X (X'WX)^-1 X'W, the residual projection of weighted least squares on the
    design X (the intercept alone when ``design`` is None), as metafor's rma.uni forms it."""
    if design is None:
        return np.diag(weights) - np.outer(weights, weights) / weights.sum()
    wx = design * weights[:, None]
    return np.diag(weights) - wx @ np.linalg.solve(design.T @ wx, wx.T)


def reml_loglik(y: np.ndarray, v: np.ndarray, design: np.ndarray) -> float:
    """Restricted log-likelihood at marginal variances ``v`` (metafor's ll0 check form)."""
    w = 1 / v
    xwx = design.T @ (design * w[:, None])
    beta = np.linalg.solve(xwx, design.T @ (w * y))
    rss = np.sum(w * (y - design @ beta) ** 2)
    k, p = design.shape
    return float(
        -0.5 * (k - p) * np.log(2 * np.pi)
        - 0.5 * np.sum(np.log(v))
        - 0.5 * np.linalg.slogdet(xwx)[1]
        - 0.5 * rss
    )


def tau2_reml(
    y: np.ndarray,
    v: np.ndarray,
    threshold: float,
    max_iter: int,
    design: np.ndarray | None = None,
    step: float = 1.0,
) -> tuple[float, int, bool, str]:
    """REML tau^2 by Fisher scoring from the Hedges start, as metafor's rma.uni: of the
    intercept-only model, or of the meta-regression on ``design`` (k x p, with intercept).
    ``step`` scales each Fisher scoring step (metafor's ``control = list(stepadj = ...)``).

    Returns tau^2, the iterations, whether scoring converged, and a note where tau^2 was set
    to 0 because the fitted value has a lower likelihood than tau^2 = 0.
    """
    k = y.size
    x = np.ones((k, 1)) if design is None else design
    p = x.shape[1]
    yc = y - y.mean()
    residual_ols = np.eye(k) - x @ np.linalg.solve(x.T @ x, x.T)
    rss_ols = yc @ residual_ols @ yc
    tau2 = max(0.0, (rss_ols - np.trace(residual_ols * v)) / (k - p))
    iterations = 0
    change = threshold + 1
    while change > threshold:
        iterations += 1
        old = tau2
        proj = projection(1 / (v + tau2), design)
        py = proj @ yc
        adj = step * (py @ py - np.trace(proj)) / np.sum(proj * proj)
        if np.isnan(adj):
            adj = 0.0
        while tau2 + adj < 0:
            adj /= 2
        tau2 = tau2 + adj
        change = abs(old - tau2)
        if iterations > max_iter:
            return np.nan, iterations, False, ""
    note = ""
    ll0 = reml_loglik(yc, v, x)
    ll = reml_loglik(yc, v + tau2, x)
    if ll0 - ll > LL0_TOLERANCE and tau2 > threshold:
        note = (
            "Fisher scoring stopped at a local maximum with a lower likelihood than tau2 = 0; "
            "tau2 set to 0 (as metafor)"
        )
        tau2 = 0.0
    return max(0.0, tau2), iterations, True, note


# Complexity over the limit: metafor's rma steps in their order: tau2 estimator, weights, Knapp-
# Hartung, prediction interval.
def random_effects(  # noqa: C901
    yi,
    sei,
    *,
    method: Method = "REML",
    test: Test = "z",
    level: float = 0.95,
    threshold: float = REML_THRESHOLD,
    max_iter: int = REML_MAX_ITER,
    step: float = 1.0,
) -> MetaResult:
    """Pool study log hazard ratios by inverse-variance weighting.

    Parameters
    ----------
    yi, sei : array-like
        Study estimates (log hazard ratios) and their standard errors. Pairs with a missing
        value in either are dropped, as metafor does, and counted in ``note``.
    method : {"REML", "DL", "FE"}
        Between-study variance estimator; FE assumes tau^2 = 0.
    test : {"z", "knha"}
        Wald z test, or the Knapp-Hartung t test with k - 1 degrees of freedom (also used for
        the confidence and prediction intervals).
    level : float
        Confidence level, in (0, 1).
    threshold, max_iter : float, int
        REML convergence criterion on the change in tau^2, and the iteration limit.
    step : float
        Scale of each REML Fisher scoring step (1, as metafor's default ``stepadj``).

    Returns
    -------
    MetaResult
        With ``status="not_estimable"`` for k = 0 or non-converged REML, ``"warning"`` for a
        single study (returned as is, Wald interval, no heterogeneity) and for the cases
        where metafor warns.

    Raises
    ------
    MetaAnalysisError
        When lengths differ or a standard error is zero or negative.

    References
    ----------
    DerSimonian R, Laird N (1986). Meta-analysis in clinical trials. Controlled Clinical
    Trials 7:177-188.
    Viechtbauer W (2005). Bias and efficiency of meta-analytic variance estimators in the
    random-effects model. Journal of Educational and Behavioral Statistics 30:261-293.
    Knapp G, Hartung J (2003). Improved tests for a random effects meta-regression with a
    single covariate. Statistics in Medicine 22:2693-2710.
    Higgins JPT, Thompson SG (2002). Quantifying heterogeneity in a meta-analysis.
    Statistics in Medicine 21:1539-1558.
    Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. Journal of
    Statistical Software 36(3):1-48.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; found {method!r}")
    if test not in TESTS:
        raise ValueError(f"test must be one of {TESTS}; found {test!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1); found {level!r}")
    y_all = np.asarray(yi, dtype=float).ravel()
    se_all = np.asarray(sei, dtype=float).ravel()
    if y_all.size != se_all.size:
        raise MetaAnalysisError(
            f"yi and sei must have the same length; found {y_all.size} and {se_all.size}"
        )
    keep = np.isfinite(y_all) & np.isfinite(se_all)
    y, se = y_all[keep], se_all[keep]
    if (se <= 0).any():
        raise MetaAnalysisError(
            f"standard errors must be positive; found {se[se <= 0][0]!r} (study "
            f"{int(np.flatnonzero(keep)[np.argmax(se <= 0)])}): a study whose fit failed "
            "should be left out, not given zero variance"
        )
    notes = []
    dropped = int((~keep).sum())
    if dropped:
        notes.append(f"{dropped} studies with a missing estimate or SE dropped")
    k = y.size
    base = {"k": k, "method": method, "test": test, "level": level}
    alpha = 1 - level
    if k == 0:
        return MetaResult(**base, status="not_estimable", note="; ".join([*notes, "no studies"]))
    if k == 1:
        crit = norm.isf(alpha / 2)
        notes.append("single study: returned as is with its Wald interval; no pooling")
        return MetaResult(
            **base,
            estimate=float(y[0]),
            se=float(se[0]),
            statistic=float(y[0] / se[0]),
            p=float(2 * norm.sf(abs(y[0] / se[0]))),
            ci_lower=float(y[0] - crit * se[0]),
            ci_upper=float(y[0] + crit * se[0]),
            status="warning",
            note="; ".join(notes),
        )
    v = se**2
    w_fe = 1 / v
    p_fe = projection(w_fe)
    yc = y - y.mean()
    q_stat = max(0.0, float(yc @ p_fe @ yc))
    tr_p_fe = float(np.trace(p_fe))
    iterations = 0
    tau2_se = np.nan
    if method == "FE":
        tau2 = 0.0
    elif method == "DL":
        tau2 = max(0.0, (q_stat - (k - 1)) / tr_p_fe)
        tau2_se = np.sqrt(
            (2 * (k - 1) + 4 * tau2 * tr_p_fe + 2 * tau2**2 * np.sum(p_fe * p_fe)) / tr_p_fe**2
        )
    else:
        tau2, iterations, converged, note = tau2_reml(y, v, threshold, max_iter, step=step)
        if not converged:
            notes.append(f"REML Fisher scoring did not converge in {max_iter} iterations")
            return MetaResult(
                **base, iterations=iterations, status="not_estimable", note="; ".join(notes)
            )
        if note:
            notes.append(note)
        p_re = projection(1 / (v + tau2))
        tau2_se = np.sqrt(2 / np.sum(p_re * p_re))
    w = 1 / (v + tau2)
    estimate = np.sum(w * y) / w.sum()
    var_estimate = 1 / w.sum()
    if test == "knha":
        if method == "FE":
            notes.append("Knapp-Hartung test is not meant for fixed-effect models")
        rss = np.sum(w * (y - estimate) ** 2)
        if rss <= np.finfo(float).eps:
            notes.append("Knapp-Hartung scale factor is 0 (identical estimates): SE is 0")
            scale = 0.0
        else:
            scale = rss / (k - 1)
        var_estimate *= scale
        df = float(k - 1)
        crit = t.isf(alpha / 2, df)
    else:
        df = np.nan
        crit = norm.isf(alpha / 2)
    se_estimate = np.sqrt(var_estimate)
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = estimate / se_estimate
    p = 2 * (t.sf(abs(statistic), df) if test == "knha" else norm.sf(abs(statistic)))
    typical_v = (k - 1) / tr_p_fe
    if method == "FE":
        with np.errstate(divide="ignore", invalid="ignore"):
            i2 = max(0.0, 100 * (q_stat - (k - 1)) / q_stat) if q_stat > 0 else 0.0
        h2 = q_stat / (k - 1)
        pi_lower = pi_upper = np.nan
    else:
        i2 = 100 * tau2 / (typical_v + tau2)
        h2 = tau2 / typical_v + 1
        half = crit * np.sqrt(var_estimate + tau2)
        pi_lower, pi_upper = estimate - half, estimate + half
    return MetaResult(
        **base,
        estimate=float(estimate),
        se=float(se_estimate),
        statistic=float(statistic),
        df=df,
        p=float(p),
        ci_lower=float(estimate - crit * se_estimate),
        ci_upper=float(estimate + crit * se_estimate),
        tau2=float(tau2),
        tau2_se=float(tau2_se),
        i2=float(i2),
        h2=float(h2),
        q_stat=q_stat,
        q_df=float(k - 1),
        q_p=float(chi2.sf(q_stat, k - 1)),
        pi_lower=float(pi_lower),
        pi_upper=float(pi_upper),
        iterations=iterations,
        status="warning" if notes else "ok",
        note="; ".join(notes),
    )
