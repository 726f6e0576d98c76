"""Multiple imputation of missing covariates for the adjusted Cox model.

Covariates are imputed by chained equations (scikit-learn's IterativeImputer drawing from the
posterior predictive distribution), with the event indicator and the Nelson-Aalen cumulative
hazard at each patient's time in the imputation model, as White and Royston recommend; m
completed datasets are each fitted and combined by Rubin's rules with Barnard-Rubin-free
(Rubin 1987) degrees of freedom.

References
----------
White IR, Royston P. Imputing missing covariate values for the Cox model. Stat Med
2009;28:1982-1998.
Rubin DB. Multiple Imputation for Nonresponse in Surveys. Wiley, 1987.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.stats import t as student_t

from markersurv.analysis.cox_models import COX_COLUMNS
from markersurv.config.settings import AnalysisSettings
from markersurv.stats.cox.fit import fit_cox


def nelson_aalen_at(time: np.ndarray, event: np.ndarray) -> np.ndarray:
    """Nelson-Aalen cumulative hazard evaluated at each patient's own time."""
    order = np.argsort(time, kind="mergesort")
    t, e = time[order], event[order]
    unique, first = np.unique(t, return_index=True)
    at_risk = len(t) - first
    deaths = np.add.reduceat(e, first)
    hazard = np.cumsum(deaths / at_risk)
    return hazard[np.searchsorted(unique, time)]


def rubin(coefs: np.ndarray, variances: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pooled estimate, total variance and Rubin's degrees of freedom per term."""
    m = len(coefs)
    estimate = coefs.mean(axis=0)
    within = variances.mean(axis=0)
    between = coefs.var(axis=0, ddof=1)
    total = within + (1 + 1 / m) * between
    with np.errstate(divide="ignore"):
        ratio = np.where(between > 0, within / ((1 + 1 / m) * between), np.inf)
    df = (m - 1) * (1 + ratio) ** 2
    return estimate, total, df


# Complexity over the limit: one pass per imputation, then Rubin's rules per term, each with its
# status.
def imputed_adjusted_rows(  # noqa: C901
    time: np.ndarray,
    event: np.ndarray,
    X: pd.DataFrame,
    strata,
    settings: AnalysisSettings,
    imputable: dict[str, bool],
    entry: np.ndarray | None = None,
) -> list[dict]:
    """cox.tsv rows of the adjusted model under multiple imputation of the covariates.

    Only the ``imputable`` columns are imputed (those marked True as binary, rounded to 0 or
    1); patients without a value of another column (the marker, a covariate of more than two
    levels) are left out, as in the complete-case model. With ``entry`` (delayed entry) the
    Cox fits use the counting-process form.
    """
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer

    imputed = [c for c in X.columns if c in imputable]
    observed = X.drop(columns=imputed).notna().all(axis=1).to_numpy()
    time, event, X = time[observed], event[observed], X[observed]
    entry = None if entry is None else entry[observed]
    strata = None if strata is None else np.asarray(strata)[observed]
    n, events = len(time), int(event.sum())
    base = {
        "model": "adjusted",
        "cut_method": "none",
        "n": n,
        "events": events,
        "missing_data": f"multiple_imputation (m={settings.imputations})",
    }

    def refused(note: str) -> list[dict]:
        return [
            {
                **dict.fromkeys(COX_COLUMNS, np.nan),
                **base,
                "term": term,
                "status": "not_estimable",
                "note": note,
            }
            for term in X.columns
        ]

    if events < settings.min_events:
        marker = ", ".join(c for c in X.columns if c not in imputed)
        why = f": no patient has a value of {marker}" if n == 0 else ""
        return refused(f"{events} events, fewer than the minimum of {settings.min_events}{why}")
    # The imputer silently drops a column without any value, which would shift every later
    # column onto the wrong name.
    empty = [c for c in X.columns if X[c].isna().all()]
    if empty:
        return refused(f"{', '.join(empty)} missing for every patient: nothing to impute from")
    helpers = np.column_stack([event, nelson_aalen_at(time, event)])
    data = np.column_stack([X.to_numpy(dtype=float), helpers])
    coefs: list[np.ndarray] = []
    variances: list[np.ndarray] = []
    notes: set[str] = set()
    term_notes: dict[str, set[str]] = {}
    for i in range(settings.imputations):
        imputer = IterativeImputer(
            sample_posterior=True, random_state=settings.seed + i, max_iter=10
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            completed = imputer.fit_transform(data)[:, : X.shape[1]]
        notes.update(str(w.message).split(".")[0] for w in caught)
        for j, name in enumerate(X.columns):
            if imputable.get(name, False):
                completed[:, j] = np.clip(np.round(completed[:, j]), 0, 1)
        fit = fit_cox(
            time,
            event,
            pd.DataFrame(completed, columns=X.columns),
            strata=strata,
            ties=settings.ties,
            entry=entry,
        )
        if fit.status == "not_estimable":
            notes.add(f"imputation {i + 1}: {fit.note}")
            continue
        coefs.append(fit.coef)
        variances.append(np.diag(fit.var))
        for name, status, why in zip(X.columns, fit.term_status, fit.term_note, strict=True):
            if status == "not_estimable":
                term_notes.setdefault(name, set()).add(why)
    if len(coefs) < 2:
        return refused("; ".join(sorted(notes)))
    estimate, total, df = rubin(np.array(coefs), np.array(variances))
    se = np.sqrt(total)
    q = student_t.ppf(0.5 + settings.conf_level / 2, df)
    z = estimate / se
    p = 2 * student_t.sf(np.abs(z), df)
    note = "; ".join([f"Rubin's rules over {len(coefs)} imputations", *sorted(notes)])
    rows = []
    for j, term in enumerate(X.columns):
        if term in term_notes:
            # A term not estimable in some completed dataset (a constant or collinear
            # covariate, a coefficient running off to infinity) has no pooled estimate.
            rows.append(
                {
                    **dict.fromkeys(COX_COLUMNS, np.nan),
                    **base,
                    "term": term,
                    "status": "not_estimable",
                    "note": "; ".join([*sorted(term_notes[term]), note]),
                }
            )
            continue
        rows.append(
            {
                **dict.fromkeys(COX_COLUMNS, np.nan),
                **base,
                "term": term,
                "coef": estimate[j],
                "se": se[j],
                "hr": np.exp(estimate[j]),
                "hr_lower": np.exp(estimate[j] - q[j] * se[j]),
                "hr_upper": np.exp(estimate[j] + q[j] * se[j]),
                "z": z[j],
                "p": p[j],
                "status": "warning" if len(coefs) < settings.imputations else "ok",
                "note": note,
            }
        )
    return rows
