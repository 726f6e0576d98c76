"""``markersurv init-cohort FILE...``: draft a cohort spec from data files.

The draft says how each file is written and where each canonical field comes from, guessed
from column names and contents. Every guess carries a comment saying what was guessed and why;
``# CHECK:`` comments mark what a person must decide (units taken from magnitudes, ambiguous
date orders, unknown detection limits, codes no vocabulary maps). The draft is always a
schema-valid spec; ``markersurv validate`` then checks it against the data.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from markersurv.cohort.spec import DEFAULT_MISSING_TOKENS, read_yaml
from markersurv.cohort.vocab import Vocabulary
from markersurv.config.schema import schema_problems
from markersurv.config.settings import with_defaults
from markersurv.config.study import Marker
from markersurv.errors import CohortSpecError, ConfigError, MarkersurvError, Problem
from markersurv.harmonize.placeholders import is_placeholder_schema_problem, placeholder_paths
from markersurv.harmonize.privacy.identifiers import looks_like_identifier
from markersurv.init_cohort.endpoints import guess_endpoints
from markersurv.init_cohort.fields import (
    Context,
    guess_age,
    guess_cancer_type_column,
    guess_cancer_type_constant,
    guess_sex,
    guess_stage,
)
from markersurv.init_cohort.identifiers import identifier_columns, identifier_node
from markersurv.init_cohort.ids import TableIds, guess_table_ids
from markersurv.init_cohort.markers import guess_markers
from markersurv.init_cohort.profile import (
    cell_texts,
    missing_tokens_in,
    profiles_of,
    quote_values,
)
from markersurv.init_cohort.sniff import SniffedTable, sniff_table
from markersurv.init_cohort.spec_yaml import Node, checks_of, mapping, remark, render, to_data

GENERIC_STEMS = {
    "clinical",
    "data",
    "export",
    "assay",
    "assays",
    "table",
    "sheet",
    "patients",
    "cohort",
    "survival",
    "clinical_data",
    "book1",
    "markers",
    "lab",
    "followup",
}
DEFAULT_CONFIG = "config/config.yaml"
OPTION_ORDER = (
    "format",
    "sheet",
    "header_row",
    "delimiter",
    "decimal",
    "thousands",
    "encoding",
    "orientation",
)


@dataclass
class Draft:
    """A drafted spec: its YAML text, the data that text holds, and the checks it asks for."""

    text: str
    spec: dict
    checks: list[tuple[str, str]]  # (dotted key path, what a person must decide)


def table_names(paths: list[Path]) -> list[str]:
    """Spec table names from the file names, made unique."""
    names: list[str] = []
    for path in paths:
        stem = re.sub(r"[^A-Za-z0-9_]+", "_", path.stem).strip("_") or "table"
        name, i = stem, 2
        while name in names:
            name, i = f"{stem}_{i}", i + 1
        names.append(name)
    return names


def cohort_id_of(path: Path) -> str:
    """A cohort id from the file name, or its folder when the name is generic."""
    stem = path.name.split(".")[0]
    if stem.lower() in GENERIC_STEMS and path.resolve().parent.name:
        stem = path.resolve().parent.name
    return re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_")[:64] or "cohort"


def spec_path(path: Path, data_dirs: dict[str, str]) -> str:
    """The path as the spec writes it: under a named data folder when one holds the file."""
    for name, folder in data_dirs.items():
        try:
            relative = path.resolve().relative_to(Path(folder).resolve())
        except ValueError:
            continue
        return f"{{{name}}}/{relative.as_posix()}"
    return path.as_posix()


def table_node(name: str, table: SniffedTable, path: str, ids: TableIds, extra) -> Node:
    """The spec entry of one table, with the notes and checks of sniffing."""
    options = table.options
    children = [Node("path", path, notes=table.notes.get("path", []))]
    for key in OPTION_ORDER:
        notes, checks = table.notes.get(key, []), table.checks.get(key, [])
        if key in options:
            value = "CHECK" if key in table.undecided else options[key]
            children.append(Node(key, value, notes=notes, checks=checks))
        elif checks:
            children.append(remark(key, checks=checks))
    if table.wide:
        children.append(Node("feature_column", options["feature_column"]))
    else:
        column = "CHECK" if name in ids.undecided else ids.columns[name]
        children.append(Node("id_column", column, **ids.notes.get(name, {})))
    children.append(ids.normalizers.get(name))
    return mapping(name, [*children, *extra])


def missing_node(seen: dict[str, list[str]], unreadable: dict[str, str]) -> list[Node]:
    """The table's missing tokens: those recognised, and words in numeric fields. A cell with
    digits ('>500', '2,5') is a value written another way, never declared missing: validate
    stops on it until the data or the spec say what it is."""
    if not seen and not unreadable:
        return []
    words = {t: path for t, path in unreadable.items() if not re.search(r"\d", t)}
    notes = [
        f"guessed: {token!r} in {quote_values(columns, 4)} means missing"
        for token, columns in seen.items()
    ]
    checks = [
        f"{token!r} in {path} is not a number and is declared missing here: map it or "
        "correct the data if it means something else"
        for token, path in words.items()
    ]
    checks += [
        f"{token!r} in {path} is not a number as written (a value above a limit, another "
        "decimal mark?): correct the data, or add it here if it means missing"
        for token, path in unreadable.items()
        if token not in words
    ]
    if not seen and not words:
        return [remark("missing_tokens", checks=checks)]
    return [Node("missing_tokens", [*seen, *words], notes=notes, checks=checks)]


def numeric_fields(nodes: list[Node], primary: str) -> list[tuple[str, str, str]]:
    """(table, column, field path) of every field read as numbers without a map."""
    found = []

    def walk(node: Node, path: str) -> None:
        keys = {c.key for c in node.children or []}
        numeric = bool(keys & {"unit", "scale"}) or path == "age"
        if "column" in keys and numeric and "map" not in keys:
            table = node.child("table").value if "table" in keys else primary
            found.append((table, node.child("column").value, path))
        for child in node.children or []:
            walk(child, f"{path}.{child.key}")
        for i, item in enumerate(node.items or []):
            walk(item, f"{path}[{i}]")

    for node in nodes:
        walk(node, node.key)
    return found


def unreadable_tokens(ctx: Context, fields: list[Node]) -> dict[str, dict[str, str]]:
    """Cells of numeric fields that are not numbers, by table: token -> field path."""
    found: dict[str, dict[str, str]] = {}
    for table, column, path in numeric_fields(fields, ctx.primary):
        col = next((p for p in ctx.profiles[table] if p.name == column), None)
        for token in col.invalid if col is not None else []:
            found.setdefault(table, {}).setdefault(token, path)
    return found


def name_hints(tables) -> list[str]:
    """Texts that may name the cancer type: file and folder names, title rows, sheet names."""
    hints = []
    for t in tables:
        hints += [t.path.stem, t.path.parent.name, t.title, str(t.options.get("sheet", ""))]
    return hints


def cancer_type_node(ctx: Context, tables: dict[str, SniffedTable]) -> Node:
    """A cancer-type column when one matches the vocabulary, else a constant named in the
    file names or titles."""
    column = guess_cancer_type_column(ctx)
    if column is None:
        return guess_cancer_type_constant(ctx.vocab, name_hints(tables.values()))
    col = ctx.profile(column)
    # Only the column's own file: per-type files (BRCA.rppa.txt) do not name the cohort's type.
    named = guess_cancer_type_constant(ctx.vocab, name_hints([tables[col.table]]))
    named = named.child("constant").value
    index = ctx.vocab.cancer_type_index
    codes = {label: index[label] for label in col.labels if label in index}
    others = sorted(col.shown[label] for label, code in codes.items() if code != named)
    if named in codes.values() and others:
        column.checks.append(
            f"the file names or titles say {named} but {quote_values(others)} map to other "
            f"types: if every patient has {named}, map them to it (`map: {{value: {named}}}`)"
        )
    return column


def guess_fields(ctx: Context, tables: dict[str, SniffedTable], declared) -> list[Node]:
    """Nodes for cancer type, age, sex, stage, dates, markers and endpoints, in spec order."""
    markers = guess_markers(ctx, tables, declared)
    cancer = cancer_type_node(ctx, tables)
    age, sex, stage = guess_age(ctx), guess_sex(ctx), guess_stage(ctx)
    endpoints, dates, age, remarks = guess_endpoints(ctx, age)
    nodes = [n for n in (cancer, age, sex, stage, dates) if n is not None]
    nodes += [mapping("markers", markers), mapping("endpoints", endpoints), *remarks]
    unused = [
        p.name
        for p in ctx.columns()
        if not tables[p.table].wide and not looks_like_identifier(p.name)
    ]
    if unused:
        nodes.append(remark("unused", [f"columns not used: {', '.join(map(repr, unused))}"]))
    return nodes


def profiled(tables: dict[str, SniffedTable], hidden: dict[str, dict[str, str]]):
    """Missing tokens and column profiles of each table; columns of identifiers (by content
    or by name) are left out of the search for missing tokens, so none of their cells is
    quoted."""
    known = {t.lower() for t in DEFAULT_MISSING_TOKENS}
    missing, profiles = {}, {}
    for name, table in tables.items():
        texts = cell_texts(table.frame)
        searched = {
            c: t
            for c, t in texts.items()
            if c not in hidden.get(name, {}) and not looks_like_identifier(c)
        }
        missing[name] = missing_tokens_in(searched, known)
        options = table.options
        profiles[name] = profiles_of(
            name,
            table.frame,
            texts,
            missing[name],
            options.get("decimal", "."),
            options.get("thousands"),
        )
    return missing, profiles


def checked_data(nodes: list[Node]) -> dict:
    """The draft's data, which fits the cohort schema wherever no ``CHECK`` stands."""
    data = to_data(nodes)
    paths = placeholder_paths(data)
    problems = [
        p
        for p in schema_problems(data, "cohort", "draft")
        if not is_placeholder_schema_problem(p, paths)
    ]
    if problems:  # a draft breaking the schema is a bug here, never something to write out
        raise CohortSpecError(*problems)
    return data


def draft_cohort_spec(
    paths: list[str | Path],
    markers: tuple[Marker, ...],
    cohort_id: str | None = None,
    data_dirs: dict[str, str] | None = None,
    vocab: Vocabulary | None = None,
) -> Draft:
    """Draft a commented cohort spec from data files; the first file is the primary table.

    Parameters
    ----------
    paths : data files (CSV, TSV, XLSX, Parquet; long or wide).
    markers : the markers the config declares (:func:`declared_markers`).
    cohort_id : the spec's id (default from the first file's name or folder).
    data_dirs : named data folders; paths under one are written as ``{name}/...``.
    vocab : vocabularies (default ``resources/vocab``).

    Returns
    -------
    Draft with ``text`` (commented YAML), ``spec`` (the data it holds) and ``checks``.

    Raises
    ------
    InputFileError
        A file cannot be read (missing, empty, corrupt, no table in it).
    """
    paths = [Path(p) for p in paths]
    if not paths:
        raise CohortSpecError(Problem("no data files given"))
    vocab = vocab or Vocabulary.load("resources/vocab")
    names = table_names(paths)
    tables = {name: sniff_table(path) for name, path in zip(names, paths, strict=True)}
    by_content = identifier_columns(tables)
    missing, profiles = profiled(tables, by_content)
    ctx = Context(vocab, profiles, names[0], set())
    ids = guess_table_ids(ctx, tables)
    ctx.used |= {(t, c) for t, columns in by_content.items() for c in columns}
    fields = guess_fields(ctx, tables, markers)
    unreadable = unreadable_tokens(ctx, fields)
    written = [spec_path(t.path, data_dirs or {}) for t in tables.values()]
    table_nodes = [
        table_node(name, table, path, ids, missing_node(missing[name], unreadable.get(name, {})))
        for (name, table), path in zip(tables.items(), written, strict=True)
    ]
    age = next((n for n in fields if n.key == "age"), None)
    nodes = [
        Node("id", cohort_id or cohort_id_of(paths[0])),
        Node(
            "description",
            f"Drafted from {', '.join(p.name for p in paths)}",
            checks=["describe the study: design, site, years"],
        ),
        Node("provenance", "CHECK", checks=["give the citation, download source or owner"]),
    ]
    if "synthetic" in " ".join(t.title for t in tables.values()).lower():
        nodes.append(Node("synthetic", True, notes=["guessed: the title rows say synthetic"]))
    nodes.append(identifier_node(tables, ids, age, by_content))
    nodes.append(
        mapping(
            "tables",
            table_nodes,
            [f"The first table ({names[0]!r}) is the primary table: it defines the patients."],
        )
    )
    nodes = [n for n in nodes if n is not None] + fields
    text = render(
        nodes,
        [
            f"Cohort spec drafted by `markersurv init-cohort` from {', '.join(written)}.",
            "Comments say what was guessed and why; every 'CHECK:' needs a person's decision, "
            "and `markersurv validate` refuses every value left as CHECK.",
        ],
    )
    return Draft(text, checked_data(nodes), checks_of(nodes))


def declared_markers(config_path: str) -> tuple[Marker, ...]:
    """The markers an analysis config declares: nothing about a marker is assumed, so a
    missing config or one without markers is an error that says what to give."""
    hint = "give the analysis config whose markers the draft looks for: --config PATH"
    if not Path(config_path).exists():
        raise ConfigError.at("no analysis config here", hint=hint, file=config_path)
    config = read_yaml(config_path, ConfigError)
    if not isinstance(config, dict) or not config.get("markers"):
        raise ConfigError.at("the config declares no markers", hint=hint, file=config_path)
    # A validate-only config may give ids alone: the label is then the id.
    return tuple(
        Marker(m["id"], m.get("label", m["id"]), m["kind"], m.get("sample"), m.get("unit"))
        for m in with_defaults(config)["markers"]
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", help="data files; the first is the primary table")
    parser.add_argument("--id", dest="cohort_id", help="cohort id (default from the file name)")
    parser.add_argument("--out", help="write the draft spec here (default: standard output)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing --out file")
    parser.add_argument(
        "--data-dir",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="write paths under PATH as {NAME}/... (the config's data_dirs entry)",
    )
    parser.add_argument(
        "--vocabulary", default="resources/vocab", help="vocabulary folder (resources/vocab)"
    )
    parser.add_argument(
        "--config",
        default=DEFAULT_CONFIG,
        help=f"analysis config whose markers the draft looks for (default {DEFAULT_CONFIG})",
    )


def run(args) -> int:
    data_dirs = {}
    for item in args.data_dir:
        name, sep, path = item.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z0-9_]+", name) or not path:
            raise CohortSpecError(Problem(f"--data-dir {item!r}: expected NAME=PATH"))
        data_dirs[name] = path
    if args.cohort_id is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", args.cohort_id):
        raise CohortSpecError(
            Problem(f"--id {args.cohort_id!r}: use up to 64 letters, digits, '_' and '-'")
        )
    vocab = Vocabulary.load(args.vocabulary)
    markers = declared_markers(args.config)
    draft = draft_cohort_spec(args.files, markers, args.cohort_id, data_dirs, vocab)
    if not args.out:
        sys.stdout.write(draft.text)
        return 0
    out = Path(args.out)
    if out.exists() and not args.force:
        raise MarkersurvError(Problem(f"{out} exists", hint="Use --force to overwrite it"))
    out.write_text(draft.text, encoding="utf-8")
    print(f"wrote {out}: {len(draft.checks)} CHECK comment(s) to resolve", file=sys.stderr)
    return 0
