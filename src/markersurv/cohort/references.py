"""What a cohort spec asks to read: one reference per (field, table, column)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from markersurv.cohort.fields import ColumnSpec
from markersurv.cohort.spec import CohortSpec
from markersurv.cohort.vocab import MarkerScale, Vocabulary, normalize_label
from markersurv.errors import CohortSpecError, Location, Problem, closest, did_you_mean


@dataclass(frozen=True)
class FieldRef:
    """One column the spec reads, what kind of field it is, and how the spec declares it."""

    kind: str  # cancer_type, age, sex, stage, date, duration, event, marker
    key: str  # the parsed column it becomes
    table: str
    column: str
    declared: ColumnSpec
    marker: str | None = None
    scale: MarkerScale | None = None
    spec_path: str = ""


def field_references(spec: CohortSpec, vocab: Vocabulary) -> list[FieldRef]:
    """Every field reference of a spec; unknown tables, units and scales reported at once."""
    refs, problems = read_field_references(spec, vocab)
    if problems:
        raise CohortSpecError(*problems)
    return refs


def read_field_references(
    spec: CohortSpec, vocab: Vocabulary
) -> tuple[list[FieldRef], list[Problem]]:
    """The field references that are valid, and the problems of the others."""
    refs: list[FieldRef] = []
    problems: list[Problem] = []
    for name, table in spec.tables.items():
        problems += id_normalizer_problems(spec, name, table.options.get("id_normalizer", {}))
        decimal = table.options.get("decimal", ".")
        if table.options.get("thousands") == decimal:
            # With one mark for both, '1,5' would be read as 15.
            problems.append(
                Problem(
                    f"tables.{name}: decimal and thousands separators are both {decimal!r}",
                    Location(cohort=spec.id, file=spec.source),
                    hint="Declare the separator the file uses for thousands, or none",
                )
            )

    def add(kind, key, declared: ColumnSpec, path, **extra):
        table = spec.table_of(declared)
        if table not in spec.tables:
            problems.append(
                Problem(
                    f"{path}: table {table!r} is not declared",
                    Location(cohort=spec.id, file=spec.source),
                    hint=did_you_mean(table, spec.tables),
                )
            )
            return
        refs.append(FieldRef(kind, key, table, declared.column, declared, spec_path=path, **extra))

    cancer_type = spec.cancer_type
    if cancer_type.column is not None:
        add("cancer_type", "cancer_type", cancer_type.column, "cancer_type")
    elif normalize_label(cancer_type.constant) not in vocab.cancer_type_index:
        value = cancer_type.constant
        problems.append(
            Problem(
                f"unknown cancer type {value!r}",
                Location(cohort=spec.id, file=spec.source, column="cancer_type.constant"),
                expected="a code, label or synonym from resources/vocab/cancer_types.tsv",
                found=repr(value),
                hint=closest_cancer_types(value, vocab)
                + "Use a code or synonym from resources/vocab/cancer_types.tsv, or add a row there",
            )
        )
    if spec.age is not None:
        if spec.age.birth_date is not None:
            add("date", "date:birth", spec.age.birth_date, "age.birth_date")
        else:
            add("age", "age", spec.age.column, "age")
    for name, declared in (("sex", spec.sex), ("stage", spec.stage)):
        if declared is not None:
            add(name, name, declared, name)
    for name, declared in spec.dates.items():
        add("date", f"date:{name}", declared, f"dates.{name}")
    age_from_birth_date = spec.age is not None and spec.age.birth_date is not None
    if age_from_birth_date and "diagnosis" not in spec.dates:
        problems.append(
            Problem(
                "age from birth_date needs dates.diagnosis",
                Location(cohort=spec.id, file=spec.source),
            )
        )
    for endpoint, declared in spec.endpoints.items():
        if not declared.from_dates:
            add("duration", f"{endpoint}_time", declared.time, f"endpoints.{endpoint}.time")
            add("event", f"{endpoint}_event", declared.event, f"endpoints.{endpoint}.event")
        else:
            if "diagnosis" not in spec.dates:
                problems.append(
                    Problem(
                        f"endpoints.{endpoint}: event_dates needs dates.diagnosis",
                        Location(cohort=spec.id, file=spec.source),
                    )
                )
            for d in declared.event_dates:
                if d not in spec.dates:
                    problems.append(
                        Problem(
                            f"endpoints.{endpoint}: event date {d!r} is not declared under dates",
                            Location(cohort=spec.id, file=spec.source),
                        )
                    )
            if declared.event is not None:
                add(
                    "event",
                    f"{endpoint}_event_status",
                    declared.event,
                    f"endpoints.{endpoint}.event",
                )
    for marker, declared in spec.markers.items():
        for i, source in enumerate(declared.sources):
            path = f"markers.{marker}" + (f".sources[{i}]" if declared.listed else "")
            name = source.unit
            scale = vocab.marker_scale(marker, name)
            if scale is None:
                known = vocab.scale_names(marker)
                problems.append(
                    Problem(
                        f"{path}: unknown unit or scale {name!r} for marker {marker!r}",
                        # the spec declares it, for the data column it describes
                        Location(cohort=spec.id, file=spec.source, column=source.column),
                        expected=f"one of {known}"
                        if known
                        else "a marker listed in resources/vocab/marker_scales.yaml",
                        found=repr(name),
                        hint=(did_you_mean(name, known) + ". " if known else "")
                        + "Add the unit or scoring system to resources/vocab/marker_scales.yaml "
                        "if it is new",
                    )
                )
                continue
            add("marker", f"{marker}#{i}", source, path, marker=marker, scale=scale)
    return refs, problems


def id_normalizer_problems(spec: CohortSpec, table: str, options: dict) -> list[Problem]:
    """The normalizer's regular expressions compile, and ``extract`` has a group to keep."""
    problems = []
    for key in ("remove", "extract"):
        if key not in options:
            continue
        try:
            groups = re.compile(options[key]).groups
        except re.error as exc:
            problems.append(
                Problem(
                    f"tables.{table}.id_normalizer.{key}: not a regular expression ({exc})",
                    Location(cohort=spec.id, file=spec.source),
                    found=repr(options[key]),
                )
            )
            continue
        if key == "extract" and groups == 0:
            problems.append(
                Problem(
                    f"tables.{table}.id_normalizer.extract: no group to keep",
                    Location(cohort=spec.id, file=spec.source),
                    expected="a regular expression whose first (group) is the patient id",
                    found=repr(options[key]),
                    hint="Put the patient id part in parentheses, e.g. '^(TCGA-..-....)'",
                )
            )
    return problems


def closest_cancer_types(value: str, vocab: Vocabulary) -> str:
    """'Closest: BRCA (breast cancer). ' for a misspelt cancer type, or '' when none is close."""
    index = vocab.cancer_type_index
    near = closest(normalize_label(value), index)
    codes = list(dict.fromkeys(index[n] for n in near))
    if not codes:
        return ""
    return "Closest: " + ", ".join(f"{c} ({vocab.cancer_type_label(c)})" for c in codes) + ". "


def check_columns(spec: CohortSpec, columns: dict[str, list[str]], refs: list[FieldRef]) -> None:
    """Every referenced column exists; all missing ones reported at once with near names."""
    problems = []
    for ref in refs:
        if ref.column not in columns[ref.table]:
            problems.append(
                Problem(
                    f"column for {ref.spec_path} not found",
                    Location(**{**spec.where(ref.table, ref.column), "row": None}),
                    hint=did_you_mean(ref.column, columns[ref.table]),
                )
            )
    for name, table in spec.tables.items():
        id_column = table.options.get("id_column")
        if name in columns and table.orientation == "long" and id_column not in columns[name]:
            problems.append(
                Problem(
                    "id column not found",
                    Location(**{**spec.where(name, id_column), "row": None}),
                    hint=did_you_mean(id_column, columns[name]),
                )
            )
    if problems:
        raise CohortSpecError(*problems)
