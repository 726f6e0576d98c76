"""Field parsers: raw cells of one column to canonical values, or a located error.

Each parser takes the cells of one column (with their ``__row__``) and a ``where`` dict
(cohort, file, column) and either returns canonical values aligned with the cells or raises
a :class:`HarmonizationError` listing the offending rows and values.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from markersurv.cohort.vocab import MarkerScale, Vocabulary, normalize_label
from markersurv.errors import HarmonizationError, Location, Problem, closest
from markersurv.ingest.cells import map_unique, parse_dates, parse_numbers

DAYS_PER_MONTH = 30.4375
MONTHS_PER_UNIT = {
    "days": 1 / DAYS_PER_MONTH,
    "weeks": 7 / DAYS_PER_MONTH,
    "months": 1.0,
    "years": 12.0,
}
ROMAN = {"I": "I", "II": "II", "III": "III", "IV": "IV", "1": "I", "2": "II", "3": "III", "4": "IV"}
STAGE_RULE = re.compile(r"^(?:STAGE)?(IV|III|II|I|[1-4])(?:[A-C][0-9]?)?$")
MAX_SHOWN = 5
INTEGRAL_TEXT = re.compile(r"^([+-]?\d+)\.0+$")


def fail(
    cells: pd.DataFrame,
    mask: np.ndarray,
    column: str,
    where: dict,
    message: str,
    expected: str,
    hint: str | None = None,
) -> None:
    """Raise one error naming the first offending rows and their values."""
    bad = cells.loc[mask]
    shown = "; ".join(
        f"row {r}: {v!r}"
        for r, v in zip(bad["__row__"].head(MAX_SHOWN), bad[column].head(MAX_SHOWN), strict=True)
    )
    more = f" (and {len(bad) - MAX_SHOWN} more)" if len(bad) > MAX_SHOWN else ""
    raise HarmonizationError(
        Problem(
            f"{message} in {len(bad)} row(s)",
            Location(**{**where, **first_bad_file(bad)}, row=bad["__row__"].iloc[0]),
            expected=expected,
            found=shown + more,
            hint=hint,
        )
    )


def first_bad_file(bad: pd.DataFrame) -> dict:
    """The file of the first offending row, for tables stacked from several files."""
    return {"file": bad["__file__"].iloc[0]} if "__file__" in bad else {}


def cell_text(values: pd.Series) -> pd.Series:
    """Cells as stripped text; integral numbers as integers (Excel stores 1 as 1.0, and a
    CSV written from a float column with blanks says '1.0')."""

    def one(v):
        if isinstance(v, float | np.floating) and np.isfinite(v) and float(v).is_integer():
            return str(int(v))
        return "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)

    return map_unique(values, lambda v: INTEGRAL_TEXT.sub(r"\1", one(v).strip()))


def is_missing(text: pd.Series, missing_tokens) -> pd.Series:
    return (text == "") | text.str.lower().isin({t.lower() for t in missing_tokens})


def coded_values(
    cells: pd.DataFrame,
    column: str,
    where: dict,
    spec_map: dict | None,
    default_map: dict,
    missing_tokens,
    field_name: str,
) -> pd.Series:
    """Categorical codes through the spec's map, then the vocabulary's defaults."""
    text = cell_text(cells[column])
    missing = is_missing(text, missing_tokens)
    key = map_unique(text, normalize_label)
    result = pd.Series(np.nan, index=cells.index, dtype=object)
    choices = sorted({str(v) for v in default_map.values()})
    if spec_map:
        mapped = {normalize_label(str(k)): v for k, v in spec_map.items()}
        hit = key.isin(mapped.keys()) & ~missing
        targets = key[hit].map(mapped)
        # The map's targets are read through the vocabulary too, so 2, 'yes' or 'Female'
        # become a canonical code or an error, never a value downstream code cannot use.
        target_keys = map_unique(cell_text(targets), normalize_label)
        bad = targets.notna() & ~target_keys.isin(default_map.keys())
        if bad.any():
            fail(
                cells,
                bad.reindex(cells.index, fill_value=False).to_numpy(),
                column,
                where,
                f"the spec's `map:` sends {field_name} code(s) to "
                f"{sorted(set(cell_text(targets[bad])))}",
                expected=f"map targets that are codes of {choices} (or null for missing)",
                hint="Correct the targets of this field's `map:` in the cohort spec",
            )
        result[hit] = target_keys[targets.notna()].map(default_map)
        explicit_missing = hit & targets.reindex(cells.index).isna()
        missing = missing | explicit_missing
    todo = result.isna() & ~missing
    known = key.isin(default_map.keys())
    result[todo & known] = key[todo & known].map(default_map)
    unknown = (todo & ~known).to_numpy()
    if unknown.any():
        values = sorted(set(text[unknown]))[:10]
        near = list(
            dict.fromkeys(
                str(default_map[k]) for k in closest(normalize_label(values[0]), default_map)
            )
        )
        fail(
            cells,
            unknown,
            column,
            where,
            f"unknown {field_name} code(s) {values}",
            expected=f"one of the codes mapped to {choices}",
            hint=(f"Closest to {values[0]!r}: {', '.join(near)}. " if near else "")
            + "Add the codes to this field's `map:` in the cohort spec, e.g. "
            f"map: {{{values[0]!r}: {near[0] if len(near) == 1 else '<code>'}}}",
        )
    return result


def cancer_type_codes(
    cells: pd.DataFrame,
    column: str,
    where: dict,
    spec_map: dict | None,
    vocab: Vocabulary,
    missing_tokens,
) -> pd.Series:
    text = cell_text(cells[column])
    translated = text
    if spec_map:
        mapped = {normalize_label(str(k)): v for k, v in spec_map.items()}
        translated = map_unique(text, lambda t: mapped.get(normalize_label(t), t))
    # Several values joined by '|' (as some exports do) count only when they agree.
    return coded_values(
        cells.assign(**{column: translated}),
        column,
        where,
        None,
        vocab.cancer_type_index,
        missing_tokens,
        "cancer type",
    )


def stage_values(
    cells: pd.DataFrame,
    column: str,
    where: dict,
    spec_map: dict | None,
    vocab: Vocabulary,
    missing_tokens,
) -> tuple[pd.Series, pd.Series]:
    """Stage I-IV with substages collapsed, and its group (early I-II, late III-IV)."""
    text = cell_text(cells[column])
    if spec_map:
        mapped = {normalize_label(str(k)): v for k, v in spec_map.items()}
        text = map_unique(text, lambda t: mapped.get(normalize_label(t), t)).fillna("")
    missing = is_missing(text, missing_tokens) | (text == "")
    key = map_unique(text, normalize_label)
    stage = pd.Series(np.nan, index=cells.index, dtype=object)
    group = pd.Series(np.nan, index=cells.index, dtype=object)
    special = key.isin(vocab.stage_forms.keys()) & ~missing
    for i in np.flatnonzero(special.to_numpy()):
        stage.iat[i], group.iat[i] = vocab.stage_forms[key.iat[i]]
    rule = key.str.upper().str.extract(STAGE_RULE, expand=False)
    use_rule = ~special & ~missing & rule.notna()
    stage[use_rule] = rule[use_rule].map(ROMAN)
    group[use_rule] = stage[use_rule].map(
        {"I": "early", "II": "early", "III": "late", "IV": "late"}
    )
    unknown = (~special & ~missing & rule.isna()).to_numpy()
    if unknown.any():
        fail(
            cells.assign(**{column: text}),
            unknown,
            column,
            where,
            f"unknown stage form(s) {sorted(set(text[unknown]))[:10]}",
            expected="I-IV with optional substage (e.g. 'Stage IIIA', 'IIb', '3') or a form "
            "listed in resources/vocab/stages.tsv",
            hint="Add the form to the field's `map:` (to a stage such as III) or to stages.tsv",
        )
    return stage, group


def numeric_values(
    cells: pd.DataFrame,
    column: str,
    where: dict,
    table_opts: dict,
    missing_tokens,
    what: str,
    minimum=None,
    maximum=None,
) -> np.ndarray:
    parsed = parse_numbers(
        cells[column],
        decimal=table_opts.get("decimal", "."),
        thousands=table_opts.get("thousands"),
        missing_tokens=missing_tokens,
    )
    expect = f"a number ({what})"
    if parsed.invalid.any():
        fail(
            cells,
            parsed.invalid,
            column,
            where,
            f"unreadable {what}",
            expect,
            hint="Declare the token in `missing_tokens` if it means missing",
        )
    if parsed.nonfinite.any():
        fail(cells, parsed.nonfinite, column, where, f"non-finite {what}", "a finite number")
    if parsed.below_lod.any():
        fail(cells, parsed.below_lod, column, where, f"detection-limit form in {what}", expect)
    # Only marker cells may carry a unit: '12 months' in a column of days is not 12 days.
    with_unit = (parsed.unit != "").to_numpy()
    if with_unit.any():
        fail(
            cells,
            with_unit,
            column,
            where,
            f"text after the number in {what}",
            expect,
            hint="The unit of this column is declared in the spec; remove units and notes "
            "from the cells, or convert them to the declared unit",
        )
    value = parsed.value
    out_of_range = np.zeros(len(value), dtype=bool)
    if minimum is not None:
        out_of_range |= value < minimum
    if maximum is not None:
        out_of_range |= value > maximum
    if out_of_range.any():
        fail(
            cells,
            out_of_range,
            column,
            where,
            f"impossible {what}",
            f"values between {minimum} and {maximum}",
        )
    return value


def duration_months(
    cells: pd.DataFrame, column: str, where: dict, table_opts: dict, unit: str, missing_tokens
) -> np.ndarray:
    value = numeric_values(
        cells, column, where, table_opts, missing_tokens, f"follow-up time in {unit}"
    )
    negative = value < 0
    if negative.any():
        fail(
            cells,
            negative,
            column,
            where,
            "negative follow-up time",
            "a time >= 0 from diagnosis (or study entry)",
            hint="Correct the export; a negative duration means the dates behind it are wrong",
        )
    return value * MONTHS_PER_UNIT[unit]


def date_values(
    cells: pd.DataFrame, column: str, where: dict, formats, missing_tokens
) -> pd.Series:
    parsed = parse_dates(cells[column], formats, missing_tokens)
    if parsed.invalid.any():
        shown = formats if isinstance(formats, str) else ", ".join(formats)
        fail(
            cells,
            parsed.invalid,
            column,
            where,
            "unparseable date",
            f"dates written as {shown}",
            hint="List every format the column uses under `format:` (they are tried in order)",
        )
    return parsed.value


# Complexity over the limit: one check per way a marker cell can be wrong, in reading order.
def marker_values(  # noqa: C901
    cells: pd.DataFrame,
    column: str,
    where: dict,
    table_opts: dict,
    spec_map: dict | None,
    declared_lod: float | None,
    scale: MarkerScale,
    vocab: Vocabulary,
    policy: str,
    missing_tokens,
    below_lod_tokens,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Marker values in the canonical unit (or their own scale), the below-LOD flag, and the
    values as written in the source unit (for before/after QC)."""
    values = cells[column]
    if spec_map:
        mapped = {normalize_label(str(k)): v for k, v in spec_map.items()}
        text = cell_text(values)
        values = map_unique(text, lambda t: mapped.get(normalize_label(t), t))
    parsed = parse_numbers(
        values,
        decimal=table_opts.get("decimal", "."),
        thousands=table_opts.get("thousands"),
        missing_tokens=missing_tokens,
        below_lod_tokens=below_lod_tokens,
        declared_lod=declared_lod,
    )
    name = f"{scale.marker} ({scale.name})"
    if parsed.invalid.any():
        fail(
            cells,
            parsed.invalid,
            column,
            where,
            f"unreadable {name} value",
            "a number, a detection-limit form such as '<1.5' or a below-LOD token",
            hint="Declare tokens meaning missing in `missing_tokens` and tokens meaning below "
            "the detection limit in `below_lod_tokens`",
        )
    if parsed.nonfinite.any():
        fail(cells, parsed.nonfinite, column, where, f"non-finite {name} value", "finite numbers")
    no_limit = parsed.below_lod & np.isnan(parsed.lod)
    if no_limit.any():
        fail(
            cells,
            no_limit,
            column,
            where,
            "below-detection-limit token without a limit",
            "a limit in the cell ('<1.5') or a declared `lod:`",
            hint="Add `lod: <detection limit in the source unit>` to the marker in the spec",
        )
    factor = np.full(len(cells), scale.factor if scale.converts else 1.0)
    written = parsed.unit != ""
    if written.any():
        for text_unit in sorted(set(parsed.unit[written])):
            cell_scale = vocab.marker_scale(scale.marker, text_unit)
            rows = (parsed.unit == text_unit).to_numpy()
            if (
                cell_scale is None
                or cell_scale.converts != scale.converts
                or (not scale.converts and cell_scale.name != scale.name)
            ):
                fail(
                    cells,
                    rows,
                    column,
                    where,
                    f"unit {text_unit!r} written in the cell",
                    f"the declared {scale.name} or a convertible unit "
                    f"({', '.join(vocab.scale_names(scale.marker))})",
                )
            factor[rows] = cell_scale.factor if cell_scale.converts else 1.0
    # Scale bounds are in the scale's own unit, so check before converting. A detection
    # limit ('<0.5') is checked like a value.
    written = np.where(parsed.below_lod, parsed.lod, parsed.value)
    out = np.zeros(len(cells), dtype=bool)
    if scale.minimum is not None:
        out |= written < scale.minimum
    if scale.maximum is not None:
        out |= written > scale.maximum
    if out.any():
        fail(
            cells,
            out,
            column,
            where,
            f"{name} value outside its scale",
            f"values from {scale.minimum} to {scale.maximum}",
            hint="Check the declared unit or scoring system of this column",
        )
    if scale.transform == "log2":
        not_positive = written <= 0
        if not_positive.any():
            fail(
                cells,
                not_positive,
                column,
                where,
                f"{name} value or detection limit <= 0 (log2 undefined)",
                "positive concentrations",
                hint="A reading of 0 is usually below the detection limit: write it as "
                "'<limit', or as a below-LOD token with the marker's `lod:` declared",
            )
    value = parsed.value * factor
    lod = parsed.lod * factor
    below = parsed.below_lod
    imputed = {"half": lod / 2.0, "sqrt2": lod / np.sqrt(2.0), "exclude": np.full_like(lod, np.nan)}
    value = np.where(below, imputed[policy], value)
    return value, below, written
