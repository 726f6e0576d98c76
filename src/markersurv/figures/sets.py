"""Figure sets: gather each figure's data from the result tables, draw it, save it.

The plotting functions in :mod:`markersurv.plots` draw precomputed data; what a figure needs
beyond the tables (Kaplan-Meier step data, scaled Schoenfeld residuals) is computed here with
the same library calls the tables came from. File names carry what the report's captions
need: ``<kind>__<endpoint>__<marker>__<n>__<events>`` (``x`` where not applicable).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from markersurv.analysis.cancer_type import ALL
from markersurv.analysis.groups import LABELS, joint_groups, joint_labels, marker_groups
from markersurv.config.settings import AnalysisSettings, FigureSettings
from markersurv.plots.association import plot_association
from markersurv.plots.cutpoint import plot_cutpoint_scan
from markersurv.plots.flow import plot_flow
from markersurv.plots.forest import plot_forest
from markersurv.plots.heatmap import plot_pancancer_map
from markersurv.plots.km import plot_km
from markersurv.plots.labels import figure_title, format_ratio_ci, p_equals
from markersurv.plots.ph import plot_schoenfeld
from markersurv.plots.qc import plot_lod_fractions, plot_marker_distributions, plot_scales
from markersurv.plots.save import save_figure
from markersurv.plots.spline import plot_spline
from markersurv.stats.cox.fit import fit_cox
from markersurv.stats.km import SurvivalDataError, kaplan_meier
from markersurv.stats.zph import cox_zph
from markersurv.tables.io import atomic_folder

TRANSFORM_LABELS = {
    "km": "1 - Kaplan-Meier",
    "identity": "time",
    "rank": "rank of time",
    "log": "log time",
}


def figure_name(kind: str, endpoint: str = "x", marker: str = "x", n=None, events=None) -> str:
    count = "x" if n is None else str(int(n))
    event_count = "x" if events is None else str(int(events))
    return f"{kind}__{endpoint}__{marker.replace('&', '+')}__{count}__{event_count}"


def select(frame: pd.DataFrame, **keys) -> pd.DataFrame:
    if frame.empty:
        return frame
    mask = np.ones(len(frame), dtype=bool)
    for column, value in keys.items():
        mask &= (frame[column] == value).to_numpy()
    return frame[mask]


def first_row(frame: pd.DataFrame, **keys) -> pd.Series | None:
    rows = select(frame, **keys)
    return rows.iloc[0] if len(rows) else None


ESTIMATE_COLUMNS = ["n", "events", "hr", "hr_lower", "hr_upper", "p"]
POOLED_COLUMNS = ["hr", "hr_lower", "hr_upper", "pi_lower", "pi_upper", "i2", "tau2", "q_p"]


def forest_rows(rows: pd.DataFrame, label_column: str, with_q: bool = False) -> pd.DataFrame:
    """Estimate rows of a forest plot, labelled by a column of the cox table."""
    columns = ESTIMATE_COLUMNS + (["q"] if with_q else [])
    out = rows[columns].reset_index(drop=True)
    out.insert(0, "label", rows[label_column].to_numpy())
    return out


def forest_pooled_rows(pooled: pd.DataFrame, prefix: str) -> pd.DataFrame | None:
    """Estimable pooled rows of a forest plot, labelled ``<prefix> (<method>)``."""
    if pooled.empty:
        return None
    pooled = pooled[pooled["status"] != "not_estimable"]
    if pooled.empty:
        return None
    out = pooled[POOLED_COLUMNS].reset_index(drop=True)
    out.insert(0, "label", (prefix + " (" + pooled["method"] + ")").to_numpy())
    return out


class CancerTypeFigures:
    """Draws every figure of one cancer type into a folder."""

    def __init__(
        self,
        patients: pd.DataFrame,
        tables: dict[str, pd.DataFrame],
        settings: AnalysisSettings,
        figures: FigureSettings,
        folder: Path,
    ):
        self.patients = patients
        code = str(patients["cancer_type"].iloc[0])
        self.tables = {
            name: t[t["cancer_type"] == code] if "cancer_type" in t else t
            for name, t in tables.items()
        }
        self.settings = settings
        self.figures = figures
        self.folder = folder
        # Where figures are saved: the folder itself, or its staging copy during draw_all.
        self.target = folder
        self.cancer_type = str(patients["cancer_type"].iloc[0])

    def save(self, fig, name: str) -> None:
        save_figure(fig, self.target / name, self.figures.formats_for(name), dpi=self.figures.dpi)

    def population(self, endpoint: str, markers: list[str]) -> pd.DataFrame:
        p = self.patients
        mask = p[f"{endpoint}_time"].notna() & p[f"{endpoint}_event"].notna()
        for m in markers:
            mask &= p[m].notna()
        return p[mask]

    def draw_all(self) -> None:
        """Every figure, drawn into a staging folder that becomes the folder once all are
        saved (an interrupted run leaves no partial figure set)."""
        with atomic_folder(self.folder) as staging:
            self.target = staging
            try:
                self.draw_each()
            finally:
                self.target = self.folder

    def draw_each(self) -> None:
        for endpoint in self.settings.endpoints:
            for marker in self.settings.markers:
                data = self.population(endpoint, [marker])
                if len(data) == 0:
                    continue
                for method in self.figures.km_cut_methods:
                    self.km(data, endpoint, marker, method)
                self.forest(endpoint, marker)
                if self.figures.details_for(endpoint):
                    self.cutpoint_scan(endpoint, marker)
                    self.spline(data, endpoint, marker)
                    self.schoenfeld(data, endpoint, marker)
            if len(self.settings.markers) >= 2:
                first, second = self.settings.markers[:2]
                data = self.population(endpoint, [first, second])
                if len(data):
                    self.joint_km(data, endpoint, first, second)

    def km_curves(self, data: pd.DataFrame, endpoint: str, groups: pd.Series, order):
        curves = {}
        time = data[f"{endpoint}_time"].to_numpy(float)
        event = data[f"{endpoint}_event"].to_numpy(float)
        labels = groups.to_numpy(dtype=object)
        for label in order:
            mask = labels == label
            if mask.any():
                curves[label] = kaplan_meier(
                    time[mask],
                    event[mask],
                    conf_type=self.settings.km_conf_type,
                    conf_level=self.settings.conf_level,
                ).table()
        return curves

    def km(self, data: pd.DataFrame, endpoint: str, marker: str, method: str) -> None:
        groups = marker_groups(data, marker, method, self.settings.fixed_cutpoints)
        order = LABELS[method]
        keys = {"cohort": ALL, "endpoint": endpoint, "marker": marker, "cut_method": method}
        self.draw_km(
            data,
            endpoint,
            marker,
            groups,
            order,
            keys,
            f"km_{method}",
            f"{method} split" if method == "median" else method,
        )

    def joint_km(self, data, endpoint, first, second) -> None:
        groups = joint_groups(data, first, second)
        marker = f"{first}&{second}"
        keys = {"cohort": ALL, "endpoint": endpoint, "marker": marker, "cut_method": "median"}
        self.draw_km(
            data,
            endpoint,
            marker,
            groups,
            joint_labels(first, second),
            keys,
            "km_joint",
            "median splits",
        )

    def draw_km(self, data, endpoint, marker, groups, order, keys, kind, detail) -> None:
        present = groups.notna().to_numpy()
        if not present.any():
            return
        curves = self.km_curves(data[present], endpoint, groups[present], order)
        risk = select(self.tables.get("risk_table", pd.DataFrame()), **keys)
        risk = risk[risk["group"].isin(curves)] if len(risk) else risk
        if risk.empty:
            return
        logrank = first_row(
            self.tables.get("logrank", pd.DataFrame()),
            **keys,
            test="two_group" if len(order) == 2 else "k_group",
        )
        hr_text = None
        if len(order) == 2:
            cox = first_row(
                self.tables.get("cox", pd.DataFrame()),
                cohort=ALL,
                endpoint=endpoint,
                marker=marker,
                model="dichotomized",
                cut_method=keys["cut_method"],
            )
            if cox is not None and np.isfinite(cox["hr"]):
                hr_text = "HR high vs low " + format_ratio_ci(
                    cox["hr"], cox["hr_lower"], cox["hr_upper"]
                )
        n, events = int(present.sum()), int(data[f"{endpoint}_event"][present].sum())
        fig = plot_km(
            curves,
            risk,
            title=figure_title(self.cancer_type, marker, endpoint, n, detail=detail),
            hr_text=hr_text,
            logrank_p=None if logrank is None else float(logrank["p"]),
            suppress_below=self.figures.suppress_below,
        )
        self.save(fig, figure_name(kind, endpoint, marker, n, events))

    def forest(self, endpoint: str, marker: str) -> None:
        cox = select(
            self.tables.get("cox", pd.DataFrame()),
            endpoint=endpoint,
            marker=marker,
            model="continuous",
            term=f"{marker}_z",
        )
        per_cohort = cox[cox["cohort"] != ALL] if len(cox) else cox
        if len(per_cohort) < 2:
            return
        rows = forest_rows(per_cohort, "cohort")
        pooled = select(
            self.tables.get("pooled", pd.DataFrame()),
            scope=self.cancer_type,
            endpoint=endpoint,
            marker=marker,
            model="continuous",
        )
        pooled_rows = forest_pooled_rows(pooled, "Pooled")
        n, events = int(per_cohort["n"].sum()), int(per_cohort["events"].sum())
        fig = plot_forest(
            rows,
            pooled_rows,
            title=figure_title(
                self.cancer_type, marker, endpoint, n, detail="HR per 1 SD by cohort"
            ),
            suppress_below=self.figures.suppress_below,
        )
        self.save(fig, figure_name("forest_cohorts", endpoint, marker, n, events))

    def cutpoint_scan(self, endpoint: str, marker: str) -> None:
        scans = select(
            self.tables.get("cutpoint_scan", pd.DataFrame()), endpoint=endpoint, marker=marker
        )
        cuts = select(
            self.tables.get("cutpoints", pd.DataFrame()),
            endpoint=endpoint,
            marker=marker,
            method="optimal",
        )
        if scans.empty or cuts.empty:
            return
        for cohort, scan in scans.groupby("cohort", sort=True):
            chosen = cuts[(cuts["cohort"] == cohort)]
            if chosen.empty or not np.isfinite(chosen["cutpoint"].iloc[0]):
                continue
            lau = chosen[chosen["correction"].str.startswith("Lausen")]
            p_text = (
                (
                    "exploratory; "
                    + p_equals(float(lau["p_adjusted"].iloc[0]))
                    + " (Lausen-Schumacher)"
                )
                if len(lau)
                else "exploratory"
            )
            n = int(chosen["n_low"].iloc[0] + chosen["n_high"].iloc[0])
            ax = plot_cutpoint_scan(
                scan[["cutpoint", "statistic"]],
                float(chosen["cutpoint"].iloc[0]),
                p_text,
                title=figure_title(
                    self.cancer_type, marker, endpoint, n, detail=f"cutpoint scan, {cohort}"
                ),
            )
            self.save(ax.figure, figure_name(f"cutpoint_scan_{cohort}", endpoint, marker, n))

    def spline(self, data: pd.DataFrame, endpoint: str, marker: str) -> None:
        curve = select(
            self.tables.get("spline_curve", pd.DataFrame()),
            cohort=ALL,
            endpoint=endpoint,
            marker=marker,
        )
        if curve.empty:
            return
        rug = data[f"{marker}_z"].dropna().to_numpy(float)
        n, events = len(data), int(data[f"{endpoint}_event"].sum())
        ax = plot_spline(
            curve[["x", "hr", "hr_lower", "hr_upper"]],
            rug,
            title=figure_title(
                self.cancer_type, marker, endpoint, n, detail="restricted cubic spline"
            ),
            xlabel=f"{marker} (z score)",
        )
        self.save(ax.figure, figure_name("spline", endpoint, marker, n, events))

    def schoenfeld(self, data: pd.DataFrame, endpoint: str, marker: str) -> None:
        row = first_row(
            self.tables.get("cox", pd.DataFrame()),
            cohort=ALL,
            endpoint=endpoint,
            marker=marker,
            model="continuous",
            term=f"{marker}_z",
        )
        if row is None or row["status"] == "not_estimable":
            return
        rows = data[data[f"{marker}_z"].notna()]
        time = rows[f"{endpoint}_time"].to_numpy(float)
        event = rows[f"{endpoint}_event"].to_numpy(float)
        x = rows[[f"{marker}_z"]]
        strata = rows["cohort"].to_numpy() if rows["cohort"].nunique() > 1 else None
        fit = fit_cox(time, event, x, strata=strata, ties=self.settings.ties)
        if fit.status == "not_estimable":
            return
        try:
            zph = cox_zph(
                time,
                event,
                x,
                fit.coef,
                strata=strata,
                transform=self.settings.ph_transform,
                ties=self.settings.ties,
            )
        except SurvivalDataError:
            return
        term = f"{marker}_z"
        ax = plot_schoenfeld(
            zph.x,
            zph.y[term].to_numpy(float),
            term=term,
            p=float(zph.table.loc[term, "p"]),
            transform_label=TRANSFORM_LABELS[self.settings.ph_transform],
            title=figure_title(
                self.cancer_type, marker, endpoint, fit.n, detail="scaled Schoenfeld residuals"
            ),
            coef=float(fit.coef[0]),
        )
        self.save(ax.figure, figure_name("schoenfeld", endpoint, marker, fit.n, fit.events))


def summary_figures(
    patients: pd.DataFrame,
    flow: dict,
    tables: dict[str, pd.DataFrame],
    marker_values: pd.DataFrame,
    marker_qc: pd.DataFrame,
    association: pd.DataFrame,
    settings: AnalysisSettings,
    figures: FigureSettings,
    folder: Path,
) -> None:
    """Pan-cancer map, pan-cancer forests, flow diagram, QC and association figures, drawn
    into a staging folder that becomes ``folder`` once all are saved."""
    with atomic_folder(folder) as staging:
        draw_summary(
            patients,
            flow,
            tables,
            marker_values,
            marker_qc,
            association,
            settings,
            figures,
            staging,
        )


def draw_summary(
    patients,
    flow,
    tables,
    marker_values,
    marker_qc,
    association,
    settings,
    figures: FigureSettings,
    folder: Path,
) -> None:
    """The figures of :func:`summary_figures`, saved straight into ``folder``."""

    def save(fig, name):
        save_figure(fig, folder / name, figures.formats_for(name), dpi=figures.dpi)

    cohorts = sorted(patients["cohort"].unique())
    save(plot_flow(flow, suppress_below=figures.suppress_below), figure_name("flow"))
    for marker in settings.markers:
        values = marker_values[marker_values["marker"] == marker]
        if len(values):
            save(
                plot_marker_distributions(values, marker, cohort_order=cohorts),
                figure_name("qc_distributions", marker=marker, n=len(values)),
            )
    if len(marker_qc):
        save(plot_lod_fractions(marker_qc, cohort_order=cohorts), figure_name("qc_lod"))
        save(plot_scales(marker_qc, markers=list(settings.markers)), figure_name("qc_scales"))
    if len(association) and len(settings.markers) >= 2:
        first, second = settings.markers[:2]
        pair = patients[["cancer_type", "cohort", f"{first}_z", f"{second}_z"]].dropna()
        if len(pair):
            save(
                plot_association(
                    pair,
                    association.dropna(subset=["rho"]),
                    x=f"{first}_z",
                    y=f"{second}_z",
                    xlabel=f"{first} (z score)",
                    ylabel=f"{second} (z score)",
                ),
                figure_name("association", marker=f"{first}&{second}", n=len(pair)),
            )
    cox = tables.get("cox", pd.DataFrame())
    if cox.empty:
        return
    primary = cox[
        (cox["cohort"] == ALL)
        & (cox["model"] == "continuous")
        & (cox["term"] == cox["marker"] + "_z")
    ]
    if len(primary):
        frame = pd.DataFrame(
            {
                "cancer_type": primary["cancer_type"],
                "marker": primary["marker"],
                "endpoint": primary["endpoint"],
                "log_hr": primary["coef"],
                "q": primary["q"],
            }
        )
        save(plot_pancancer_map(frame), figure_name("pancancer_map", n=len(frame)))
    pooled = tables.get("pooled", pd.DataFrame())
    for (endpoint, marker), rows in primary.groupby(["endpoint", "marker"], sort=True):
        pan = (
            select(pooled, scope="pan-cancer", endpoint=endpoint, marker=marker, model="continuous")
            if len(pooled)
            else pooled
        )
        estimates = forest_rows(rows, "cancer_type", with_q=True)
        pooled_rows = forest_pooled_rows(pan, "Pan-cancer")
        n, events = int(rows["n"].sum()), int(rows["events"].sum())
        fig = plot_forest(
            estimates,
            pooled_rows,
            label_header="Cancer type",
            title=figure_title(
                "Pan-cancer", marker, endpoint, n, detail="HR per 1 SD by cancer type"
            ),
            suppress_below=figures.suppress_below,
        )
        save(fig, figure_name("forest_pancancer", endpoint, marker, n, events))
