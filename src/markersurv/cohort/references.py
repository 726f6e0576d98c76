"""What a cohort spec asks to read: one reference per (field, table, column)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markersurv.cohort.fields import ColumnSpec
from markersurv.cohort.spec import CohortSpec
from markersurv.cohort.vocab import MarkerScale, Vocabulary, normalize_label
from markersurv.errors import CohortSpecError, Location, Problem, closest, did_you_mean


@dataclass(frozen=True)
class FieldRef:
    """One column the spec reads, what kind of field it is, and how the spec declares it."""

    # cancer_type, age, sex, stage, covariate, treatment, date, duration, event, marker
    kind: str
    key: str  # the parsed column it becomes
    table: str
    column: str
    declared: ColumnSpec
    marker: str | None = None
    scale: MarkerScale | None = None
    spec_path: str = ""
    # The levels a categorical covariate or the treatment takes (None: a number).
    levels: tuple[str, ...] | None = None


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
    scan = References(spec, problems=table_option_problems(spec))
    add_clinical_references(scan, vocab)
    add_endpoint_references(scan)
    add_marker_references(scan, vocab)
    return scan.refs, scan.problems


@dataclass
class References:
    """The field references of one spec found so far, and the problems of the others."""

    spec: CohortSpec
    refs: list[FieldRef] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def add(self, kind: str, key: str, declared: ColumnSpec, path: str, **extra) -> None:
        """A reference to ``declared``'s column, or a problem if its table is not declared."""
        spec = self.spec
        table = spec.table_of(declared)
        if table not in spec.tables:
            self.problem(
                f"{path}: table {table!r} is not declared", hint=did_you_mean(table, spec.tables)
            )
            return
        self.refs.append(
            FieldRef(kind, key, table, declared.column, declared, spec_path=path, **extra)
        )

    def problem(self, message: str, column: str | None = None, **details) -> None:
        """A problem of the spec file itself (``column`` for the data column it describes)."""
        where = Location(cohort=self.spec.id, file=self.spec.source, column=column)
        self.problems.append(Problem(message, where, **details))


def table_option_problems(spec: CohortSpec) -> list[Problem]:
    problems = []
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
    return problems


def add_clinical_references(scan: References, vocab: Vocabulary) -> None:
    """Cancer type (or a check of its constant), age, sex, stage, covariates, treatment,
    dates and delayed entry."""
    spec = scan.spec
    cancer_type = spec.cancer_type
    if cancer_type.column is not None:
        scan.add("cancer_type", "cancer_type", cancer_type.column, "cancer_type")
    elif normalize_label(cancer_type.constant) not in vocab.cancer_type_index:
        value = cancer_type.constant
        scan.problem(
            f"unknown cancer type {value!r}",
            column="cancer_type.constant",
            expected="a code, label or synonym from resources/vocab/cancer_types.tsv",
            found=repr(value),
            hint=closest_cancer_types(value, vocab)
            + "Use a code or synonym from resources/vocab/cancer_types.tsv, or add a row there",
        )
    if spec.age is not None:
        if spec.age.birth_date is not None:
            scan.add("date", "date:birth", spec.age.birth_date, "age.birth_date")
        else:
            scan.add("age", "age", spec.age.column, "age")
    for name, declared in (("sex", spec.sex), ("stage", spec.stage)):
        if declared is not None:
            scan.add(name, name, declared, name)
    for name, declared in spec.covariates.items():
        scan.add("covariate", name, declared, f"covariates.{name}")
    if spec.treatment is not None:
        scan.add("treatment", "treatment", spec.treatment, "treatment")
    for name, declared in spec.dates.items():
        scan.add("date", f"date:{name}", declared, f"dates.{name}")
    add_entry_reference(scan)
    age_from_birth_date = spec.age is not None and spec.age.birth_date is not None
    if age_from_birth_date and "diagnosis" not in spec.dates:
        scan.problem("age from birth_date needs dates.diagnosis")


def add_entry_reference(scan: References) -> None:
    """Delayed entry as a duration column; as a date it is one of the dates."""
    spec = scan.spec
    if spec.entry is not None:
        scan.add("duration", "entry_time", spec.entry, "entry")
    if "entry" in spec.dates and spec.entry is not None:
        scan.problem(
            "delayed entry is declared twice: as entry and as dates.entry",
            hint="Keep one: a duration under entry, or a date under dates.entry",
        )


def add_endpoint_references(scan: References) -> None:
    """Time and event of each endpoint, or its status column and a check of its dates."""
    spec = scan.spec
    for endpoint, declared in spec.endpoints.items():
        path = f"endpoints.{endpoint}"
        if not declared.from_dates:
            scan.add("duration", f"{endpoint}_time", declared.time, f"{path}.time")
            scan.add("event", f"{endpoint}_event", declared.event, f"{path}.event")
            if declared.competing is not None:
                competing = declared.competing
                scan.add("event", f"{endpoint}_competing", competing, f"{path}.competing")
            continue
        if "diagnosis" not in spec.dates:
            scan.problem(f"{path}: event_dates needs dates.diagnosis")
        for d in declared.event_dates:
            if d not in spec.dates:
                scan.problem(f"{path}: event date {d!r} is not declared under dates")
        if declared.event is not None:
            scan.add("event", f"{endpoint}_event_status", declared.event, f"{path}.event")


def add_marker_references(scan: References, vocab: Vocabulary) -> None:
    """Each source of each marker whose unit or scale the vocabulary knows."""
    for marker, declared in scan.spec.markers.items():
        for i, source in enumerate(declared.sources):
            path = f"markers.{marker}" + (f".sources[{i}]" if declared.listed else "")
            name = source.unit
            scale = vocab.marker_scale(marker, name)
            if scale is not None:
                scan.add("marker", f"{marker}#{i}", source, path, marker=marker, scale=scale)
                continue
            known = vocab.scale_names(marker)
            scan.problem(
                f"{path}: unknown unit or scale {name!r} for marker {marker!r}",
                # the spec declares it, for the data column it describes
                column=source.column,
                expected=f"one of {known}"
                if known
                else "a marker listed in resources/vocab/marker_scales.yaml",
                found=repr(name),
                hint=(did_you_mean(name, known) + ". " if known else "")
                + "Add the unit or scoring system to resources/vocab/marker_scales.yaml "
                "if it is new",
            )


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
