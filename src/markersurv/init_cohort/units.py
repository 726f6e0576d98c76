"""Units and scales of a drafted marker source: read from the header, checked against the
values, decided only when one scale of the vocabulary is left.

A header names a unit (``IL-6 (pg/mL)``, ``CA 15-3 [U/ml]``, ``IL6 µg/L``), a log scale
(``log2``), a scoring system (``H-score``, ``%``, ``Allred``) or a proportion. Values narrow
the scales the vocabulary offers for the marker: bounds, signs, whole numbers, and the
plausibility checks ``markersurv validate`` applies. A unit is written only when the header
or the values leave one choice; a concentration unit is never taken from magnitudes alone
(a median fits pg/mL, ng/L and pmol/L alike). Everything else is ``CHECK``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from markersurv.cohort.vocab import MarkerScale, Vocabulary
from markersurv.config.study import Marker
from markersurv.harmonize.plausibility import implausible_values, looks_log_scale
from markersurv.init_cohort.fields import PLACEHOLDER
from markersurv.init_cohort.profile import ColumnProfile, has_phrase

# A concentration written in a header: mass or amount (or enzyme units) per volume.
CONCENTRATION = re.compile(
    r"(?<![a-z0-9])(?P<prefix>[pnuµm]?)(?P<base>mol|iu|ku|g|u)"
    r"[\s_]*(?:/|per(?![a-z])|\.|[\s_])[\s_]*(?P<volume>[mdµu]?)l(?:-1|⁻¹)?(?![a-z])"
)
MOLAR_SHORT = re.compile(r"(?<![A-Za-z0-9])(?P<prefix>[pn])M(?![A-Za-z])")
DENSITY = re.compile(r"(?:cells?|/)\s*(?:/|per)?\s*(mm2|mm²|mm\^2|hpf)", re.IGNORECASE)
MASS_PREFIX = {"": 1.0, "m": 1e-3, "µ": 1e-6, "n": 1e-9, "p": 1e-12}
VOLUME = {"l": 1.0, "dl": 0.1, "ml": 1e-3, "µl": 1e-6}
BASE_SPELLING = {"g": "g", "mol": "mol", "u": "U", "iu": "IU", "ku": "kU"}
LOG_WORDS = {"log2", "log", "lg2", "log10", "ln", "logged"}
PROPORTION_WORDS = {"fraction", "proportion", "prop", "frac"}
PERCENT_WORDS = {"percent", "pct", "percentage", "perc"}
SCORE_WORDS = {"hscore": "h_score", "immunoreactive": "intensity_x_proportion",
               "irs": "intensity_x_proportion"}  # fmt: skip
RANGE_IN_NAME = {"1": "binary", "3": "intensity", "8": "allred", "12": "intensity_x_proportion",
                 "100": "percent_positive", "300": "h_score"}  # fmt: skip
# Scoring systems of at most this maximum count whole points (intensity 0-3, Allred 0-8).
WHOLE_POINTS_MAX = 12


@dataclass
class Header:
    """What a column name says about its unit or scale."""

    unit: str | None = None  # a unit as written, in canonical spelling (pg/mL, µg/L, U/mL)
    scale: MarkerScale | None = None  # a unit or scale of the vocabulary it names
    words: set[str] = field(default_factory=set)  # log, proportion, percent


@dataclass
class Decision:
    """The unit or scale to write (or ``CHECK``), with what was guessed and what to check."""

    value: str
    notes: list[str]
    checks: list[str]


def folded(text: str) -> str:
    """Lower case with the micro sign and Greek mu as one letter."""
    text = unicodedata.normalize("NFKC", str(text)).lower()
    return text.replace("μ", "µ")


def written_unit(name: str) -> tuple[str, float | None] | None:
    """A unit written in a header, canonically spelt, and its mass per litre (g/L) when it
    is a mass concentration.

    >>> [written_unit(h) for h in ["IL-6 (PG/ML)", "il6 [ug / l]", "CA15-3 U/mL", "x pM"]]
    [('pg/mL', 1e-09), ('µg/L', 1e-06), ('U/mL', None), ('pmol/L', None)]
    """
    text = folded(name)
    match = CONCENTRATION.search(text)
    if match:
        prefix = match["prefix"].replace("u", "µ")
        base, volume = match["base"], match["volume"].replace("u", "µ") + "l"
        spelt = f"{prefix}{BASE_SPELLING[base]}/{volume[:-1]}L"
        per_litre = MASS_PREFIX[prefix] / VOLUME[volume] if base == "g" else None
        return spelt, per_litre
    short = MOLAR_SHORT.search(unicodedata.normalize("NFKC", str(name)))
    if short:
        return f"{short['prefix']}mol/L", None
    density = DENSITY.search(text)
    if density:
        return ("cells/HPF" if density[1] == "hpf" else "cells/mm²"), None
    return None


def scale_in_words(vocab: Vocabulary, marker: str, tokens: tuple[str, ...]) -> MarkerScale | None:
    """A unit or scoring system of the vocabulary named by a run of words, longest first."""
    for size in (3, 2, 1):
        for i in range(len(tokens) - size + 1):
            run = tokens[i : i + size]
            for glue in ("/", "", " "):
                scale = vocab.marker_scale(marker, glue.join(run))
                if scale is not None:
                    return scale
    return None


def equivalent_scale(vocab: Vocabulary, marker: str, per_litre: float) -> MarkerScale | None:
    """The vocabulary's unit equal to a mass concentration (µg/L is ng/mL)."""
    for name in vocab.scale_names(marker):
        found = written_unit(name)
        if found and found[1] is not None and np.isclose(found[1], per_litre, rtol=1e-9, atol=0.0):
            return vocab.marker_scale(marker, name)
    return None


def named_scale(vocab: Vocabulary, marker: str, col: ColumnProfile, unit) -> MarkerScale | None:
    if unit is not None:
        scale = vocab.marker_scale(marker, unit[0])
        if scale is None and unit[1] is not None:
            scale = equivalent_scale(vocab, marker, unit[1])
        if scale is not None:
            return scale
    scale = scale_in_words(vocab, marker, col.tokens)
    if scale is None:
        words = [SCORE_WORDS[t] for t in col.tokens if t in SCORE_WORDS]
        words += [
            RANGE_IN_NAME[b]
            for a, b in zip(col.tokens, col.tokens[1:], strict=False)
            if a == "0" and b in RANGE_IN_NAME
        ]
        if has_phrase(col.tokens, ("h", "score")):
            words.insert(0, "h_score")
        scale = next((s for w in words if (s := vocab.marker_scale(marker, w))), None)
    return scale


def read_header(vocab: Vocabulary, marker: str, col: ColumnProfile) -> Header:
    """The unit, vocabulary scale and scale words a column name gives."""
    unit = written_unit(col.name)
    words = {
        word
        for word, vocabulary in (
            ("log", LOG_WORDS),
            ("proportion", PROPORTION_WORDS),
            ("percent", PERCENT_WORDS),
        )
        if set(col.tokens) & vocabulary
    }
    if "%" in col.name:
        words.add("percent")
    scale = named_scale(vocab, marker, col, unit)
    if scale is None and "percent" in words:
        scale = vocab.marker_scale(marker, "%")
    return Header(unit[0] if unit else None, scale, words)


def is_log(scale: MarkerScale) -> bool:
    return "log" in scale.name.lower()


def misfits(scale: MarkerScale, values: np.ndarray, vocab: Vocabulary) -> list[str]:
    """Why the values cannot be on ``scale`` (empty when they can)."""
    whole = bool(len(values)) and bool(np.all(values == np.round(values)))
    found = [p.message for p in implausible_values(scale, values, vocab)]
    if is_log(scale) and whole:
        found.append(f"whole numbers only, not {scale.name} values")
    top = scale.maximum
    if top is not None and top <= WHOLE_POINTS_MAX and not whole:
        found.append(f"fractions of a point, which {scale.name} does not have")
    return found


def fitting(vocab: Vocabulary, marker: str, values: np.ndarray) -> list[MarkerScale]:
    scales = [vocab.marker_scale(marker, n) for n in vocab.scale_names(marker)]
    return [s for s in scales if s is not None and not misfits(s, values, vocab)]


def looks_logged(values: np.ndarray) -> bool:
    """Unskewed values within 0-20 or signed values, as logarithms are (validate's test)."""
    probe = MarkerScale("probe", "a concentration", 1.0, "log2", 0.0, None, None)
    return len(values) > 0 and looks_log_scale(probe, values) is not None


def proportions(vocab: Vocabulary, marker: str, values: np.ndarray) -> bool:
    """Fractions within 0-1 (not only 0/1) for a marker with a percentage scale."""
    if np.min(values) < 0 or np.max(values) > 1 or np.all(np.isin(values, (0.0, 1.0))):
        return False
    scales = [vocab.marker_scale(marker, n) for n in vocab.scale_names(marker)]
    return any(s is not None and s.maximum == 100 for s in scales)


def range_candidates(marker: Marker, fits: list[MarkerScale], values: np.ndarray):
    """Scales the values and the config's kind leave, for a header naming none."""
    if marker.kind == "concentration":
        return [s for s in fits if s.converts]
    if marker.kind in ("expression", "tissue_score"):
        fits = [s for s in fits if not s.converts]
    logs = [s for s in fits if is_log(s)]
    if logs and (marker.kind == "expression" or np.min(values) < 0) and looks_logged(values):
        return logs
    return fits


def names(scales) -> str:
    return ", ".join(s.name for s in scales) or "none"


def decide_scale(vocab: Vocabulary, marker: Marker, col: ColumnProfile) -> Decision:
    """The unit or scale of one marker source, or ``CHECK`` with what to decide."""
    header = read_header(vocab, marker.id, col)
    values = col.numbers
    known = vocab.scale_names(marker.id)
    span = col.describe_range()
    if not known:
        return unlisted_marker(marker, header, span)
    if not len(values):
        return Decision(
            PLACEHOLDER, [], [f"no numbers in the column: set the unit ({', '.join(known)})"]
        )
    if header.scale is not None:
        return named_in_header(vocab, marker, header, values, span)
    fits = fitting(vocab, marker.id, values)
    if header.unit is not None:
        return Decision(
            PLACEHOLDER,
            [],
            [
                f"the header says {header.unit}, which resources/vocab/marker_scales.yaml does "
                f"not list for {marker.id!r} (it lists {', '.join(known)}; {span} fit "
                f"{names(fits)}): convert, or add the unit there and set it here"
            ],
        )
    if "log" in header.words:
        logs = [s for s in fits if is_log(s)]
        if marker.kind == "concentration":
            check = (
                f"the header says log, but the config declares {marker.id!r} a concentration "
                f"and {names(logs)} is not one: give the values unlogged with their unit, or "
                "check the marker the study analyses"
            )
            return Decision(PLACEHOLDER, [], [check])
        if len(logs) == 1:
            note = f"guessed: {logs[0].name}: the header says log and {span} fit it"
            return Decision(logs[0].name, [note], [])
        return Decision(PLACEHOLDER, [], [f"the header says log; {span} fit {names(logs)}"])
    if "proportion" in header.words or proportions(vocab, marker.id, values):
        return Decision(
            PLACEHOLDER,
            [],
            [
                f"proportions ({span}): no scale of {marker.id!r} is a proportion; multiply "
                "by 100 for a percentage, or add the scale to resources/vocab/marker_scales.yaml"
            ],
        )
    return from_range(marker, fits, values, span)


def named_in_header(vocab, marker: Marker, header: Header, values, span: str) -> Decision:
    scale = header.scale
    reasons = misfits(scale, values, vocab)
    written = header.unit or scale.name
    if reasons:
        # A concentration in the wrong unit is compared with the other concentration units.
        fits = [s for s in fitting(vocab, marker.id, values) if s.converts or not scale.converts]
        return Decision(
            PLACEHOLDER,
            [],
            [
                f"the header says {written} but {span} do not fit {scale.name} "
                f"({'; '.join(reasons)}); the values fit {names(fits)}: set the unit or scale "
                "the study used"
            ],
        )
    if scale.converts and marker.kind in ("expression", "tissue_score"):
        return Decision(
            PLACEHOLDER,
            [],
            [
                f"the header says {written}, a concentration, but the config declares "
                f"{marker.id!r} as {marker.kind.replace('_', ' ')}: check that this column "
                "measures what the study analyses, then set the unit"
            ],
        )
    same = "" if written == scale.name else f" ({written} equals {scale.name})"
    return Decision(scale.name, [f"guessed: {scale.name} from the header{same}; {span}"], [])


def from_range(marker: Marker, fits, values, span: str) -> Decision:
    candidates = range_candidates(marker, fits, values)
    if len(candidates) == 1 and not candidates[0].converts:
        scale = candidates[0]
        why = "signed values, a log scale" if np.min(values) < 0 else "the only scale they fit"
        return Decision(scale.name, [f"guessed: {scale.name} from {span} ({why})"], [])
    if candidates and all(s.converts for s in candidates):
        check = (
            f"no unit in the header; {span} fit {names(candidates)}: set the unit the "
            "assay reports (a concentration unit is never guessed from magnitudes)"
        )
    elif not candidates:
        kind = marker.kind.replace("_", " ")
        logged = " (they look log-transformed)" if looks_logged(values) else ""
        check = (
            f"{span}{logged} fit no scale of {marker.id!r} for a {kind} "
            f"(the vocabulary's scales that fit: {names(fits)}): set the unit or scale"
        )
    else:
        check = f"no unit or scale in the header; {span} fit {names(candidates)}: set it"
    return Decision(PLACEHOLDER, [], [check])


def unlisted_marker(marker: Marker, header: Header, span: str) -> Decision:
    """A marker the vocabulary has no units for: the header's unit, or CHECK."""
    add = f"add it under {marker.id!r} in resources/vocab/marker_scales.yaml"
    if header.unit is not None:
        note = f"guessed: unit {header.unit} from the header; {span}"
        check = f"the vocabulary lists no units of this marker: {add}"
        return Decision(header.unit, [note], [check])
    return Decision(
        PLACEHOLDER,
        [],
        [f"no unit in the header ({span}); the vocabulary lists none of this marker: set the "
         f"unit and {add}"],
    )  # fmt: skip
