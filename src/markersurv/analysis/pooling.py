"""Across cancer types: random-effects pooling and Benjamini-Hochberg q-values.

Pooling combines the log hazard ratios of a marker term (continuous, median-dichotomized and
adjusted models) across the cohorts of each cancer type, and across cancer types
(pan-cancer, from each type's cohort-stratified estimate), by REML and DerSimonian-Laird.
Each study's share of a pooled estimate is written beside it (pooling_weights.tsv).

q-values control the false discovery rate within declared families of primary tests: one
family per model kind (and cut method or test), spanning all cancer types x markers x
endpoints of the pooled (``cohort = all``) analyses. The family is named in each row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from markersurv.analysis.meta_regression import meta_regression_table
from markersurv.analysis.roles import with_roles
from markersurv.config.settings import AnalysisSettings
from markersurv.stats.meta import Method, Test, random_effects
from markersurv.stats.multiplicity import benjamini_hochberg

LEADING = ["cancer_type", "cohort", "endpoint", "marker"]
# The marker key of the models fitted on every patient with follow-up, without a marker.
NO_MARKER = "none"
# A prediction interval from fewer estimates rests on a between-study variance estimated from
# one or two values: pooled rows give it only from three estimates on.
MIN_ESTIMATES_FOR_PREDICTION = 3
POOLED_MODELS = {"continuous": "none", "dichotomized": "median", "adjusted": "none"}
POOLED_COLUMNS = [
    "cancer_type",
    "cohort",
    "endpoint",
    "marker",
    "scope",
    "model",
    "term",
    "method",
    "test",
    "k",
    "log_hr",
    "se",
    "hr",
    "hr_lower",
    "hr_upper",
    "p",
    "tau2",
    "i2",
    "q_stat",
    "q_p",
    "pi_lower",
    "pi_upper",
    "cohorts",
    "status",
    "note",
]
WEIGHT_COLUMNS = [*LEADING, "scope", "model", "term", "method", "study", "weight"]


def marker_term(model: str, marker: str) -> str:
    return f"{marker}_high" if model == "dichotomized" else f"{marker}_z"


def cox_family(row) -> str | None:
    """The multiplicity family of a cox.tsv row's test, or None: the declared primary
    analysis is its own family; a data-chosen cutpoint has no q (its p is corrected)."""
    if row.cohort != "all" or row.cut_method == "optimal":
        return None
    if row.role == "primary":
        return "primary"
    model, term, marker = row.model, row.term, row.marker
    if model == "clinical":
        # On every patient with follow-up (marker none) or on a marker's subset: different
        # populations, so different families.
        return f"clinical:{term}:followup" if marker == NO_MARKER else f"clinical:{term}"
    if model in ("continuous", "adjusted") and term == f"{marker}_z":
        return model
    if model == "dichotomized" and term == f"{marker}_high":
        return f"dichotomized:{row.cut_method}"
    if model == "spline" and term == "nonlinearity":
        return "spline:nonlinearity"
    if model == "interaction" and ":" in term:
        return "interaction"
    return None


def add_q(frame: pd.DataFrame, families: pd.Series) -> pd.DataFrame:
    """``q`` (BH within each family) and ``family``; NaN/empty outside every family."""
    frame = frame.copy()
    frame["family"] = families.fillna("")
    frame["q"] = np.nan
    for _, rows in frame[families.notna()].groupby("family"):
        frame.loc[rows.index, "q"] = benjamini_hochberg(rows["p"].to_numpy(dtype=float))
    return frame


def pool(
    estimates: pd.DataFrame,
    scope: str,
    endpoint: str,
    marker: str,
    model: str,
    term: str,
    settings: AnalysisSettings,
) -> list[dict]:
    """Pooled rows (REML and DL) from estimable per-study rows of one term."""
    usable = usable_estimates(estimates)
    label_column = "cohort" if scope != "pan-cancer" else "cancer_type"
    rows = []
    test: Test = "knha" if settings.knapp_hartung else "z"
    methods: list[Method] = [settings.meta_method]
    methods += [m for m in ("REML", "DL") if m != settings.meta_method]
    for method in methods:
        base = {
            "cancer_type": scope,
            "cohort": "pooled",
            "scope": scope,
            "endpoint": endpoint,
            "marker": marker,
            "model": model,
            "term": term,
            "method": method,
            "test": test,
            "k": len(usable),
            "cohorts": ",".join(usable[label_column].astype(str)),
        }
        if len(usable) < 2:
            rows.append(
                {
                    **dict.fromkeys(POOLED_COLUMNS, np.nan),
                    **base,
                    "status": "not_estimable",
                    "note": f"{len(usable)} estimable stud{'y' if len(usable) == 1 else 'ies'}"
                    "; pooling needs at least 2",
                }
            )
            continue
        result = random_effects(
            usable["coef"].to_numpy(float),
            usable["se"].to_numpy(float),
            method=method,
            test=test,
            level=settings.conf_level,
        )
        predicted = len(usable) >= MIN_ESTIMATES_FOR_PREDICTION
        note = result.note
        if not predicted:
            note = "; ".join(
                [
                    *filter(None, [note]),
                    f"no prediction interval: fewer than {MIN_ESTIMATES_FOR_PREDICTION} estimates",
                ]
            )
        rows.append(
            {
                **base,
                "log_hr": result.estimate,
                "se": result.se,
                "hr": np.exp(result.estimate),
                "hr_lower": np.exp(result.ci_lower),
                "hr_upper": np.exp(result.ci_upper),
                "p": result.p,
                "tau2": result.tau2,
                "i2": result.i2,
                "q_stat": result.q_stat,
                "q_p": result.q_p,
                "pi_lower": np.exp(result.pi_lower) if predicted else np.nan,
                "pi_upper": np.exp(result.pi_upper) if predicted else np.nan,
                "status": result.status,
                "note": note,
            }
        )
    return rows


def usable_estimates(estimates: pd.DataFrame) -> pd.DataFrame:
    """The per-study rows a pooled estimate combines: estimable, with a positive SE."""
    return estimates[
        (estimates["status"] != "not_estimable") & estimates["coef"].notna() & (estimates["se"] > 0)
    ]


def study_weights(se: np.ndarray, tau2: float) -> np.ndarray:
    """Percent weight of each study in an inverse-variance pooled estimate.

    ``w_i = 1 / (se_i^2 + tau^2)``, normalized to sum to 100: the weights of the pooled
    estimate (with tau^2 = 0 for a fixed-effect model), as R's ``weights(rma(...))``
    prints them. A Knapp-Hartung test rescales the SE, not the weights.

    >>> study_weights(np.array([0.1, 0.2]), 0.0).round(6).tolist()
    [80.0, 20.0]

    References
    ----------
    Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package.
    J Stat Softw 36(3):1-48.
    """
    w = 1.0 / (np.asarray(se, dtype=float) ** 2 + tau2)
    return 100.0 * w / w.sum()


def pooling_weights(cox: pd.DataFrame, pooled: pd.DataFrame) -> pd.DataFrame:
    """Each study's weight in each estimable pooled row (pooling_weights.tsv).

    A study is a cohort of the cancer type (scope a cancer type) or a cancer type's
    cohort-stratified estimate (scope pan-cancer); the weights of one pooled row sum to 100.
    """
    rows: list[dict] = []
    estimable = pooled[pooled["status"] != "not_estimable"] if len(pooled) else pooled
    if cox.empty or estimable.empty:
        return pd.DataFrame(columns=WEIGHT_COLUMNS)
    by_model = dict(marker_rows(cox))
    for row in estimable.itertuples():
        subset = by_model[row.model]
        subset = subset[(subset["endpoint"] == row.endpoint) & (subset["marker"] == row.marker)]
        if row.scope == "pan-cancer":
            studies, label = subset[subset["cohort"] == "all"], "cancer_type"
        else:
            studies, label = subset[(subset["cancer_type"] == row.scope)], "cohort"
            studies = studies[studies["cohort"] != "all"]
        studies = usable_estimates(studies)
        weights = study_weights(studies["se"].to_numpy(float), float(row.tau2))
        for (cancer_type, cohort, study), weight in zip(
            studies[["cancer_type", "cohort", label]].itertuples(index=False), weights, strict=True
        ):
            rows.append(
                {
                    "cancer_type": cancer_type,
                    "cohort": cohort,
                    "endpoint": row.endpoint,
                    "marker": row.marker,
                    "scope": row.scope,
                    "model": row.model,
                    "term": row.term,
                    "method": row.method,
                    "study": study,
                    "weight": weight,
                }
            )
    return pd.DataFrame(rows, columns=WEIGHT_COLUMNS)


def marker_rows(cox: pd.DataFrame):
    """(model, rows of its marker term) for each pooled model."""
    for model, cut_method in POOLED_MODELS.items():
        subset = cox[(cox["model"] == model) & (cox["cut_method"] == cut_method)]
        yield model, subset[subset["term"] == [marker_term(model, m) for m in subset["marker"]]]


def type_estimates(cox: pd.DataFrame) -> pd.DataFrame:
    """Each cancer type's cohort-stratified estimate (cohort ``all``) of each pooled model's
    marker term: the studies of pan-cancer pooling and of the meta-regression, with
    ``usable`` saying which can be combined."""
    frames = []
    for model, subset in marker_rows(cox):
        rows = subset[subset["cohort"] == "all"]
        usable = rows.index.isin(usable_estimates(rows).index)
        frames.append(rows.assign(model=model, usable=usable))
    return pd.concat(frames, ignore_index=True)


def pooled_within_types(cox: pd.DataFrame, settings: AnalysisSettings) -> pd.DataFrame:
    """Random-effects pooling across the cohorts of each cancer type (2 cohorts or more)."""
    rows: list[dict] = []
    for model, subset in marker_rows(cox):
        for (cancer_type, endpoint, marker), g in subset.groupby(
            ["cancer_type", "endpoint", "marker"], sort=True
        ):
            per_cohort = g[g["cohort"] != "all"]
            if len(per_cohort) >= 2:
                rows += pool(
                    per_cohort,
                    cancer_type,
                    endpoint,
                    marker,
                    model,
                    marker_term(model, marker),
                    settings,
                )
    return pd.DataFrame(rows, columns=POOLED_COLUMNS)


def pooled_across_types(cox: pd.DataFrame, settings: AnalysisSettings) -> pd.DataFrame:
    """Pan-cancer pooling of each cancer type's cohort-stratified estimate."""
    rows: list[dict] = []
    for model, subset in marker_rows(cox):
        for (endpoint, marker), g in subset[subset["cohort"] == "all"].groupby(
            ["endpoint", "marker"], sort=True
        ):
            rows += pool(
                g, "pan-cancer", endpoint, marker, model, marker_term(model, marker), settings
            )
    return pd.DataFrame(rows, columns=POOLED_COLUMNS)


def finalize_tables(
    parts: list[dict[str, pd.DataFrame]], settings: AnalysisSettings
) -> dict[str, pd.DataFrame]:
    """Concatenate per-cancer-type tables, add q-values, pool, and sort deterministically."""
    names = sorted({name for part in parts for name in part})
    tables = {
        name: pd.concat([p[name] for p in parts if name in p and len(p[name])], ignore_index=True)
        if any(name in p and len(p[name]) for p in parts)
        else pd.DataFrame()
        for name in names
    }
    tables = with_roles(tables, settings)
    if "cox" in tables and len(tables["cox"]):
        cox = tables["cox"]
        tables["cox"] = add_q(
            cox, pd.Series([cox_family(r) for r in cox.itertuples()], index=cox.index, dtype=object)
        )
        within = tables.get("pooled", pd.DataFrame(columns=POOLED_COLUMNS))
        across = pooled_across_types(cox, settings)
        tables["pooled"] = pd.concat(
            [p for p in (within, across) if len(p)] or [across], ignore_index=True
        )
        tables["pooling_weights"] = pooling_weights(tables["cox"], tables["pooled"])
        tables["meta_regression"] = meta_regression_table(type_estimates(cox), settings)
    if "logrank" in tables and len(tables["logrank"]):
        lr = tables["logrank"]
        family = (lr["cut_method"] + ":" + lr["test"]).where(
            (lr["cohort"] == "all") & (lr["cut_method"] != "optimal")
        )
        tables["logrank"] = add_q(lr, family)
    return {name: leading_first(frame) for name, frame in tables.items()}


def leading_first(frame: pd.DataFrame) -> pd.DataFrame:
    """DESIGN's leading columns first, in their order, then the rest as they were."""
    leading = [c for c in LEADING if c in frame.columns]
    return frame[leading + [c for c in frame.columns if c not in leading]]
