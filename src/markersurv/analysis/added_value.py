"""Added prognostic value of a marker over the clinical covariates.

Harrell's concordance of the clinical model and of clinical + marker on the same patients,
their difference with a seeded percentile-bootstrap CI, and the likelihood-ratio test of the
marker added to the clinical model.

References
----------
Harrell FE, Lee KL, Mark DB. Multivariable prognostic models. Stat Med 1996;15:361-387.
Efron B, Tibshirani RJ. An Introduction to the Bootstrap. Chapman & Hall, 1993 (ch. 13).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from markersurv.analysis.cox_models import lr_statistic
from markersurv.analysis.settings import AnalysisSettings
from markersurv.stats.cox import fit_cox

NAN = float("nan")


def concordance_pair(
    time, event, clinical: np.ndarray, full: np.ndarray, strata, ties: str
) -> tuple[float, float, object, object]:
    fit_clinical = fit_cox(time, event, clinical, strata=strata, ties=ties)
    fit_full = fit_cox(time, event, full, strata=strata, ties=ties)
    return (fit_clinical.concordance().c, fit_full.concordance().c, fit_clinical, fit_full)


def added_value_row(
    time: np.ndarray,
    event: np.ndarray,
    marker: pd.DataFrame,
    covariates: pd.DataFrame,
    strata,
    settings: AnalysisSettings,
) -> dict:
    """One added_value.tsv row (see module docstring)."""
    full_x = pd.concat([covariates, marker], axis=1)
    complete = full_x.notna().all(axis=1).to_numpy()
    t, e = time[complete], event[complete]
    s = None if strata is None else np.asarray(strata)[complete]
    clinical, full = covariates[complete].to_numpy(float), full_x[complete].to_numpy(float)
    row = {
        "n": int(complete.sum()),
        "events": int(e.sum()),
        "covariates": ",".join(covariates.columns),
        "c_clinical": NAN,
        "c_full": NAN,
        "c_diff": NAN,
        "c_diff_lower": NAN,
        "c_diff_upper": NAN,
        "lr_chisq": NAN,
        "lr_df": 1,
        "lr_p": NAN,
        "bootstrap_replicates": settings.bootstrap_replicates,
        "seed": settings.seed,
        "status": "ok",
        "note": "",
    }
    if row["events"] < settings.min_events or covariates.shape[1] == 0:
        row.update(
            status="not_estimable",
            note=f"{row['events']} events, fewer than the minimum of {settings.min_events}"
            if covariates.shape[1]
            else "no clinical covariates configured",
        )
        return row
    c_clin, c_full, fit_clin, fit_full = concordance_pair(t, e, clinical, full, s, settings.ties)
    if "not_estimable" in (fit_clin.status, fit_full.status):
        row.update(status="not_estimable", note=fit_full.note or fit_clin.note)
        return row
    chisq, df, p = lr_statistic(fit_full, fit_clin)
    row.update(
        c_clinical=c_clin, c_full=c_full, c_diff=c_full - c_clin, lr_chisq=chisq, lr_df=df, lr_p=p
    )
    if settings.bootstrap_replicates:
        rng = np.random.default_rng(settings.seed)
        diffs = []
        n = len(t)
        for _ in range(settings.bootstrap_replicates):
            idx = np.sort(rng.integers(0, n, n))
            if e[idx].sum() == 0:
                continue
            a, b, f1, f2 = concordance_pair(
                t[idx],
                e[idx],
                clinical[idx],
                full[idx],
                None if s is None else s[idx],
                settings.ties,
            )
            if "not_estimable" not in (f1.status, f2.status):
                diffs.append(b - a)
        alpha = 1 - settings.conf_level
        if len(diffs) >= 0.9 * settings.bootstrap_replicates:
            row["c_diff_lower"], row["c_diff_upper"] = np.quantile(
                diffs, [alpha / 2, 1 - alpha / 2]
            )
        else:
            row.update(
                status="warning",
                note=f"only {len(diffs)} of "
                f"{settings.bootstrap_replicates} bootstrap refits were estimable",
            )
    if fit_full.status == "warning" or fit_clin.status == "warning":
        row.update(
            status="warning",
            note="; ".join(filter(None, [row["note"], fit_full.note, fit_clin.note])),
        )
    return row
