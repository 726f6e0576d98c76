"""``markersurv validate``: check cohort specs against the schema and their data, reporting
every problem in one pass."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from markersurv.cohort.references import (
    FieldRef,
    check_columns,
    field_references,
    read_field_references,
)
from markersurv.cohort.spec import CohortSpec, read_cohort_spec, read_yaml
from markersurv.cohort.vocab import Vocabulary, normalize_label
from markersurv.config.covariates import check_declarations
from markersurv.config.settings import HarmonizeSettings, with_defaults
from markersurv.errors import (
    CohortSpecError,
    ConfigError,
    InputFileError,
    Location,
    MarkersurvError,
    Problem,
)
from markersurv.harmonize.cohort import Settings, harmonize_cohort
from markersurv.harmonize.fields import cell_text
from markersurv.harmonize.placeholders import (
    PLACEHOLDER,
    is_placeholder_schema_problem,
    key_lines,
    placeholder_paths,
    placeholder_problems,
)
from markersurv.harmonize.plausibility import implausible_values
from markersurv.ingest.cells import map_unique, parse_numbers
from markersurv.ingest.readers import read_columns, read_table

DEFAULT_CONFIG = "config/config.yaml"


def header_problems(spec, vocab: Vocabulary) -> list[Problem]:
    """Problems visible without reading the values: files, sheets, columns, units, codes.
    Columns are checked in every table that could be read; a ``CHECK`` placeholder (reported
    on its own) is not also reported as an unknown column or unit."""
    problems: list[Problem] = []
    columns = {}
    for name, table in spec.tables.items():
        if not table.files:
            continue
        try:
            columns[name] = read_columns(spec, name)
        except InputFileError as error:
            problems.extend(error.problems)
    refs, reference_problems = read_field_references(spec, vocab)
    problems.extend(reference_problems)
    try:
        check_columns(spec, columns, [r for r in refs if r.table in columns])
    except MarkersurvError as error:
        problems.extend(error.problems)
    return [p for p in problems if not about_placeholder(p)]


def about_placeholder(problem: Problem) -> bool:
    return problem.where.column == PLACEHOLDER or problem.found == repr(PLACEHOLDER)


def read_spec(spec_path: str, data_dirs: dict) -> tuple[CohortSpec, list[Problem]]:
    """The typed spec and the problems of the spec file itself: every ``CHECK`` placeholder
    (with its line), then the schema's and the paths' problems."""
    raw = read_yaml(spec_path)
    cohort = raw.get("id") if isinstance(raw, dict) else None
    placeholders = placeholder_problems(spec_path, raw, cohort if isinstance(cohort, str) else None)
    try:
        spec, problems = read_cohort_spec(spec_path, data_dirs)
    except CohortSpecError as error:
        if not placeholders:
            raise
        paths = placeholder_paths(raw)
        rest = [p for p in error.problems if not is_placeholder_schema_problem(p, paths)]
        raise CohortSpecError(*placeholders, *rest) from None
    return spec, placeholders + problems


def spec_line(spec: CohortSpec, key: str) -> str:
    """'markers.il6 (line 31)': a key path of the spec and the line it starts on."""
    line = key_lines(spec.source).get(key)
    return f"{key} (line {line})" if line else key


def unanalysed_problems(spec: CohortSpec, config: dict) -> list[Problem]:
    """Markers and endpoints the spec maps that the analysis config does not analyse."""
    problems = []
    for kind, mapped in (("markers", spec.markers), ("endpoints", spec.endpoints)):
        analysed = [item["id"] for item in config[kind]]
        for name in mapped:
            if name not in analysed:
                problems.append(
                    Problem(
                        f"{spec_line(spec, f'{kind}.{name}')}: the spec maps {name!r}, which "
                        f"the config does not analyse",
                        Location(cohort=spec.id, file=spec.source),
                        expected=f"one of the config's {kind}: {', '.join(analysed) or 'none'}",
                        found=repr(name),
                        hint=f"Remove it from the spec, or add it to the config's {kind}",
                    )
                )
    return problems


def undeclared_problems(spec: CohortSpec, config: dict) -> list[Problem]:
    """Covariates and a treatment the spec maps that the config does not declare: nothing
    could analyse them, so a spec naming one was written for another config or misspelt."""
    declared = [c["id"] for c in config.get("covariates") or []]
    mapped = [f"covariates.{name}" for name in spec.covariates if name not in declared]
    if spec.treatment is not None and not config.get("treatment"):
        mapped.append("treatment")
    return [
        Problem(
            f"{spec_line(spec, key)}: the spec maps {key!r}, which the config does not declare",
            Location(cohort=spec.id, file=spec.source),
            expected=f"one of the config's covariates: {', '.join(declared) or 'none'}"
            if key != "treatment"
            else "a `treatment:` section in the config",
            hint="Declare it in the config (`covariates:` or `treatment:` with its levels), "
            "or remove it from the spec",
        )
        for key in mapped
    ]


def marker_source_values(spec: CohortSpec, ref: FieldRef, frame) -> np.ndarray:
    """The finite numbers a marker source holds, in its declared unit, as harmonization reads
    them (its map, missing and below-LOD tokens); cells below the detection limit and cells
    that write another unit are left out."""
    options = spec.tables[ref.table].options
    declared = ref.declared
    values = frame[ref.column]
    if declared.value_map:
        mapped = {normalize_label(str(k)): v for k, v in declared.value_map.items()}
        values = map_unique(cell_text(values), lambda t: mapped.get(normalize_label(t), t))
    parsed = parse_numbers(
        values,
        decimal=options.get("decimal", "."),
        thousands=options.get("thousands"),
        missing_tokens=(*spec.missing_tokens, *options.get("missing_tokens", [])),
        below_lod_tokens=declared.below_lod_tokens,
        declared_lod=declared.lod,
    )
    same_unit = (parsed.unit == "").to_numpy()
    keep = same_unit & ~parsed.below_lod & ~parsed.invalid & np.isfinite(parsed.value)
    return parsed.value[keep]


def plausibility_problems(spec: CohortSpec, vocab: Vocabulary) -> list[Problem]:
    """Marker sources whose values do not fit their declared unit or scale."""
    scales_file = vocab.folder / "marker_scales.yaml"
    refs = [r for r in field_references(spec, vocab) if r.kind == "marker"]
    tables: dict = {}
    problems: list[Problem] = []
    for ref in refs:
        if ref.table not in tables:
            try:
                tables[ref.table] = read_table(spec, ref.table)
            except InputFileError as error:
                tables[ref.table] = None
                problems.extend(error.problems)
        if tables[ref.table] is None:
            continue
        values = marker_source_values(spec, ref, tables[ref.table])
        for found in implausible_values(ref.scale, values, vocab):
            likely = (
                f"The values fit {' or '.join(found.likely)}: declare the unit they are in. "
                if found.likely
                else "Declare the unit or scale the values are in. "
            )
            problems.append(
                Problem(
                    f"{spec_line(spec, ref.spec_path)}: {found.message}",
                    Location(**{**spec.where(ref.table, ref.column), "row": None}),
                    expected=found.expected,
                    found=found.found,
                    hint=likely + f"Units and scales of {ref.marker!r} are in {scales_file}",
                )
            )
    return problems


def empty_field_problems(spec: CohortSpec, settings, patients) -> list[Problem]:
    """Markers and endpoints of the config that the spec maps but no patient has."""
    problems = []
    fields = [
        ("markers", m, patients[m].notna() | patients[f"{m}_below_lod"])
        for m in settings.markers
        if m in spec.markers
    ]
    fields += [
        ("endpoints", e, patients[f"{e}_time"].notna())
        for e in settings.endpoints
        if e in spec.endpoints
    ]
    for kind, name, has_value in fields:
        if has_value.any():
            continue
        problems.append(
            Problem(
                f"{spec_line(spec, f'{kind}.{name}')}: no patient has a value of {name!r}",
                Location(cohort=spec.id, file=spec.source),
                expected=f"{name!r} for at least one patient",
                found=f"none of {len(patients)} patients",
                hint="Check the column the spec maps, its missing tokens, and (for a "
                "second table) that its ids match the primary table's",
            )
        )
    return problems


def validate_spec(
    spec_path: str, config: dict, read_values: bool = True, check_analysed: bool = False
) -> dict:
    """Check one spec; returns a summary, raises with every problem found.

    ``check_analysed`` refuses markers and endpoints the spec maps that the config does not
    analyse (``markersurv validate`` with a config; the workflow may analyse a subset)."""
    settings = HarmonizeSettings.from_config(config)
    spec, problems = read_spec(spec_path, settings.data_dirs)
    if check_analysed and config["markers"]:
        problems += unanalysed_problems(spec, config)
    if config["markers"]:
        problems += undeclared_problems(spec, config)
    if not config["markers"] and not problems:
        # Without an analysis config, the markers and endpoints are those the spec maps.
        config = {
            **config,
            "markers": [{"id": m, "label": m} for m in spec.markers],
            "endpoints": [{"id": e, "label": e} for e in spec.endpoints],
        }
        settings = HarmonizeSettings.from_config(config)
    vocab = Vocabulary.load(settings.vocabulary_dir)
    problems += header_problems(spec, vocab)
    if problems:
        raise MarkersurvError(*problems)
    summary = {
        "cohort": spec.id,
        "spec": spec_path,
        "status": "ok",
        "tables": {n: [t.display_name(p) for p in t.files] for n, t in spec.tables.items()},
    }
    if read_values:
        problems = plausibility_problems(spec, vocab)
        if problems:
            raise CohortSpecError(*problems)
        harmonizer = Settings(
            settings.markers,
            settings.endpoints,
            settings.lod_policy,
            b"validation-only",
            settings.covariates,
            settings.treatment,
            settings.competing,
        )
        result = harmonize_cohort(spec, vocab, harmonizer)
        excluded = {
            k: int(v) for k, v in result.exclusions["reason"].value_counts().sort_index().items()
        }
        if result.patients.empty:
            raise CohortSpecError(
                Problem(
                    "no patient is left after harmonization",
                    Location(cohort=spec.id, file=spec_path),
                    expected="at least one patient with follow-up",
                    found=f"every record excluded: {excluded}",
                    hint="Check the columns the spec maps and the exclusion reasons",
                )
            )
        problems = empty_field_problems(spec, settings, result.patients)
        if problems:
            raise CohortSpecError(*problems)
        summary["patients"] = len(result.patients)
        summary["excluded"] = excluded
    return summary


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("specs", nargs="+", help="cohort spec YAML file(s)")
    parser.add_argument(
        "--config",
        default=DEFAULT_CONFIG,
        help=f"analysis config giving data_dirs, markers, endpoints (default {DEFAULT_CONFIG})",
    )
    parser.add_argument(
        "--data-dir",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="define or override a data_dirs entry, e.g. tcga=data/tcga",
    )
    parser.add_argument(
        "--headers-only",
        action="store_true",
        help="check files, sheets, columns and units without reading values",
    )


def load_cli_config(args) -> dict:
    config = (
        read_yaml(args.config, ConfigError)
        if Path(args.config).exists()
        else {"markers": [], "endpoints": []}
    )
    config = with_defaults(check_declarations(config))
    data_dirs = dict(config["data_dirs"])
    for item in args.data_dir:
        name, _, path = item.partition("=")
        data_dirs[name] = path
    return {**config, "data_dirs": data_dirs}


def duplicate_id(summary: dict, seen: dict[str, str]) -> CohortSpecError | None:
    """The error for a cohort id that an earlier spec of the same run already uses."""
    cohort, spec_path = summary["cohort"], summary["spec"]
    if cohort not in seen:
        seen[cohort] = spec_path
        return None
    return CohortSpecError(
        Problem(
            f"cohort id {cohort!r} is used by two specs",
            Location(cohort=cohort, file=spec_path),
            found=f"also in {seen[cohort]}",
            hint="Give each cohort a unique `id`",
        )
    )


def run(args) -> int:
    config = load_cli_config(args)
    failed = 0
    seen: dict[str, str] = {}
    for spec_path in args.specs:
        try:
            summary = validate_spec(
                spec_path,
                config,
                read_values=not args.headers_only,
                check_analysed=Path(args.config).exists(),
            )
            if (error := duplicate_id(summary, seen)) is not None:
                raise error
        except MarkersurvError as error:
            failed += 1
            print(f"{spec_path}: INVALID\n{error}", file=sys.stderr)
            continue
        extra = ""
        if "patients" in summary:
            extra = f": {summary['patients']} patients, excluded {summary['excluded'] or 0}"
        print(f"{spec_path}: ok{extra}")
    return 1 if failed else 0
