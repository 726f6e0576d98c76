"""What a study declares about its markers, endpoints, covariates and treatment: ids, labels,
and for each marker what it measures, where, and in which unit; for each covariate its type,
unit or levels. Every word the figures and the report print about a marker or a covariate
comes from here, never from an id."""

from __future__ import annotations

from dataclasses import dataclass

from markersurv.config.covariates import (
    BUILT_IN_COVARIATES,
    Covariate,
    Treatment,
    declared_covariates,
    declared_treatment,
)
from markersurv.config.settings import with_defaults

KINDS = ("concentration", "tissue_score", "expression", "other")


@dataclass(frozen=True)
class Marker:
    id: str
    label: str
    kind: str
    sample: str | None
    unit: str | None


@dataclass(frozen=True)
class Endpoint:
    id: str
    label: str


@dataclass(frozen=True)
class Study:
    markers: tuple[Marker, ...]
    endpoints: tuple[Endpoint, ...]
    covariates: tuple[Covariate, ...] = BUILT_IN_COVARIATES
    treatment: Treatment | None = None

    @classmethod
    def from_config(cls, config: dict) -> Study:
        filled = with_defaults(config)
        return cls(
            markers=tuple(
                Marker(m["id"], m["label"], m["kind"], m.get("sample"), m.get("unit"))
                for m in filled["markers"]
            ),
            endpoints=tuple(Endpoint(e["id"], e["label"]) for e in filled["endpoints"]),
            covariates=declared_covariates(filled),
            treatment=declared_treatment(filled),
        )

    def marker(self, marker_id: str) -> Marker:
        return next(m for m in self.markers if m.id == marker_id)

    def covariate(self, covariate_id: str) -> Covariate:
        return next(c for c in self.covariates if c.id == covariate_id)

    def added_covariates(self) -> tuple[Covariate, ...]:
        """The covariates the config declares beyond the built-in ones."""
        return self.covariates[len(BUILT_IN_COVARIATES) :]

    def marker_labels(self) -> dict[str, str]:
        return {m.id: m.label for m in self.markers}

    def endpoint_labels(self) -> dict[str, str]:
        return {e.id: e.label for e in self.endpoints}

    def of_kind(self, kind: str) -> tuple[Marker, ...]:
        return tuple(m for m in self.markers if m.kind == kind)
