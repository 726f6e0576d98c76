"""The restricted cubic spline of a standardized marker: its Cox rows, the likelihood-ratio
test of nonlinearity against the linear model, and the hazard ratio curve (relative to the
median) a spline figure draws."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from markersurv.analysis.collect import ALL, Tables
from markersurv.analysis.cox_models import fit_model, lr_statistic, rcs_basis
from markersurv.config.settings import AnalysisSettings


def spline_rows(
    tables: Tables,
    keys: dict,
    time,
    event,
    z: pd.DataFrame,
    strata,
    settings: AnalysisSettings,
    entry: np.ndarray | None = None,
) -> None:
    """Restricted cubic spline of the standardized marker, LR test of nonlinearity, and the
    HR curve (relative to the median) for plotting."""
    values = z.iloc[:, 0].to_numpy(dtype=float)
    present = np.isfinite(values)
    name = z.columns[0]
    if not present.any():
        return
    knots = np.quantile(values[present], settings.spline_knots)
    if len(np.unique(knots)) < len(settings.spline_knots):
        return
    basis = pd.DataFrame(
        np.full((len(values), len(knots) - 1), np.nan),
        index=z.index,
        columns=[f"{name}_rcs{i + 1}" for i in range(len(knots) - 1)],
    )
    basis.loc[present] = rcs_basis(values[present], knots)
    spline = fit_model(
        "spline",
        time,
        event,
        basis,
        strata,
        settings,
        zph_terms={name: list(range(basis.shape[1]))},
        entry=entry,
    )
    linear = (
        fit_model(
            "continuous",
            time[present],
            event[present],
            z[present],
            None if strata is None else np.asarray(strata)[present],
            settings,
            entry=None if entry is None else entry[present],
        )
        if spline.fit
        else None
    )
    chisq, df, p = lr_statistic(spline.fit, linear.fit if linear else None)
    for row in spline.rows:
        row["note"] = "; ".join(
            filter(
                None,
                [
                    row["note"],
                    f"nonlinearity LR chisq = {chisq:.4g} on {df} df" if np.isfinite(chisq) else "",
                ],
            )
        )
    nonlinear = {
        **spline.rows[0],
        "term": "nonlinearity",
        "coef": np.nan,
        "se": np.nan,
        "hr": np.nan,
        "hr_lower": np.nan,
        "hr_upper": np.nan,
        "z": np.nan,
        "p": p,
        "lr_p": p,
    }
    tables.add("cox", keys, [*spline.rows, nonlinear])
    tables.add("ph", keys, spline.ph_rows)
    fit = spline.fit
    if fit is None or fit.status == "not_estimable" or keys["cohort"] != ALL:
        return
    grid = np.linspace(np.quantile(values[present], 0.05), np.quantile(values[present], 0.95), 50)
    reference = rcs_basis(np.array([np.median(values[present])]), knots)
    contrast = rcs_basis(grid, knots) - reference
    log_hr = contrast @ fit.coef
    se = np.sqrt(np.einsum("ij,jk,ik->i", contrast, fit.var, contrast))
    zq = norm.ppf(0.5 + settings.conf_level / 2)
    tables.add(
        "spline_curve",
        keys,
        [
            {
                "x": x,
                "hr": np.exp(h),
                "hr_lower": np.exp(h - zq * s),
                "hr_upper": np.exp(h + zq * s),
            }
            for x, h, s in zip(grid, log_hr, se, strict=True)
        ],
    )
