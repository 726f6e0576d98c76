"""``markersurv validate``: check cohort specs against the schema and their data, reporting
every problem in one pass."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from markersurv.cohort.references import check_columns, read_field_references
from markersurv.cohort.spec import read_cohort_spec, read_yaml
from markersurv.cohort.vocab import Vocabulary
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
from markersurv.ingest.readers import read_columns

DEFAULT_CONFIG = "config/config.yaml"


def header_problems(spec, vocab: Vocabulary) -> list[Problem]:
    """Problems visible without reading the values: files, sheets, columns, units, codes.
    Columns are checked in every table that could be read."""
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
    return problems


def validate_spec(spec_path: str, config: dict, read_values: bool = True) -> dict:
    """Check one spec; returns a summary, raises with every problem found."""
    settings = HarmonizeSettings.from_config(config)
    spec, problems = read_cohort_spec(spec_path, settings.data_dirs)
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
        harmonizer = Settings(
            settings.markers, settings.endpoints, settings.lod_policy, b"validation-only"
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
                    expected="at least one patient with a marker value and follow-up",
                    found=f"every record excluded: {excluded}",
                    hint="Check the columns the spec maps and the exclusion reasons",
                )
            )
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
    config = with_defaults(config)
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
            summary = validate_spec(spec_path, config, read_values=not args.headers_only)
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
