"""Field parsers: stages, codings, IL-6 units, detection limits, scales, times and ages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from markersurv.cohort.spec import DEFAULT_BELOW_LOD_TOKENS, DEFAULT_MISSING_TOKENS
from markersurv.errors import HarmonizationError
from markersurv.harmonize import fields
from tests.helpers_cohort import REPO, VOCAB

WHERE = {"cohort": "c1", "file": "clinical.csv", "column": "x"}


def cells(values, column="x"):
    values = list(values)
    return pd.DataFrame(
        {
            column: pd.Series(values, dtype=object),
            "__row__": [str(i + 2) for i in range(len(values))],
        }
    )


def raises(call, *args, **kwargs) -> HarmonizationError:
    with pytest.raises(HarmonizationError) as info:
        call(*args, **kwargs)
    problem = info.value.problems[0]
    assert (problem.where.cohort, problem.where.file, problem.where.column) == (
        "c1",
        "clinical.csv",
        "x",
    )
    assert problem.where.row is not None
    return info.value


# -- stages -------------------------------------------------------------------------------


def stages(values, spec_map=None):
    stage, group = fields.stage_values(
        cells(values), "x", WHERE, spec_map, VOCAB, DEFAULT_MISSING_TOKENS
    )
    return [None if pd.isna(s) else s for s in stage], [None if pd.isna(g) else g for g in group]


@pytest.mark.parametrize(
    ("raw", "stage", "group"),
    [
        ("IIIA", "III", "late"),
        ("Stage IIIC", "III", "late"),
        ("stage iib", "II", "early"),
        ("IB2", "I", "early"),
        ("4", "IV", "late"),
        ("Stage 1A", "I", "early"),
        ("IV", "IV", "late"),
        ("I/II NOS", None, "early"),
        ("III/IV NOS", None, "late"),
        ("0", "0", "early"),
        ("Stage 0", "0", "early"),
        ("Tis", "0", "early"),
        ("IS", "I", "early"),
        ("X", None, None),
        ("Stage X", None, None),
        ("unknown", None, None),
        ("NA", None, None),
        ("", None, None),
    ],
)
def test_stage_forms(raw, stage, group):
    assert stages([raw]) == ([stage], [group])


def test_typed_excel_stage_numbers():
    assert stages([3.0, 2])[0] == ["III", "II"]


@pytest.mark.parametrize("raw", ["Stage 5", "V", "IIIA/B", "T2N0", "early"])
def test_unknown_stage_forms_are_errors_with_a_hint(raw):
    error = raises(stages, ["II", raw])
    problem = error.problems[0]
    assert problem.where.row == "3"
    assert repr(raw) in problem.found
    assert "map" in problem.hint and "stages.tsv" in problem.hint


def test_stage_map_in_the_spec_comes_first():
    assert stages(["early", "late", "n/k"], {"early": "I", "late": "IV", "n/k": None}) == (
        ["I", "IV", None],
        ["early", "late", None],
    )


def test_stage_vocabulary_is_data():
    table = pd.read_csv(REPO / "resources/vocab/stages.tsv", sep="\t", comment="#", dtype=str)
    assert {"I/II NOS", "X", "0"} <= set(table["raw"])


# -- codings ----------------------------------------------------------------------------


def codes(values, field="event", spec_map=None):
    return fields.coded_values(
        cells(values),
        "x",
        WHERE,
        spec_map,
        VOCAB.codings[field],
        DEFAULT_MISSING_TOKENS,
        f"os_{field}" if field == "event" else field,
    ).tolist()


def test_default_event_codings():
    got = codes(["Dead", "Alive", "1", "0", 1.0, 0, "deceased", "Living", "DECEASED "])
    assert got == [1, 0, 1, 0, 1, 0, 1, 0, 1]


def test_codes_written_as_float_text():
    # a CSV written from a float column with blanks says '1.0'
    assert codes(["1.0", "0.0", " 1.00 "]) == [1, 0, 1]
    assert stages(["3.0"]) == (["III"], ["late"])
    assert raises(codes, ["1.5"]).problems[0].where.row == "2"


def test_missing_event_cells():
    got = codes(["", "NA", None])
    assert all(pd.isna(v) for v in got)


def test_sex_codings():
    assert codes(["F", "male", "Woman", "M"], "sex") == ["female", "male", "female", "male"]


def test_spec_map_overrides_the_vocabulary():
    # a cohort coding 1 = alive, 2 = dead: the spec's map wins over the default 1 = event
    got = codes(["1", "2", "9"], spec_map={1: 0, 2: 1, 9: None})
    assert got[:2] == [0, 1] and pd.isna(got[2])


def test_spec_map_targets_go_through_the_vocabulary():
    assert codes(["x", "y"], spec_map={"x": "dead", "y": "alive"}) == [1, 0]
    assert codes(["F"], "sex", {"F": "Female"}) == ["female"]


@pytest.mark.parametrize("target", [2, "maybe"])
def test_spec_map_to_a_non_code_is_an_error(target):
    error = raises(codes, ["Dead", "x"], spec_map={"x": target})
    assert error.problems[0].where.row == "3"
    assert str(target) in error.problems[0].message


def test_unknown_codes_error_lists_values_and_rows():
    error = raises(codes, ["Dead", "maybe", "Alive", "2", "maybe"])
    problem = error.problems[0]
    assert "['2', 'maybe']" in problem.message and "3 row(s)" in problem.message
    assert problem.where.row == "3"
    assert "row 3: 'maybe'" in problem.found and "row 5: '2'" in problem.found
    assert "row 6: 'maybe'" in problem.found
    assert "map:" in problem.hint


def test_unknown_code_hint_names_the_closest_code():
    assert "Closest to 'Deadd': 1" in raises(codes, ["Deadd"]).problems[0].hint


def test_cancer_type_vocabulary_and_closest_options():
    got = fields.cancer_type_codes(
        cells(["BRCA", "breast cancer", "Lung adenocarcinoma", "[Not Available]"]),
        "x",
        WHERE,
        None,
        VOCAB,
        (*DEFAULT_MISSING_TOKENS, "[Not Available]"),
    )
    assert got.tolist()[:3] == ["BRCA", "BRCA", "LUAD"] and pd.isna(got.iloc[3])
    error = raises(fields.cancer_type_codes, cells(["Breast cancr"]), "x", WHERE, None, VOCAB, ())
    assert "BRCA" in error.problems[0].hint


# -- markers ----------------------------------------------------------------------------


def markers(values, unit="pg/mL", marker="il6", policy="half", spec_map=None, lod=None, **kw):
    scale = VOCAB.marker_scale(marker, unit)
    return fields.marker_values(
        cells(values),
        "x",
        WHERE,
        kw.get("table_opts", {}),
        spec_map,
        lod,
        scale,
        VOCAB,
        policy,
        DEFAULT_MISSING_TOKENS,
        DEFAULT_BELOW_LOD_TOKENS,
    )


def test_il6_units_to_pg_per_ml():
    assert markers(["12.5"], "ng/L")[0].tolist() == [12.5]
    assert markers(["0.0125"], "ng/mL")[0].tolist() == pytest.approx([12.5], rel=1e-12)
    assert markers(["2"], "pmol/L")[0].tolist() == pytest.approx([41.8], rel=1e-12)
    assert markers(["2"], "pM")[0].tolist() == pytest.approx([41.8], rel=1e-12)


def test_pmol_factor_is_the_molar_mass_in_the_vocabulary():
    raw = yaml.safe_load((REPO / "resources/vocab/marker_scales.yaml").read_text())
    entry = raw["il6"]["scales"]["pmol/L"]
    # pmol/L x g/mol = pg/L; / 1000 mL per L = pg/mL
    assert entry["factor"] == pytest.approx(entry["molar_mass_g_per_mol"] / 1000)
    assert VOCAB.marker_scale("il6", "pmol/L").factor == pytest.approx(20.9)


def test_unit_in_the_cell_overrides_the_declared_unit_per_row():
    value, below, source = markers(["12 pg/mL", "0.5 ng/mL", "3", "<2 pg/mL"], "ng/mL")
    assert value[:3].tolist() == pytest.approx([12.0, 500.0, 3000.0])
    assert below.tolist() == [False, False, False, True] and value[3] == 1.0
    assert source.tolist() == [12.0, 0.5, 3.0, 2.0]


@pytest.mark.parametrize("cell", ["12 mg/dL", "12 %", "5 H-score"])
def test_unknown_or_foreign_unit_in_a_cell_is_an_error(cell):
    error = raises(markers, ["1", cell])
    assert error.problems[0].where.row == "3"


@pytest.mark.parametrize(
    ("policy", "expected"), [("half", 0.75), ("sqrt2", 1.5 / np.sqrt(2)), ("exclude", np.nan)]
)
def test_lod_policies_keep_the_flag(policy, expected):
    value, below, source = markers(["<1.5", "3"], policy=policy)
    assert below.tolist() == [True, False]
    np.testing.assert_allclose(value, [expected, 3.0])
    assert source.tolist() == [1.5, 3.0]


def test_declared_lod_is_in_the_source_unit():
    value, below, _ = markers(["ND", "0.01"], "ng/mL", lod=0.002)
    assert below.tolist() == [True, False]
    assert value.tolist() == pytest.approx([1.0, 10.0])


def test_below_lod_token_without_limit_is_an_error():
    error = raises(markers, ["2", "ND"])
    assert "lod" in error.problems[0].hint


def test_decimal_comma_and_thousands_from_table_options():
    value, _, _ = markers(
        ["1.234,5", "< 1,5"], table_opts={"decimal": ",", "thousands": "."}, policy="half"
    )
    assert value.tolist() == [1234.5, 0.75]


@pytest.mark.parametrize("cell", ["0", "<0", "-1"])
def test_il6_zero_or_negative_is_a_located_error(cell):
    raises(markers, ["2", cell])


def test_pstat3_stays_on_its_scale():
    value, below, _ = markers(["250", "0", "300"], "h_score", "pstat3")
    assert value.tolist() == [250.0, 0.0, 300.0] and not below.any()
    value, _, _ = markers(["-1.25", "3.5"], "rppa_log2", "pstat3")
    assert value.tolist() == [-1.25, 3.5]


@pytest.mark.parametrize(
    ("scale", "cell"),
    [("h_score", "301"), ("percent_positive", "100.5"), ("allred", "9"), ("binary", "2")],
)
def test_pstat3_out_of_scale_is_an_error(scale, cell):
    error = raises(markers, ["0", cell], scale, "pstat3")
    assert error.problems[0].where.row == "3" and "scale" in error.problems[0].message


def test_categorical_marker_map():
    spec_map = {"positive": 1, "negative": 0, "not done": None}
    value, _, _ = markers(
        ["Positive", "negative", "not done"], "binary", "pstat3", spec_map=spec_map
    )
    assert value[:2].tolist() == [1.0, 0.0] and np.isnan(value[2])


@pytest.mark.parametrize("cell", ["1e309", "abc", "inf"])
def test_unreadable_or_nonfinite_marker(cell):
    raises(markers, ["1", cell])


# -- times, ages, dates -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "raw", "months"),
    [
        ("days", "30.4375", 1.0),
        ("weeks", "4", 28 / 30.4375),
        ("months", "7", 7.0),
        ("years", "2", 24.0),
    ],
)
def test_durations_in_months(unit, raw, months):
    got = fields.duration_months(cells([raw]), "x", WHERE, {}, unit, DEFAULT_MISSING_TOKENS)
    assert got.tolist() == pytest.approx([months], rel=1e-12)


def test_negative_time_is_an_error():
    error = raises(
        fields.duration_months, cells(["10", "-3"]), "x", WHERE, {}, "days", DEFAULT_MISSING_TOKENS
    )
    assert error.problems[0].where.row == "3" and "negative" in error.problems[0].message


@pytest.mark.parametrize("cell", ["12 months", "3 y", "<5", "1e309"])
def test_time_cells_with_units_or_limits_are_errors(cell):
    raises(fields.duration_months, cells([cell]), "x", WHERE, {}, "days", DEFAULT_MISSING_TOKENS)


@pytest.mark.parametrize("cell", ["-1", "130", "sixty"])
def test_impossible_ages(cell):
    raises(
        fields.numeric_values, cells([cell]), "x", WHERE, {}, DEFAULT_MISSING_TOKENS, "age", 0, 120
    )


def test_unparseable_date_names_formats():
    error = raises(
        fields.date_values,
        cells(["2020-01-02", "13/13/2020"]),
        "x",
        WHERE,
        ["%d/%m/%Y"],
        DEFAULT_MISSING_TOKENS,
    )
    assert "%d/%m/%Y" in error.problems[0].expected and "'13/13/2020'" in error.problems[0].found


def test_error_names_the_file_of_the_row_in_stacked_tables():
    frame = cells(["1", "x"]).assign(__file__=["a.csv", "b.csv"])
    with pytest.raises(HarmonizationError) as info:
        fields.numeric_values(frame, "x", {**WHERE, "file": "*.csv"}, {}, (), "age")
    assert info.value.problems[0].where.file == "b.csv"


def test_at_most_five_rows_shown():
    error = raises(codes, [f"bad{i}" for i in range(8)])
    assert error.problems[0].found.endswith("(and 3 more)")
