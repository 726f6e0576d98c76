"""Added prognostic value of a marker over the clinical covariates.

Harrell's concordance of the clinical model and of clinical + marker on the same patients,
their difference with a seeded percentile-bootstrap CI (patients resampled, within cohort
when pooled, with the two fitted risk scores held fixed), and the likelihood-ratio test of the
marker added to the clinical model.

References
----------
Harrell FE, Lee KL, Mark DB. Multivariable prognostic models. Stat Med 1996;15:361-387.
Efron B, Tibshirani RJ. An Introduction to the Bootstrap. Chapman & Hall, 1993 (ch. 13).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from markersurv.analysis.concordance_pairs import (
    MAX_PAIRWISE_N,
    bootstrap_concordance_difference,
)
from markersurv.analysis.cox_models import lr_statistic
from markersurv.analysis.entry import DELAYED_ENTRY_NOTE
from markersurv.config.settings import AnalysisSettings
from markersurv.stats.cox.fit import fit_cox

NAN = float("nan")


def added_value_row(
    time: np.ndarray,
    event: np.ndarray,
    marker: pd.DataFrame,
    covariates: pd.DataFrame,
    strata,
    settings: AnalysisSettings,
    delayed_entry: bool = False,
) -> dict:
    """One added_value.tsv row (see module docstring); not computed with delayed entry, for
    which the bootstrap of paired concordances has no form here."""
    full_x = pd.concat([covariates, marker], axis=1)
    complete = full_x.notna().all(axis=1).to_numpy()
    t, e = time[complete], event[complete]
    s = None if strata is None else np.asarray(strata)[complete]
    clinical, full = covariates[complete].to_numpy(float), full_x[complete].to_numpy(float)
    row: dict[str, Any] = {
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
    if delayed_entry:
        row.update(status="not_estimable", note=DELAYED_ENTRY_NOTE)
        return row
    if row["events"] < settings.min_events or covariates.shape[1] == 0:
        row.update(
            status="not_estimable",
            note=f"{row['events']} events, fewer than the minimum of {settings.min_events}"
            if covariates.shape[1]
            else "no clinical covariates configured",
        )
        return row
    fit_clin = fit_cox(t, e, clinical, strata=s, ties=settings.ties)
    fit_full = fit_cox(t, e, full, strata=s, ties=settings.ties)
    if "not_estimable" in (fit_clin.status, fit_full.status):
        row.update(status="not_estimable", note=fit_full.note or fit_clin.note)
        return row
    chisq, df, p = lr_statistic(fit_full, fit_clin)
    c_clin, c_full = fit_clin.concordance().c, fit_full.concordance().c
    row.update(
        c_clinical=c_clin, c_full=c_full, c_diff=c_full - c_clin, lr_chisq=chisq, lr_df=df, lr_p=p
    )
    notes = [fit_full.note, fit_clin.note]
    degraded = "warning" in (fit_full.status, fit_clin.status)
    if not np.isfinite(c_full - c_clin):
        # Every event at one time, or no one at risk after an event: no comparable pair.
        notes.append("concordance not defined: no comparable pairs of patients")
        degraded = True
    elif settings.bootstrap_replicates and len(t) <= MAX_PAIRWISE_N:
        diffs = bootstrap_concordance_difference(
            t,
            e,
            fit_clin.linear_predictor,
            fit_full.linear_predictor,
            s,
            settings.bootstrap_replicates,
            settings.seed,
        )
        diffs = diffs[np.isfinite(diffs)]
        alpha = 1 - settings.conf_level
        if diffs.size:
            row["c_diff_lower"], row["c_diff_upper"] = np.quantile(
                diffs, [alpha / 2, 1 - alpha / 2]
            )
        else:
            notes.append("bootstrap CI not computed: no replicate had comparable pairs")
            degraded = True
    elif settings.bootstrap_replicates:
        notes.append(f"bootstrap CI not computed above {MAX_PAIRWISE_N} patients")
    if degraded:
        row["status"] = "warning"
    row["note"] = "; ".join(dict.fromkeys(n for n in notes if n))
    return row
