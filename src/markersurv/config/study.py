"""What a study declares about its markers and endpoints: ids, labels, and for each marker
what it measures, where, and in which unit. Every word the figures and the report print
about a marker comes from here, never from a marker's id."""

from __future__ import annotations

from dataclasses import dataclass

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

    @classmethod
    def from_config(cls, config: dict) -> Study:
        filled = with_defaults(config)
        return cls(
            markers=tuple(
                Marker(m["id"], m["label"], m["kind"], m.get("sample"), m.get("unit"))
                for m in filled["markers"]
            ),
            endpoints=tuple(Endpoint(e["id"], e["label"]) for e in filled["endpoints"]),
        )

    def marker(self, marker_id: str) -> Marker:
        return next(m for m in self.markers if m.id == marker_id)

    def marker_labels(self) -> dict[str, str]:
        return {m.id: m.label for m in self.markers}

    def endpoint_labels(self) -> dict[str, str]:
        return {e.id: e.label for e in self.endpoints}

    def of_kind(self, kind: str) -> tuple[Marker, ...]:
        return tuple(m for m in self.markers if m.kind == kind)
