"""Methods text generated from the run's config and the versions of the libraries used."""

from __future__ import annotations

import platform
from html import escape
from importlib.metadata import PackageNotFoundError, version

from markersurv.cohort.vocab import Vocabulary
from markersurv.config.covariates import BUILT_IN, Covariate
from markersurv.config.settings import AnalysisSettings
from markersurv.config.study import Endpoint, Marker, Study
from markersurv.reporting.beyond_methods import (
    competing_text,
    delayed_entry_text,
    meta_regression_text,
    nonproportional_text,
    power_text,
    predictive_text,
)
from markersurv.reporting.words import a_list, sentence

PACKAGES = (
    "markersurv",
    "numpy",
    "scipy",
    "pandas",
    "scikit-learn",
    "matplotlib",
    "seaborn",
    "snakemake",
)
CONF_TYPES = {"log": "log (as R's survfit default)", "log-log": "log-log", "plain": "plain"}


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def unit_conversions(study: Study, vocabulary: Vocabulary) -> dict[str, list[str]]:
    """For each concentration marker, its units converted on the way to the canonical one
    (``ng/mL x 1000``), as the marker-scale vocabulary states them."""
    conversions = {}
    for marker in study.of_kind("concentration"):
        scales = (
            vocabulary.marker_scale(marker.id, name) for name in vocabulary.scale_names(marker.id)
        )
        conversions[marker.id] = [
            f"{s.name} x {s.factor:g}" for s in scales if s and s.converts and s.factor != 1
        ]
    return conversions


def described(marker: Marker) -> str:
    return f"{marker.sample} {marker.label}" if marker.sample else marker.label


def marker_text(study: Study, conversions: dict[str, list[str]]) -> str:
    """What happened to each marker's values, by what the config says it measures."""
    parts = []
    for marker in study.of_kind("concentration"):
        unit = marker.unit or "one unit per marker"
        text = f"{described(marker)} was converted to {unit}"
        if conversions.get(marker.id):
            text += f" ({'; '.join(conversions[marker.id])})"
        parts.append(sentence(text) + ".")
    kept = [m for m in study.markers if m.kind != "concentration"]
    if kept:
        verb = "was" if len(kept) == 1 else "were"
        parts.append(
            sentence(a_list([described(m) for m in kept]))
            + f" {verb} kept on the scale or platform each cohort recorded."
        )
    return " ".join(parts)


def endpoint_words(endpoint: Endpoint) -> str:
    """'Disease-specific survival (dss: death with tumour; competing event: death from
    other causes, censored)': the label, id and the declared definition."""
    details = [d for d in (endpoint.definition,) if d]
    if endpoint.competing:
        details.append(f"competing event: {endpoint.competing}, censored")
    return f"{endpoint.label} ({'; '.join([endpoint.id, *details])})"


def primary_text(settings: AnalysisSettings, study: Study) -> str:
    """The declared primary analysis in words, or that none was declared."""
    primary = settings.primary
    if not primary:
        return (
            "No primary analysis was declared: every estimate is secondary, or exploratory "
            "where the data chose the groups."
        )
    markers = ", ".join(study.marker(m).label for m in primary["markers"])
    endpoints = ", ".join(study.endpoint_labels()[e] for e in primary["endpoints"])
    model = primary["model"].replace("_", " ")
    if primary["model"] == "dichotomized":
        model += f" ({primary.get('cut_method', 'median')} split)"
    return (
        f"The primary analysis, declared before the data were seen, is the {model} model of "
        f"{markers} for {endpoints}, pooled within each cancer type; it forms its own "
        "family, and every other estimate is secondary or exploratory."
    )


def covariate_words(covariate: Covariate) -> str:
    """'age (per year)', 'stage (II, III, IV vs I)', 'HPV status (positive vs negative)':
    built-in labels in lower case, inside a sentence; declared labels as written."""
    label = covariate.label.lower() if covariate.id in BUILT_IN else covariate.label
    if covariate.type == "continuous":
        return f"{label} (per {covariate.unit or 'unit'})"
    return f"{label} ({', '.join(covariate.levels[1:])} vs {covariate.reference})"


def covariates_text(settings: AnalysisSettings) -> str:
    """The covariate sets of the adjusted models in words, the cancer types with their own
    set named after the default one."""

    def words(ids) -> str:
        declared = settings.covariate_declarations
        return ", ".join(covariate_words(declared[i]) for i in ids) or "nothing"

    text = words(settings.covariates)
    own = [
        f"{words(ids)} in {cancer_type}"
        for cancer_type, ids in sorted(settings.covariates_by_cancer_type.items())
    ]
    return text + (f" ({'; '.join(own)})" if own else "")


def doubling_text(study: Study) -> str:
    """The hazard ratio per doubling, for the concentration markers."""
    markers = study.of_kind("concentration")
    if not markers:
        return ""
    named = a_list([f"{m.label} (in {m.unit})" if m.unit else m.label for m in markers])
    return (
        f" For {named}, the hazard ratio per doubling of the concentration (a Cox model of "
        "its log2, stratified as above) is reported as well."
    )


def methods_paragraphs(
    config: dict,
    settings: AnalysisSettings,
    n_cohorts: int,
    synthetic: bool,
    conversions: dict[str, list[str]],
    entry_endpoints: list[str] | None = None,
) -> list[tuple[str, str]]:
    """(heading, text) pairs; plain text, escaped when rendered (``config`` with its
    defaults filled, :func:`markersurv.config.settings.with_defaults`; ``entry_endpoints``
    the endpoints some patients entered after the time origin)."""
    s = settings
    study = Study.from_config(config)
    policy = {
        "half": "half the limit (LOD/2)",
        "sqrt2": "LOD/sqrt(2)",
        "exclude": "missing (flag kept)",
    }[config["detection_limit_policy"]]
    covariates = covariates_text(s)
    studied = (
        "Markers: "
        + "; ".join(f"{m['label']} ({m['id']})" for m in config["markers"])
        + ". Endpoints: "
        + "; ".join(endpoint_words(e) for e in study.endpoints)
        + ". No direction of effect is assumed: every test is two-sided. "
    )
    data = studied + (
        f"{n_cohorts} cohort(s) were harmonized from their source files as declared in one "
        "spec per cohort. Follow-up times are in months (1 month = 30.4375 days). "
        f"{marker_text(study, conversions)} Values below a detection limit were set to "
        f"{policy} and flagged. Each marker was transformed as the vocabulary of its scale "
        "states (log2 for concentrations, log2(x+1) for RNA-seq counts, none for scores) "
        "and standardized within cohort and "
        "cancer type (mean 0, SD 1), so hazard ratios are per 1 SD. Stages were collapsed to "
        "I-IV and grouped early (0-II) or late (III-IV). Every source record is either in the "
        "patient table or in the exclusions ledger with a reason."
    )
    if synthetic:
        data += " The data analysed are SYNTHETIC (simulated from a stated truth)."
    km = (
        "Survival was estimated by Kaplan-Meier with Greenwood variances and pointwise "
        f"{s.conf_level:.0%} confidence intervals on the {CONF_TYPES[s.km_conf_type]} scale; "
        "median survival and its interval follow R's survfit. Marker groups were formed "
        "within each cohort: above vs at-or-below the median, tertiles and quartiles "
        "(quantile type 7)"
        + (", fixed cutpoints" if "fixed" in s.cut_methods else "")
        + ". Groups were compared by the log-rank test (k-group, and the test for trend over "
        "ordered groups), stratified by cohort when cohorts were pooled."
    )
    cox = (
        f"Cox proportional-hazards models used the {s.ties.capitalize()} approximation for "
        "tied times, fitted by Newton-Raphson with step halving (as R's coxph); a fit that did "
        "not converge, or whose log-likelihood fell below the null model's, is reported as not "
        "estimable rather than as numbers. Pooled analyses within a cancer type were "
        "stratified by cohort. Models: the continuous marker (per 1 SD), the median split, "
        f"the marker adjusted for {covariates}, each covariate alone, "
        + (
            f"the {study.markers[0].label} x {study.markers[1].label} interaction, "
            if len(study.markers) >= 2
            else ""
        )
        + "and a restricted cubic spline of the marker with knots at the "
        + ", ".join(f"{k:.0%}" for k in s.spline_knots)
        + " quantiles (likelihood-ratio test "
        "of nonlinearity). Wald, likelihood-ratio and score tests and Harrell's concordance "
        f"are reported. Models with fewer than {s.min_events} events were not fitted. "
        + power_text(s)
        + doubling_text(study)
        + " Populations: every model of a marker uses the patients in whom it was measured "
        "and who have the endpoint; the covariates alone are fitted both on them and on "
        "every patient with follow-up for the endpoint, measured or not (marker none in "
        "cox.tsv), and the report compares the two."
    )
    missing = (
        "Missing covariates were handled by complete-case analysis."
        if s.missing_covariates == "complete_case"
        else f"Missing covariates were multiply imputed (m = {s.imputations}, chained "
        "equations with posterior draws, the event indicator and Nelson-Aalen cumulative "
        "hazard in the imputation model) and estimates combined by Rubin's rules."
    )
    ph = (
        "Proportional hazards were assessed by the score test of survival 3.x's cox.zph "
        f"(time transform {s.ph_transform}), per term and globally; a term with p < "
        f"{s.ph_alpha} is flagged. " + nonproportional_text(s)
    )
    cut = (
        "Optimal cutpoints (exploratory) maximize the standardized log-rank statistic between "
        f"the {s.cutpoint_minprop:.0%} and {s.cutpoint_maxprop:.0%} quantiles of each cohort; "
        "their p-values are corrected for the search by Lausen and Schumacher (1994, capped "
        "at 1) and by Hothorn and Lausen (2003; exact up to "
        f"{s.hl_exact_max_n} patients, normal approximation of the permutation distributions "
        f"above). A {s.cv_folds}-fold cross-validated cutpoint (seed {s.seed}) gives the "
        "hazard ratio of a split chosen without the patients it labels."
    )
    pooling = (
        "Log hazard ratios were pooled across the cohorts of each cancer type, and across "
        f"cancer types, by random effects ({s.meta_method} primary; DerSimonian-Laird also "
        "reported" + ("; Knapp-Hartung adjustment" if s.knapp_hartung else "") + "), with "
        "tau^2, I^2, Cochran's Q and the 95% prediction interval (where at least three "
        "estimates were pooled). " + meta_regression_text(s) + " Benjamini-Hochberg q-values "
        "control the false discovery rate within each family of tests (one model kind across "
        "all cancer types, markers and endpoints); the family is named in each table row. "
        + primary_text(s, study)
        + " A split the data chose (optimal cutpoint) is exploratory: it carries the "
        "search-corrected p of its cohort's scan, never a naive p or a q-value."
    )
    added = (
        "The added prognostic value of each marker is the change in Harrell's concordance "
        "from the clinical model to clinical + marker, with a percentile bootstrap interval "
        f"({s.bootstrap_replicates} replicates, seed {s.seed}, risk scores held fixed), and "
        "the likelihood-ratio test of the marker added to the clinical model."
    )
    versions = ", ".join(f"{k} {v}" for k, v in library_versions().items())
    return [
        ("Data and harmonization", data),
        ("Kaplan-Meier and log-rank", km),
        ("Cox models", cox),
        ("Missing data", missing),
        ("Proportional hazards", ph),
        ("Cutpoints", cut),
        ("Pooling and multiplicity", pooling),
        ("Added value", added),
        *optional("Competing risks", competing_text(s, study)),
        *optional("Predictive markers", predictive_text(s, study)),
        *optional("Delayed entry", delayed_entry_text(entry_endpoints or [], study)),
        ("Software", f"Computed with {versions}."),
    ]


def optional(heading: str, text: str) -> list[tuple[str, str]]:
    """A paragraph that the config (or the data) may leave without text: none then."""
    return [(heading, text)] if text else []


def methods_html(paragraphs: list[tuple[str, str]]) -> str:
    return "\n".join(
        f'<h3 id="methods-{i}">{escape(h)}</h3>\n<p>{escape(t)}</p>'
        for i, (h, t) in enumerate(paragraphs)
    )
