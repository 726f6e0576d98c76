"""The summary figures: patient flow, harmonization QC, marker association, the pan-cancer
map and the pan-cancer forests, drawn from the harmonized and pooled tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from markersurv.analysis.collect import ALL
from markersurv.config.settings import AnalysisSettings, FigureSettings
from markersurv.config.study import Study
from markersurv.figures.captions import FigureRecord, figure_stem, study_labels
from markersurv.figures.folder import FigureFolder
from markersurv.figures.rows import forest_pooled_rows, forest_rows, select
from markersurv.plots.association import plot_association
from markersurv.plots.flow import plot_flow
from markersurv.plots.forest import plot_forest
from markersurv.plots.heatmap import plot_pancancer_map
from markersurv.plots.labels import scale_label
from markersurv.plots.qc import plot_lod_fractions, plot_marker_distributions, plot_scales
from markersurv.tables.io import atomic_folder


def record(kind: str, *parts: str, marker: str = "", endpoint: str = "", n=None, events=None):
    return FigureRecord(
        figure=figure_stem(kind, *parts),
        kind=kind,
        cancer_type="pan-cancer" if kind in ("pancancer_map", "forest_pancancer") else "",
        marker=marker,
        endpoint=endpoint,
        n=n,
        events=events,
    )


def summary_figures(
    patients: pd.DataFrame,
    flow: dict,
    tables: dict[str, pd.DataFrame],
    marker_values: pd.DataFrame,
    marker_qc: pd.DataFrame,
    association: pd.DataFrame,
    settings: AnalysisSettings,
    figures: FigureSettings,
    study: Study,
    folder: Path,
) -> dict[str, list[str]]:
    """Every summary figure and its ``figures.tsv``, drawn into a staging folder that becomes
    ``folder`` once all are saved; returns the layout defects found, by figure."""
    with atomic_folder(folder) as staging:
        out = FigureFolder(staging, settings, figures, study_labels(study))
        cohorts = sorted(patients["cohort"].unique())
        flow_figure = plot_flow(flow, suppress_below=figures.suppress_below, labels=out.labels)
        out.save(flow_figure, record("flow"))
        quality_figures(out, study, marker_values, marker_qc, cohorts)
        association_figure(out, patients, association)
        pancancer_figures(out, tables)
        out.write_catalog()
    return out.problems


def quality_figures(
    out: FigureFolder,
    study: Study,
    marker_values: pd.DataFrame,
    marker_qc: pd.DataFrame,
    cohorts: list,
) -> None:
    for marker in study.markers:
        values = marker_values[marker_values["marker"] == marker.id]
        if len(values):
            fig = plot_marker_distributions(
                values,
                marker.id,
                source_units=recorded_units(values),
                cohort_order=cohorts,
                log_scale=marker.kind == "concentration",
                labels=out.labels,
            )
            out.save(fig, record("qc_distributions", marker.id, marker=marker.id, n=len(values)))
    if len(marker_qc):
        lod = plot_lod_fractions(marker_qc, cohort_order=cohorts, labels=out.labels)
        out.save(lod, record("qc_lod"))
        ids = [m.id for m in study.markers]
        out.save(plot_scales(marker_qc, markers=ids, labels=out.labels), record("qc_scales"))


def recorded_units(values: pd.DataFrame) -> dict[str, str]:
    """Each cohort's unit or scale as recorded, in words (several joined by ' or ').

    >>> recorded_units(pd.DataFrame({"cohort": ["a", "a", "b"],
    ...                              "source_unit": ["ng/mL", "pmol/L", "h_score"]}))
    {'a': 'ng/mL or pmol/L', 'b': 'H-score (0-300)'}
    """
    if "source_unit" not in values:
        return {}
    return {
        str(cohort): " or ".join(scale_label(u) for u in sorted(set(units.dropna().astype(str))))
        for cohort, units in values.groupby("cohort", sort=True)["source_unit"]
    }


def association_figure(out: FigureFolder, patients: pd.DataFrame, association: pd.DataFrame):
    if association.empty or len(out.settings.markers) < 2:
        return
    first, second = out.settings.markers[:2]
    pair = patients[["cancer_type", "cohort", f"{first}_z", f"{second}_z"]].dropna()
    if pair.empty:
        return
    joint = f"{first}&{second}"
    out.save(
        plot_association(
            pair,
            association.dropna(subset=["rho"]),
            x=f"{first}_z",
            y=f"{second}_z",
            title=f"{out.labels.marker(joint, joiner=' and ')} by cancer type: "
            "Spearman \u03c1 (95% CI)",
            xlabel=out.labels.standardized(first),
            ylabel=out.labels.standardized(second),
        ),
        record("association", joint, marker=joint, n=len(pair)),
    )


def ph_flagged(cox: pd.DataFrame, ph_alpha: float) -> pd.Series:
    """Rows whose proportional-hazards test flagged them: the term's cox.zph p below
    ``ph_alpha``, or a warning whose note is about proportional hazards."""
    about_ph = cox["note"].fillna("").str.contains("proportional.hazards", case=False)
    return (cox["ph_p"] < ph_alpha) | ((cox["status"] == "warning") & about_ph)


def pancancer_figures(out: FigureFolder, tables: dict[str, pd.DataFrame]) -> None:
    cox = tables.get("cox", pd.DataFrame())
    if cox.empty:
        return
    primary = cox[
        (cox["cohort"] == ALL)
        & (cox["model"] == "continuous")
        & (cox["term"] == cox["marker"] + "_z")
    ]
    if primary.empty:
        return
    frame = pd.DataFrame(
        {
            "cancer_type": primary["cancer_type"],
            "marker": primary["marker"],
            "endpoint": primary["endpoint"],
            "log_hr": primary["coef"],
            "q": primary["q"],
            "ph_flag": ph_flagged(primary, out.settings.ph_alpha),
        }
    )
    pancancer_map = plot_pancancer_map(
        frame,
        quantity="Hazard ratio per 1 SD",
        model="Continuous marker (standardized within cohort); Cox model stratified by cohort",
        ph_note=f"proportional hazards questionable (cox.zph p < {out.settings.ph_alpha:g})",
        labels=out.labels,
    )
    out.save(pancancer_map, record("pancancer_map", n=len(frame)))
    pooled = tables.get("pooled", pd.DataFrame())
    weights = tables.get("pooling_weights", pd.DataFrame())
    method = out.settings.meta_method
    for (endpoint, marker), rows in primary.groupby(["endpoint", "marker"], sort=True):
        keys = {"scope": "pan-cancer", "endpoint": endpoint, "marker": marker}
        pan = select(pooled, **keys, model="continuous")
        shares = select(weights, **keys, model="continuous", method=method)
        n, events = int(rows["n"].sum()), int(rows["events"].sum())
        fig = plot_forest(
            forest_rows(rows, "cancer_type", with_q=True, weights=shares),
            forest_pooled_rows(pan, "Pan-cancer", method),
            label_header="Cancer type",
            title=out.labels.figure_title(
                "Pan-cancer", marker, endpoint, n, detail="HR per 1 SD by cancer type"
            ),
            suppress_below=out.figures.suppress_below,
        )
        out.save(
            fig,
            record(
                "forest_pancancer",
                marker,
                endpoint,
                marker=marker,
                endpoint=endpoint,
                n=n,
                events=events,
            ),
        )
