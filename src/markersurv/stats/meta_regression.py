"""Mixed-effects meta-regression of log hazard ratios on a study-level moderator, as R's
``metafor::rma(yi, sei = sei, mods = ~ moderator, method, test)`` (metafor 3.8).

The model is ``y_i = x_i' beta + u_i + e_i`` with ``e_i ~ N(0, se_i^2)`` and residual
between-study variance ``u_i ~ N(0, tau^2)``; ``beta`` is estimated by weighted least squares
with weights ``1 / (se_i^2 + tau^2)``. The residual tau^2 is estimated by REML (Fisher scoring,
as :func:`markersurv.stats.meta.tau2_reml`) or DerSimonian-Laird, or fixed at 0 (``"FE"``).

The omnibus moderator test QM is the Wald test that every coefficient but the intercept is 0:
a chi-square with as many degrees of freedom as moderator coefficients for the z test; for the
Knapp-Hartung test the coefficients' covariance is scaled by the weighted residual sum of
squares over k - p, and QM (divided by the number of moderator coefficients) is an F with
(m, k - p) degrees of freedom, each coefficient a t with k - p. R^2 is metafor's pseudo R^2
in percent: ``max(0, 100 * (tau2_0 - tau2) / tau2_0)``, tau2_0 the same estimator's tau^2 without
moderators (0 where tau2_0 is 0). QE is the test of residual heterogeneity (fixed-effect
weights, k - p degrees of freedom).

:func:`subgroup_difference` is the test of subgroup differences: the fixed-effect
(common-effect within subgroups) Q between subgroups, ``rma(yi, sei, mods = ~ factor(group),
method = "FE")``'s QM with (number of subgroups - 1) degrees of freedom. With one estimate per
subgroup it is Cochran's Q of the subgroup estimates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy.stats import chi2, f, norm, t

from markersurv.stats.meta import (
    METHODS,
    REML_MAX_ITER,
    REML_THRESHOLD,
    TESTS,
    MetaAnalysisError,
    Method,
    Test,
    projection,
    random_effects,
    tau2_reml,
)

INTERCEPT = "intercept"


@dataclass(frozen=True)
class ModeratorDesign:
    """The columns a moderator adds to the intercept: one indicator per level but the
    reference (categorical, levels in sorted order as R's ``factor``), or its values
    (continuous).

    Attributes
    ----------
    matrix : ndarray
        k x p design, intercept first.
    terms : tuple of str
        Column names: ``intercept``, then the non-reference levels or the moderator's name.
    reference : str
        The reference level (empty for a continuous moderator).
    levels : tuple of str
        Every level, reference first (empty for a continuous moderator).
    """

    matrix: np.ndarray
    terms: tuple[str, ...]
    reference: str = ""
    levels: tuple[str, ...] = ()


def categorical_design(values: Sequence[str], reference: str | None = None) -> ModeratorDesign:
    """Intercept and treatment-contrast indicators, as ``mods = ~ relevel(factor(x), ref)``.

    >>> design = categorical_design(["b", "a", "c", "a"])
    >>> design.terms, design.reference
    (('intercept', 'b', 'c'), 'a')
    >>> design.matrix[:, 1].tolist()
    [1.0, 0.0, 0.0, 0.0]
    """
    labels = [str(v) for v in values]
    levels = sorted(set(labels))
    if reference is None:
        reference = levels[0] if levels else ""
    elif reference not in levels:
        raise ValueError(f"reference level {reference!r} is not among the levels {levels}")
    others = [level for level in levels if level != reference]
    matrix = np.column_stack(
        [np.ones(len(labels))] + [[float(v == level) for v in labels] for level in others]
    )
    return ModeratorDesign(matrix, (INTERCEPT, *others), reference, (reference, *others))


def continuous_design(values: Sequence[float], name: str) -> ModeratorDesign:
    """Intercept and slope on the moderator, as ``mods = ~ x``."""
    x = np.asarray(values, dtype=float)
    return ModeratorDesign(np.column_stack([np.ones(x.size), x]), (INTERCEPT, name))


@dataclass(frozen=True)
class MetaRegressionResult:
    """A fitted meta-regression: coefficients with tests, moderator and residual tests.

    Attributes
    ----------
    k, p : int
        Estimates in the model and coefficients (intercept included).
    method, test : str
        tau^2 estimator (REML, DL, FE) and test (z or knha).
    terms : tuple of str
        Coefficient names, intercept first.
    estimate, se, statistic, p_value, ci_lower, ci_upper : tuple of float
        Coefficients (differences in log hazard ratio per level or per unit), their SEs
        (Knapp-Hartung scaled for knha), z or t statistics, two-sided p values and limits.
    df_residual : float
        k - p: the t and F denominator degrees of freedom for knha (NaN for z).
    qm, qm_df, qm_p : float
        Omnibus test of the moderator coefficients (chi-square, or F with (qm_df,
        df_residual)).
    qe, qe_df, qe_p : float
        Test of residual heterogeneity.
    tau2, tau2_without, r2 : float
        Residual tau^2, tau^2 of the model without moderators, pseudo R^2 in percent (NaN for
        FE).
    status, note : str
        ``ok``, ``warning`` or ``not_estimable``, and why.
    """

    k: int
    p: int
    method: str
    test: str
    level: float
    terms: tuple[str, ...] = ()
    estimate: tuple[float, ...] = ()
    se: tuple[float, ...] = ()
    statistic: tuple[float, ...] = ()
    p_value: tuple[float, ...] = ()
    ci_lower: tuple[float, ...] = ()
    ci_upper: tuple[float, ...] = ()
    df_residual: float = np.nan
    qm: float = np.nan
    qm_df: float = np.nan
    qm_p: float = np.nan
    qe: float = np.nan
    qe_df: float = np.nan
    qe_p: float = np.nan
    tau2: float = np.nan
    tau2_without: float = np.nan
    r2: float = np.nan
    iterations: int = 0
    status: str = "ok"
    note: str = ""


def _floats(values) -> tuple[float, ...]:
    return tuple(float(v) for v in np.asarray(values, dtype=float).ravel())


# Fisher scoring steps scaled by this where full steps do not converge (metafor's
# control = list(stepadj = 0.5)): a safer step before giving up.
SAFER_STEP = 0.5


def _residual_tau2(y, v, x, method, threshold, max_iter) -> tuple[float, int, bool, str, float]:
    """tau^2 of the residual heterogeneity: 0 (FE), DerSimonian-Laird or REML (full steps,
    then half steps where full ones do not converge); and the REML step used."""
    if method == "FE":
        return 0.0, 0, True, "", 1.0
    if method == "DL":
        k, p = x.shape
        proj = projection(1 / v, x)
        return max(0.0, (float(y @ proj @ y) - (k - p)) / np.trace(proj)), 0, True, "", 1.0
    for step in (1.0, SAFER_STEP):
        tau2, iterations, converged, note = tau2_reml(y, v, threshold, max_iter, x, step)
        if converged:
            break
    if converged and step != 1.0:
        note = "; ".join(
            filter(None, [f"REML converged with Fisher scoring steps scaled by {step}", note])
        )
    return tau2, iterations, converged, note, step


# Complexity over the limit: metafor's rma steps in their order: checks, tau2, weighted least
# squares, Knapp-Hartung scaling, moderator test, residual heterogeneity, R^2.
def meta_regression(  # noqa: C901
    yi,
    sei,
    design: ModeratorDesign,
    *,
    method: Method = "REML",
    test: Test = "knha",
    level: float = 0.95,
    threshold: float = REML_THRESHOLD,
    max_iter: int = REML_MAX_ITER,
) -> MetaRegressionResult:
    """Fit ``rma(yi, sei = sei, mods = ~ moderator, method = method, test = test)``.

    Parameters
    ----------
    yi, sei : array-like
        Study estimates (log hazard ratios) and standard errors; pairs with a missing value
        are dropped (with their design rows) and counted in ``note``.
    design : ModeratorDesign
        From :func:`categorical_design` or :func:`continuous_design`, one row per study.
    method : {"REML", "DL", "FE"}
        Residual tau^2 estimator.
    test : {"z", "knha"}
        Wald z and chi-square tests, or Knapp-Hartung t and F tests.
    level : float
        Confidence level of the coefficient intervals.

    Returns
    -------
    MetaRegressionResult
        ``not_estimable`` where metafor refuses the model (more coefficients than k - 1 for a
        random-effects model, k for FE), where the design is not of full rank (a level without
        estimates, a moderator that does not vary), and where REML converges neither with full
        nor with half Fisher scoring steps (a refit with half steps says so in ``note``).

    References
    ----------
    Knapp G, Hartung J (2003). Improved tests for a random effects meta-regression with a
    single covariate. Statistics in Medicine 22:2693-2710.
    Raudenbush SW (2009). Analyzing effect sizes: random-effects models. In Cooper H, Hedges
    LV, Valentine JC (eds), The Handbook of Research Synthesis and Meta-Analysis, 2nd ed.
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
    if not y_all.size == se_all.size == design.matrix.shape[0]:
        raise MetaAnalysisError(
            f"yi, sei and the design must have one row per study; found {y_all.size}, "
            f"{se_all.size} and {design.matrix.shape[0]}"
        )
    keep = np.isfinite(y_all) & np.isfinite(se_all) & np.isfinite(design.matrix).all(axis=1)
    y, se, x = y_all[keep], se_all[keep], design.matrix[keep]
    if (se <= 0).any():
        raise MetaAnalysisError(
            f"standard errors must be positive; found {se[se <= 0][0]!r}: a study whose fit "
            "failed should be left out, not given zero variance"
        )
    notes = []
    if (~keep).any():
        dropped = int((~keep).sum())
        notes.append(f"{dropped} studies with a missing estimate, SE or moderator dropped")
    k, p = x.shape
    base = {"k": k, "p": p, "method": method, "test": test, "level": level}
    needed = p if method == "FE" else p + 1
    if k < needed:
        notes.append(
            f"{p} coefficients need at least {needed} estimates ({k} given)"
            + ("" if method == "FE" else ": tau2 needs one more")
        )
        return MetaRegressionResult(**base, status="not_estimable", note="; ".join(notes))
    if np.linalg.matrix_rank(x) < p:
        notes.append(
            "the moderator's design is not of full rank (a level without estimates, or a "
            "moderator that does not vary)"
        )
        return MetaRegressionResult(**base, status="not_estimable", note="; ".join(notes))
    v = se**2
    tau2, iterations, converged, tau2_note, step = _residual_tau2(
        y, v, x, method, threshold, max_iter
    )
    if not converged:
        notes.append(
            f"REML Fisher scoring did not converge in {max_iter} iterations, with full or "
            "half steps"
        )
        return MetaRegressionResult(
            **base, iterations=iterations, status="not_estimable", note="; ".join(notes)
        )
    if tau2_note:
        notes.append(tau2_note)
    w = 1 / (v + tau2)
    xw = x * w[:, None]
    vb = np.linalg.inv(x.T @ xw)
    beta = vb @ (xw.T @ y)
    df_residual = float(k - p)
    if test == "knha":
        if method == "FE":
            notes.append("Knapp-Hartung test is not meant for fixed-effect models")
        rss = float(np.sum(w * (y - x @ beta) ** 2))
        if rss <= np.finfo(float).eps:
            notes.append("Knapp-Hartung scale factor is 0 (a perfect fit): SEs are 0")
            scale = 0.0
        else:
            scale = rss / df_residual
        vb = vb * scale
    se_beta = np.sqrt(np.diag(vb))
    moderators = slice(1, p)
    m = p - 1
    try:
        qm = float(beta[moderators] @ np.linalg.solve(vb[moderators, moderators], beta[moderators]))
    except np.linalg.LinAlgError:
        qm = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = beta / se_beta
    if test == "knha":
        qm = qm / m
        qm_p = float(f.sf(qm, m, df_residual)) if df_residual > 0 else np.nan
        p_values = 2 * t.sf(np.abs(statistic), df_residual)
        crit = t.isf((1 - level) / 2, df_residual)
    else:
        qm_p = float(chi2.sf(qm, m))
        p_values = 2 * norm.sf(np.abs(statistic))
        crit = norm.isf((1 - level) / 2)
        df_residual = np.nan
    if k > p:
        proj_fe = projection(1 / v, x)
        qe = max(0.0, float(y @ proj_fe @ y))
        qe_p = float(chi2.sf(qe, k - p))
    else:
        qe, qe_p = 0.0, 1.0
    tau2_without = r2 = np.nan
    if method != "FE":
        without = random_effects(y, se, method=method, test=test, level=level, step=step)
        if without.status != "not_estimable":
            tau2_without = without.tau2
            r2 = 0.0 if tau2_without == 0 else max(0.0, 100 * (tau2_without - tau2) / tau2_without)
    return MetaRegressionResult(
        **base,
        terms=design.terms,
        estimate=_floats(beta),
        se=_floats(se_beta),
        statistic=_floats(statistic),
        p_value=_floats(p_values),
        ci_lower=_floats(beta - crit * se_beta),
        ci_upper=_floats(beta + crit * se_beta),
        df_residual=df_residual,
        qm=qm,
        qm_df=float(m),
        qm_p=qm_p,
        qe=qe,
        qe_df=float(k - p),
        qe_p=qe_p,
        tau2=float(tau2),
        tau2_without=float(tau2_without),
        r2=float(r2),
        iterations=iterations,
        status="warning" if notes else "ok",
        note="; ".join(notes),
    )


def subgroup_difference(yi, sei, groups: Sequence[str]) -> MetaRegressionResult:
    """Test of subgroup differences: fixed-effect Q between subgroups, df = subgroups - 1.

    Each subgroup's estimates are pooled with fixed-effect weights and the subgroup means are
    compared: ``rma(yi, sei = sei, mods = ~ factor(group), method = "FE")``'s QM and QMp
    (``qm``, ``qm_df``, ``qm_p``). With one estimate per subgroup, as for the per-cancer-type
    estimates, it equals Cochran's Q across the subgroups (QE of ``rma(yi, sei,
    method = "FE")``). ``not_estimable`` with fewer than two subgroups.

    References
    ----------
    Borenstein M, Hedges LV, Higgins JPT, Rothstein HR (2009). Introduction to Meta-Analysis.
    Wiley. (Subgroup analyses: the Q test between subgroups, fixed-effect model.)
    """
    y = np.asarray(yi, dtype=float).ravel()
    se = np.asarray(sei, dtype=float).ravel()
    labels = np.asarray([str(g) for g in groups], dtype=object)
    if not y.size == se.size == labels.size:
        raise MetaAnalysisError(
            f"yi, sei and groups must have one entry per study; found {y.size}, {se.size} "
            f"and {labels.size}"
        )
    keep = np.isfinite(y) & np.isfinite(se)
    design = categorical_design(list(labels[keep]))
    if len(design.levels) < 2:
        return MetaRegressionResult(
            k=len(design.matrix),
            p=len(design.terms),
            method="FE",
            test="z",
            level=0.95,
            status="not_estimable",
            note=f"{len(design.levels)} subgroup(s): a test of differences needs at least 2",
        )
    result = meta_regression(y[keep], se[keep], design, method="FE", test="z")
    dropped = int((~keep).sum())
    if not dropped:
        return result
    note = "; ".join([f"{dropped} studies with a missing estimate or SE dropped", result.note])
    status = "not_estimable" if result.status == "not_estimable" else "warning"
    return replace(result, status=status, note=note.rstrip("; "))
