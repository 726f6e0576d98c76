"""Automatic cautions from the result tables: what a reader must not overlook."""

from __future__ import annotations

import pandas as pd

HIGH_I2 = 50.0


def cautions(tables: dict[str, pd.DataFrame], settings) -> list[str]:
    out = []
    cox = tables.get("cox", pd.DataFrame())
    if len(cox):
        ph = cox[cox["note"].fillna("").str.contains("proportional hazards violated")]
        if len(ph):
            listed = sorted(
                {
                    f"{r.cancer_type} {r.marker} {r.endpoint} ({r.model})"
                    for r in ph.itertuples()
                    if r.cohort == "all"
                }
            )
            out.append(
                f"Proportional hazards violated (cox.zph p < {settings.ph_alpha}) in "
                f"{len(ph)} estimate(s); pooled analyses: {', '.join(listed[:20]) or 'none'}"
                + (" and more" if len(listed) > 20 else "")
                + ". Their hazard ratios average a time-varying effect."
            )
        few = cox[cox["note"].fillna("").str.contains("fewer than the minimum")]
        if len(few):
            out.append(
                f"{len(few)} model(s) had fewer than {settings.min_events} events and "
                "were not fitted (status not_estimable)."
            )
        other = cox[
            (cox["status"] == "not_estimable")
            & ~cox["note"].fillna("").str.contains("fewer than the minimum")
        ]
        if len(other):
            out.append(
                f"{len(other)} estimate(s) are not estimable for other reasons "
                "(monotone likelihood, constant covariate, no convergence): see the "
                "note column of cox.tsv."
            )
    cut = tables.get("cutpoints", pd.DataFrame())
    if len(cut):
        out.append(
            "Optimal cutpoints are exploratory: chosen to maximize the log-rank "
            "statistic on the same data, they overstate the separation; use the "
            "corrected p-values and the cross-validated (cv_optimal) hazard ratios."
        )
    pooled = tables.get("pooled", pd.DataFrame())
    if len(pooled):
        high = pooled[(pooled["i2"] > HIGH_I2) & (pooled["method"] == settings.meta_method)]
        if len(high):
            listed = sorted(
                {
                    f"{r.scope} {r.marker} {r.endpoint} ({r.model}, I2 = {r.i2:.0f}%)"
                    for r in high.itertuples()
                }
            )
            out.append(
                f"High heterogeneity (I2 > {HIGH_I2:.0f}%) in {len(high)} pooled "
                f"estimate(s): {', '.join(listed[:15])}"
                + (" and more" if len(listed) > 15 else "")
                + "; read the prediction intervals, not only the pooled CI."
            )
    return out
