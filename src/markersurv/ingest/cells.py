"""Parse raw cells into numbers and dates, recognising how exports write them.

Handles decimal commas and thousands separators, detection-limit forms (``<1.5``, ``ND``),
a unit written inside the cell (``12 pg/mL``), missing-value tokens, and typed cells from
Excel or Parquet. Nothing is guessed silently: a cell that fits none of the declared forms
is reported with its row, never turned into a plausible number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

ISO_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S")


def number_pattern(decimal: str = ".", thousands: str | None = None) -> str:
    """Regular expression of one number written with this decimal mark and grouping.

    >>> bool(re.fullmatch(number_pattern(",", "."), "1.000,5"))
    True
    >>> bool(re.fullmatch(number_pattern("."), "1e-3"))
    True
    """
    d = re.escape(decimal)
    plain = rf"(?:\d+(?:{d}\d*)?|{d}\d+)"
    if thousands:
        t = re.escape(thousands)
        plain = rf"(?:\d{{1,3}}(?:{t}\d{{3}})+(?:{d}\d*)?|{plain})"
    return rf"[+-]?{plain}(?:[eE][+-]?\d+)?"


def to_float(text: pd.Series, decimal: str, thousands: str | None) -> pd.Series:
    """Numbers written as matched by :func:`number_pattern` to floats."""
    if thousands:
        text = text.str.replace(thousands, "", regex=False)
    if decimal != ".":
        text = text.str.replace(decimal, ".", regex=False)
    # Python's float is correctly rounded; pandas' to_numeric can be off in the last bits
    # ('0.015259917137778684' -> 0.0152599171377786), so exported doubles would not
    # read back as themselves.
    return pd.Series([float(t) if t else np.nan for t in text], index=text.index, dtype=float)


@dataclass
class ParsedNumbers:
    """Numbers parsed from one column; arrays aligned with the input rows."""

    value: np.ndarray  # float; NaN where missing, invalid, or below the limit without a number
    below_lod: np.ndarray  # bool: the cell said the value is below a detection limit
    lod: np.ndarray  # float: the limit written in the cell (or the declared one), else NaN
    unit: pd.Series  # unit text written inside the cell, "" where none
    invalid: np.ndarray  # bool: the cell is none of missing, a number, or a limit form
    nonfinite: np.ndarray  # bool: a number that is infinite or overflows (1e309, inf)


def _typed_numbers(values: pd.Series) -> np.ndarray:
    return values.map(
        lambda v: isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
    ).to_numpy(dtype=bool)


def map_unique(values: pd.Series, func) -> pd.Series:
    """``values.map(func)`` computed once per distinct value (columns of codes, scores and
    rounded numbers repeat the same few values over many rows). Missing cells map to
    ``func(None)``."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.array([func(v) for v in uniques] + [func(None)], dtype=object)
    return pd.Series(mapped[codes], index=values.index, dtype=object)


def parse_numbers(values: pd.Series, **options) -> ParsedNumbers:
    """Parse a column of raw cells into numbers (see module docstring for the forms).

    Options: ``decimal``, ``thousands``, ``missing_tokens``, ``below_lod_tokens``,
    ``declared_lod``. Each distinct cell is parsed once.
    """
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        return _parse_numbers(values, **options)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) > len(values) // 2:
        return _parse_numbers(values, **options)
    # The missing cell is parsed too, as the last distinct value (code -1 picks it).
    distinct = pd.Series([*uniques, None], dtype=object)
    parsed = _parse_numbers(distinct, **options)
    unit = pd.Series(parsed.unit.to_numpy()[codes], index=values.index, dtype=object)
    return ParsedNumbers(
        parsed.value[codes],
        parsed.below_lod[codes],
        parsed.lod[codes],
        unit,
        parsed.invalid[codes],
        parsed.nonfinite[codes],
    )


def _parse_numbers(
    values: pd.Series,
    *,
    decimal: str = ".",
    thousands: str | None = None,
    missing_tokens=(),
    below_lod_tokens=(),
    declared_lod: float | None = None,
) -> ParsedNumbers:
    n = len(values)
    value = np.full(n, np.nan)
    below = np.zeros(n, dtype=bool)
    lod = np.full(n, np.nan)
    unit = pd.Series([""] * n, index=values.index, dtype=object)
    invalid = np.zeros(n, dtype=bool)
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        # A copy: the view pandas may return would write NaN over the caller's infinities.
        value = values.to_numpy(dtype=float, na_value=np.nan, copy=True)
        nonfinite = np.isinf(value)
        value[nonfinite] = np.nan
        return ParsedNumbers(value + 0.0, below, lod, unit, invalid, nonfinite)

    kind = pd.api.types.infer_dtype(values, skipna=True)
    typed = np.zeros(n, dtype=bool) if kind in ("string", "empty") else _typed_numbers(values)
    if typed.any():
        value[typed] = values[typed].astype(float).to_numpy()
    text = values[~typed].astype(str).str.strip()
    lowered = text.str.lower()
    missing = (
        lowered.isin({t.lower() for t in missing_tokens}) | (text == "") | values[~typed].isna()
    )
    token_below = lowered.isin({t.lower() for t in below_lod_tokens}) & ~missing
    number = number_pattern(decimal, thousands)
    pattern = rf"^(?P<lt><\s*=?)?\s*(?P<num>{number})\s*(?P<unit>[A-Za-zµμ/%][\w/%µμ\s\-]*)?$"
    parts = text.where(~missing & ~token_below, "").str.extract(pattern)
    parsed = to_float(parts["num"].fillna(""), decimal, thousands)
    ok = parts["num"].notna().to_numpy()
    idx = np.flatnonzero(~typed)
    with np.errstate(over="ignore"):
        numbers = parsed.to_numpy(dtype=float)
    is_lt = parts["lt"].notna().to_numpy() & ok
    plain = ok & ~is_lt
    value[idx[plain]] = numbers[plain]
    below[idx[is_lt]] = True
    lod[idx[is_lt]] = numbers[is_lt]
    tb = token_below.to_numpy()
    below[idx[tb]] = True
    if declared_lod is not None:
        lod[idx[tb]] = declared_lod
    unit.iloc[idx[ok]] = parts["unit"].fillna("").str.strip().to_numpy()[ok]
    invalid[idx] = ~(missing.to_numpy() | tb | ok)
    # pandas coerces an overflowing literal such as 1e309 to NaN: a written number that did
    # not become a finite float is an overflow, not a missing value.
    nonfinite = np.isinf(value) | np.isinf(lod)
    nonfinite[idx[ok & ~np.isfinite(numbers)]] = True
    value[nonfinite] = np.nan
    lod[nonfinite] = np.nan
    return ParsedNumbers(value + 0.0, below, lod, unit, invalid, nonfinite)


@dataclass
class ParsedDates:
    value: pd.Series  # datetime64[ns], NaT where missing or invalid
    invalid: np.ndarray  # bool: non-missing cell that fits none of the formats


def parse_dates(values: pd.Series, formats, missing_tokens=()) -> ParsedDates:
    """Parse dates trying each declared format in order, then ISO forms (typed Excel dates)."""
    formats = [formats] if isinstance(formats, str) else list(formats)
    text = values.astype(str).str.strip()
    missing = (
        text.str.lower().isin({t.lower() for t in missing_tokens}) | (text == "") | (values.isna())
    )
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    todo = ~missing
    for fmt in [*formats, *ISO_FORMATS]:
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        hit = parsed.notna()
        result.loc[hit[hit].index] = parsed[hit]
        todo = todo & result.isna()
    return ParsedDates(result, todo.to_numpy())
