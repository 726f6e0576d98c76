"""Cohort specs: load safely and strictly (:mod:`~markersurv.cohort.yaml_reader`), check
against the JSON schema, resolve data paths."""

from __future__ import annotations

import glob
import re
from dataclasses import dataclass
from pathlib import Path

from markersurv.cohort.fields import (
    AgeSpec,
    CancerTypeSpec,
    CodedColumn,
    ColumnSpec,
    DateColumn,
    DurationColumn,
    EndpointSpec,
    MarkerSpec,
    age_spec,
    cancer_type_spec,
    coded_column,
    date_column,
    duration_column,
    endpoint_spec,
    marker_spec,
)
from markersurv.cohort.yaml_reader import MAX_YAML_BYTES, MAX_YAML_NODES, read_yaml
from markersurv.config.schema import load_schema, schema_problems
from markersurv.config.settings import fill_defaults
from markersurv.errors import CohortSpecError, Location, Problem

__all__ = ["MAX_YAML_BYTES", "MAX_YAML_NODES", "read_yaml"]  # read from here by callers

PLACEHOLDER = re.compile(r"^\{([A-Za-z0-9_]+)\}")
DEFAULT_MISSING_TOKENS = ("", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "#N/A", "-", ".")
DEFAULT_BELOW_LOD_TOKENS = ("ND", "n.d.", "below LOD", "<LOD", "BLQ", "<LLOQ", "not detected")


@dataclass(frozen=True)
class TableSpec:
    """One source table of a cohort, with its paths resolved."""

    name: str
    pattern: str
    files: tuple[Path, ...]
    options: dict

    @property
    def orientation(self) -> str:
        return self.options.get("orientation", "long")

    def display_name(self, path: Path) -> str:
        """The file as it appears in outputs: the spec's own pattern with the match's name."""
        if len(self.files) == 1 and "*" not in self.pattern:
            return self.pattern
        return str(Path(self.pattern).parent / path.name)


@dataclass(frozen=True, kw_only=True)
class CohortSpec:
    """A validated cohort spec, every field typed and every schema default filled in.

    ``source`` is the spec's file; ``identifiers`` maps a column that holds a direct
    identifier to what is done with it (drop, pseudonymize or keep).
    """

    id: str
    source: str
    description: str
    provenance: str
    tables: dict[str, TableSpec]
    cancer_type: CancerTypeSpec
    markers: dict[str, MarkerSpec]
    endpoints: dict[str, EndpointSpec]
    age: AgeSpec | None
    sex: CodedColumn | None
    stage: CodedColumn | None
    covariates: dict[str, CodedColumn]
    treatment: CodedColumn | None
    # Delayed entry as a duration from the time origin (a date goes under dates.entry).
    entry: DurationColumn | None
    dates: dict[str, DateColumn]
    identifiers: dict[str, str]
    allow_raw_ids: bool
    missing_tokens: tuple[str, ...]
    synthetic: bool
    label: str = ""  # the name figures print; the id where the spec gives none

    @property
    def primary(self) -> str:
        return next(iter(self.tables))

    def table_of(self, field: ColumnSpec) -> str:
        return self.primary if field.table is None else field.table

    def where(self, table: str | None = None, column: str | None = None, row=None) -> dict:
        """Keyword arguments locating a problem, for the error constructors."""
        file = None
        if table is not None and table in self.tables:
            spec = self.tables[table]
            file = spec.pattern if len(spec.files) != 1 else spec.display_name(spec.files[0])
        return {"cohort": self.id, "file": file, "column": column, "row": row}


def resolve_path(pattern: str, data_dirs: dict[str, str], base: Path) -> str:
    """Fill a leading ``{name}`` placeholder from ``data_dirs``; relative paths join base."""
    match = PLACEHOLDER.match(pattern)
    if match:
        name = match.group(1)
        if name not in data_dirs:
            raise KeyError(name)
        pattern = data_dirs[name] + pattern[match.end() :]
    path = Path(pattern).expanduser()
    return str(path if path.is_absolute() else base / path)


def load_cohort_spec(
    path: str | Path, data_dirs: dict[str, str] | None = None, base: str | Path = "."
) -> CohortSpec:
    """Load and validate a cohort spec; every schema and path problem is reported at once."""
    spec, problems = read_cohort_spec(path, data_dirs, base)
    if problems:
        raise CohortSpecError(*problems)
    return spec


def read_cohort_spec(
    path: str | Path, data_dirs: dict[str, str] | None = None, base: str | Path = "."
) -> tuple[CohortSpec, list[Problem]]:
    """A schema-valid cohort spec and its path problems (tables whose files are missing
    have none), so that a check can go on to report the problems of the other tables."""
    source = str(path)
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise CohortSpecError(
            Problem("a cohort spec must be a YAML mapping", Location(file=source))
        )
    problems = schema_problems(raw, "cohort", source)
    if problems:
        raise CohortSpecError(*problems)
    data_dirs = data_dirs or {}
    roots = data_roots(data_dirs, Path(base), Path(path))
    tables: dict[str, TableSpec] = {}
    for name, options in raw["tables"].items():
        tables[name], found = table_spec(name, options, data_dirs, Path(base), roots)
        problems += [
            Problem(p.message, Location(cohort=raw["id"], file=p.where.file or source), hint=p.hint)
            for p in found
        ]
    return typed_spec(fill_defaults(raw, load_schema("cohort")), source, tables), problems


def data_roots(data_dirs: dict[str, str], base: Path, spec_path: Path) -> tuple[Path, ...]:
    """The folders a spec's tables may be read from: the config's data_dirs and the spec's
    own folder, with symbolic links resolved."""
    folders = [resolve_path(f"{{{name}}}", data_dirs, base) for name in data_dirs]
    return tuple(Path(f).resolve() for f in [*folders, spec_path.parent])


def table_spec(
    name: str, options: dict, data_dirs: dict[str, str], base: Path, roots: tuple[Path, ...]
) -> tuple[TableSpec, list[Problem]]:
    """One table with the files its path matches; a missing placeholder, no match, or a
    file that resolves (after symbolic links) outside every data root is a problem, and such
    a file is never listed, so nothing reads it."""
    shown = f"tables.{name}.path"
    try:
        pattern = resolve_path(options["path"], data_dirs, base)
    except KeyError as missing:
        problem = Problem(
            f"table {name!r}: path placeholder {{{missing.args[0]}}} is not defined",
            hint=f"Add `data_dirs: {{{missing.args[0]}: <folder>}}` to the config",
        )
        return TableSpec(name, options["path"], (), options), [problem]
    files = sorted(Path(p) for p in glob.glob(pattern))
    inside = tuple(f for f in files if any(f.resolve().is_relative_to(r) for r in roots))
    problems = []
    if len(inside) < len(files):
        problems.append(
            Problem(
                f"table {name!r}: {shown} {options['path']!r} leads outside the data folders "
                f"({len(files) - len(inside)} file(s) refused)",
                hint="Move the data into the spec's folder or a folder of the config's "
                "`data_dirs` (add the folder there if it is meant to be read), and check "
                "for symbolic links that point elsewhere",
            )
        )
    elif not files:
        problems.append(
            Problem(
                f"table {name!r}: no file matches {options['path']!r}",
                Location(file=options["path"]),
                hint="Check the path and the config's data_dirs",
            )
        )
    return TableSpec(name, options["path"], inside, options), problems


def typed_spec(declared: dict, source: str, tables: dict[str, TableSpec]) -> CohortSpec:
    """The typed spec of a schema-valid spec whose defaults are filled in."""
    return CohortSpec(
        id=declared["id"],
        source=source,
        description=declared["description"],
        provenance=declared["provenance"],
        tables=tables,
        cancer_type=cancer_type_spec(declared["cancer_type"]),
        markers={m: marker_spec(o) for m, o in declared["markers"].items()},
        endpoints={e: endpoint_spec(o) for e, o in declared["endpoints"].items()},
        age=age_spec(declared["age"]) if "age" in declared else None,
        sex=coded_column(declared["sex"]) if "sex" in declared else None,
        stage=coded_column(declared["stage"]) if "stage" in declared else None,
        covariates={c: coded_column(o) for c, o in declared.get("covariates", {}).items()},
        treatment=coded_column(declared["treatment"]) if "treatment" in declared else None,
        entry=duration_column(declared["entry"]) if "entry" in declared else None,
        dates={d: date_column(o) for d, o in declared.get("dates", {}).items()},
        identifiers=dict(declared["identifiers"]),
        allow_raw_ids=declared["allow_raw_ids"],
        missing_tokens=tuple(declared["missing_tokens"]),
        synthetic=declared["synthetic"],
        label=declared.get("label", declared["id"]),
    )
