"""Settings each stage reads, built from the config with the schema's defaults filled in.

The config schema is the one source of every default: :func:`with_defaults` fills them
once, and the settings objects read the filled config without fallbacks of their own.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, fields
from typing import Any, Literal

from markersurv.config.covariates import (
    BUILT_IN,
    Covariate,
    Treatment,
    declared_covariates,
    declared_treatment,
)
from markersurv.config.schema import endpoint_ids, load_schema, marker_ids
from markersurv.errors import ConfigError, Location, Problem, did_you_mean


def fill_defaults(document: dict, schema: dict) -> dict:
    """``document`` with each absent key of an object schema set to its ``default``,
    recursively into mappings and into the mappings an array holds."""
    out = copy.deepcopy(document)
    for key, sub in schema.get("properties", {}).items():
        if key not in out and "default" in sub:
            out[key] = copy.deepcopy(sub["default"])
        if isinstance(out.get(key), dict) and "properties" in sub:
            out[key] = fill_defaults(out[key], sub)
        items = sub.get("items", {})
        if isinstance(out.get(key), list) and "properties" in items:
            out[key] = [fill_defaults(v, items) if isinstance(v, dict) else v for v in out[key]]
    return out


def with_defaults(config: dict) -> dict:
    """The config with every default of the config schema filled in.

    >>> with_defaults({"markers": [], "endpoints": []})["figures"]["dpi"]
    150
    """
    return fill_defaults(config, load_schema("config"))


# analysis keys whose settings are built from their own section, not copied as they are.
BUILT_SEPARATELY = ("covariates_by_cancer_type", "meta_regression")


def analysis_defaults() -> dict:
    """The ``analysis`` section's defaults as the config schema states them."""
    return with_defaults({})["analysis"]


@dataclass(frozen=True)
class MetaRegressionSettings:
    """The config's ``analysis.meta_regression``: cancer-type attributes and the moderators
    regressed on.

    ``attributes`` maps an attribute to each cancer type's value: text (a level of a
    categorical moderator) or a number (a continuous one), never both in one attribute.
    """

    attributes: dict[str, dict[str, str | float]]
    moderators: tuple[str, ...]
    reference_levels: dict[str, str]
    models: tuple[str, ...]
    method: Literal["REML", "DL"]
    test: Literal["knha", "z"]

    @classmethod
    def from_section(cls, section: dict) -> MetaRegressionSettings:
        """From the filled ``analysis.meta_regression``; a :class:`ConfigError` lists every
        moderator without attributes, attribute mixing text and numbers, and reference level
        that is not a level."""
        settings = cls(
            attributes={name: dict(values) for name, values in section["attributes"].items()},
            moderators=tuple(section["moderators"]),
            reference_levels=dict(section["reference_levels"]),
            models=tuple(section["models"]),
            method=section["method"],
            test=section["test"],
        )
        problems = settings.problems()
        if problems:
            raise ConfigError(*problems)
        return settings

    def is_continuous(self, moderator: str) -> bool:
        """Whether a moderator's values are numbers (else text levels)."""
        return all(_is_number(v) for v in self.attributes[moderator].values())

    def problems(self) -> list[Problem]:
        where = Location(file="config")
        key = "analysis.meta_regression"
        found = []
        for moderator in self.moderators:
            if moderator not in self.attributes:
                found.append(
                    Problem(
                        f"{key}.moderators: {moderator!r} is not declared under attributes",
                        where,
                        hint=did_you_mean(moderator, list(self.attributes))
                        if self.attributes
                        else f"declare its value for each cancer type under {key}.attributes",
                    )
                )
        for name, values in self.attributes.items():
            numbers = {_is_number(v) for v in values.values()}
            if len(numbers) > 1:
                found.append(
                    Problem(
                        f"{key}.attributes.{name} mixes text and numbers",
                        where,
                        expected="text levels (categorical) or numbers (continuous)",
                        found=", ".join(f"{t}: {v!r}" for t, v in values.items()),
                    )
                )
        for name, level in self.reference_levels.items():
            values = self.attributes.get(name, {})
            levels = sorted({str(v) for v in values.values()})
            if name not in self.moderators or level not in levels:
                found.append(
                    Problem(
                        f"{key}.reference_levels.{name}: {level!r} is not a level of a "
                        "declared moderator",
                        where,
                        expected=f"one of {levels}" if levels else "a moderator's level",
                    )
                )
        return found


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class AnalysisSettings:
    markers: tuple[str, ...]
    endpoints: tuple[str, ...]
    min_events: int
    min_group_size: int
    ties: Literal["efron", "breslow"]
    km_conf_type: Literal["log", "log-log", "plain"]
    conf_level: float
    survival_times: tuple[float, ...]
    risk_table_times: tuple[float, ...]
    cut_methods: tuple[str, ...]
    fixed_cutpoints: dict
    covariates: tuple[str, ...]
    covariates_by_cancer_type: dict[str, tuple[str, ...]]
    spline_knots: tuple[float, ...]
    ph_transform: Literal["km", "identity", "rank", "log"]
    ph_alpha: float
    cutpoint_minprop: float
    cutpoint_maxprop: float
    hl_exact_max_n: int
    cv_folds: int
    bootstrap_replicates: int
    seed: int
    missing_covariates: str
    imputations: int
    meta_method: Literal["REML", "DL", "FE"]
    knapp_hartung: bool
    fdr_level: float
    power: float
    min_events_per_parameter: float
    # The declared primary analysis (markers, endpoints, model, cut_method), or None.
    primary: dict | None
    rmst_horizon: float | None
    hr_interval_breaks: tuple[float, ...]
    # Concentration markers, each with its declared unit (None when not declared): their
    # hazard ratio is also reported per doubling of the concentration.
    doubling_units: dict[str, str | None]
    # Every covariate a model may name (built in and declared), by id.
    covariate_declarations: dict[str, Covariate]
    # Why effects differ between cancer types: attributes and moderators.
    meta_regression: MetaRegressionSettings
    # The declared treatment (label, levels with the reference first), or None: the
    # predictive analyses compare its arms.
    treatment: Treatment | None = None

    @classmethod
    def from_config(cls, config: dict) -> AnalysisSettings:
        filled = with_defaults(config)
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in filled["analysis"].items()}
        names = {f.name for f in fields(cls)}
        return cls(
            markers=tuple(marker_ids(config)),
            endpoints=tuple(endpoint_ids(config)),
            doubling_units={
                m["id"]: m.get("unit") for m in filled["markers"] if m["kind"] == "concentration"
            },
            covariate_declarations={c.id: c for c in declared_covariates(filled)},
            **{k: v for k, v in values.items() if k in names and k not in BUILT_SEPARATELY},
            covariates_by_cancer_type={
                t: tuple(ids) for t, ids in filled["analysis"]["covariates_by_cancer_type"].items()
            },
            meta_regression=MetaRegressionSettings.from_section(
                filled["analysis"]["meta_regression"]
            ),
            treatment=declared_treatment(filled),
        )

    def covariates_of(self, cancer_type: str) -> tuple[Covariate, ...]:
        """The covariates of this cancer type's models: its own set if the config gives
        one, else ``covariates``."""
        ids = self.covariates_by_cancer_type.get(cancer_type, self.covariates)
        return tuple(self.covariate_declarations[i] for i in ids)


@dataclass(frozen=True)
class FigureSettings:
    """The config's ``figures`` and ``privacy`` sections, as the figure sets read them."""

    formats: tuple[str, ...]
    km_cut_methods: tuple[str, ...]
    detail_endpoints: tuple[str, ...] | None
    dpi: int
    suppress_below: int | None
    publication_kinds: tuple[str, ...]

    @classmethod
    def from_config(cls, config: dict) -> FigureSettings:
        filled = with_defaults(config)
        figures = filled["figures"]
        detail = figures["detail_endpoints"]
        return cls(
            formats=tuple(figures["formats"]),
            km_cut_methods=tuple(figures["km_cut_methods"]),
            detail_endpoints=None if detail is None else tuple(detail),
            dpi=int(figures["dpi"]),
            suppress_below=filled["privacy"]["suppress_counts_below"],
            publication_kinds=tuple(figures["publication_kinds"]),
        )

    def formats_for(self, kind: str) -> tuple[str, ...]:
        """PNG (for the report) for every figure; the configured vector formats (SVG, PDF)
        for publication panels only."""
        if not kind.startswith(self.publication_kinds):
            return ("png",)
        return ("png", *[f for f in self.formats if f != "png"])

    def details_for(self, endpoint: str) -> bool:
        return self.detail_endpoints is None or endpoint in self.detail_endpoints


@dataclass(frozen=True)
class HarmonizeSettings:
    """Where a cohort's files and vocabularies are, and the harmonization choices."""

    data_dirs: dict[str, str]
    vocabulary_dir: str
    markers: tuple[str, ...]
    endpoints: tuple[str, ...]
    lod_policy: str
    key_env: str
    key_file: str
    # The covariates the config declares beyond the built-in ones, and the treatment.
    covariates: tuple[Covariate, ...]
    treatment: Treatment | None
    # Endpoints with a declared competing event.
    competing: tuple[str, ...]

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> HarmonizeSettings:
        filled = with_defaults(config)
        return cls(
            data_dirs=dict(filled["data_dirs"]),
            vocabulary_dir=filled["vocabulary_dir"],
            markers=tuple(marker_ids(filled)),
            endpoints=tuple(endpoint_ids(filled)),
            lod_policy=filled["detection_limit_policy"],
            key_env=filled["pseudonymization"]["key_env"],
            key_file=filled["pseudonymization"]["key_file"],
            covariates=tuple(c for c in declared_covariates(filled) if c.id not in BUILT_IN),
            treatment=declared_treatment(filled),
            competing=tuple(e["id"] for e in filled["endpoints"] if e.get("competing")),
        )
