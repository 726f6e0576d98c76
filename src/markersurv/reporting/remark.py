"""The REMARK checklist (McShane et al. 2005), with where this report answers each item.

References
----------
McShane LM, Altman DG, Sauerbrei W, Taube SE, Gion M, Clark GM. REporting recommendations
for tumour MARKer prognostic studies (REMARK). Br J Cancer 2005;93:387-391.
Altman DG, McShane LM, Sauerbrei W, Taube SE. Reporting recommendations for tumor marker
prognostic studies (REMARK): explanation and elaboration. PLoS Med 2012;9:e1001216.
"""

from __future__ import annotations

from html import escape

# (item, short paraphrase of the item, anchor in the narrative page or None, how answered)
ITEMS = [
    (
        1,
        "Marker, objectives, pre-specified hypotheses",
        "methods-0",
        "Markers and endpoints from the config; no direction is assumed (two-sided tests).",
    ),
    (
        2,
        "Patients: source, inclusion and exclusion criteria",
        "flow",
        "Cohort specs (description, provenance) and the exclusions ledger with reasons.",
    ),
    (3, "Treatments received", None, "Not in the harmonized data; to be supplied by authors."),
    (
        4,
        "Biological material, preservation, storage",
        None,
        "Not in the harmonized data; to be supplied by authors (marker scales are listed).",
    ),
    (
        5,
        "Assay method, scoring, blinding",
        "table-one",
        "Units and scoring systems per cohort (Table 1, harmonization QC); protocols and "
        "blinding to be supplied by authors.",
    ),
    (
        6,
        "Case selection, period, follow-up",
        "table-one",
        "Median follow-up (reverse Kaplan-Meier) per cohort in Table 1.",
    ),
    (7, "Clinical endpoints defined", "methods-0", "Endpoints from the config and cohort specs."),
    (8, "Candidate variables", "methods-2", "Markers and the configured covariates."),
    (
        9,
        "Sample size rationale",
        None,
        "Not applicable to the pipeline; events per analysis are reported with every estimate.",
    ),
    (
        10,
        "Statistical methods, assumptions, missing data",
        "methods-2",
        "Methods section (models, PH tests, missing-data handling, multiplicity, power, "
        "competing risks, a treatment and delayed entry where declared).",
    ),
    (
        11,
        "Handling of marker values, cutpoints",
        "methods-5",
        "Standardization, median/quantile splits, exploratory optimal and cross-validated "
        "cutpoints.",
    ),
    (
        12,
        "Flow of patients, numbers and events",
        "flow",
        "Patient-flow table and diagram; n and events in every result row.",
    ),
    (
        13,
        "Demographics, prognostic variables, marker distributions, missing",
        "table-one",
        "Table 1 with missing values; harmonization QC figures.",
    ),
    (
        14,
        "Relation of the marker to standard prognostic variables",
        "association",
        "univariable clinical covariate HRs (cox.tsv, model clinical).",
    ),
    (
        15,
        "Univariable marker-outcome analyses, Kaplan-Meier",
        "results",
        "Continuous and dichotomized Cox models, Kaplan-Meier figures and km.tsv.",
    ),
    (
        16,
        "Multivariable analyses with CIs for all variables",
        "results",
        "Adjusted model, every term with its CI (cox.tsv, model adjusted).",
    ),
    (
        17,
        "Effects with marker and standard variables together",
        "results",
        "Adjusted model reported regardless of significance.",
    ),
    (
        18,
        "Further investigations: assumptions, sensitivity, validation",
        "cautions",
        "PH tests, spline nonlinearity, cross-validated cutpoints, pooling heterogeneity, "
        "differences between cancer types and meta-regression on their attributes "
        "(meta_regression.tsv).",
    ),
    (
        19,
        "Interpretation in context, limitations",
        "cautions",
        "Automatic cautions; interpretation to be written by authors.",
    ),
    (20, "Implications for research and clinical value", None, "To be written by authors."),
]


# What item 15 adds where an endpoint declares a competing event, and where a treatment is
# declared.
COMPETING_ANSWER = (
    " Cumulative incidence figures with Gray's test, cause-specific and Fine-Gray models "
    "(cuminc.tsv, competing.tsv)."
)
PREDICTIVE_ANSWER = (
    " The treatment hazard ratio within marker groups and the marker x treatment "
    "interaction, reported as predictive (predictive.tsv, predictive forest figures)."
)


# Items 3 and 4 where the data answer part of them: a declared treatment, sample types
# read from the sample ids.
TREATMENT_ANSWER = (
    "The declared treatment of the cohorts that map it (predictive analysis); other "
    "treatments received to be supplied by authors."
)
SAMPLE_TYPES_ANSWER = (
    "Sample types used and excluded per cohort (patient flow); preservation and storage to "
    "be supplied by authors."
)


def remark_html(
    marker_labels: list[str],
    *,
    competing: bool = False,
    predictive: bool = False,
    sample_types: bool = False,
) -> str:
    """The checklist; the association of the first two markers is named where there are two,
    competing risks and predictive analyses where the config declares them, the sample
    types where a cohort's ids carry them."""
    pair = len(marker_labels) >= 2
    rows = []
    for item, text, anchor, how in ITEMS:
        if item == 3 and predictive:
            anchor, how = "predictive", TREATMENT_ANSWER
        if item == 4 and sample_types:
            anchor, how = "sample-types", SAMPLE_TYPES_ANSWER
        if item == 15:
            how += (COMPETING_ANSWER if competing else "") + (
                PREDICTIVE_ANSWER if predictive else ""
            )
        if anchor == "association":
            # The association section exists only where two markers are configured.
            how = f"{marker_labels[0]} vs {marker_labels[1]} association; {how}" if pair else how
            anchor = anchor if pair else None
        where = f'<a href="#{anchor}">{escape(how)}</a>' if anchor else escape(how)
        rows.append(f"<tr><td>{item}</td><td>{escape(text)}</td><td>{where}</td></tr>")
    return (
        '<table class="remark"><thead><tr><th>Item</th><th>REMARK asks for</th>'
        "<th>Where this report answers it</th></tr></thead><tbody>\n"
        + "\n".join(rows)
        + "\n</tbody></table>"
    )
