"""Guess the clinical fields of a drafted spec from column names and contents.

Each guesser returns spec nodes whose comments say what was guessed and why, and ``CHECK``
comments where a person must decide (unmapped codes, units taken from magnitudes, ambiguous
date orders).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from markersurv.cohort.vocab import Vocabulary
from markersurv.harmonize.fields import STAGE_RULE
from markersurv.init_cohort.profile import ColumnProfile, quote_values
from markersurv.init_cohort.spec_yaml import Node, mapping, remark

PLACEHOLDER = "CHECK"

ID_WORDS = {
    "id", "ids", "patient", "patients", "subject", "case", "sample", "barcode", "participant",
    "numero", "pid", "pat", "code", "no", "nr", "number", "identifier", "record",
}  # fmt: skip
ID_VALUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/:-]{0,63}$")
CANCER_WORDS = {
    "type", "cancer", "tumor", "tumour", "histology", "histological", "diagnosis", "disease",
    "entity", "site", "project",
}  # fmt: skip
SEX_WORDS = {"sex", "gender", "sexe", "geschlecht", "sexo"}
STAGE_WORDS = {"stage", "stade", "ajcc", "figo", "tnm", "stadium", "estadio", "uicc"}


@dataclass
class Context:
    """The tables being drafted: profiles by table, the primary table and the vocabularies."""

    vocab: Vocabulary
    profiles: dict[str, list[ColumnProfile]]
    primary: str
    used: set  # (table, column) pairs already given to a field

    def columns(self):
        """Columns of every table not yet given to a field, table by table."""
        for profiles in self.profiles.values():
            yield from (p for p in profiles if (p.table, p.name) not in self.used)

    def profile(self, node: Node) -> ColumnProfile:
        """The column a field node reads."""
        table = node.child("table").value if node.child("table") else self.primary
        column = node.child("column").value
        return next(p for p in self.profiles[table] if p.name == column)

    def ref(self, key: str, col: ColumnProfile, extra=(), notes=(), checks=()) -> Node:
        """A field node reading ``col``; the table is named when it is not the primary."""
        self.used.add((col.table, col.name))
        children = [Node("table", col.table)] if col.table != self.primary else []
        return mapping(key, [*children, Node("column", col.name), *extra], notes, checks)

    def best(self, scored) -> tuple[float, ColumnProfile] | None:
        """Highest score; ties go to the primary table, then the leftmost column."""
        scored = [(s, c) for s, c in scored if s > 0]
        if not scored:
            return None
        return max(scored, key=lambda sc: (sc[0], sc[1].table == self.primary, -sc[1].position))


def name_score(col: ColumnProfile, words: set[str]) -> float:
    return 1.0 if set(col.tokens) & words else 0.0


def coded_map(
    col: ColumnProfile, known, what: str, choices: str, every: str | None = None
) -> tuple[Node | None, list]:
    """A ``map:`` giving ``CHECK`` to each value no vocabulary maps (or, with ``every`` saying
    why, to every value), with the check asking for them; ``markersurv validate`` refuses the
    placeholders, naming their lines."""
    unknown = sorted(col.shown.values()) if every else col.unmatched(known)
    if not unknown:
        return None, []
    why = every or f"{len(unknown)} value(s) {quote_values(unknown)} match no {what} coding"
    check = f"{why}: give each {choices} (null = missing)"
    return mapping("map", [Node(v, PLACEHOLDER) for v in unknown], checks=[check]), []


# -- patient id -----------------------------------------------------------------------------
def id_score(col: ColumnProfile) -> float:
    if not col.n:
        return 0.0
    unique = col.text.nunique() / col.n
    named = name_score(col, ID_WORDS) or float(col.joined.endswith("id"))
    if unique < (0.5 if named else 0.9):
        return 0.0
    if col.text.str.match(ID_VALUE).mean() < 0.9:
        return 0.0
    numbers = col.numbers
    if len(numbers) and not col.integers:
        return 0.0
    score = unique + 2 * named + (0.5 if col.position == 0 else 0.0)
    if len(numbers) == col.n and np.array_equal(np.sort(numbers), np.arange(len(numbers)) + 1):
        score -= 1.0  # a row index exported with the table
    return score


def guess_id_column(profiles: list[ColumnProfile]) -> tuple[ColumnProfile | None, str]:
    scored = [(id_score(c), c) for c in profiles]
    scored = [sc for sc in scored if sc[0] > 0]
    if not scored:
        return None, ""
    score, col = max(scored, key=lambda sc: (sc[0], -sc[1].position))
    unique = col.text.nunique()
    why = f"{unique} distinct id-like values in {col.n} rows"
    if name_score(col, ID_WORDS):
        why = f"name says id; {why}"
    return col, f"guessed: {why}"


# -- cancer type, age, sex, stage -----------------------------------------------------------
def guess_cancer_type_column(ctx: Context) -> Node | None:
    index = ctx.vocab.cancer_type_index
    scored = []
    for col in ctx.columns():
        if not col.n or len(col.labels) > 60:
            continue
        share, named = col.share_in(index), name_score(col, CANCER_WORDS)
        if share >= 0.9 or (share >= 0.5 and named):
            scored.append((share + named, col))
    pick = ctx.best(scored)
    if pick is None:
        return None
    col = pick[1]
    codes = sorted({index[label] for label in col.labels if label in index})
    notes = [f"guessed: values match the cancer-type vocabulary ({', '.join(codes)})"]
    node, checks = coded_map(
        col, index, "cancer-type", "a code of resources/vocab/cancer_types.tsv"
    )
    return ctx.ref("cancer_type", col, [node] if node else [], notes, checks)


def guess_cancer_type_constant(vocab: Vocabulary, hints: list[str]) -> Node:
    """A constant cancer type named in the file names or title rows."""
    index, found = vocab.cancer_type_index, {}
    for hint in hints:
        words = re.findall(r"[A-Za-z0-9]+", hint)
        for size in (1, 2, 3, 4):
            for i in range(len(words) - size + 1):
                label = "".join(words[i : i + size]).lower()
                if label in index and (size > 1 or len(label) > 1):
                    found.setdefault(index[label], " ".join(words[i : i + size]))
    if len(found) == 1:
        code, word = next(iter(found.items()))
        note = (
            f"guessed: one cancer type for the whole cohort; {word!r} in the file names or "
            f"titles means {code}"
        )
        return mapping("cancer_type", [Node("constant", code)], [note])
    named = f" (names mention {', '.join(sorted(found))})" if found else ""
    check = (
        f"no column holds cancer types{named}: set the constant to a code of "
        "resources/vocab/cancer_types.tsv"
    )
    return mapping("cancer_type", [Node("constant", "CHECK")], checks=[check])


def guess_age(ctx: Context) -> Node | None:
    scored, odd = [], None
    for col in ctx.columns():
        if "age" not in col.tokens and not col.joined.startswith("age"):
            continue
        if col.numeric_share < 0.9 or not len(col.numbers):
            continue
        if col.numbers.min() < 0 or col.numbers.max() > 120:
            odd = col
            continue
        scored.append((2.0 + (col.table == ctx.primary), col))
    pick = ctx.best(scored)
    if pick is None:
        if odd is not None:
            return remark(
                "age",
                checks=[
                    f"column {odd.name!r} looks like age but has {odd.describe_range()}: add "
                    "`age: {column: ...}` with age in years"
                ],
            )
        return None
    col = pick[1]
    return ctx.ref("age", col, notes=[f"guessed: name says age; {col.describe_range()}"])


def guess_sex(ctx: Context) -> Node | None:
    codes = ctx.vocab.codings["sex"]
    scored = []
    for col in ctx.columns():
        share, named = col.share_in(codes), name_score(col, SEX_WORDS)
        text_codes = any(not label.isdigit() for label in col.labels)
        if named and len(col.labels) <= 8 and col.n:
            scored.append((1 + share, col))
        elif share >= 0.95 and text_codes and len(col.labels) <= 4:
            scored.append((share, col))
    pick = ctx.best(scored)
    if pick is None:
        return None
    col = pick[1]
    seen = quote_values(sorted(col.shown[label] for label in col.labels if label in codes))
    node, checks = coded_map(col, codes, "sex", "female or male")
    why = "name says sex" if name_score(col, SEX_WORDS) else "values"
    return ctx.ref(
        "sex",
        col,
        [node] if node else [],
        [f"guessed: {why}; values {seen} match the sex codings"],
        checks,
    )


def stage_known(vocab: Vocabulary, labels) -> set[str]:
    return {
        label for label in labels if label in vocab.stage_forms or STAGE_RULE.match(label.upper())
    }


def guess_stage(ctx: Context) -> Node | None:
    scored = []
    for col in ctx.columns():
        if not col.n or len(col.labels) > 40:
            continue
        known = stage_known(ctx.vocab, col.labels)
        share = col.share_in(known)
        named = name_score(col, STAGE_WORDS)
        if single_letter_tnm(col):
            continue
        if (named and share >= 0.6) or (share >= 0.9 and col.numeric_share < 0.5):
            scored.append((share + named, col))
    pick = ctx.best(scored)
    if pick is None:
        return None
    col = pick[1]
    known = stage_known(ctx.vocab, col.labels)
    node, checks = coded_map(col, known, "stage", "a stage such as III")
    note = (
        f"guessed: {col.share_in(known):.0%} of the values are stage forms (I-IV, substages, "
        "or resources/vocab/stages.tsv)"
    )
    return ctx.ref("stage", col, [node] if node else [], [note], checks)


def single_letter_tnm(col: ColumnProfile) -> bool:
    """T, N or M category columns (pathologic_T) are not the overall stage."""
    tokens = set(col.tokens)
    return bool(tokens & {"t", "n", "m"}) and not tokens & (STAGE_WORDS - {"tnm"})
