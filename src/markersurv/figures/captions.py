"""Each figure's name, report labels and caption, from what it shows and the settings.

A figure's file name says what it shows (``km_<marker>_<endpoint>_<cut>``), never its
counts; n and events go into its record, so a new patient changes a caption, not a file
name. The records of a folder are written beside its figures as ``figures.tsv``, where the
report reads its captions and labels.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

from markersurv.config.settings import AnalysisSettings
from markersurv.plots.labels import endpoint_label, marker_label

# The file beside the figures of a folder that lists them.
CATALOG = "figures.tsv"

TIES = {"efron": "Efron", "breslow": "Breslow"}
TRANSFORMS = {
    "km": "1 - Kaplan-Meier",
    "identity": "time",
    "rank": "rank of time",
    "log": "log time",
}
CUTS = {
    "median": "median split",
    "tertile": "tertiles",
    "quartile": "quartiles",
    "fixed": "fixed cutpoint",
    "optimal": "optimal cutpoint",
    "cv_optimal": "cross-validated optimal cutpoint",
}


@dataclass(frozen=True)
class FigureRecord:
    """One saved figure: its file stem and what it shows ("" where a part does not apply)."""

    figure: str
    kind: str
    cancer_type: str = ""
    marker: str = ""
    endpoint: str = ""
    cut: str = ""
    cohort: str = ""
    n: int | None = None
    events: int | None = None


def figure_stem(kind: str, *parts: str) -> str:
    """``<kind>_<part>_...``; a joint marker ``a&b`` is written ``a+b``."""
    return "_".join([kind, *(p.replace("&", "+") for p in parts if p)])


def marker_text(marker: str) -> str:
    return " and ".join(marker_label(m) for m in marker.split("&"))


def counts(record: FigureRecord) -> str:
    text = f"n = {record.n}" if record.n is not None else ""
    if record.events is not None:
        text += f", {record.events} events"
    return text


def caption(record: FigureRecord, settings: AnalysisSettings) -> str:
    """The caption of a figure, in sentences."""
    marker, count = marker_text(record.marker), counts(record)
    endpoint = endpoint_label(record.endpoint) if record.endpoint else ""
    level = f"{settings.conf_level:.0%}"
    cox = f"Cox, {TIES[settings.ties]} ties, {level} Wald CI"
    kind = record.kind
    if kind == "km_joint":
        return (
            f"Kaplan-Meier estimates of {endpoint} in the four groups of median splits of "
            f"{marker} (within each cohort), {count}; numbers at risk aligned with the time "
            "axis; k-group log-rank p in the panel."
        )
    if kind.startswith("km_"):
        return (
            f"Kaplan-Meier estimates of {endpoint} by {marker} groups "
            f"({CUTS[record.cut]} within each cohort), {count}; censoring marks; numbers at "
            f"risk aligned with the time axis; hazard ratio (high vs low, {cox}) and "
            "log-rank p (stratified by cohort when pooled) in the panel."
        )
    if kind == "forest_cohorts":
        return (
            f"Forest plot of the {endpoint} hazard ratio per 1 SD of {marker} in each cohort "
            f"({cox}; squares sized by weight), {count}, with the pooled estimates "
            f"(diamonds) and {level} prediction intervals."
        )
    if kind == "forest_pancancer":
        return (
            f"Forest plot of the {endpoint} hazard ratio per 1 SD of {marker} in each cancer "
            f"type (Cox stratified by cohort, {TIES[settings.ties]} ties, {level} CI, "
            f"Benjamini-Hochberg q), {count}, with the pan-cancer pooled estimates and "
            f"{level} prediction intervals."
        )
    if kind == "cutpoint_scan":
        return (
            f"Exploratory cutpoint scan of {marker} for {endpoint} ({record.cohort}), "
            f"{count}: standardized log-rank statistic at each candidate cutpoint between "
            f"the {settings.cutpoint_minprop:g} and {settings.cutpoint_maxprop:g} quantiles, "
            "the chosen cutpoint, and its p-value corrected for the search."
        )
    if kind == "spline":
        *first, last = (f"{q:g}" for q in settings.spline_knots)
        knots = f"{', '.join(first)} and {last}"
        return (
            f"Hazard ratio of {endpoint} over {marker} (z score) relative to its median, "
            f"from a restricted cubic spline in a Cox model (knots at the {knots} "
            f"quantiles), with {level} pointwise confidence band and a rug of observed "
            f"values; {count}."
        )
    if kind == "schoenfeld":
        return (
            f"Proportional-hazards diagnostic for {marker} and {endpoint}: scaled "
            f"Schoenfeld residuals against {TRANSFORMS[settings.ph_transform]} with a "
            "spline smooth and its 95% band, and the cox.zph score test p-value "
            f"(survival 3.x); {count}."
        )
    if kind == "pancancer_map":
        return (
            "Log hazard ratio per 1 SD of each marker for each cancer type and endpoint "
            "(Cox stratified by cohort), diverging palette centred at HR = 1; * q < 0.05, "
            "** q < 0.01 (Benjamini-Hochberg within each model family); "
            f"{record.n} estimates."
        )
    if kind == "flow":
        return (
            "REMARK patient-flow diagram from flow.json: records read per cohort and table, "
            "exclusions with their reasons, patients included, and counts per cancer type "
            "with markers and events."
        )
    if kind == "qc_distributions":
        return (
            f"Harmonization QC for {marker}: values per cohort as recorded (source unit or "
            "scale) and after harmonization, values below the detection limit marked; "
            f"{record.n} values."
        )
    if kind == "qc_lod":
        return "Fraction of marker values below the detection limit per cohort and marker."
    if kind == "qc_scales":
        return "Units and scoring systems of each marker per cohort after harmonization."
    if kind == "association":
        return (
            f"Association of {marker} (standardized) per cancer type: Spearman correlation "
            f"with {level} CI (Fisher z, Bonett-Wright variance); n = {record.n} patients "
            "with both markers."
        )
    raise ValueError(f"no caption for figure kind {kind!r}")


def catalog_frame(records: list[FigureRecord], settings: AnalysisSettings) -> pd.DataFrame:
    """The ``figures.tsv`` rows of a folder: each record with its caption, by file stem."""
    rows = [{**asdict(r), "caption": caption(r, settings)} for r in records]
    columns = [*FigureRecord.__dataclass_fields__, "caption"]
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("n", "events"):
        frame[column] = frame[column].astype("Int64")
    return frame.sort_values("figure", kind="stable").reset_index(drop=True)
