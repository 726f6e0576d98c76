"""Analysis settings: the config's ``analysis`` section with the schema's defaults filled in."""

from __future__ import annotations

from dataclasses import dataclass, fields

from markersurv.config.schema import endpoint_ids, load_schema, marker_ids


def analysis_defaults() -> dict:
    """Defaults as the config schema states them (one source of truth)."""
    properties = load_schema("config")["properties"]["analysis"]["properties"]
    return {key: spec["default"] for key, spec in properties.items()}


@dataclass(frozen=True)
class AnalysisSettings:
    markers: tuple[str, ...]
    endpoints: tuple[str, ...]
    min_events: int
    min_group_size: int
    ties: str
    km_conf_type: str
    conf_level: float
    survival_times: tuple[float, ...]
    risk_table_times: tuple[float, ...]
    cut_methods: tuple[str, ...]
    fixed_cutpoints: dict
    covariates: tuple[str, ...]
    spline_knots: tuple[float, ...]
    ph_transform: str
    ph_alpha: float
    cutpoint_minprop: float
    cutpoint_maxprop: float
    hl_exact_max_n: int
    cv_folds: int
    bootstrap_replicates: int
    seed: int
    missing_covariates: str
    imputations: int
    meta_method: str
    knapp_hartung: bool
    fdr_level: float

    @classmethod
    def from_config(cls, config: dict) -> AnalysisSettings:
        values = {**analysis_defaults(), **config.get("analysis", {})}
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
        names = {f.name for f in fields(cls)}
        return cls(
            markers=tuple(marker_ids(config)),
            endpoints=tuple(endpoint_ids(config)),
            **{k: v for k, v in values.items() if k in names},
        )
