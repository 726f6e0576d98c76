"""What a study declares beyond its markers and endpoints: the covariates (built-in age,
sex, stage and stage group, and those the config adds, each continuous per unit or
categorical with levels, the first the reference), the treatment arms, and the checks of
these and of the declared primary analysis that the schema cannot make."""

from __future__ import annotations

from dataclasses import dataclass

from markersurv.errors import ConfigError, Location, Problem, did_you_mean


@dataclass(frozen=True)
class Covariate:
    """A covariate: ``continuous`` (per ``unit``) or ``categorical`` (``levels``, the first
    of which is the reference)."""

    id: str
    label: str
    type: str
    unit: str | None = None
    levels: tuple[str, ...] = ()

    @property
    def reference(self) -> str:
        return self.levels[0]


# Covariates every cohort spec can map without a declaration; their levels are the codes
# harmonization writes (sex from the sex coding, stage I-IV and its early/late group).
BUILT_IN_COVARIATES = (
    Covariate("age", "Age", "continuous", unit="year"),
    Covariate("sex", "Sex", "categorical", levels=("female", "male")),
    Covariate("stage", "Stage", "categorical", levels=("I", "II", "III", "IV")),
    Covariate("stage_group", "Stage group", "categorical", levels=("early", "late")),
)
BUILT_IN = tuple(c.id for c in BUILT_IN_COVARIATES)


@dataclass(frozen=True)
class Treatment:
    """The treatment arms or regimens, the first of ``levels`` the reference."""

    label: str
    levels: tuple[str, ...]

    @property
    def reference(self) -> str:
        return self.levels[0]


def reference_first(levels: list[str], reference: str | None) -> tuple[str, ...]:
    """``levels`` with the reference level (default the first) moved to the front."""
    if reference is None:
        return tuple(levels)
    if reference not in levels:
        raise ValueError(f"reference level {reference!r} is not one of the levels {levels}")
    return (reference, *[v for v in levels if v != reference])


def declared_covariates(config: dict) -> tuple[Covariate, ...]:
    """The built-in covariates and those the config declares, in that order."""
    declared = tuple(
        Covariate(
            c["id"],
            c["label"],
            c["type"],
            unit=c.get("unit"),
            levels=reference_first(c.get("levels", []), c.get("reference")),
        )
        for c in config.get("covariates") or []
    )
    return BUILT_IN_COVARIATES + declared


def declared_treatment(config: dict) -> Treatment | None:
    treatment = config.get("treatment")
    if treatment is None:
        return None
    levels = reference_first(treatment["levels"], treatment.get("reference"))
    return Treatment(treatment["label"], levels)


def covariate_problems(config: dict) -> list[Problem]:
    """What the schema cannot check: every covariate an analysis names is built in or
    declared, a reference level is one of the levels, and no covariate, marker or endpoint
    id names two things."""
    problems: list[Problem] = []
    where = Location(file="config")
    declared = [c["id"] for c in config.get("covariates") or []]
    for item in [*(config.get("covariates") or []), config.get("treatment") or {}]:
        reference = item.get("reference")
        if reference is not None and reference not in item.get("levels", []):
            name = item.get("id", "treatment")
            problems.append(
                Problem(
                    f"{name}: reference level {reference!r} is not one of its levels",
                    where,
                    found=repr(item.get("levels")),
                    hint="Name the reference level exactly as it appears under `levels`",
                )
            )
    known = [c.id for c in BUILT_IN_COVARIATES] + declared
    analysis = config.get("analysis") or {}
    named = {"analysis.covariates": analysis.get("covariates", [])}
    for cancer_type, ids in (analysis.get("covariates_by_cancer_type") or {}).items():
        named[f"analysis.covariates_by_cancer_type.{cancer_type}"] = ids
    for key, ids in named.items():
        for unknown in [i for i in ids if i not in known]:
            problems.append(
                Problem(
                    f"{key}: covariate {unknown!r} is neither built in nor declared",
                    where,
                    expected=f"one of {known}",
                    hint="Declare it under `covariates:` (id, label, type). "
                    + did_you_mean(unknown, known),
                )
            )
    ids = [*declared, *(m["id"] for m in config["markers"])]
    ids += [e["id"] for e in config["endpoints"]]
    for twice in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(
            Problem(
                f"id {twice!r} names more than one marker, endpoint or covariate",
                where,
                hint="Give each marker, endpoint and covariate its own id",
            )
        )
    return problems


def primary_problems(config: dict) -> list[Problem]:
    """A declared primary analysis names configured markers and endpoints."""
    primary = (config.get("analysis") or {}).get("primary")
    if not primary:
        return []
    problems = []
    for kind in ("markers", "endpoints"):
        known = [item["id"] for item in config[kind]]
        for unknown in [i for i in primary[kind] if i not in known]:
            problems.append(
                Problem(
                    f"analysis.primary.{kind}: {unknown!r} is not one of the config's {kind}",
                    Location(file="config"),
                    hint=did_you_mean(unknown, known),
                )
            )
    return problems


def check_declarations(config: dict) -> dict:
    """``config``, or a :class:`ConfigError` listing every problem of its covariates,
    treatment and primary analysis that the schema cannot check."""
    problems = covariate_problems(config) + primary_problems(config)
    if problems:
        raise ConfigError(*problems)
    return config
