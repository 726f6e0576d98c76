"""Each figure's name, report labels and caption, from what it shows and the settings.

A figure's file name says what it shows (``km_<marker>_<endpoint>_<cut>``), never its
counts; n and events go into its record, so a new patient changes a caption, not a file
name. The records of a folder are written beside its figures as ``figures.tsv``, where the
report reads its captions and labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

import pandas as pd

from markersurv.config.settings import AnalysisSettings
from markersurv.config.study import Study
from markersurv.plots.labels import CUT_METHOD_LABELS, Labels

# The file beside the figures of a folder that lists them.
CATALOG = "figures.tsv"

TIES = {"efron": "Efron", "breslow": "Breslow"}
POOLING = {
    "REML": "random-effects (REML)",
    "DL": "random-effects (DerSimonian-Laird)",
    "FE": "fixed-effect",
}
TRANSFORMS = {
    "km": "1 - Kaplan-Meier",
    "identity": "time",
    "rank": "rank of time",
    "log": "log time",
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
    arm: str = ""
    n: int | None = None
    events: int | None = None


def figure_stem(kind: str, *parts: str) -> str:
    """``<kind>_<part>_...``; a joint marker ``a&b`` is written ``a+b``."""
    return "_".join([kind, *(p.replace("&", "+") for p in parts if p)])


def study_labels(study: Study, cohorts: Mapping[str, str] | None = None) -> Labels:
    """The words figures print for the study's markers and endpoints, with the scale of
    each marker's standardized value (concentrations are standardized on log2), and the
    cohorts' names (``cohorts``: id -> the spec's label)."""
    scales = {
        m.id: f"log2 {m.unit}" if m.kind == "concentration" else m.unit
        for m in study.markers
        if m.unit
    }
    return Labels(study.marker_labels(), study.endpoint_labels(), scales, dict(cohorts or {}))


def counts(record: FigureRecord) -> str:
    text = f"n = {record.n}" if record.n is not None else ""
    if record.events is not None:
        text += f", {record.events} events"
    return text


# Each kind's caption; the words in braces are filled by :func:`caption`.
CAPTIONS = {
    "km_joint": (
        "Kaplan-Meier estimates of {endpoint} in the four groups of median splits of "
        "{marker} (within each cohort), {count}; numbers at risk aligned with the time axis; "
        "k-group log-rank p in the panel."
    ),
    "km": (
        "Kaplan-Meier estimates of {endpoint} by {marker} groups ({cut} within each cohort), "
        "{count}; censoring marks; numbers at risk aligned with the time axis; hazard ratio "
        "(high vs low, {cox}) and log-rank p (stratified by cohort when pooled) in the panel."
    ),
    "cuminc": (
        "Cumulative incidence (Aalen-Johansen) of {endpoint} by {marker} groups ({cut} within "
        "each cohort), {count} of the event of interest, with competing events as competing "
        "risks, not censored; {level} pointwise bands (log(-log) transform of cmprsk's "
        "variance); Gray's test p (stratified by cohort when pooled) and the Fine-Gray "
        "subdistribution hazard ratio (high vs low) in the panel."
    ),
    "predictive": (
        "Predictive analysis (secondary): hazard ratio of {endpoint} for {treatment} {arm} "
        "against {reference} within the {cut} groups of {marker} (formed within each cohort, "
        "on every patient whatever the arm) and over all patients of the two arms (diamond), "
        "{count}; Cox models stratified by cohort when cohorts are pooled, {ties} ties, "
        "{level} Wald CI. The interaction p in the title is the Wald test of the {marker} x "
        "{treatment} product term in the model with both and their product; a marker whose "
        "treatment hazard ratio differs between its groups is predictive, whether or not it "
        "is prognostic."
    ),
    "forest_cohorts": (
        "Forest plot of the {endpoint} hazard ratio per 1 SD of {marker} in each cohort "
        "({cox}), {count}, with the {pooling} pooled estimate (diamond) and its p; squares "
        "sized by, and the last column giving, each cohort's weight in it; {level} "
        "prediction interval where at least three cohorts are pooled."
    ),
    "forest_pancancer": (
        "Forest plot of the {endpoint} hazard ratio per 1 SD of {marker} in each cancer type "
        "(Cox stratified by cohort, {ties} ties, {level} CI, Benjamini-Hochberg q), {count}, "
        "with the {pooling} pan-cancer pooled estimate and its p; squares sized by, and the "
        "last column giving, each cancer type's weight in it; {level} prediction interval "
        "where at least three cancer types are pooled."
    ),
    "cutpoint_scan": (
        "Exploratory cutpoint scan of {marker} for {endpoint} ({cohort}), {count}: "
        "standardized log-rank statistic at each candidate cutpoint between the {minprop} "
        "and {maxprop} quantiles, the chosen cutpoint, and its p-value corrected for the "
        "search."
    ),
    "spline": (
        "Hazard ratio of {endpoint} over {marker} (standardized) relative to its median, from a "
        "restricted cubic spline in a Cox model (knots at the {knots} quantiles), with "
        "{level} pointwise confidence band and a rug of observed values; {count}."
    ),
    "schoenfeld": (
        "Proportional-hazards diagnostic for {marker} and {endpoint}: scaled Schoenfeld "
        "residuals against {transform} with a spline smooth and its 95% band, and the "
        "cox.zph score test p-value (survival 3.x); {count}."
    ),
    "pancancer_map": (
        "Hazard ratio per 1 SD of each marker (continuous, standardized within cohort) for "
        "each cancer type and endpoint, from Cox models stratified by cohort, printed in each "
        "cell on a log colour scale centred at HR = 1; * q < 0.05, ** q < 0.01 "
        "(Benjamini-Hochberg within each model family); \u2020 proportional-hazards test "
        "p < {ph_alpha}; {n} estimates."
    ),
    "flow": (
        "REMARK patient-flow diagram from flow.json: records read per cohort and table, "
        "exclusions with their reasons, patients included, and counts per cancer type with "
        "markers and events."
    ),
    "qc_distributions": (
        "Harmonization QC for {marker}: values per cohort as recorded (source unit or scale) "
        "and after harmonization, values below the detection limit marked; {n} values."
    ),
    "qc_lod": "Fraction of marker values below the detection limit per cohort and marker.",
    "qc_scales": "Units and scoring systems of each marker per cohort after harmonization.",
    "association": (
        "Association of {marker} (standardized) per cancer type: Spearman correlation with "
        "{level} CI (Fisher z, Bonett-Wright variance); n = {n} patients with both markers."
    ),
}


def caption(record: FigureRecord, settings: AnalysisSettings, labels: Labels) -> str:
    """The caption of a figure, in sentences."""
    kind = "km" if record.kind.startswith("km_") and record.kind != "km_joint" else record.kind
    if kind not in CAPTIONS:
        raise ValueError(f"no caption for figure kind {record.kind!r}")
    level = f"{settings.conf_level:.0%}"
    *knots, last = (f"{q:g}" for q in settings.spline_knots)
    return CAPTIONS[kind].format(
        marker=labels.marker(record.marker, joiner=" and "),
        endpoint=labels.endpoint(record.endpoint) if record.endpoint else "",
        count=counts(record),
        n=record.n,
        cut=CUT_METHOD_LABELS.get(record.cut, record.cut),
        cohort=record.cohort,
        level=level,
        ties=TIES[settings.ties],
        pooling=POOLING[settings.meta_method],
        ph_alpha=f"{settings.ph_alpha:g}",
        cox=f"Cox, {TIES[settings.ties]} ties, {level} Wald CI",
        minprop=f"{settings.cutpoint_minprop:g}",
        maxprop=f"{settings.cutpoint_maxprop:g}",
        knots=f"{', '.join(knots)} and {last}",
        transform=TRANSFORMS[settings.ph_transform],
        **treatment_words(record, settings),
    )


def treatment_words(record: FigureRecord, settings: AnalysisSettings) -> dict[str, str]:
    """The treatment's label, the arm a figure compares and the reference arm."""
    treatment = settings.treatment
    if treatment is None:
        return {"treatment": "", "arm": record.arm, "reference": ""}
    return {"treatment": treatment.label, "arm": record.arm, "reference": treatment.reference}


def catalog_frame(
    records: list[FigureRecord], settings: AnalysisSettings, labels: Labels
) -> pd.DataFrame:
    """The ``figures.tsv`` rows of a folder: each record with its caption, by file stem."""
    rows = [{**asdict(r), "caption": caption(r, settings, labels)} for r in records]
    columns = [*FigureRecord.__dataclass_fields__, "caption"]
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("n", "events"):
        frame[column] = frame[column].astype("Int64")
    return frame.sort_values("figure", kind="stable").reset_index(drop=True)
