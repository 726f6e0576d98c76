"""Why the marker's effect differs between cancer types (meta_regression.tsv).

Rows lead with the keys of every result table, as pooled.tsv's pan-cancer rows: cancer_type
and scope ``pan-cancer``, cohort ``pooled``.

The studies are the cancer types: each type's cohort-stratified estimate of a model's marker
term (the cox.tsv rows with cohort ``all``, the estimates pan-cancer pooling combines). For
each model, endpoint and marker:

- the test of subgroup differences across cancer types: the fixed-effect Q between the
  types' estimates with (types - 1) degrees of freedom (with one estimate per type, Cochran's
  Q across types; :func:`markersurv.stats.meta_regression.subgroup_difference`); it needs two
  types;
- one random-effects meta-regression per declared moderator (a cancer-type attribute the
  config declares): coefficients on the log hazard ratio scale, the omnibus moderator test QM,
  residual tau^2 and pseudo R^2 (:func:`markersurv.stats.meta_regression.meta_regression`).
  It needs at least three types with an estimate and a value of the moderator, more types
  than coefficients plus one (metafor's rule for a random-effects model), and two levels or
  two distinct values among them; otherwise the row is ``not_estimable`` with the reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from markersurv.config.settings import AnalysisSettings, MetaRegressionSettings
from markersurv.stats.meta_regression import (
    INTERCEPT,
    MetaRegressionResult,
    ModeratorDesign,
    categorical_design,
    continuous_design,
    meta_regression,
    subgroup_difference,
)

SCOPE = "pan-cancer"
# The moderator of the test of subgroup differences: the cancer type itself.
SUBGROUP_MODERATOR = "cancer_type"
MIN_TYPES_FOR_REGRESSION = 3
META_REGRESSION_COLUMNS = [
    "cancer_type",
    "cohort",
    "endpoint",
    "marker",
    "scope",
    "model",
    "method",
    "test",
    "moderator",
    "term",
    "reference",
    "k",
    "estimate",
    "se",
    "statistic",
    "p",
    "ci_lower",
    "ci_upper",
    "qm",
    "qm_df",
    "df_residual",
    "qm_p",
    "qe",
    "qe_df",
    "qe_p",
    "tau2",
    "tau2_without",
    "r2",
    "cancer_types",
    "status",
    "note",
]


def meta_regression_table(estimates: pd.DataFrame, settings: AnalysisSettings) -> pd.DataFrame:
    """meta_regression.tsv from the cancer types' estimates.

    ``estimates`` holds one row per cancer type, model, endpoint and marker (columns
    cancer_type, model, endpoint, marker, coef, se and ``usable``: whether the estimate can
    be combined), as :func:`markersurv.analysis.pooling.type_estimates` gives them.
    """
    declared = settings.meta_regression
    rows: list[dict] = []
    if estimates.empty:
        return pd.DataFrame(rows, columns=META_REGRESSION_COLUMNS)
    chosen = estimates[estimates["model"].isin(declared.models)]
    for (model, endpoint, marker), group in chosen.groupby(
        ["model", "endpoint", "marker"], sort=True
    ):
        usable = group[group["usable"].astype(bool)].sort_values("cancer_type")
        unusable = sorted(set(group["cancer_type"]) - set(usable["cancer_type"]))
        notes = [f"left out (not estimable): {', '.join(unusable)}"] if unusable else []
        keys = {
            "cancer_type": SCOPE,
            "cohort": "pooled",
            "endpoint": endpoint,
            "marker": marker,
            "scope": SCOPE,
            "model": model,
        }
        rows += subgroup_rows(usable, keys, notes)
        for moderator in declared.moderators:
            rows += moderator_rows(usable, moderator, declared, settings.conf_level, keys, notes)
    return pd.DataFrame(rows, columns=META_REGRESSION_COLUMNS)


def subgroup_rows(usable: pd.DataFrame, keys: dict, notes: list[str]) -> list[dict]:
    """The test of subgroup differences across the cancer types: one row. ``notes`` say
    which cancer types were left out, and why."""
    base = {
        **keys,
        "method": "FE",
        "test": "z",
        "moderator": SUBGROUP_MODERATOR,
        "term": SUBGROUP_MODERATOR,
        "reference": "",
        "k": len(usable),
        "cancer_types": ",".join(usable["cancer_type"]),
    }
    if len(usable) < 2:
        needs = f"{len(usable)} cancer type(s) with an estimate; the test needs at least 2"
        return [not_estimable(base, "; ".join([*notes, needs]))]
    result = subgroup_difference(usable["coef"], usable["se"], list(usable["cancer_type"]))
    notes = [*notes, *filter(None, [result.note])]
    return [
        {
            **dict.fromkeys(META_REGRESSION_COLUMNS, np.nan),
            **base,
            "p": result.qm_p,
            **model_tests(result),
            # The saturated model leaves no residual heterogeneity to estimate.
            "qe": np.nan,
            "qe_df": np.nan,
            "qe_p": np.nan,
            "tau2": np.nan,
            "status": "warning" if notes and result.status == "ok" else result.status,
            "note": "; ".join(notes),
        }
    ]


def moderator_rows(
    usable: pd.DataFrame,
    moderator: str,
    declared: MetaRegressionSettings,
    level: float,
    keys: dict,
    notes: list[str],
) -> list[dict]:
    """One meta-regression on ``moderator``: a row per coefficient, or one not_estimable."""
    values = declared.attributes[moderator]
    with_value = usable[usable["cancer_type"].isin(list(values))]
    left_out = sorted(set(usable["cancer_type"]) - set(with_value["cancer_type"]))
    notes = list(notes)
    if left_out:
        notes.append(f"left out (no {moderator} declared): {', '.join(left_out)}")
    continuous = declared.is_continuous(moderator)
    base = {
        **keys,
        "method": declared.method,
        "test": declared.test,
        "moderator": moderator,
        "term": moderator,
        "reference": "",
        "k": len(with_value),
        "cancer_types": ",".join(with_value["cancer_type"]),
    }
    moderator_values = [values[t] for t in with_value["cancer_type"]]
    distinct = sorted({str(v) for v in moderator_values})
    if len(with_value) < MIN_TYPES_FOR_REGRESSION:
        notes.append(
            f"{len(with_value)} cancer type(s) with an estimate and a {moderator}; a "
            f"meta-regression needs at least {MIN_TYPES_FOR_REGRESSION}"
        )
        return [not_estimable(base, "; ".join(notes))]
    if len(distinct) < 2:
        notes.append(
            f"{moderator} has one {'value' if continuous else 'level'} ({distinct[0]}) among "
            "the cancer types with an estimate: nothing to compare"
        )
        return [not_estimable(base, "; ".join(notes))]
    reference = declared.reference_levels.get(moderator)
    if not continuous and reference is not None and reference not in distinct:
        notes.append(
            f"reference level {reference!r} has no cancer type with an estimate; "
            f"{distinct[0]!r} (the first level) is the reference"
        )
        reference = None
    design = moderator_design(moderator_values, moderator, continuous, reference)
    result = meta_regression(
        with_value["coef"],
        with_value["se"],
        design,
        method=declared.method,
        test=declared.test,
        level=level,
    )
    notes += [result.note] if result.note else []
    base["reference"] = design.reference
    if result.status == "not_estimable":
        return [not_estimable(base, "; ".join(notes))]
    status = "warning" if notes else "ok"
    return [
        {
            **base,
            "term": term_name(moderator, term, continuous),
            "estimate": result.estimate[i],
            "se": result.se[i],
            "statistic": result.statistic[i],
            "p": result.p_value[i],
            "ci_lower": result.ci_lower[i],
            "ci_upper": result.ci_upper[i],
            **model_tests(result),
            "status": status,
            "note": "; ".join(notes),
        }
        for i, term in enumerate(result.terms)
    ]


def moderator_design(
    values: list, moderator: str, continuous: bool, reference: str | None
) -> ModeratorDesign:
    if continuous:
        return continuous_design([float(v) for v in values], moderator)
    return categorical_design([str(v) for v in values], reference=reference)


def term_name(moderator: str, term: str, continuous: bool) -> str:
    """``intercept``, the continuous moderator's name, or ``<moderator>[<level>]``."""
    if term == INTERCEPT or continuous:
        return term
    return f"{moderator}[{term}]"


def model_tests(result: MetaRegressionResult) -> dict:
    """The columns every row of one model repeats: moderator and residual tests, tau^2."""
    return {
        "qm": result.qm,
        "qm_df": result.qm_df,
        "df_residual": result.df_residual,
        "qm_p": result.qm_p,
        "qe": result.qe,
        "qe_df": result.qe_df,
        "qe_p": result.qe_p,
        "tau2": result.tau2,
        "tau2_without": result.tau2_without,
        "r2": result.r2,
    }


def not_estimable(base: dict, note: str) -> dict:
    return {
        **dict.fromkeys(META_REGRESSION_COLUMNS, np.nan),
        **base,
        "status": "not_estimable",
        "note": note,
    }
