"""Stop-cases: each is a typed error naming cohort, file, column and row, saying what was
expected and found (with the closest options where there are any), and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from markersurv.errors import (
    CohortSpecError,
    HarmonizationError,
    InputFileError,
    MarkersurvError,
)
from markersurv.pipeline.harmonize import harmonize_cohort_step
from tests.helpers_cohort import REPO, base_spec, clinical, harmonize_path, write_cohort

HEADER = ("pid", "il6", "os_days", "os_status")
GOOD = [["P1", "2.5", "100", "Dead"], ["P2", "<1.5", "50", "Alive"]]


def stop(tmp_path: Path, spec: dict, tables: dict, error_type=MarkersurvError) -> MarkersurvError:
    """Harmonize through the workflow step, which must raise and write nothing."""
    spec = {
        **spec,
        "tables": {n: {**t, "path": "{data}/" + t["path"]} for n, t in spec["tables"].items()},
    }
    spec_path = write_cohort(tmp_path / "in", spec, tables)
    out = tmp_path / "out"
    config = {
        "data_dirs": {"data": str(tmp_path / "in")},
        "vocabulary_dir": str(REPO / "resources" / "vocab"),
        "markers": [{"id": "il6"}, {"id": "pstat3"}],
        "endpoints": [{"id": "os"}],
    }
    with pytest.raises(error_type) as info:
        harmonize_cohort_step(
            str(spec_path),
            config,
            str(out / "patients.parquet"),
            str(out / "exclusions.tsv"),
            str(out / "flow.json"),
            str(out / "qc.parquet"),
        )
    assert not out.exists() or not any(out.iterdir())
    error = info.value
    # raised on purpose: no chained library exception behind it
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__
    assert "Traceback" not in str(error)
    return error


def located(error, file, column, row):
    problem = error.problems[0]
    assert problem.where.cohort == "t1"
    assert problem.where.file == file
    assert problem.where.column == column
    assert problem.where.row == row
    text = str(error)
    assert "cohort 't1'" in text and f"file {file!r}" in text
    if column is not None:
        assert f"column {column!r}" in text
    if row is not None:
        assert f"row {row}" in text
    return problem


def test_missing_required_column_names_the_nearest(tmp_path):
    tables = clinical(*GOOD, header=("pid", "IL6_pgml", "os_days", "os_status"))
    spec = base_spec(markers={"il6": {"column": "IL6 pg/mL", "unit": "pg/mL"}})
    error = stop(tmp_path, spec, tables, CohortSpecError)
    problem = located(error, "{data}/clinical.csv", "IL6 pg/mL", None)
    assert problem.hint == "Closest: 'IL6_pgml'"


def test_all_missing_columns_reported_at_once(tmp_path):
    tables = clinical(*GOOD, header=("id", "il6", "os_day", "os_status"))
    error = stop(tmp_path, base_spec(), tables, CohortSpecError)
    columns = {p.where.column for p in error.problems}
    assert columns == {"os_days", "pid"}
    assert "Closest: 'os_day'" in str(error) and "Closest: 'id'" in str(error)


def test_unknown_unit_in_the_spec(tmp_path):
    spec = base_spec(markers={"il6": {"column": "il6", "unit": "pg/dl"}})
    error = stop(tmp_path, spec, clinical(*GOOD), CohortSpecError)
    problem = error.problems[0]
    assert problem.where.cohort == "t1" and problem.where.file.endswith("spec.yaml")
    assert problem.where.column == "il6"
    assert problem.found == "'pg/dl'" and "pg/mL" in problem.expected
    assert "'pg/mL'" in problem.hint


def test_unknown_unit_in_a_cell(tmp_path):
    error = stop(
        tmp_path, base_spec(), clinical(*GOOD, ["P3", "4 mg/dL", "10", "1"]), HarmonizationError
    )
    problem = located(error, "{data}/clinical.csv", "il6", "4")
    assert "'mg/dL'" in problem.message and "'4 mg/dL'" in problem.found
    assert "pg/mL" in problem.expected


def test_negative_time(tmp_path):
    error = stop(tmp_path, base_spec(), clinical(*GOOD, ["P3", "2", "-3", "1"]), HarmonizationError)
    problem = located(error, "{data}/clinical.csv", "os_days", "4")
    assert "'-3'" in problem.found and ">= 0" in problem.expected


def test_event_code_not_in_the_map(tmp_path):
    spec = base_spec(
        endpoints={
            "os": {
                "time": {"column": "os_days", "unit": "days"},
                "event": {"column": "os_status", "map": {"D": 1, "A": 0}},
            }
        }
    )
    tables = clinical(["P1", "2", "10", "D"], ["P2", "2", "10", "lost"], ["P3", "2", "10", "A"])
    error = stop(tmp_path, spec, tables, HarmonizationError)
    problem = located(error, "{data}/clinical.csv", "os_status", "3")
    assert "'lost'" in problem.message and "row 3: 'lost'" in problem.found
    assert "['0', '1']" in problem.expected and "map:" in problem.hint


def test_same_patient_twice_with_conflicting_values(tmp_path):
    tables = clinical(*GOOD, ["P3", "2", "10", "1"], ["p1", "2.5", "120", "Dead"])
    error = stop(tmp_path, base_spec(), tables, HarmonizationError)
    problem = located(error, "{data}/clinical.csv", "os_days", "2, 5")
    assert "rows 2, 5 differ in ['os_days']" in problem.found
    assert "replicates" in problem.hint


def test_unparseable_date(tmp_path):
    spec = base_spec(
        dates={
            "diagnosis": {"column": "dx", "format": ["%d/%m/%Y", "%d.%m.%Y"]},
            "death": {"column": "dod", "format": "%d/%m/%Y"},
        },
        endpoints={"os": {"event_dates": ["death"]}},
    )
    tables = clinical(
        ["P1", "2", "01.02.2020", "01/03/2021"],
        ["P2", "2", "2020/02/30", ""],
        header=("pid", "il6", "dx", "dod"),
    )
    error = stop(tmp_path, spec, tables, HarmonizationError)
    problem = located(error, "{data}/clinical.csv", "dx", "3")
    assert "%d/%m/%Y, %d.%m.%Y" in problem.expected and "'2020/02/30'" in problem.found


def test_unknown_cancer_type_in_a_column(tmp_path):
    spec = base_spec(cancer_type={"column": "type"})
    tables = clinical(
        ["P1", "2", "10", "1", "BRCA"],
        ["P2", "2", "10", "1", "Breast cancr"],
        header=(*HEADER, "type"),
    )
    error = stop(tmp_path, spec, tables, HarmonizationError)
    problem = located(error, "{data}/clinical.csv", "type", "3")
    assert "'Breast cancr'" in problem.found and "BRCA" in problem.hint


def test_unknown_constant_cancer_type(tmp_path):
    spec = base_spec(cancer_type={"constant": "Non-small cell lung cancr"})
    error = stop(tmp_path, spec, clinical(*GOOD), CohortSpecError)
    problem = error.problems[0]
    assert problem.where.column == "cancer_type.constant"
    assert "NSCLC" in problem.hint


def test_every_field_problem_reported_in_one_pass(tmp_path):
    tables = clinical(["P1", "x", "-1", "maybe"])
    error = stop(tmp_path, base_spec(), tables, HarmonizationError)
    assert {p.where.column for p in error.problems} == {"il6", "os_days", "os_status"}


def test_spec_pointing_at_a_missing_file(tmp_path):
    spec = base_spec()
    spec["tables"]["assay"] = {"path": "assay.csv", "id_column": "pid"}
    error = stop(tmp_path, spec, clinical(*GOOD), CohortSpecError)
    problem = error.problems[0]
    assert problem.where.cohort == "t1" and problem.where.file == "{data}/assay.csv"
    assert "no file matches" in problem.message


def test_event_status_without_event_date(tmp_path):
    spec = base_spec(
        dates={
            "diagnosis": {"column": "dx", "format": "%Y-%m-%d"},
            "death": {"column": "dod", "format": "%Y-%m-%d"},
        },
        endpoints={"os": {"event_dates": ["death"], "event": {"column": "vital"}}},
    )
    tables = clinical(
        ["P1", "2", "2020-01-01", "", "dead"], header=("pid", "il6", "dx", "dod", "vital")
    )
    error = stop(tmp_path, spec, tables, HarmonizationError)
    located(error, "{data}/clinical.csv", "vital", "2")


def test_undeclared_identifier_column(tmp_path):
    tables = clinical(["P1", "2", "10", "1", "Jane Roe"], header=(*HEADER, "patient_name"))
    error = stop(tmp_path, base_spec(), tables, CohortSpecError)
    problem = error.problems[0]
    assert problem.where.column == "patient_name" and "identifiers" in problem.hint
    assert "Jane" not in str(error)


@pytest.mark.parametrize(
    ("marker", "cell"),
    [({"column": "il6", "unit": "pg/mL"}, "0"), ({"column": "il6", "scale": "h_score"}, "350")],
)
def test_out_of_scale_marker_values(tmp_path, marker, cell):
    spec = base_spec(markers={"pstat3" if "scale" in marker else "il6": marker})
    error = stop(
        tmp_path,
        spec,
        clinical(*[["P1", "2", "10", "1"]], ["P2", cell, "10", "1"]),
        HarmonizationError,
    )
    located(error, "{data}/clinical.csv", "il6", "3")


def test_harmonize_path_raises_the_same_error(tmp_path):
    spec_path = write_cohort(tmp_path, base_spec(), clinical(["P1", "2", "-1", "1"]))
    with pytest.raises(HarmonizationError, match="negative follow-up time"):
        harmonize_path(spec_path)


def test_errors_from_hostile_files_are_input_file_errors(tmp_path):
    (tmp_path / "in").mkdir()
    spec = base_spec()
    error = stop(
        tmp_path,
        spec,
        {"clinical": [list(HEADER), ["P1", "2", "10", "1"], ["P2", "3"]]},
        InputFileError,
    )
    located(error, "{data}/clinical.csv", None, 3)
