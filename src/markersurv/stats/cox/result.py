"""The result of a Cox fit: estimates, statuses, the tests of ``summary(coxph)``, concordance."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from markersurv.stats.concordance import Concordance, concordance_index
from markersurv.stats.concordance_entry import concordance_with_entry
from markersurv.stats.light_distributions import chi2_sf_one, normal_quantile

if TYPE_CHECKING:
    import pandas as pd

Status = Literal["ok", "warning", "not_estimable"]


def frozen(values) -> np.ndarray:
    """A read-only float copy: a fit's arrays are as immutable as the fit."""
    out = np.array(values, dtype=float)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class CoxFit:
    """A fitted Cox model.

    Attributes
    ----------
    terms : tuple of str
        Covariate names (DataFrame columns, or ``x1, x2, ...``).
    coef, se : numpy.ndarray
        Log hazard ratios and their standard errors; NaN for terms that are not estimable.
    var : numpy.ndarray
        Covariance matrix of ``coef`` (inverse information); NaN rows and columns for terms
        that are not estimable.
    loglik, loglik_null : float
        Partial log-likelihood at the estimate and at ``coef = 0``.
    n, events : int
        Patients and events used.
    iterations : int
        Newton-Raphson iterations (likelihood evaluations after the start), over all attempts.
    converged : bool
        Whether the relative change of the log-likelihood fell below ``tol``.
    status : {"ok", "warning", "not_estimable"}
        ``not_estimable``: nothing in the fit can be trusted (no events, no convergence,
        log-likelihood below the null model's, or no estimable term); every estimate is NaN.
        ``warning``: the estimates shown are meaningful but something R would warn about
        happened (a term is aliased or may be infinite, or the fit needed damped steps).
    note : str
        Human-readable reasons behind a status other than ``ok`` (empty otherwise).
    term_status, term_note : tuple of str
        The same, per term.
    ties : {"efron", "breslow"}
    step_halvings : int
        Times a Newton step was pulled back because the log-likelihood fell.
    score_statistic : float
        Score (log-rank type) statistic at ``coef = 0``, as R's ``sctest``.
    df : int
        Non-aliased terms: the degrees of freedom of the global tests.
    linear_predictor : numpy.ndarray
        ``X @ coef`` in the input row order, uncentred (R centres it on the covariate means; the
        difference is a constant). As in R, terms that are not estimable contribute their last
        iterate: 0 for a constant or collinear column, a large value for a coefficient that ran
        off to infinity, so the ranking reflects the fit. NaN when the whole fit is not
        estimable.

    References
    ----------
    Therneau, T. M. and Grambsch, P. M. (2000). *Modeling Survival Data: Extending the Cox
    Model*. Springer, section 3.4 (Wald, score and likelihood-ratio tests).
    Therneau, T. M. (2023). survival: Survival Analysis. R package version 3.5,
    ``summary.coxph`` and ``coxph.wtest``.
    """

    terms: tuple[str, ...]
    coef: np.ndarray
    se: np.ndarray
    var: np.ndarray
    loglik: float
    loglik_null: float
    n: int
    events: int
    iterations: int
    converged: bool
    status: Status
    note: str
    term_status: tuple[str, ...]
    term_note: tuple[str, ...]
    ties: str
    step_halvings: int
    score_statistic: float
    df: int
    linear_predictor: np.ndarray = field(repr=False)
    _time: np.ndarray = field(repr=False)
    _event: np.ndarray = field(repr=False)
    _strata: np.ndarray = field(repr=False)
    _entry: np.ndarray | None = field(default=None, repr=False)

    @property
    def hr(self) -> np.ndarray:
        """Hazard ratios ``exp(coef)``."""
        return np.exp(self.coef)

    def hr_ci(self, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
        """Wald confidence limits of the hazard ratios, ``exp(coef -/+ z se)``."""
        if not 0 < level < 1:
            raise ValueError(f"level must be between 0 and 1; found {level}")
        half = normal_quantile(0.5 + level / 2) * self.se
        return np.exp(self.coef - half), np.exp(self.coef + half)

    @property
    def z(self) -> np.ndarray:
        """Wald statistics ``coef / se``."""
        return self.coef / self.se

    @property
    def p(self) -> np.ndarray:
        """Two-sided Wald p-values per term."""
        return chi2_sf_one(self.z**2)

    def _global(self, statistic: float) -> tuple[float, int, float]:
        if self.df == 0 or not np.isfinite(statistic):
            return float("nan"), self.df, float("nan")
        from scipy.stats import chi2  # only for global tests: the fit alone needs no scipy

        return float(statistic), self.df, float(chi2.sf(statistic, self.df))

    def wald_test(self) -> tuple[float, int, float]:
        """Global Wald test ``b' V^-1 b`` on the non-aliased terms: (chisq, df, p).

        NaN when the fit is not estimable or a coefficient may be infinite (the Wald statistic
        of a divergent coefficient means nothing). R's printed summary rounds this statistic to
        two decimals; its p-value, and this one, use the unrounded value.
        """
        keep = np.isfinite(self.coef)
        if self.status == "not_estimable" or keep.sum() != self.df:
            return self._global(float("nan"))
        b = self.coef[keep]
        return self._global(float(b @ np.linalg.solve(self.var[np.ix_(keep, keep)], b)))

    def lr_test(self) -> tuple[float, int, float]:
        """Likelihood-ratio test against the null model: (chisq, df, p)."""
        return self._global(2.0 * (self.loglik - self.loglik_null))

    def score_test(self) -> tuple[float, int, float]:
        """Score test at ``coef = 0`` (R's ``sctest``, the log-rank test for one binary
        covariate): (chisq, df, p)."""
        return self._global(self.score_statistic)

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """One row per term: term, coef, se, hr, hr_lower, hr_upper, z, p, status, note."""
        import pandas as pd

        lower, upper = self.hr_ci(level)
        return pd.DataFrame(
            {
                "term": list(self.terms),
                "coef": self.coef,
                "se": self.se,
                "hr": self.hr,
                "hr_lower": lower,
                "hr_upper": upper,
                "z": self.z,
                "p": self.p,
                "status": list(self.term_status),
                "note": list(self.term_note),
            }
        )

    def concordance(self) -> Concordance:
        """Harrell's concordance of the linear predictor, as R's ``concordance(fit)`` (with
        delayed entry, over the pairs of the counting-process form)."""
        if self.status == "not_estimable":
            return Concordance.not_estimable()
        if self._entry is not None:
            return concordance_with_entry(
                self._time,
                self._event,
                self.linear_predictor,
                self._entry,
                self._strata,
                timefix=False,
            )
        return concordance_index(
            self._time, self._event, self.linear_predictor, self._strata, timefix=False
        )
