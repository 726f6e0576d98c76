"""Methods text of the analyses beyond the prognostic models: why effects differ between
cancer types, competing risks, predictive markers, delayed entry, what to read when
proportional hazards fail, and the power beside a null result; each from what the config
declares (and, for delayed entry, the endpoints the data gave an entry time)."""

from __future__ import annotations

from markersurv.analysis.entry import DELAYED_ENTRY_NOTE
from markersurv.config.settings import AnalysisSettings
from markersurv.config.study import Study
from markersurv.reporting.words import a_list


def meta_regression_text(settings: AnalysisSettings) -> str:
    """Why effects differ between cancer types: the subgroup test and the declared moderators."""
    declared = settings.meta_regression
    text = (
        "Differences between cancer types were tested by the fixed-effect test of subgroup "
        "differences (Q between the cancer types' cohort-stratified estimates, with the number "
        "of types minus one degrees of freedom)"
    )
    if not declared.moderators:
        return text + "; no cancer-type attribute was declared for meta-regression."
    tests = "Knapp-Hartung t and F" if declared.test == "knha" else "Wald z and chi-square"
    moderators = a_list(
        [
            f"{m} ({'continuous' if declared.is_continuous(m) else 'categorical'})"
            for m in declared.moderators
        ]
    )
    return (
        text + ", and by random-effects meta-regression of those estimates on each declared "
        f"cancer-type attribute alone, {moderators}, with {declared.method} residual tau^2, "
        f"{tests} tests, the omnibus moderator test QM and metafor's pseudo R^2, where at "
        "least three cancer types, and more than the model has coefficients, had an estimate."
    )


def competing_text(settings: AnalysisSettings, study: Study) -> str:
    """Competing risks in words, for the endpoints declared with a competing event ('' if
    none is)."""
    declared = [e for e in study.endpoints if e.competing and e.id in settings.endpoints]
    if not declared:
        return ""
    named = a_list([f"{e.label} (competing event: {e.competing})" for e in declared])
    splits = two_group_splits(settings)
    return (
        f"For {named}, the competing event was also analysed as a competing risk rather than "
        "censoring: the cumulative incidence of the event of interest in the marker groups "
        f"({splits} within each cohort) was estimated by Aalen-Johansen with cmprsk's "
        f"variance and {settings.conf_level:.0%} pointwise limits on the log(-log) scale, "
        "and compared by Gray's test (rho = 0, stratified by cohort when cohorts were "
        "pooled). The marker (per 1 SD, and high vs low) entered cause-specific Cox models "
        f"(competing events censored, {settings.ties.capitalize()} ties, stratified by "
        "cohort when pooled) and Fine-Gray subdistribution hazard models fitted as R's "
        "cmprsk::crr (inverse-probability-of-censoring weights, Breslow ties, sandwich "
        "standard errors), with one indicator per cohort beyond the first when cohorts were "
        "pooled, as crr has no strata. Gray's test and the Fine-Gray model are reported as "
        f"not estimable without competing events or with fewer than {settings.min_events} "
        "events of interest."
    )


def two_group_splits(settings: AnalysisSettings) -> str:
    """The prespecified two-group splits: 'median split' (and fixed cutpoints if declared)."""
    fixed = "fixed" in settings.cut_methods and settings.fixed_cutpoints
    return "median split" + (" and fixed cutpoints" if fixed else "")


def predictive_text(settings: AnalysisSettings, study: Study) -> str:
    """The predictive analysis in words ('' without a declared treatment)."""
    treatment = settings.treatment
    if treatment is None:
        return ""
    arms = a_list(list(treatment.levels[1:]))
    markers = a_list([study.marker(m).label for m in settings.markers])
    return (
        f"Whether {markers} predict benefit from {treatment.label} (secondary analysis): each "
        f"arm ({arms}) was compared with the reference arm {treatment.reference} on the "
        "patients of the two arms, in Cox models stratified by cohort when cohorts were "
        f"pooled. The treatment hazard ratio is reported within the low and high groups of "
        f"the {two_group_splits(settings)} (formed within each cohort on every patient, "
        "whatever the arm) and over all patients of the two arms; the test of a predictive "
        "effect is the marker x treatment product term, per 1 SD of the marker and of the "
        "split, by its Wald p (interaction_p) and the likelihood-ratio test against the "
        "model without it (interaction_lr_p). Data-chosen splits are not used. A comparison "
        f"is not estimable when an arm within a marker group has fewer than "
        f"{settings.min_group_size} patients or no event, or when no cohort holds both arms."
    )


def delayed_entry_text(entry_endpoints: list[str], study: Study) -> str:
    """Delayed entry in words, for the endpoints some patients entered after the time origin
    ('' when none did)."""
    if not entry_endpoints:
        return ""
    named = a_list([study.endpoint_labels()[e] for e in entry_endpoints])
    return (
        f"For {named}, some patients entered observation after the time origin (delayed "
        "entry, left truncation): Kaplan-Meier estimates, log-rank tests, Cox models and "
        "their concordance and proportional-hazards tests used the counting-process form "
        "Surv(entry, time, event), each patient at risk only from entry, and patients whose "
        "entry was at or after the end of their follow-up are in the exclusions ledger. "
        "Optimal cutpoints, the restricted mean survival time difference, the added "
        "concordance of a marker, cumulative incidence, Gray's test and Fine-Gray models "
        f"have no such form here; their rows say '{DELAYED_ENTRY_NOTE}'."
    )


def nonproportional_text(settings: AnalysisSettings) -> str:
    """What is reported beside a hazard ratio whose proportional-hazards test failed."""
    breaks = a_list([f"{b:g}" for b in settings.hr_interval_breaks])
    horizon = (
        f"{settings.rmst_horizon:g} months"
        if settings.rmst_horizon is not None
        else "the shorter of the two groups' longest follow-up"
    )
    intervals = (
        f"the hazard ratio per 1 SD within time intervals split at {breaks} months (a step "
        "function of time, from the Cox model on follow-up split at those times)"
        if settings.hr_interval_breaks
        else "no time intervals (none configured)"
    )
    return (
        "Beside each hazard ratio, for reading it where proportional hazards fail: "
        f"{intervals}, and the difference in restricted mean survival time between the "
        f"median groups (high minus low, months) up to {horizon}."
    )


def power_text(settings: AnalysisSettings) -> str:
    """The power reported beside every estimate, and the events-per-parameter rule."""
    return (
        "Beside every estimate, the smallest hazard ratio per unit of the term that a "
        f"two-sided test at the {1 - settings.conf_level:g} level detects with "
        f"{settings.power:.0%} power given the model's events and the term's spread "
        "(Schoenfeld 1983, with the variance deflated by 1 - R^2 on the other terms as in "
        "Hsieh and Lavori 2000; min_detectable_hr), to read beside a null result; and the "
        "events per parameter of every model, with a note where it falls below "
        f"{settings.min_events_per_parameter:g}."
    )
