"""Cox models of one dataset: design matrices built programmatically, fits, PH tests, rows.

No formula strings: every design matrix is assembled from named columns, so nothing from a
config or a data file is ever evaluated as code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from markersurv.analysis.power import detectable_hazard_ratios
from markersurv.config.settings import AnalysisSettings
from markersurv.stats.cox.fit import CoxFit, fit_cox
from markersurv.stats.km import SurvivalDataError
from markersurv.stats.zph import CoxZph, cox_zph

NAN = float("nan")
COX_COLUMNS = [
    "model",
    "cut_method",
    "term",
    "n",
    "events",
    "coef",
    "se",
    "hr",
    "hr_lower",
    "hr_upper",
    "z",
    "p",
    "lr_p",
    "wald_p",
    "score_p",
    "concordance",
    "ph_p",
    "ph_global_p",
    "min_detectable_hr",
    "events_per_parameter",
    "missing_data",
    "status",
    "note",
]


def with_note(row: dict, note: str) -> dict:
    """``row`` with ``note`` added to its notes (unchanged when ``note`` is empty)."""
    if not note:
        return row
    return {**row, "note": "; ".join(n for n in (row["note"], note) if n)}


def rcs_basis(x: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """Restricted cubic spline basis (linear term plus k-2 cubic terms), as Harrell's
    ``rcspline.eval(x, knots, inclx=TRUE, norm=2)``.

    References
    ----------
    Harrell FE. Regression Modeling Strategies, 2nd ed. Springer, 2015, section 2.4.5.
    """
    t = np.asarray(knots, dtype=float)
    k = len(t)
    scale = (t[-1] - t[0]) ** 2

    def cube(v):
        return np.maximum(v, 0.0) ** 3

    columns = [x]
    for j in range(k - 2):
        columns.append(
            (
                cube(x - t[j])
                - cube(x - t[k - 2]) * (t[k - 1] - t[j]) / (t[k - 1] - t[k - 2])
                + cube(x - t[k - 1]) * (t[k - 2] - t[j]) / (t[k - 1] - t[k - 2])
            )
            / scale
        )
    return np.column_stack(columns)


@dataclass
class ModelOutcome:
    """A fitted (or refused) model: its cox.tsv rows, ph.tsv rows, the fit itself and its
    proportional-hazards test (None where it could not be computed)."""

    rows: list[dict]
    ph_rows: list[dict]
    fit: CoxFit | None
    zph: CoxZph | None = None


def refused(
    model: str,
    terms,
    n: int,
    events: int,
    note: str,
    cut_method: str = "none",
    missing_data: str = "complete_case",
) -> ModelOutcome:
    rows = [
        {
            **dict.fromkeys(COX_COLUMNS, NAN),
            "model": model,
            "cut_method": cut_method,
            "term": term,
            "n": n,
            "events": events,
            "missing_data": missing_data,
            "status": "not_estimable",
            "note": note,
        }
        for term in terms
    ]
    return ModelOutcome(rows, [], None)


def ph_test(
    fit: CoxFit,
    time,
    event,
    X: pd.DataFrame,
    strata,
    settings: AnalysisSettings,
    terms: dict | None,
    entry: np.ndarray | None = None,
) -> tuple[CoxZph | None, str]:
    """survival 3.x cox.zph of a fit, or None with the reason it cannot be computed."""
    if not np.all(np.isfinite(fit.coef)):
        return None, "PH test not computed: a coefficient is not estimable"
    try:
        zph = cox_zph(
            time,
            event,
            X.to_numpy(dtype=float),
            fit.coef,
            strata=strata,
            transform=settings.ph_transform,
            ties=settings.ties,
            names=list(X.columns),
            terms=terms or True,
            entry=entry,
        )
    except SurvivalDataError as error:
        return None, f"PH test not computed: {error}"
    return zph, ""


def fit_model(
    model: str,
    time: np.ndarray,
    event: np.ndarray,
    X: pd.DataFrame,
    strata,
    settings: AnalysisSettings,
    *,
    report: list[str] | None = None,
    cut_method: str = "none",
    zph_terms: dict | None = None,
    entry: np.ndarray | None = None,
) -> ModelOutcome:
    """Fit one Cox model on complete rows and turn it into table rows with statuses.

    ``report`` names the terms that get cox.tsv rows (default all columns of ``X``);
    ``entry``, delayed-entry times (the counting-process form, 0 for entry at the origin).
    """
    report = list(X.columns) if report is None else report
    complete = X.notna().all(axis=1).to_numpy() & np.isfinite(time) & np.isfinite(event)
    t, e, x = time[complete], event[complete], X[complete]
    a = None if entry is None else entry[complete]
    s = None if strata is None else np.asarray(strata)[complete]
    n, events = int(complete.sum()), int(e.sum())
    if events < settings.min_events:
        why = ""
        if n == 0:
            # Say which column emptied the model (a stage never recorded, a marker without
            # a standardized value), not only that no events remained.
            empty = [c for c in X.columns if X[c].isna().all()]
            why = f": no patient has a value of {', '.join(empty or X.columns)}"
        return refused(
            model,
            report,
            n,
            events,
            f"{events} events, fewer than the minimum of {settings.min_events}{why}",
            cut_method,
        )
    fit = fit_cox(t, e, x, strata=s, ties=settings.ties, entry=a)
    summary = fit.summary(settings.conf_level).set_index("term")
    lr, wald, score = fit.lr_test(), fit.wald_test(), fit.score_test()
    concordance = fit.concordance().c
    zph, ph_note = (
        (None, "")
        if fit.status == "not_estimable"
        else ph_test(fit, t, e, x, s, settings, zph_terms, a)
    )
    ph_table = None if zph is None else zph.table
    ph_rows, global_p = [], NAN
    if ph_table is not None:
        global_p = float(ph_table.loc["GLOBAL", "p"])
        ph_rows = [
            {
                "model": model,
                "cut_method": cut_method,
                "term": term,
                # Names the model a GLOBAL row belongs to (the clinical models share keys).
                "model_terms": ",".join(X.columns),
                "chisq": r.chisq,
                "df": r.df,
                "p": r.p,
            }
            for term, r in ph_table.iterrows()
        ]
    detectable = dict(
        zip(
            x.columns,
            detectable_hazard_ratios(
                x.to_numpy(dtype=float), events, 1 - settings.conf_level, settings.power
            ),
            strict=True,
        )
    )
    per_parameter = events / x.shape[1]
    rows = []
    for term in report:
        r = summary.loc[term]
        ph_term = next(
            (
                group
                for group, cols in (zph_terms or {}).items()
                if term in [X.columns[c] for c in cols]
            ),
            term,
        )
        ph_p = (
            float(ph_table.loc[ph_term, "p"])
            if ph_table is not None and (ph_term in ph_table.index)
            else NAN
        )
        status, notes = r["status"], [n for n in (r["note"], fit.note) if n]
        if status == "not_estimable":
            values = dict.fromkeys(("coef", "se", "hr", "hr_lower", "hr_upper", "z", "p"), NAN)
        else:
            values = {k: r[k] for k in ("coef", "se", "hr", "hr_lower", "hr_upper", "z", "p")}
            if np.isfinite(ph_p) and ph_p < settings.ph_alpha:
                status = "warning"
                notes.append(
                    f"proportional hazards violated for this term (cox.zph p = {ph_p:.3g})"
                )
            elif np.isfinite(global_p) and global_p < settings.ph_alpha:
                notes.append(f"global proportional-hazards test p = {global_p:.3g}")
        if ph_note:
            notes.append(ph_note)
        if per_parameter < settings.min_events_per_parameter:
            notes.append(
                f"{per_parameter:.3g} events per parameter, below "
                f"{settings.min_events_per_parameter:g}: estimates may be biased"
            )
        rows.append(
            {
                "model": model,
                "cut_method": cut_method,
                "term": term,
                "n": n,
                "events": events,
                **values,
                "lr_p": lr[2] if fit.status != "not_estimable" else NAN,
                "wald_p": wald[2],
                "score_p": score[2],
                "concordance": concordance,
                "ph_p": ph_p,
                "min_detectable_hr": detectable.get(term, NAN),
                "events_per_parameter": per_parameter,
                "ph_global_p": global_p,
                "missing_data": "complete_case",
                "status": status,
                "note": "; ".join(dict.fromkeys(notes)),
            }
        )
    return ModelOutcome(rows, ph_rows, fit, zph)


def lr_statistic(full: CoxFit | None, reduced: CoxFit | None) -> tuple[float, int, float]:
    """Likelihood-ratio test of nested fits on the same rows: (chisq, df, p)."""
    from scipy.stats import chi2

    if full is None or reduced is None or "not_estimable" in (full.status, reduced.status):
        return NAN, 0, NAN
    df = full.df - reduced.df
    chisq = 2.0 * (full.loglik - reduced.loglik)
    return float(chisq), int(df), float(chi2.sf(max(chisq, 0.0), df)) if df > 0 else NAN
