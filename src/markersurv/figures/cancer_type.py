"""The figures of one cancer type, drawn from its analysis tables.

Every number a figure shows comes from a table the analysis wrote (Kaplan-Meier steps in
km_curve, numbers at risk in risk_table, residuals and their smooth in ph_residuals and
ph_smooth, the spline curve, the cox, logrank, cutpoint and pooled rows); the patient table
gives only the rug of observed marker values under the spline curve.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from markersurv.analysis.collect import ALL
from markersurv.figures.captions import TRANSFORMS
from markersurv.figures.competing import draw_cuminc
from markersurv.figures.context import FigureContext
from markersurv.figures.folder import FigureFolder
from markersurv.figures.legends import group_notes, split_text
from markersurv.figures.predictive import draw_predictive
from markersurv.figures.rows import first_row, forest_pooled_rows, forest_rows
from markersurv.plots.cutpoint import plot_cutpoint_scan
from markersurv.plots.forest import plot_forest
from markersurv.plots.km import plot_km
from markersurv.plots.labels import CUT_METHOD_LABELS, format_ratio_ci, p_equals
from markersurv.plots.ph import plot_schoenfeld
from markersurv.plots.spline import plot_spline
from markersurv.tables.io import atomic_folder


class CancerTypeFigures(FigureContext):
    """Draws every figure of one cancer type into a folder, with its ``figures.tsv``."""

    def draw_all(self, folder: Path) -> dict[str, list[str]]:
        """Every figure, drawn into a staging folder that becomes ``folder`` once all are
        saved (an interrupted run leaves no partial figure set); returns the layout defects
        found, by figure (each also logged)."""
        with atomic_folder(folder) as staging:
            out = FigureFolder(staging, self.settings, self.figures, self.labels)
            self.draw_each(out)
            out.write_catalog()
        return out.problems

    def draw_each(self, out: FigureFolder) -> None:
        for endpoint in self.settings.endpoints:
            for marker in self.settings.markers:
                for method in self.figures.km_cut_methods:
                    self.km(out, endpoint, marker, method)
                self.forest(out, endpoint, marker)
                draw_cuminc(self, out, endpoint, marker)
                draw_predictive(self, out, endpoint, marker)
                if self.figures.details_for(endpoint):
                    self.cutpoint_scans(out, endpoint, marker)
                    self.spline(out, endpoint, marker)
                    self.schoenfeld(out, endpoint, marker)
            if len(self.settings.markers) >= 2:
                joint = "&".join(self.settings.markers[:2])
                self.km(out, endpoint, joint, "median", kind="km_joint")

    def km(self, out: FigureFolder, endpoint: str, marker: str, method: str, kind="") -> None:
        keys = {"cohort": ALL, "endpoint": endpoint, "marker": marker, "cut_method": method}
        steps = self.table("km_curve", **keys)
        km = self.table("km", **keys)
        overall = first_row(km, group="all")
        if steps.empty or overall is None:
            return
        order = list(pd.unique(steps["group"]))
        curves = {g: steps[steps["group"] == g].reset_index(drop=True) for g in order}
        risk = self.table("risk_table", **keys)
        risk = risk[risk["group"].isin(order)]
        if risk.empty:
            return
        test = "two_group" if len(order) == 2 else "k_group"
        logrank = first_row(self.table("logrank", **keys), test=test)
        trend = first_row(self.table("logrank", **keys), test="trend")
        n, events = int(overall["n"]), int(overall["events"])
        detail = "median splits" if kind == "km_joint" else CUT_METHOD_LABELS[method]
        fig = plot_km(
            curves,
            risk,
            title=self.labels.figure_title(self.cancer_type, marker, endpoint, n, detail=detail),
            hr_text=self.km_hazard_ratio(keys) if len(order) == 2 else None,
            # Pooled data-chosen splits have no p (each cohort chose its own cutpoint).
            logrank_p=None if logrank is None or method == "optimal" else float(logrank["p"]),
            trend_p=None if trend is None else float(trend["p"]),
            split_text=self.km_split(endpoint, marker, method, test, kind),
            group_notes=group_notes(km[km["group"].isin(order)], self.figures.suppress_below),
            suppress_below=self.figures.suppress_below,
            labels=self.labels,
        )
        kind = kind or f"km_{method}"
        out.save(fig, self.record(kind, marker, endpoint, cut=method, n=n, events=events))

    def km_hazard_ratio(self, keys: dict) -> str | None:
        cox = first_row(self.table("cox", **keys), model="dichotomized")
        if cox is None or not np.isfinite(cox["hr"]):
            return None
        return "HR high vs low " + format_ratio_ci(cox["hr"], cox["hr_lower"], cox["hr_upper"])

    def km_split(self, endpoint: str, marker: str, method: str, test: str, kind: str) -> str:
        if kind == "km_joint":
            return "Split at within-cohort medians"
        rows = self.table("logrank", endpoint=endpoint, marker=marker, cut_method=method)
        rows = rows[(rows["cohort"] != ALL) & (rows["test"] == test)] if len(rows) else rows
        column = f"{marker}_scale"
        scales = (
            self.patients.dropna(subset=[column]).groupby("cohort")[column].unique()
            if column in self.patients
            else pd.Series(dtype=object)
        )
        return split_text(rows, method, {str(c): list(s) for c, s in scales.items()})

    def forest(self, out: FigureFolder, endpoint: str, marker: str) -> None:
        cox = self.table(
            "cox", endpoint=endpoint, marker=marker, model="continuous", term=f"{marker}_z"
        )
        per_cohort = cox[cox["cohort"] != ALL] if len(cox) else cox
        if len(per_cohort) < 2:
            return
        keys = {"scope": self.cancer_type, "endpoint": endpoint, "marker": marker}
        pooled = self.table("pooled", **keys, model="continuous")
        method = self.settings.meta_method
        weights = self.table("pooling_weights", **keys, model="continuous", method=method)
        n, events = int(per_cohort["n"].sum()), int(per_cohort["events"].sum())
        fig = plot_forest(
            forest_rows(per_cohort, "cohort", weights=weights, names=self.labels.cohort),
            forest_pooled_rows(pooled, "Pooled", method),
            title=self.labels.figure_title(
                self.cancer_type, marker, endpoint, n, detail="HR per 1 SD by cohort"
            ),
            suppress_below=self.figures.suppress_below,
        )
        out.save(fig, self.record("forest_cohorts", marker, endpoint, n=n, events=events))

    def cutpoint_scans(self, out: FigureFolder, endpoint: str, marker: str) -> None:
        scans = self.table("cutpoint_scan", endpoint=endpoint, marker=marker)
        cuts = self.table("cutpoints", endpoint=endpoint, marker=marker, method="optimal")
        if scans.empty or cuts.empty:
            return
        for cohort, scan in scans.groupby("cohort", sort=True):
            chosen = cuts[cuts["cohort"] == cohort]
            if chosen.empty or not np.isfinite(chosen["cutpoint"].iloc[0]):
                continue
            lau = chosen[chosen["correction"].str.startswith("Lausen")]
            p_text = "exploratory"
            if len(lau):
                p_text += f"; {p_equals(float(lau['p_adjusted'].iloc[0]))} (Lausen-Schumacher)"
            n = int(chosen["n_low"].iloc[0] + chosen["n_high"].iloc[0])
            ax = plot_cutpoint_scan(
                scan[["cutpoint", "statistic"]],
                float(chosen["cutpoint"].iloc[0]),
                p_text,
                title=self.labels.figure_title(
                    self.cancer_type,
                    marker,
                    endpoint,
                    n,
                    detail=f"cutpoint scan, {self.labels.cohort(str(cohort))}",
                ),
            )
            record = self.record("cutpoint_scan", marker, endpoint, cohort=str(cohort), n=n)
            out.save(ax.figure, record)

    def spline(self, out: FigureFolder, endpoint: str, marker: str) -> None:
        keys = {"cohort": ALL, "endpoint": endpoint, "marker": marker}
        curve = self.table("spline_curve", **keys)
        model = first_row(self.table("cox", **keys), model="spline")
        nonlinearity = first_row(self.table("cox", **keys), model="spline", term="nonlinearity")
        if curve.empty or model is None:
            return
        p = self.patients
        observed = p[f"{endpoint}_time"].notna() & p[f"{endpoint}_event"].notna()
        rug = p.loc[observed, f"{marker}_z"].dropna().to_numpy(float)
        n, events = int(model["n"]), int(model["events"])
        ax = plot_spline(
            curve[["x", "hr", "hr_lower", "hr_upper"]],
            rug,
            title=self.labels.figure_title(
                self.cancer_type, marker, endpoint, n, detail="restricted cubic spline"
            ),
            xlabel=self.labels.standardized(marker),
            nonlinearity_p=None if nonlinearity is None else float(nonlinearity["p"]),
        )
        out.save(ax.figure, self.record("spline", marker, endpoint, n=n, events=events))

    def schoenfeld(self, out: FigureFolder, endpoint: str, marker: str) -> None:
        term = f"{marker}_z"
        keys = {"cohort": ALL, "endpoint": endpoint, "marker": marker, "term": term}
        row = first_row(self.table("cox", **keys), model="continuous")
        residuals = self.table("ph_residuals", **keys, model="continuous")
        smooth = self.table("ph_smooth", **keys, model="continuous")
        if row is None or residuals.empty or smooth.empty or not np.isfinite(row["ph_p"]):
            return
        n, events = int(row["n"]), int(row["events"])
        ax = plot_schoenfeld(
            residuals[["x", "residual", "time"]],
            smooth[["x", "fit", "lower", "upper"]],
            term=self.labels.per_sd(marker),
            p=float(row["ph_p"]),
            transform_label=TRANSFORMS[str(residuals["transform"].iloc[0])],
            title=self.labels.figure_title(
                self.cancer_type, marker, endpoint, n, detail="scaled Schoenfeld residuals"
            ),
            coef=float(row["coef"]),
        )
        out.save(ax.figure, self.record("schoenfeld", marker, endpoint, n=n, events=events))
