"""Guess the marker fields of a drafted spec: IL-6 (unit, detection limits) and pSTAT3
(scoring system from the name or the range of values)."""

from __future__ import annotations

import re

import numpy as np

from markersurv.cohort.vocab import MarkerScale, Vocabulary
from markersurv.init_cohort.fields import Context
from markersurv.init_cohort.profile import ColumnProfile, name_tokens, quote_values
from markersurv.init_cohort.spec_yaml import Node, mapping

IL6_NAME = re.compile(r"(^|_)(il_?6|interleukin_?6)(_|$)")
PSTAT3_NAME = re.compile(r"(^|_)(p_?stat_?3|phospho_?stat_?3)(_|$)|(^|_)p?_?y_?705(_|$)|tyr_?705")
STAT3_NAME = re.compile(r"(^|_)stat_?3(_|$)")
LOD_IN_TITLE = re.compile(
    r"(?:detection\s+limit|limit\s+of\s+detection|\bLOD\b|\bLLOQ\b)\D{0,12}?(\d+(?:[.,]\d+)?)",
    re.IGNORECASE,
)
# Words naming a pSTAT3 scoring system beyond the vocabulary's synonyms.
PSTAT3_WORDS = {
    "pct": "percent_positive", "percentage": "percent_positive", "perc": "percent_positive",
    "immunoreactive": "intensity_x_proportion", "hscore": "h_score",
}  # fmt: skip
RANGE_IN_NAME = {
    "1": "binary",
    "3": "intensity",
    "8": "allred",
    "12": "intensity_x_proportion",
    "100": "percent_positive",
    "300": "h_score",
}
BINARY_WORDS = {"positive": 1, "pos": 1, "negative": 0, "neg": 0}


def scale_in_words(vocab: Vocabulary, marker: str, tokens: tuple[str, ...]) -> MarkerScale | None:
    """A unit or scoring system named by a run of words ('pg', 'ml' -> pg/mL), longest first."""
    for size in (3, 2, 1):
        for i in range(len(tokens) - size + 1):
            run = tokens[i : i + size]
            for glue in ("/", "", " "):
                scale = vocab.marker_scale(marker, glue.join(run))
                if scale is not None:
                    return scale
    return None


def lod_children(col: ColumnProfile, title: str) -> tuple[list[Node], list[str], list[str]]:
    """Detection-limit keys of an IL-6 source, with notes and checks."""
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


def il6_unit(ctx: Context, col: ColumnProfile, file_tokens) -> tuple[str, list, list]:
    vocab = ctx.vocab
    scale = scale_in_words(vocab, "il6", col.tokens)
    if scale is not None:
        return scale.name, [f"guessed: IL-6 by its name; unit {scale.name} from the name"], []
    scale = scale_in_words(vocab, "il6", file_tokens)
    if scale is not None:
        return scale.name, [f"guessed: IL-6 by its name; unit {scale.name} from the file name"], []
    if len(col.numbers) and col.numbers.min() < 0:
        return (
            "log2_ratio",
            ["guessed: IL-6 by its name"],
            [
                f"negative values ({col.describe_range()}): not a concentration; log2_ratio "
                "(tumour mRNA) assumed, set the unit or scale"
            ],
        )
    return (
        "pg/mL",
        ["guessed: IL-6 by its name"],
        [
            f"no unit in the name; pg/mL assumed ({col.describe_range()}): set the unit (pg/mL, "
            "ng/L, ng/mL, pmol/L)"
        ],
    )


def pstat3_by_range(col: ColumnProfile) -> tuple[str | None, str]:
    numbers = col.numbers
    if not len(numbers):
        return None, "no numbers"
    lo, hi = numbers.min(), numbers.max()
    if lo < 0:
        return "rppa_log2", "signed values, as RPPA log2 data are"
    if not col.integers:
        if hi <= 100:
            return ("percent_positive" if hi > 12 else "rppa_log2"), "non-integer values"
        return ("h_score" if hi <= 300 else None), "non-integer values"
    for top, scale in (
        (1, "binary"),
        (3, "intensity"),
        (8, "allred"),
        (12, "intensity_x_proportion"),
        (100, "percent_positive"),
        (300, "h_score"),
    ):
        if hi <= top:
            return scale, f"integers up to {hi:g}"
    return None, f"integers up to {hi:g}"


def pstat3_scale(ctx: Context, col: ColumnProfile, wide: bool) -> tuple[list[Node], list, list]:
    """Scale (and map for positive/negative calls) of a pSTAT3 source, with notes and checks."""
    named = scale_in_words(ctx.vocab, "pstat3", col.tokens)
    words = [PSTAT3_WORDS[t] for t in col.tokens if t in PSTAT3_WORDS]
    ranges = [
        RANGE_IN_NAME[b]
        for a, b in zip(col.tokens, col.tokens[1:], strict=False)
        if a == "0" and b in RANGE_IN_NAME
    ]
    name = named.name if named else (words or ranges or [None])[0]
    if name is None and "%" in col.name:
        name = "percent_positive"
    if col.numeric_share < 0.5:
        codes = {label: v for label, v in BINARY_WORDS.items() if label in col.labels}
        if codes:
            entries = [Node(col.shown[label], v) for label, v in codes.items()]
            unknown = [col.shown[label] for label in col.labels if label not in codes]
            entries += [Node(v, None, commented=True) for v in unknown]
            checks = (
                [
                    f"values {quote_values(unknown)} are not positive/negative: uncomment "
                    "them in the map and give each 1 or 0 (null = missing)"
                ]
                if unknown
                else []
            )
            notes = [
                f"guessed: pSTAT3 calls {quote_values([col.shown[c] for c in codes])} as binary 1/0"
            ]
            return [Node("scale", "binary"), mapping("map", entries)], notes, checks
        values = [col.shown[label] for label in col.labels]
        skeleton = mapping("map", [Node(v, None) for v in values])
        skeleton.commented = True
        check = (
            f"values {quote_values(values)} are not numbers: set `scale:` and uncomment the map "
            "to give each a number on that scale (null = missing)"
        )
        return [Node("scale", "CHECK"), skeleton], ["guessed: pSTAT3 by its name"], [check]
    notes, checks = [], []
    if name is not None:
        scale = ctx.vocab.marker_scale("pstat3", name)
        fits = scale is not None and (
            (scale.minimum is None or col.numbers.min(initial=0) >= scale.minimum)
            and (scale.maximum is None or col.numbers.max(initial=0) <= scale.maximum)
        )
        if fits:
            return (
                [Node("scale", scale.name)],
                [f"guessed: pSTAT3 by its name; scale {scale.name} from the name"],
                [],
            )
        checks.append(f"the name suggests {name} but the column has {col.describe_range()}")
    guess, why = pstat3_by_range(col)
    if guess is None:
        checks.append(
            f"no scoring system fits {col.describe_range()}: set `scale:` "
            "(h_score, percent_positive, intensity, intensity_x_proportion, allred, "
            "binary, rppa_log2)"
        )
        return [Node("scale", "CHECK")], ["guessed: pSTAT3 by its name"], checks
    notes.append(f"guessed: pSTAT3 by its name; scale {guess} from the range ({why})")
    if not (guess == "rppa_log2" and (wide or col.numbers.min() < 0)):
        checks.append(
            f"scale {guess} guessed from {col.describe_range()}; other scoring "
            "systems overlap this range: set the scale the study used"
        )
    return [Node("scale", guess)], notes, checks


def marker_candidates(ctx: Context, marker: str, wide_tables: set[str]) -> list[ColumnProfile]:
    found = []
    for col in ctx.columns():
        if col.n == 0:
            continue
        if marker == "il6":
            ok = IL6_NAME.search(col.joined) and col.numeric_share >= 0.5
        else:
            plain = STAT3_NAME.search(col.joined) and col.table not in wide_tables
            ok = PSTAT3_NAME.search(col.joined) or plain
        if ok:
            found.append(col)
    return found


def marker_source(ctx: Context, marker: str, col: ColumnProfile, sniffed) -> Node:
    table = sniffed[col.table]
    file_tokens = name_tokens(table.path.name)
    if marker == "il6":
        unit, notes, checks = il6_unit(ctx, col, file_tokens)
        extra, lod_notes, lod_checks = lod_children(col, table.title)
        children = [Node("unit", unit), *extra]
        notes, checks = notes + lod_notes, checks + lod_checks
    else:
        children, notes, checks = pstat3_scale(ctx, col, table.wide)
        if not PSTAT3_NAME.search(col.joined):
            checks.append(
                f"{col.name!r} names STAT3 without the phosphorylation (pY705): make "
                "sure it is phospho-STAT3"
            )
    return ctx.ref(marker, col, children, notes, checks)


def guess_markers(ctx: Context, sniffed: dict) -> list[Node]:
    """IL-6 and pSTAT3 sources; one per table (several tables give alternative sources)."""
    wide = {name for name, t in sniffed.items() if t.wide}
    nodes = []
    for marker in ("il6", "pstat3"):
        candidates = marker_candidates(ctx, marker, wide)
        per_table: dict[str, ColumnProfile] = {}
        skipped = []
        for col in sorted(candidates, key=lambda c: -candidate_score(c)):
            if col.table in per_table:
                skipped.append(col.name)
            else:
                per_table[col.table] = col
        sources = [marker_source(ctx, marker, col, sniffed) for col in per_table.values()]
        notes = (
            [f"not used: {quote_values(skipped)} (another column of the same table was preferred)"]
            if skipped
            else []
        )
        if len(sources) == 1:
            node = sources[0]
            node.notes = notes + node.notes
            nodes.append(node)
        elif sources:
            for source in sources:
                source.key = "-"
            note = "guessed: several tables hold this marker; the first non-missing source wins"
            nodes.append(mapping(marker, [Node("sources", items=sources)], [note, *notes]))
    return nodes


def candidate_score(col: ColumnProfile) -> float:
    phospho = 1.0 if PSTAT3_NAME.search(col.joined) else 0.0
    return phospho + col.numeric_share - 0.01 * col.position
