"""Properties of the cell parsers on arbitrary input: never an unexpected exception, flags
that exclude each other, numbers and dates that survive being written and read back."""

from __future__ import annotations

import datetime
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from markersurv.cohort.spec import DEFAULT_BELOW_LOD_TOKENS, DEFAULT_MISSING_TOKENS
from markersurv.errors import HarmonizationError
from markersurv.harmonize import fields
from markersurv.harmonize.ids import normalize_ids
from markersurv.ingest.cells import parse_dates, parse_numbers
from tests.helpers_cohort import VOCAB
from tests.property.test_cohort_property import PROFILE, number_text

FAST = settings(settings.get_profile(PROFILE), max_examples=60 if PROFILE == "ci" else 1000)
NOTATIONS = [(".", None), (".", ","), (",", None), (",", "."), (".", " "), (".", "'")]
WHERE = {"cohort": "c", "file": "f.csv", "column": "x"}

cell_text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["<1.5", "< 1,5", "ND", "1e309", "inf", "-0", "1.000,5", "12 pg/mL", "NA"]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**20), 10**20),
    st.none(),
    st.booleans(),
)


@FAST
@given(st.lists(cell_text, max_size=10), st.sampled_from(NOTATIONS))
def test_any_cells_parse_without_exception_and_flags_exclude(cells, notation):
    decimal, thousands = notation
    p = parse_numbers(
        pd.Series(cells, dtype=object),
        decimal=decimal,
        thousands=thousands,
        missing_tokens=DEFAULT_MISSING_TOKENS,
        below_lod_tokens=DEFAULT_BELOW_LOD_TOKENS,
    )
    n = len(cells)
    assert len(p.value) == len(p.below_lod) == len(p.lod) == len(p.invalid) == n
    assert len(p.unit) == n
    assert not (p.invalid & p.below_lod).any() and not (p.invalid & p.nonfinite).any()
    has_value = ~np.isnan(p.value)
    assert not (has_value & (p.invalid | p.below_lod | p.nonfinite)).any()
    assert np.isfinite(p.value[has_value]).all()
    assert np.isnan(p.lod[~p.below_lod]).all()


@FAST
@given(
    st.lists(st.floats(0, 1e7, allow_nan=False).map(lambda x: round(x, 3)), min_size=1, max_size=8),
    st.sampled_from(NOTATIONS),
    st.booleans(),
)
def test_written_numbers_read_back(values, notation, as_limit):
    decimal, thousands = notation
    texts = [("<" if as_limit else "") + number_text(v, decimal, thousands) for v in values]
    p = parse_numbers(pd.Series(texts, dtype=object), decimal=decimal, thousands=thousands)
    read = p.lod if as_limit else p.value
    np.testing.assert_allclose(read, values, rtol=1e-12, atol=0)
    assert not p.invalid.any() and (p.below_lod == as_limit).all()


DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y", "%m/%d/%y", "%d %b %Y"]


@FAST
@given(
    st.lists(
        st.tuples(
            st.dates(datetime.date(1950, 1, 1), datetime.date(2049, 12, 31)), st.integers(0, 4)
        ),
        min_size=1,
        max_size=8,
    )
)
def test_dates_in_several_formats_read_back(dated):
    # one column may mix formats; each cell is read with the first format that fits it, so
    # formats that could read each other's cells (day/month order) are not mixed here
    usable = ["%d.%m.%Y", "%Y-%m-%d", "%d %b %Y"]
    cells = [d.strftime(usable[i % 3]) for d, i in dated]
    parsed = parse_dates(pd.Series(cells, dtype=object), usable)
    assert not parsed.invalid.any()
    assert [t.date() for t in parsed.value] == [d for d, _ in dated]


@FAST
@given(st.lists(st.text(max_size=10), max_size=8))
def test_dates_never_raise(cells):
    parsed = parse_dates(pd.Series(cells, dtype=object), DATE_FORMATS, DEFAULT_MISSING_TOKENS)
    assert len(parsed.invalid) == len(cells)
    assert not (parsed.invalid & parsed.value.notna().to_numpy()).any()


NOISE = st.sampled_from(["P{k}", "p{k}", " P-{k} ", "P_{k:04d}", "P {k:02d}", "p-0{k}"])


@FAST
@given(st.integers(1, 10_000), NOISE, NOISE)
def test_noisy_ids_normalize_to_the_same_patient(k, first, second):
    options = {"remove": "[-_ ]", "strip_leading_zeros": True}
    ids, _ = normalize_ids(pd.Series([first.format(k=k), second.format(k=k)]), options)
    assert ids.iloc[0] == ids.iloc[1] == f"P{k}"
    again, _ = normalize_ids(ids, options)
    assert again.tolist() == ids.tolist()


def frame(values):
    return pd.DataFrame(
        {"x": pd.Series(values, dtype=object), "__row__": [str(i + 2) for i in range(len(values))]}
    )


STAGE_TEXT = st.one_of(
    st.sampled_from(["I", "IIA", "Stage IIIC", "iv", "4", "I/II NOS", "X", "Tis", "0", "IS", "NA"]),
    st.text(alphabet="IVXABCstage 0123456789/", max_size=8),
)


@FAST
@given(st.lists(STAGE_TEXT, max_size=8))
def test_stage_forms_give_a_stage_or_a_located_error(values):
    try:
        stage, group = fields.stage_values(
            frame(values), "x", WHERE, None, VOCAB, DEFAULT_MISSING_TOKENS
        )
    except HarmonizationError as error:
        assert error.problems[0].where.row in frame(values)["__row__"].tolist()
        return
    assert set(stage.dropna()) <= {"0", "I", "II", "III", "IV"}
    assert set(group.dropna()) <= {"early", "late"}
    expected = {"0": "early", "I": "early", "II": "early", "III": "late", "IV": "late"}
    for s, g in zip(stage, group, strict=True):
        if isinstance(s, str):
            assert g == expected[s]


@FAST
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["Dead", "alive", "1", "0", "1.0", 0, 1.0, ""]), st.text(max_size=5)
        ),
        max_size=8,
    )
)
def test_event_codes_give_0_1_or_a_located_error(values):
    try:
        codes = fields.coded_values(
            frame(values),
            "x",
            WHERE,
            None,
            VOCAB.codings["event"],
            DEFAULT_MISSING_TOKENS,
            "os_event",
        )
    except HarmonizationError as error:
        problem = error.problems[0]
        assert problem.where.row in frame(values)["__row__"].tolist() and problem.found
        return
    assert all(c in (0, 1) or (isinstance(c, float) and math.isnan(c)) for c in codes)


@pytest.mark.parametrize("policy", ["half", "sqrt2", "exclude"])
@FAST
@given(values=st.lists(st.floats(0.001, 1e5, allow_nan=False), min_size=1, max_size=6))
def test_limits_impute_below_the_limit(policy, values):
    cells = [f"<{v!r}" for v in values]
    value, below, source = fields.marker_values(
        frame(cells),
        "x",
        WHERE,
        {},
        None,
        None,
        VOCAB.marker_scale("il6", "ng/mL"),
        VOCAB,
        policy,
        DEFAULT_MISSING_TOKENS,
        DEFAULT_BELOW_LOD_TOKENS,
    )
    assert below.all()
    np.testing.assert_array_equal(source, values)  # shortest repr reads back exactly
    if policy == "exclude":
        assert np.isnan(value).all()
    else:
        assert (value < np.asarray(values) * 1000).all() and (value > 0).all()
