"""Guess the marker fields of a drafted spec: for each marker the config declares, the column
whose header names it, its unit or scale (see ``units``) and its detection limits.

A column is matched when a run of its header's words spells the marker's id or label
(``IL6``, ``IL-6 (pg/mL)``, ``il6_expr`` for ``il6``); two columns of one table that match
equally well are a ``CHECK`` naming both, never a pick.
"""

from __future__ import annotations

import re

import numpy as np

from markersurv.config.study import Marker
from markersurv.init_cohort.fields import Context
from markersurv.init_cohort.profile import ColumnProfile, quote_values
from markersurv.init_cohort.spec_yaml import Node, mapping
from markersurv.init_cohort.units import PLACEHOLDER, decide_scale, folded

LOD_IN_TITLE = re.compile(
    r"(?:detection\s+limit|limit\s+of\s+detection|\bLOD\b|\bLLOQ\b)\D{0,12}?(\d+(?:[.,]\d+)?)",
    re.IGNORECASE,
)
# Names of the built-in markers beyond their ids and labels.
ALIASES = {
    "il6": {"interleukin6"},
    "pstat3": {"phosphostat3", "py705", "stat3py705", "tyr705", "stat3y705", "pstat3y705"},
}
# pSTAT3's unphosphorylated form: named, but not the marker.
TOTAL_FORMS = {"pstat3": {"stat3"}}
# Header words that say what a column measures, by the config's marker kind.
KIND_WORDS = {
    "concentration": {"serum", "plasma", "elisa", "conc", "concentration", "level", "blood"},
    "expression": {"expr", "expression", "mrna", "rna", "rnaseq", "array", "log2", "probe"},
    "tissue_score": {"ihc", "score", "hscore", "staining", "nuclear", "density", "tissue"},
}
# Words after a marker's name that make it another molecule (IL-6 receptor, IL6ST).
NOT_THE_MARKER = {"r", "receptor", "ra", "st", "sr"}
BINARY_WORDS = {"positive": 1, "pos": 1, "negative": 0, "neg": 0}


def compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", folded(text))


def aliases_of(marker: Marker) -> set[str]:
    found = {compact(marker.id), compact(marker.label), *ALIASES.get(marker.id, set())}
    return {a for a in found if len(a) >= 2}


def spelt_length(tokens: tuple[str, ...], aliases: set[str]) -> int:
    """Letters of the longest alias a run of consecutive words spells (0 for none); a run
    the next word makes another molecule (IL-6 receptor) does not count."""
    longest = 0
    for size in (1, 2, 3, 4):
        for i in range(len(tokens) - size + 1):
            after = tokens[i + size] if i + size < len(tokens) else ""
            run = "".join(tokens[i : i + size])
            if run in aliases and after not in NOT_THE_MARKER:
                longest = max(longest, len(run))
    return longest


def spells(tokens: tuple[str, ...], aliases: set[str]) -> bool:
    return spelt_length(tokens, aliases) > 0


def claimed_by_other(marker: Marker, col: ColumnProfile, markers) -> bool:
    """True when another declared marker's name is a longer part of the header
    (``IL6_mRNA`` is ``il6_mrna``'s, not ``il6``'s)."""
    own = spelt_length(col.tokens, aliases_of(marker))
    return any(spelt_length(col.tokens, aliases_of(m)) > own for m in markers if m.id != marker.id)


def match_strength(marker: Marker, col: ColumnProfile) -> float:
    """How clearly a column holds the marker: 2 named, 1 only its unphosphorylated form
    (pSTAT3), and a half point when the header says what the config's kind measures."""
    if col.n == 0:
        return 0.0
    if spells(col.tokens, aliases_of(marker)):
        strength = 2.0
    elif spells(col.tokens, TOTAL_FORMS.get(marker.id, set())):
        strength = 1.0
    else:
        return 0.0
    if set(col.tokens) & KIND_WORDS.get(marker.kind, set()):
        strength += 0.5
    usable = col.numeric_share >= 0.5 or set(col.labels) & set(BINARY_WORDS)
    return strength + (1.0 if usable else 0.0)


def lod_children(col: ColumnProfile, title: str) -> tuple[list[Node], list[str], list[str]]:
    """Detection-limit keys of a marker source, with notes and checks."""
    nodes, notes, checks = [], [], []
    limits, tokens = col.limits, col.lod_tokens
    if len(limits):
        shown = quote_values(sorted({f"<{v:g}" for v in limits}))
        notes.append(
            f"guessed: {len(limits)} cells written as {shown} are below the detection "
            "limit written in the cell"
        )
    if not tokens:
        return nodes, notes, checks
    written = LOD_IN_TITLE.search(title or "")
    values = np.unique(limits)
    if len(values) == 1:
        nodes.append(Node("lod", float(values[0])))
        notes.append(f"guessed: lod {values[0]:g} from the '<{values[0]:g}' cells of this column")
    elif written:
        lod = float(written.group(1).replace(",", "."))
        nodes.append(Node("lod", lod))
        notes.append(f"guessed: lod {lod:g} from the title rows ({written.group(0).strip()!r})")
    else:
        checks.append(
            f"{int(col.text.str.lower().isin({t.lower() for t in tokens}).sum())} "
            f"cells say {quote_values(tokens)} (below the detection limit) but no limit "
            "is known: add `lod: <limit in the source unit>`"
        )
    nodes.append(Node("below_lod_tokens", list(tokens)))
    notes.append(f"guessed: {quote_values(tokens)} marks values below the detection limit")
    return nodes, notes, checks


def scale_key(marker: Marker) -> str:
    """Tissue scores are written as ``scale:``, everything else as ``unit:``."""
    return "scale" if marker.kind == "tissue_score" else "unit"


def categorical_scale(ctx: Context, marker: Marker, col: ColumnProfile) -> tuple[list, list, list]:
    """A source of words: positive/negative calls on a binary scale, else a map to fill."""
    key = scale_key(marker)
    codes = {label: v for label, v in BINARY_WORDS.items() if label in col.labels}
    binary = ctx.vocab.marker_scale(marker.id, "binary")
    if codes and binary is not None:
        entries = [Node(col.shown[label], v) for label, v in codes.items()]
        unknown = [col.shown[label] for label in col.labels if label not in codes]
        entries += [Node(v, PLACEHOLDER) for v in unknown]
        checks = (
            [f"values {quote_values(unknown)} are not positive/negative: give each 1 or 0 "
             "(null = missing)"]
            if unknown
            else []
        )  # fmt: skip
        shown = quote_values([col.shown[c] for c in codes])
        notes = [f"guessed: {marker.label} calls {shown} as binary 1/0"]
        return [Node(key, binary.name), mapping("map", entries, checks=checks)], notes, []
    values = [col.shown[label] for label in col.labels]
    skeleton = mapping("map", [Node(v, None) for v in values])
    skeleton.commented = True
    check = (
        f"values {quote_values(values)} are not numbers: set `{key}:` and uncomment the map "
        "to give each a number on that scale (null = missing)"
    )
    return [Node(key, PLACEHOLDER), skeleton], [], [check]


def marker_source(ctx: Context, marker: Marker, col: ColumnProfile, sniffed) -> Node:
    table = sniffed[col.table]
    notes = [f"guessed: {marker.label} ({marker.id}) by the header {col.name!r}"]
    if col.numeric_share < 0.5:
        children, more, checks = categorical_scale(ctx, marker, col)
        return ctx.ref(marker.id, col, children, notes + more, checks)
    decision = decide_scale(ctx.vocab, marker, col)
    unit = Node(scale_key(marker), decision.value, checks=decision.checks)
    extra, lod_notes, lod_checks = lod_children(col, table.title)
    return ctx.ref(marker.id, col, [unit, *extra], notes + decision.notes + lod_notes, lod_checks)


def undecided(ctx: Context, marker: Marker, cols: list[ColumnProfile], why: str) -> Node:
    """Column and unit left to a person, with the candidate columns named."""
    table = cols[0].table
    children = [Node("table", table)] if table != ctx.primary else []
    column = Node("column", PLACEHOLDER, checks=[why])
    unit = Node(scale_key(marker), PLACEHOLDER, checks=["set it once the column is chosen"])
    for col in cols:
        ctx.used.add((col.table, col.name))
    return mapping(marker.id, [*children, column, unit])


def table_source(ctx: Context, marker: Marker, scored, sniffed) -> Node:
    """The source of one table: its best column, or CHECK when it is not clear."""
    top = max(s for s, _ in scored)
    best = [c for s, c in scored if s == top]
    if len(best) > 1:
        return undecided(
            ctx,
            marker,
            best,
            f"columns {quote_values(c.name for c in best)} could each be {marker.label}: "
            "set the one the study analyses",
        )
    col = best[0]
    if not spells(col.tokens, aliases_of(marker)):
        return undecided(
            ctx,
            marker,
            [col],
            f"{col.name!r} names {marker.label} without the phosphorylation (pY705): if it "
            "is phospho-STAT3, set the column to it",
        )
    node = marker_source(ctx, marker, col, sniffed)
    others = [c.name for s, c in scored if c is not col]
    if others:
        node.notes.insert(0, f"not used: {quote_values(others)} (they name it less clearly)")
    return node


def guess_marker(ctx: Context, marker: Marker, sniffed: dict, markers=()) -> Node | None:
    """One marker's source, or its sources (one per table), first non-missing wins."""
    wide = {name for name, t in sniffed.items() if t.wide}
    by_table: dict[str, list] = {}
    for col in ctx.columns():
        strength = match_strength(marker, col)
        named = col.table not in wide or spells(col.tokens, aliases_of(marker))
        if strength > 0 and named and not claimed_by_other(marker, col, markers):
            by_table.setdefault(col.table, []).append((strength, col))
    sources = [table_source(ctx, marker, scored, sniffed) for scored in by_table.values()]
    if len(sources) <= 1:
        return sources[0] if sources else None
    for source in sources:
        source.key = "-"
    note = "guessed: several tables hold this marker; the first non-missing source wins"
    return mapping(marker.id, [Node("sources", items=sources)], [note])


def guess_markers(ctx: Context, sniffed: dict, markers: tuple[Marker, ...]) -> list[Node]:
    """Sources of the declared markers; a ``CHECK`` entry when the header names none."""
    nodes = [n for m in markers if (n := guess_marker(ctx, m, sniffed, markers)) is not None]
    if nodes:
        return nodes
    first = markers[0]
    declared = ", ".join(f"{m.id} ({m.label})" for m in markers)
    check = (
        f"no header names a marker of the config ({declared}): set the key to the marker's "
        "id, and its column and unit"
    )
    unit = Node(scale_key(first), PLACEHOLDER)
    return [mapping(first.id, [Node("column", PLACEHOLDER), unit], checks=[check])]
