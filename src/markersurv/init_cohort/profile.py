"""Column profiles for drafting a spec: name tokens, missing tokens, numbers and codes seen."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from markersurv.cohort.spec import DEFAULT_MISSING_TOKENS
from markersurv.cohort.vocab import normalize_label
from markersurv.harmonize.fields import cell_text
from markersurv.ingest.cells import parse_numbers
from markersurv.ingest.readers import field_columns

# Cell values that say "below the detection limit" (compared lower case).
LOD_WORDS = {
    "nd", "n.d.", "n.d", "n/d", "not detected", "undetectable", "not detectable", "non detectable",
    "below lod", "<lod", "< lod", "below detection limit", "below detection", "bdl", "blq",
    "bql", "<lloq", "< lloq", "<loq", "below lloq", "below loq",
}  # fmt: skip
# Cell values that say "missing" beyond the defaults every spec has (compared lower case).
MISSING_WORDS = {
    "na", "n/a", "nan", "null", "none", "missing", "unknown", "unk", "not available",
    "not known", "nk", "?", "-", "--", ".", "#n/a", "not applicable", "not evaluated",
    "not reported", "n.a.", "not done", "#value!", "#ref!", "#div/0!", "#num!",
}  # fmt: skip
BRACKETED = re.compile(r"^\[[A-Za-z][^\]]*\]$")
SENTINELS = (-99.0, -999.0, -9999.0, 999.0, 9999.0, 99999.0)


def name_tokens(name: str) -> tuple[str, ...]:
    """Lower-case ASCII words of a column name (accents dropped).

    >>> name_tokens("Survie globale (mois)"), name_tokens("OS.time"), name_tokens("IL6 (ng/mL)")
    (('survie', 'globale', 'mois'), ('os', 'time'), ('il6', 'ng', 'ml'))
    """
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    return tuple(re.findall(r"[a-z0-9]+", text.lower()))


def has_phrase(tokens: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tokens[i : i + n] == phrase for i in range(len(tokens) - n + 1))


def cell_texts(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """Every data column's cells as stripped text (computed once, used by every guess)."""
    return {column: cell_text(frame[column]) for column in field_columns(frame)}


def missing_tokens_in(texts: dict[str, pd.Series], known: set[str]) -> dict[str, list[str]]:
    """Missing-value tokens written in the table, beyond ``known`` (lower case), each with the
    columns it appears in: common words, bracketed forms such as '[Not Available]', and
    sentinel numbers such as -999 in otherwise non-negative numeric columns."""
    spelling: dict[str, str] = {}
    found: dict[str, list[str]] = {}

    def add(value: str, column: str) -> None:
        key = spelling.setdefault(value.lower(), value)
        if column not in found.setdefault(key, []):
            found[key].append(column)

    for column, text in texts.items():
        for value in text.unique():
            if value.lower() in known:
                continue
            if value.lower() in MISSING_WORDS or BRACKETED.match(value):
                add(value, column)
        numbers = pd.to_numeric(text, errors="coerce")
        if numbers.notna().mean() < 0.8:
            continue
        for sentinel in SENTINELS:
            hit = (numbers == sentinel).to_numpy()
            others = numbers[~hit & numbers.notna().to_numpy()]
            plausible = (others >= 0).all() if sentinel < 0 else (others < sentinel / 3).all()
            if hit.any() and len(others) and plausible:
                add(text[hit].iloc[0], column)
    return found


@dataclass
class ColumnProfile:
    """What one column (long) or feature (wide) of a table holds."""

    table: str
    name: str
    position: int
    raw: pd.Series
    missing_tokens: tuple[str, ...]
    decimal: str = "."
    thousands: str | None = None
    cells: pd.Series | None = None  # the cells as stripped text, when already computed

    @cached_property
    def tokens(self) -> tuple[str, ...]:
        return name_tokens(self.name)

    @cached_property
    def joined(self) -> str:
        return "_".join(self.tokens)

    @cached_property
    def text(self) -> pd.Series:
        """Non-missing cells as stripped text."""
        text = cell_text(self.raw) if self.cells is None else self.cells
        tokens = {t.lower() for t in self.missing_tokens}
        return text[(text != "") & ~text.str.lower().isin(tokens)]

    @property
    def n(self) -> int:
        return len(self.text)

    @cached_property
    def parsed(self):
        return parse_numbers(
            self.raw[self.text.index],
            decimal=self.decimal,
            thousands=self.thousands,
            below_lod_tokens=LOD_WORDS,
        )

    @cached_property
    def readable(self) -> np.ndarray:
        """Cells that are numbers (a unit may follow) or detection-limit forms; '23/05/2012'
        is not '23' followed by a unit."""
        unit = self.parsed.unit.astype(str)
        plausible = (unit == "") | unit.str.contains(r"^[A-Za-zµμ%]", regex=True)
        return ~self.parsed.invalid & plausible.to_numpy(dtype=bool)

    @cached_property
    def numbers(self) -> np.ndarray:
        """Finite numbers written in the column (detection-limit forms excluded)."""
        value = self.parsed.value[self.readable]
        return value[np.isfinite(value)]

    @property
    def numeric_share(self) -> float:
        """Share of cells that are numbers or detection-limit forms."""
        return float(self.readable.mean()) if self.n else 0.0

    @cached_property
    def limits(self) -> np.ndarray:
        """Limits written as '<x' in the column."""
        p = self.parsed
        return p.lod[p.below_lod & np.isfinite(p.lod)]

    @cached_property
    def lod_tokens(self) -> list[str]:
        """Below-detection-limit words seen, as written."""
        lowered = self.text.str.lower()
        return sorted(set(self.text[lowered.isin(LOD_WORDS)]))

    @cached_property
    def invalid(self) -> list[str]:
        """Cells that are neither numbers, limit forms nor missing, as written."""
        return sorted(set(self.text[~self.readable]) - set(self.lod_tokens))

    @cached_property
    def labels(self) -> Counter:
        """Normalized labels (as vocabularies match them) and their counts."""
        labels: Counter = Counter()
        for value, count in self.text.value_counts(sort=False).items():
            labels[normalize_label(value)] += int(count)
        return labels

    @cached_property
    def shown(self) -> dict[str, str]:
        """Normalized label -> the first way it is written in the file."""
        shown: dict[str, str] = {}
        for value in self.text.unique():
            shown.setdefault(normalize_label(value), value)
        return shown

    def share_in(self, known) -> float:
        """Share of non-missing cells whose label is in ``known``."""
        if not self.n:
            return 0.0
        return sum(c for label, c in self.labels.items() if label in known) / self.n

    def unmatched(self, known) -> list[str]:
        """Values (as written) whose label is not in ``known``."""
        return sorted(self.shown[label] for label in self.labels if label not in known)

    @property
    def integers(self) -> bool:
        return bool(len(self.numbers)) and bool(np.all(self.numbers == np.round(self.numbers)))

    def describe_range(self) -> str:
        if not len(self.numbers):
            return "no numbers"
        lo, hi, med = np.min(self.numbers), np.max(self.numbers), np.median(self.numbers)
        return f"values {lo:g} to {hi:g}, median {med:g}"


def profiles_of(
    name: str, frame: pd.DataFrame, texts, missing_tokens, decimal: str, thousands: str | None
) -> list[ColumnProfile]:
    tokens = tuple(missing_tokens) + DEFAULT_MISSING_TOKENS
    return [
        ColumnProfile(name, column, i, frame[column], tokens, decimal, thousands, texts[column])
        for i, column in enumerate(field_columns(frame))
    ]


def quote_values(values, limit: int = 6) -> str:
    """'a'/'b'/'c' (and n more)."""
    values = list(values)
    shown = "/".join(repr(str(v)) for v in values[:limit])
    return shown + (f" (and {len(values) - limit} more)" if len(values) > limit else "")
