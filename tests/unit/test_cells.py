"""Raw cells to numbers and dates: the forms exports write, and what must never be guessed."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from markersurv.cohort.spec import DEFAULT_BELOW_LOD_TOKENS, DEFAULT_MISSING_TOKENS
from markersurv.ingest.cells import number_pattern, parse_dates, parse_numbers


def parse(cells, **options):
    options.setdefault("missing_tokens", DEFAULT_MISSING_TOKENS)
    options.setdefault("below_lod_tokens", DEFAULT_BELOW_LOD_TOKENS)
    return parse_numbers(pd.Series(cells, dtype=object), **options)


def one(cell, **options):
    p = parse([cell], **options)
    return {
        "value": p.value[0],
        "below": bool(p.below_lod[0]),
        "lod": p.lod[0],
        "unit": p.unit.iloc[0],
        "invalid": bool(p.invalid[0]),
        "nonfinite": bool(p.nonfinite[0]),
    }


def same(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == b


@pytest.mark.parametrize(
    ("cell", "decimal", "thousands", "value"),
    [
        ("1.5", ".", None, 1.5),
        ("1,5", ",", None, 1.5),
        ("1.000,5", ",", ".", 1000.5),
        ("1,234.5", ".", ",", 1234.5),
        ("12 000", ".", " ", 12000.0),
        ("+3", ".", None, 3.0),
        (".5", ".", None, 0.5),
        ("1e-3", ".", None, 0.001),
        ("2E3", ".", None, 2000.0),
        (" 7 ", ".", None, 7.0),
    ],
)
def test_numbers_in_declared_notation(cell, decimal, thousands, value):
    got = one(cell, decimal=decimal, thousands=thousands)
    assert got["value"] == pytest.approx(value, rel=1e-15)
    assert not got["invalid"] and not got["below"]


@pytest.mark.parametrize(
    ("cell", "decimal", "thousands"),
    [
        ("1,5", ".", None),  # a decimal comma where a point is declared is not 15 nor 1.5
        ("1.5", ",", "."),  # '.' declared as thousands: 1.5 fits no grouping
        ("1.000,5", ".", None),
        ("1 000,5", ",", None),
        ("abc", ".", None),
        ("1.2.3", ".", None),
        ("5.", ",", None),
    ],
)
def test_numbers_in_another_notation_are_invalid_not_guessed(cell, decimal, thousands):
    got = one(cell, decimal=decimal, thousands=thousands)
    assert got["invalid"] and math.isnan(got["value"])


@pytest.mark.parametrize(
    "text", ["0.015259917137778684", "0.026781792729766093", "1.7976931348623157e308"]
)
def test_shortest_exact_text_reads_back_to_the_same_double(text):
    assert one(text)["value"] == float(text)
    assert one(text.replace(".", ","), decimal=",")["value"] == float(text)


def test_comma_without_declared_decimal_is_invalid():
    got = one("1,5")
    assert got["invalid"] and math.isnan(got["value"])


@pytest.mark.parametrize(
    ("cell", "decimal", "lod"),
    [("<1.5", ".", 1.5), ("< 1,5", ",", 1.5), ("<=2", ".", 2.0), ("<0.25 pg/mL", ".", 0.25)],
)
def test_limit_forms_carry_their_limit(cell, decimal, lod):
    got = one(cell, decimal=decimal)
    assert got["below"] and got["lod"] == lod and math.isnan(got["value"])
    assert not got["invalid"]


@pytest.mark.parametrize("token", ["ND", "n.d.", "below LOD", "<LOD", "BLQ", "not detected", "nd"])
def test_below_lod_tokens_with_and_without_declared_limit(token):
    without = one(token)
    assert without["below"] and math.isnan(without["lod"]) and not without["invalid"]
    declared = one(token, declared_lod=0.7)
    assert declared["below"] and declared["lod"] == 0.7


def test_custom_below_lod_tokens_replace_the_defaults():
    got = parse(["ND", "unter NWG"], below_lod_tokens=("unter NWG",), declared_lod=1.0)
    assert got.invalid.tolist() == [True, False]
    assert got.below_lod.tolist() == [False, True]


@pytest.mark.parametrize(
    ("cell", "value", "unit"),
    [("12 pg/mL", 12.0, "pg/mL"), ("12pg/ml", 12.0, "pg/ml"), ("0.3 ng/mL", 0.3, "ng/mL")],
)
def test_unit_written_in_the_cell_is_separated(cell, value, unit):
    got = one(cell)
    assert got["value"] == value and got["unit"] == unit and not got["invalid"]


@pytest.mark.parametrize("cell", ["1e309", "-1e309", "1.8e308"])
def test_overflowing_numbers_are_nonfinite_not_missing(cell):
    got = one(cell)
    assert got["nonfinite"] and math.isnan(got["value"]) and not got["invalid"]


@pytest.mark.parametrize("cell", ["inf", "-inf", "Infinity", "NaNx"])
def test_infinity_words_are_not_numbers(cell):
    got = one(cell)
    assert got["invalid"] and math.isnan(got["value"])


def test_negative_zero_is_zero():
    got = one("-0")
    assert got["value"] == 0.0 and math.copysign(1.0, got["value"]) == 1.0


@pytest.mark.parametrize("cell", ["", "NA", "n/a", "#N/A", "-", ".", "null", None, float("nan")])
def test_missing_tokens_are_missing(cell):
    got = one(cell)
    assert math.isnan(got["value"]) and not got["invalid"] and not got["below"]


def test_spec_missing_tokens_are_the_only_ones():
    got = parse(["[Not Available]", "NA"], missing_tokens=("[Not Available]",))
    assert got.invalid.tolist() == [False, True]


def test_typed_excel_numbers_pass_through_and_bools_do_not():
    got = parse([3, 2.5, np.float32(1.25), True, "4"])
    assert got.value[:3].tolist() == [3.0, 2.5, 1.25]
    assert got.invalid.tolist() == [False, False, False, True, False]
    assert got.value[4] == 4.0


def test_numeric_column_infinity_is_nonfinite_and_input_untouched():
    column = pd.Series([1.0, np.inf, np.nan, -0.0])
    got = parse_numbers(column)
    assert got.nonfinite.tolist() == [False, True, False, False]
    assert same(got.value[1], np.nan) and got.value[3] == 0.0
    assert column.tolist()[1] == np.inf


def test_nullable_integer_column():
    got = parse_numbers(pd.Series([1, None, 3], dtype="Int64"))
    assert got.value[0] == 1.0 and np.isnan(got.value[1]) and not got.invalid.any()


def test_number_pattern_matches_only_whole_numbers():
    import re

    pattern = number_pattern(",", ".")
    assert re.fullmatch(pattern, "1.000.000,25")
    assert not re.fullmatch(pattern, "1.00,5")
    assert not re.fullmatch(pattern, "1,2,3")


# -- dates ------------------------------------------------------------------------------


def dates(cells, formats, tokens=DEFAULT_MISSING_TOKENS):
    return parse_dates(pd.Series(cells, dtype=object), formats, tokens)


def test_several_formats_in_one_column_tried_in_order():
    got = dates(
        ["31/01/2020", "01.02.2020", "2020-03-01", "2020-03-02 00:00:00"], ["%d/%m/%Y", "%d.%m.%Y"]
    )
    assert got.value.dt.strftime("%Y-%m-%d").tolist() == [
        "2020-01-31",
        "2020-02-01",
        "2020-03-01",
        "2020-03-02",
    ]
    assert not got.invalid.any()


def test_first_matching_format_wins_for_ambiguous_dates():
    day_first = dates(["03/04/2020"], ["%d/%m/%Y", "%m/%d/%Y"]).value.iloc[0]
    month_first = dates(["03/04/2020"], ["%m/%d/%Y", "%d/%m/%Y"]).value.iloc[0]
    assert (day_first.month, month_first.month) == (4, 3)


def test_iso_dates_from_excel_are_always_understood():
    got = dates(["2019-12-31", "2019-12-31 13:45:00"], "%d/%m/%Y")
    assert not got.invalid.any()
    assert got.value.iloc[1] == pd.Timestamp("2019-12-31 13:45")


@pytest.mark.parametrize("cell", ["31/02/2020", "2020-13-01", "yesterday", "01/13/2020", "43861"])
def test_invalid_dates_are_flagged(cell):
    got = dates([cell], "%d/%m/%Y")
    assert got.invalid.tolist() == [True] and pd.isna(got.value.iloc[0])


@pytest.mark.parametrize("cell", ["", "NA", None, " "])
def test_missing_dates_are_not_invalid(cell):
    got = dates([cell], "%d/%m/%Y")
    assert not got.invalid.any() and pd.isna(got.value.iloc[0])
