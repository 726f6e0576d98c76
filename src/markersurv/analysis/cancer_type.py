"""Every analysis of one cancer type: pooled over its cohorts (``cohort = all``, Cox
stratified by cohort) and for each cohort alone, for every marker and endpoint.

The population of a marker's analyses is the patients with the marker and the endpoint;
marker groups (median, tertiles, quartiles, fixed and optimal cutpoints) are formed within
each cohort of that population. The clinical models are fitted on that population and also
on every patient with the endpoint (``marker = none``), so that the two can be compared.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from markersurv.analysis import cutpoints as cut
from markersurv.analysis.added_value import added_value_row
from markersurv.analysis.collect import ALL, Tables, datasets
from markersurv.analysis.competing import competing_rows
from markersurv.analysis.covariates import (
    Design,
    covariate_design,
    imputable,
    usable_columns,
    usable_covariates,
)
from markersurv.analysis.cox_models import fit_model, with_note
from markersurv.analysis.entry import entry_of
from markersurv.analysis.groups import LABELS, joint_groups, joint_labels, marker_groups
from markersurv.analysis.imputation import imputed_adjusted_rows
from markersurv.analysis.nonproportional import interval_rows, rmst_row
from markersurv.analysis.pooling import NO_MARKER, pooled_within_types
from markersurv.analysis.predictive import predictive_rows
from markersurv.analysis.spline_models import spline_rows
from markersurv.analysis.survival_tables import km_rows, logrank_rows
from markersurv.config.covariates import Covariate
from markersurv.config.settings import AnalysisSettings
from markersurv.stats.smooth import residual_smooth
from markersurv.stats.zph import CoxZph


def analyse_cancer_type(
    patients: pd.DataFrame, settings: AnalysisSettings
) -> dict[str, pd.DataFrame]:
    """All tables for one cancer type (see DESIGN: km, logrank, cox, ph, cutpoints, ...)."""
    cancer_type = str(patients["cancer_type"].iloc[0])
    tables = Tables()
    for endpoint in settings.endpoints:
        time_col, event_col = f"{endpoint}_time", f"{endpoint}_event"
        with_endpoint = patients[patients[time_col].notna() & patients[event_col].notna()]
        if with_endpoint.empty:
            continue
        for marker in settings.markers:
            population = with_endpoint[with_endpoint[marker].notna()]
            if population.empty:
                continue
            optimal = cut.optimal_cutpoints(population, marker, endpoint, settings)
            cv_labels = cut.cv_labels(population, marker, endpoint, settings)
            for cohort, data, strata in datasets(population):
                keys = {
                    "cancer_type": cancer_type,
                    "cohort": cohort,
                    "endpoint": endpoint,
                    "marker": marker,
                }
                analyse_marker(
                    tables, keys, data, strata, marker, endpoint, settings, optimal, cv_labels
                )
                for name, rows in competing_rows(data, strata, marker, endpoint, settings).items():
                    tables.add(name, keys, rows)
            tables.add(
                "cutpoints",
                {"cancer_type": cancer_type, "endpoint": endpoint, "marker": marker},
                optimal.rows,
            )
            tables.add(
                "cutpoint_scan",
                {"cancer_type": cancer_type, "endpoint": endpoint, "marker": marker},
                optimal.scan_rows,
            )
        for cohort, data, strata in datasets(with_endpoint):
            keys = {
                "cancer_type": cancer_type,
                "cohort": cohort,
                "endpoint": endpoint,
                "marker": NO_MARKER,
            }
            followup_models(tables, keys, data, strata, settings)
        if len(settings.markers) >= 2:
            first, second = settings.markers[:2]
            both = with_endpoint[with_endpoint[first].notna() & with_endpoint[second].notna()]
            for cohort, data, strata in datasets(both) if not both.empty else ():
                keys = {
                    "cancer_type": cancer_type,
                    "cohort": cohort,
                    "endpoint": endpoint,
                    "marker": f"{first}&{second}",
                }
                analyse_joint(tables, keys, data, strata, first, second, endpoint, settings)
    frames = tables.frames()
    if "cox" in frames:
        frames["pooled"] = pooled_within_types(frames["cox"], settings)
    return frames


def per_doubling(data: pd.DataFrame, marker: str, unit: str | None) -> pd.DataFrame:
    """``<marker>_log2``: log2 of a concentration in its declared unit (missing for values
    recorded on another scale), so that its hazard ratio is per doubling."""
    value = data[marker].where(data[marker] > 0)
    if unit is not None:
        value = value.where(data[f"{marker}_scale"] == unit)
    return pd.DataFrame({f"{marker}_log2": np.log2(value)}, index=data.index)


def add_km(tables: Tables, keys: dict, km_tables: tuple[list, list, pd.DataFrame]) -> None:
    """km.tsv and risk_table.tsv rows; the curves (km_curve.tsv) where they were drawn (the
    pooled analysis)."""
    km, risk, curve = km_tables
    tables.add("km", keys, km)
    tables.add("risk_table", keys, risk)
    if len(curve):
        tables.add("km_curve", keys, curve)


def add_residuals(tables: Tables, keys: dict, zph: CoxZph, settings: AnalysisSettings) -> None:
    """Scaled Schoenfeld residuals of each term (ph_residuals.tsv) and their smooth with its
    95% band (ph_smooth.tsv), as a proportional-hazards figure draws them."""
    for term in zph.y.columns:
        residual = zph.y[term].to_numpy(dtype=float)
        term_keys = {**keys, "term": term, "transform": settings.ph_transform}
        tables.add(
            "ph_residuals",
            term_keys,
            pd.DataFrame({"time": zph.time, "x": zph.x, "residual": residual}),
        )
        smooth = residual_smooth(zph.x, residual)
        tables.add("ph_smooth", term_keys, smooth.to_dict("records"))


def arrays(data: pd.DataFrame, endpoint: str) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Time, event and delayed entry (None without) of ``data``'s patients."""
    return (
        data[f"{endpoint}_time"].to_numpy(dtype=float),
        data[f"{endpoint}_event"].to_numpy(dtype=float),
        entry_of(data, endpoint),
    )


def analyse_marker(
    tables: Tables,
    keys: dict,
    data: pd.DataFrame,
    strata,
    marker: str,
    endpoint: str,
    settings: AnalysisSettings,
    optimal,
    cv_labels,
) -> None:
    time, event, entry = arrays(data, endpoint)
    methods = [
        m for m in settings.cut_methods if m != "fixed" or marker in settings.fixed_cutpoints
    ]
    groupings = {m: marker_groups(data, marker, m, settings.fixed_cutpoints) for m in methods}
    groupings["optimal"] = marker_groups(data, marker, "optimal", cutpoints=optimal.by_cohort)
    groupings["cv_optimal"] = cv_labels.reindex(data.index)
    for method, groups in groupings.items():
        order = LABELS[method]
        if groups.notna().sum() == 0:
            continue
        method_keys = {**keys, "cut_method": method}
        add_km(
            tables,
            method_keys,
            km_rows(time, event, groups, order, settings, entry, curves=keys["cohort"] == ALL),
        )
        cutpoint = (
            optimal.by_cohort.get(keys["cohort"], np.nan)
            if method == "optimal"
            else (
                float(data[marker][groups == order[0]].max())
                if len(order) == 2 and keys["cohort"] != ALL and method != "cv_optimal"
                else np.nan
            )
        )
        tables.add(
            "logrank",
            {**method_keys, "cutpoint": cutpoint},
            logrank_rows(time, event, groups, order, strata, settings, entry),
        )
        if len(order) == 2:
            high = pd.DataFrame(
                {f"{marker}_high": (groups == "high").astype(float).where(groups.notna())}
            )
            outcome = fit_model(
                "dichotomized", time, event, high, strata, settings, cut_method=method, entry=entry
            )
            tables.add("cox", keys, outcome.rows)
            tables.add("ph", keys, outcome.ph_rows)

    z = data[[f"{marker}_z"]]
    continuous = fit_model("continuous", time, event, z, strata, settings, entry=entry)
    tables.add("cox", keys, continuous.rows)
    tables.add("ph", keys, continuous.ph_rows)
    intervals = interval_rows(time, event, z, strata, settings, "none", entry)
    tables.add("nonproportional", keys, intervals)
    if "median" in groupings:
        pooled = strata is not None
        rmst = rmst_row(time, event, groupings["median"], settings, pooled, entry is not None)
        tables.add("nonproportional", keys, [rmst])
    if keys["cohort"] == ALL and continuous.zph is not None:
        add_residuals(tables, {**keys, "model": "continuous"}, continuous.zph, settings)
    if marker in settings.doubling_units:
        log2 = per_doubling(data, marker, settings.doubling_units[marker])
        outcome = fit_model("per_doubling", time, event, log2, strata, settings, entry=entry)
        tables.add("cox", keys, outcome.rows)
        tables.add("ph", keys, outcome.ph_rows)

    covariate_models(tables, keys, data, strata, z, settings)
    spline_rows(tables, keys, time, event, z, strata, settings, entry)
    tables.add(
        "predictive",
        keys,
        predictive_rows(data, marker, endpoint, strata, settings.treatment, groupings, settings),
    )


def clinical_models(
    tables: Tables,
    keys: dict,
    data: pd.DataFrame,
    design: Design,
    covariates: tuple[Covariate, ...],
    strata,
    settings: AnalysisSettings,
) -> None:
    """Each covariate alone (model ``clinical``), on the patients of ``design``."""
    time, event, entry = arrays(data, keys["endpoint"])
    for covariate in covariates:
        columns = design.columns[covariate.id]
        usable, _ = usable_columns(columns, covariate)
        x = columns[usable] if usable else columns
        outcome = fit_model("clinical", time, event, x, strata, settings, entry=entry)
        tables.add("cox", keys, outcome.rows)
        tables.add("ph", keys, outcome.ph_rows)


def followup_models(
    tables: Tables, keys: dict, data: pd.DataFrame, strata, settings: AnalysisSettings
) -> None:
    """The clinical models on every patient with follow-up for the endpoint, whether or not
    a marker was measured (``marker = none``): the population a marker's subset is compared
    with, and the one whole-registry clinical hazard ratios are published for."""
    covariates = settings.covariates_of(keys["cancer_type"])
    design = covariate_design(data, covariates)
    clinical_models(tables, keys, data, design, covariates, strata, settings)


def covariate_models(
    tables: Tables,
    keys: dict,
    data: pd.DataFrame,
    strata,
    z: pd.DataFrame,
    settings: AnalysisSettings,
) -> None:
    """Each covariate of the cancer type alone (clinical) and with the marker (adjusted),
    and the marker's added value over them; covariates without information here are left
    out of the adjusted model with a note."""
    covariates = settings.covariates_of(keys["cancer_type"])
    time, event, entry = arrays(data, keys["endpoint"])
    design = covariate_design(data, covariates)
    clinical_models(tables, keys, data, design, covariates, strata, settings)
    kept, left_out = usable_covariates(design, covariates)
    adjusted_x = pd.concat([z, design.frame()[kept]], axis=1)
    if settings.missing_covariates == "multiple_imputation":
        rows = imputed_adjusted_rows(
            time, event, adjusted_x, strata, settings, imputable(covariates), entry
        )
    else:
        adjusted = fit_model("adjusted", time, event, adjusted_x, strata, settings, entry=entry)
        rows = adjusted.rows
        tables.add("ph", keys, adjusted.ph_rows)
    tables.add("cox", keys, [with_note(row, left_out) for row in rows])
    if keys["cohort"] == ALL:
        tables.add(
            "added_value",
            keys,
            [added_value_row(time, event, z, design.frame(), strata, settings, entry is not None)],
        )


def analyse_joint(
    tables: Tables,
    keys: dict,
    data: pd.DataFrame,
    strata,
    first: str,
    second: str,
    endpoint: str,
    settings: AnalysisSettings,
) -> None:
    """Four joint groups of two markers (KM, k-group log-rank) and their interaction model."""
    time, event, entry = arrays(data, endpoint)
    groups = joint_groups(data, first, second)
    order = joint_labels(first, second)
    method_keys = {**keys, "cut_method": "median"}
    add_km(
        tables,
        method_keys,
        km_rows(time, event, groups, order, settings, entry, curves=keys["cohort"] == ALL),
    )
    tables.add(
        "logrank",
        {**method_keys, "cutpoint": np.nan},
        logrank_rows(time, event, groups, order, strata, settings, entry),
    )
    a, b = data[f"{first}_z"], data[f"{second}_z"]
    x = pd.DataFrame({f"{first}_z": a, f"{second}_z": b, f"{first}_z:{second}_z": a * b})
    outcome = fit_model("interaction", time, event, x, strata, settings, entry=entry)
    tables.add("cox", keys, outcome.rows)
    tables.add("ph", keys, outcome.ph_rows)
