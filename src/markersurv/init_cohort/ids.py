"""Patient ids of drafted tables: the id column of each long table, and the id normalizer
under which the tables join (TCGA barcodes; leading zeros, separators)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from markersurv.harmonize.ids import normalize_ids
from markersurv.ingest.readers import SAMPLE, field_columns
from markersurv.init_cohort.fields import Context, guess_id_column
from markersurv.init_cohort.sniff import SniffedTable
from markersurv.init_cohort.spec_yaml import Node, mapping

TCGA_NORMALIZER = {
    "sample_type": {"start": 14, "end": 15, "keep": [1, 9]},
    "extract": "^(.{12})",
    "replicates": "mean",
}
# Normalizers tried when tables do not join as written, simplest first; the default one
# already trims spaces and upper-cases.
NORMALIZERS = [
    ({}, "as written"),
    ({"strip_leading_zeros": True}, "after removing leading zeros"),
    ({"remove": "[^A-Z0-9]"}, "after removing separators"),
    ({"remove": "[^A-Z0-9]", "strip_leading_zeros": True}, "after removing separators and zeros"),
]


@dataclass
class TableIds:
    """The id column (long tables) and id normalizer node of each table."""

    columns: dict[str, str] = field(default_factory=dict)
    notes: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    normalizers: dict[str, Node] = field(default_factory=dict)
    undecided: set[str] = field(default_factory=set)  # tables whose id column is CHECK

    def add(self, table: str, kind: str, text: str) -> None:
        self.notes.setdefault(table, {}).setdefault(kind, []).append(text)


def id_set(ids: pd.Series, options: dict) -> tuple[set, int]:
    """Normalized ids (blank ids and excluded sample types dropped) and how many repeat."""
    normalized, codes = normalize_ids(ids, options)
    keep = normalized != ""
    if codes is not None:
        low, high = options["sample_type"]["keep"]
        keep &= codes.between(low, high)
    kept = normalized[keep]
    return set(kept), int(kept.duplicated().sum())


def choose_normalizer(
    tables: dict[str, SniffedTable], ids: dict[str, pd.Series], primary: str
) -> tuple[dict, str, dict[str, tuple[int, int, int]]]:
    """The simplest normalizer under which the other tables' ids best match the primary's
    without merging ids that differ as written; per table (ids, matched, matched as written)."""
    if len(tables) < 2:
        return {}, "", {}
    long_tables = [n for n, t in tables.items() if not t.wide]

    def own(name: str, options: dict) -> dict:
        return TCGA_NORMALIZER if tables[name].tcga else options

    def overlaps(options: dict) -> dict[str, tuple[int, int]]:
        reference, _ = id_set(ids[primary], own(primary, options))
        found = {}
        for name in list(tables)[1:]:
            values, _ = id_set(ids[name], own(name, options))
            found[name] = (len(values), len(values & reference))
        return found

    def repeats(options: dict) -> int:
        return sum(id_set(ids[n], options)[1] for n in long_tables)

    plain, plain_repeats = overlaps({}), repeats({})
    best, best_why, best_found, best_score = {}, "", plain, -1.0
    for options, why in NORMALIZERS:
        if options and repeats(options) > plain_repeats:
            continue
        found = overlaps(options)
        score = sum(m / max(n, 1) for n, m in found.values())
        if score > best_score + 1e-9:
            best, best_why, best_found, best_score = options, why, found, score
    summary = {n: (total, matched, plain[n][1]) for n, (total, matched) in best_found.items()}
    return best, best_why, summary


def normalizer_node(table: SniffedTable, options: dict, why: str) -> Node | None:
    if table.tcga:
        note = (
            "guessed: TCGA barcodes: characters 14-15 are the sample type (01-09 tumour), "
            "the first 12 the patient; tumour aliquots of one patient are averaged"
        )
        sample_type = [Node("start", 14), Node("end", 15), Node("keep", [1, 9])]
        return mapping(
            "id_normalizer",
            [
                mapping("sample_type", sample_type),
                Node("extract", TCGA_NORMALIZER["extract"]),
                Node("replicates", "mean"),
            ],
            [note],
        )
    if not options or table.wide:
        return None
    children = [Node(k, v) for k, v in {"strip": True, "case": "upper", **options}.items()]
    return mapping("id_normalizer", children, [f"guessed: the tables' ids match only {why}"])


def conflicting_repeats(table: SniffedTable, id_column: str) -> int:
    """Ids repeated on rows whose values differ (exact repeats are dropped when read)."""
    frame = table.frame[field_columns(table.frame)].drop_duplicates()
    return int(frame[id_column].duplicated().sum())


def guess_table_ids(ctx: Context, tables: dict[str, SniffedTable]) -> TableIds:
    """Id columns, the normalizer that joins the tables, and checks on poor joins."""
    result = TableIds()
    ids: dict[str, pd.Series] = {}
    for name, table in tables.items():
        if table.wide:
            ids[name] = table.frame[SAMPLE]
            continue
        col, why = guess_id_column(ctx.profiles[name])
        if col is None:
            # The first column stands in while drafting; the spec asks for the real one.
            result.columns[name] = ctx.profiles[name][0].name
            result.undecided.add(name)
            result.add(
                name,
                "checks",
                "no column looks like a patient id (unique, id-like values): set the column "
                "that identifies each patient",
            )
        else:
            result.columns[name] = col.name
            result.add(name, "notes", why)
        ctx.used.add((name, result.columns[name]))
        ids[name] = table.frame[result.columns[name]]
        repeats = 0 if col is None else conflicting_repeats(table, result.columns[name])
        if repeats:
            fix = (
                ""
                if name == ctx.primary
                else (", or average assay replicates with `id_normalizer: {replicates: mean}`")
            )
            result.add(
                name,
                "checks",
                f"{repeats} id(s) appear on several rows with different "
                f"values: remove the wrong rows{fix}",
            )
    options, why, overlap = choose_normalizer(tables, ids, ctx.primary)
    for name, (total, matched, _) in overlap.items():
        if total and matched < 0.5 * total:
            result.add(
                name,
                "checks",
                f"only {matched} of {total} ids of this table are found "
                f"in the primary table {ctx.primary!r}: check the id columns",
            )
    if options:
        counts = "; ".join(
            f"{m} of {t} {n!r} ids found in {ctx.primary!r}, {p} as written"
            for n, (t, m, p) in overlap.items()
        )
        why = f"{why} ({counts})"
    for name, table in tables.items():
        node = normalizer_node(table, options, why)
        if node is not None:
            result.normalizers[name] = node
    return result
