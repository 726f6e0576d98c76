"""The fields a cohort spec declares, typed: which column holds each, in what unit or coding.

:func:`~markersurv.cohort.spec.read_cohort_spec` builds these once from the schema-valid
YAML with the schema's defaults filled in, so no later step reads the YAML or supplies a
default of its own. The classes mirror the schema's ``$defs``: a column (numeric), a coded
column, a date column, a duration column and a marker source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markersurv.config.schema import load_schema
from markersurv.config.settings import fill_defaults


@dataclass(frozen=True, kw_only=True)
class ColumnSpec:
    """A source column holding a number (age); ``table`` None means the primary table."""

    column: str
    table: str | None = None


@dataclass(frozen=True, kw_only=True)
class CodedColumn(ColumnSpec):
    """A categorical column; ``value_map`` sends source values to canonical codes (None for
    missing) before the vocabulary is applied."""

    value_map: dict[Any, Any] | None = None


@dataclass(frozen=True, kw_only=True)
class DateColumn(ColumnSpec):
    """A calendar-date column and its strftime formats, tried in order."""

    formats: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class DurationColumn(ColumnSpec):
    """A follow-up time column and its unit (days, weeks, months or years)."""

    unit: str


@dataclass(frozen=True, kw_only=True)
class MarkerSource(ColumnSpec):
    """One source column of a marker.

    ``unit`` is the concentration unit or scoring system the spec declares (its ``unit`` or
    ``scale``, which the schema treats as synonyms); ``lod`` the detection limit in that
    unit; ``lod_policy`` None means the config's policy.
    """

    unit: str
    below_lod_tokens: tuple[str, ...]
    lod: float | None = None
    lod_policy: str | None = None
    value_map: dict[Any, Any] | None = None


@dataclass(frozen=True, kw_only=True)
class CancerTypeSpec:
    """One cancer type for the whole cohort (``constant``), or a ``column`` that holds it."""

    constant: str | None = None
    column: CodedColumn | None = None


@dataclass(frozen=True, kw_only=True)
class AgeSpec:
    """Age in years at diagnosis: from a ``column``, or derived from a ``birth_date``."""

    column: ColumnSpec | None = None
    birth_date: DateColumn | None = None


@dataclass(frozen=True, kw_only=True)
class EndpointSpec:
    """One endpoint: a ``time`` and an ``event`` column, or the ``event_dates`` it is derived
    from (with an optional ``event`` status column checked against them)."""

    time: DurationColumn | None = None
    event: CodedColumn | None = None
    event_dates: tuple[str, ...] = ()
    # Whether a competing event ended follow-up (1) or not (0), after its map.
    competing: CodedColumn | None = None

    @property
    def from_dates(self) -> bool:
        return bool(self.event_dates)


@dataclass(frozen=True, kw_only=True)
class MarkerSpec:
    """One marker's sources, first non-missing wins; ``listed`` when the spec declares them
    as a ``sources:`` list (each is then named by its index)."""

    sources: tuple[MarkerSource, ...]
    listed: bool = False


def column_spec(options: dict) -> ColumnSpec:
    return ColumnSpec(column=options["column"], table=options.get("table"))


def coded_column(options: dict) -> CodedColumn:
    return CodedColumn(
        column=options["column"], table=options.get("table"), value_map=options.get("map")
    )


def date_column(options: dict) -> DateColumn:
    formats = options["format"]
    return DateColumn(
        column=options["column"],
        table=options.get("table"),
        formats=(formats,) if isinstance(formats, str) else tuple(formats),
    )


def duration_column(options: dict) -> DurationColumn:
    return DurationColumn(
        column=options["column"], table=options.get("table"), unit=options["unit"]
    )


def marker_source(options: dict) -> MarkerSource:
    """A marker source from options with the schema's defaults filled in."""
    return MarkerSource(
        column=options["column"],
        table=options.get("table"),
        unit=options["unit"] if "unit" in options else options["scale"],
        below_lod_tokens=tuple(options["below_lod_tokens"]),
        lod=options.get("lod"),
        lod_policy=options.get("lod_policy"),
        value_map=options.get("map"),
    )


def cancer_type_spec(options: dict) -> CancerTypeSpec:
    if "constant" in options:
        return CancerTypeSpec(constant=options["constant"])
    return CancerTypeSpec(column=coded_column(options))


def age_spec(options: dict) -> AgeSpec:
    if "birth_date" in options:
        return AgeSpec(birth_date=date_column(options["birth_date"]))
    return AgeSpec(column=column_spec(options))


def endpoint_spec(options: dict) -> EndpointSpec:
    return EndpointSpec(
        time=duration_column(options["time"]) if "time" in options else None,
        event=coded_column(options["event"]) if "event" in options else None,
        event_dates=tuple(options.get("event_dates", ())),
        competing=coded_column(options["competing"]) if "competing" in options else None,
    )


def marker_spec(options: dict) -> MarkerSpec:
    """A marker's sources, each with the schema's defaults of a marker source filled in."""
    listed = "sources" in options
    defaults = load_schema("cohort")["$defs"]["marker_source"]
    return MarkerSpec(
        sources=tuple(
            marker_source(fill_defaults(source, defaults))
            for source in (options["sources"] if listed else [options])
        ),
        listed=listed,
    )
