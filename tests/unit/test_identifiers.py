"""Direct identifiers: recognised by name, stop the cohort unless declared, never in outputs."""

from __future__ import annotations

import pytest

from markersurv.errors import CohortSpecError
from markersurv.harmonize.privacy.identifiers import looks_like_identifier
from tests.helpers_cohort import base_spec, clinical, harmonize_rows, raw_ids_absent

HEADER = ("pid", "il6", "os_days", "os_status")


@pytest.mark.parametrize(
    "column",
    [
        "Name",
        "patient_name",
        "Last Name",
        "surname",
        "MRN",
        "Medical Record Number",
        "hospital_no",
        "NHS number",
        "SSN",
        "DOB",
        "Date of birth",
        "birthdate",
        "Address",
        "post code",
        "ZIP",
        "phone",
        "E-mail",
        "passport_number",
    ],
)
def test_identifier_columns(column):
    assert looks_like_identifier(column)


@pytest.mark.parametrize(
    "column",
    [
        "pid",
        "age",
        "IL6 pg/mL",
        "os_days",
        "stage",
        "diagnosis_date",
        "sample",
        "Namibia_site",
        "zipper",
    ],
)
def test_ordinary_columns(column):
    assert not looks_like_identifier(column)


def rows_with(extra_header, *values):
    return clinical(
        *[["P1", "2", "10", "1", *values], ["P2", "3", "20", "0", *values]],
        header=(*HEADER, *extra_header),
    )


def test_undeclared_identifier_stops_and_names_every_column(tmp_path):
    with pytest.raises(CohortSpecError) as info:
        harmonize_rows(tmp_path, base_spec(), rows_with(("Name", "MRN"), "Jane Roe", "123456"))
    problem = info.value.problems[0]
    assert problem.where.column == "Name, MRN" and problem.where.row is None
    assert "identifiers: {Name: drop, MRN: drop}" in problem.hint
    assert "Jane" not in str(info.value) and "123456" not in str(info.value)


@pytest.mark.parametrize("policy", ["drop", "pseudonymize", "keep"])
def test_declared_identifiers_never_reach_outputs(tmp_path, policy):
    spec = base_spec(identifiers={"Name": policy, "MRN": policy})
    result = harmonize_rows(tmp_path, spec, rows_with(("Name", "MRN"), "Jane Roe", "123456"))
    assert len(result.patients) == 2
    raw_ids_absent(result, ["Jane", "Roe", "123456", "P1", "P2"])


def test_id_column_itself_is_not_an_identifier_problem(tmp_path):
    spec = base_spec(tables={"clinical": {"path": "clinical.csv", "id_column": "patient_name"}})
    tables = clinical(
        ["Jane Roe", "2", "10", "1"], header=("patient_name", "il6", "os_days", "os_status")
    )
    result = harmonize_rows(tmp_path, spec, tables)
    raw_ids_absent(result, ["Jane", "JANE"])


def test_dropped_identifier_cannot_be_used_as_a_field(tmp_path):
    spec = base_spec(identifiers={"dob": "drop"}, age={"column": "dob"})
    with pytest.raises(CohortSpecError) as info:
        harmonize_rows(tmp_path, spec, rows_with(("dob",), "1950"))
    assert info.value.problems[0].where.column == "dob"


def test_wide_tables_are_not_checked(tmp_path):
    spec = base_spec(
        tables={
            "clinical": {"path": "clinical.csv", "id_column": "pid"},
            "rna": {"path": "rna.tsv", "orientation": "wide"},
        },
        markers={"il6": {"table": "rna", "column": "IL6", "unit": "log2_ratio"}},
    )
    tables = {
        "clinical": [["pid", "os_days", "os_status"], ["P1", "3", "1"]],
        "rna": [["gene name", "P1"], ["IL6", "0.5"]],
    }
    assert harmonize_rows(tmp_path, spec, tables).patients["il6"].tolist() == [0.5]
