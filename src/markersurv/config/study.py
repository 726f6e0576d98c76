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
    """An endpoint: its label, what counts as the event (``definition``), the competing
    event if the config declares one, and the data source's cautions by cancer type."""

    id: str
    label: str
    definition: str | None = None
    competing: str | None = None
    cautions: tuple[dict, ...] = ()

    def caution_for(self, cancer_type: str) -> str | None:
        """The data source's caution about this endpoint in ``cancer_type``, if any."""
        for caution in self.cautions:
            listed = caution.get("cancer_types")
            excepted = caution.get("except_cancer_types")
            if (listed is not None and cancer_type in listed) or (
                excepted is not None and cancer_type not in excepted
            ):
                return caution["note"]
        return None


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
            endpoints=tuple(
                Endpoint(
                    e["id"],
                    e["label"],
                    e.get("definition"),
                    e.get("competing"),
                    tuple(e["cautions"]),
                )
                for e in filled["endpoints"]
            ),
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
