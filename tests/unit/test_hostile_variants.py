"""Variants of the hostile cases: header words of more languages, the other national id
formats under innocent headers, and a symbolic link to a folder outside the data.

Where each case of the hostile corpus is tested:

- identifier headers in the registries' languages, e-mail, phone numbers and names under
  innocent headers, national ids (CPR, personnummer, NHI, NHS, SSN), birth dates, unmapped
  free text: ``test_identifier_content.py``; the other id formats and languages: here;
- ``../`` paths, absolute paths, symbolic links to files outside: ``test_spec_paths.py``;
  a linked folder: here;
- alias bomb, deep nesting, oversized spec: ``test_spec_limits.py``; keys given twice, merge
  keys, aliases reaching a privacy setting: ``test_spec_strict_yaml.py``;
- raw ids with quotes or commas, a full disk: ``test_outputs.py``; two specs with one cohort
  id, a header-only table: ``test_validate_cli.py``;
- dates after the run, follow-up longer than a life, events after death, death before
  diagnosis: ``test_timeline.py``; broken and odd files: the replayed ``tests/corpus``.

Every value here is SYNTHETIC: national ids built to pass their check digit, no real person.
"""

from __future__ import annotations

import os

import pytest

from markersurv.cohort.spec import load_cohort_spec
from markersurv.errors import CohortSpecError
from markersurv.harmonize.privacy.identifiers import looks_like_identifier
from markersurv.harmonize.privacy.national_ids import national_id_kind
from tests.helpers_cohort import base_spec, clinical, harmonize_rows, write_cohort, write_rows

HEADER = ("pid", "il6", "os_days", "os_status")
BASE_ROWS = (["P1", "2", "10", "1"], ["P2", "3", "20", "0"], ["P3", "4", "30", "1"])
SECRET = "SYNTHETIC-SECRET-FIRST-LINE"


@pytest.mark.parametrize(
    "column",
    [
        "Tussenvoegsel",
        "Initialen",
        "Iniciales",
        "Sobrenome",
        "Nazwisko",
        "Imię",
        "Patientennummer",
        "Patiëntnummer",
        "Krankenhausnummer",
        "Numéro de dossier",
        "NUSS",
        "AHV-Nummer",
        "PESEL",
        "Sosiaaliturvatunnus",
        "Fødselsdag",
        "Data de nascimento",
        "Data urodzenia",
        "Geburtsort",
        "Luogo di nascita",
        "Année de naissance",
        "Syntymävuosi",
        "Puhelinnumero",
        "Sähköposti",
        "E-post",
        "Handynummer",
        "Morada",
        "Heimilisfang",
        "Patient No.",
    ],
)
def test_more_header_words(column):
    assert looks_like_identifier(column)


@pytest.mark.parametrize(
    "column",
    [
        "initial_stage",
        "age_at_initial_pathologic_diagnosis",
        "year_of_diagnosis",
        "Data di diagnosi",
        "Año de diagnóstico",
        "Postoperative",
        "cellular_grade",
        "Morphology",
    ],
)
def test_words_near_them_are_ordinary(column):
    assert not looks_like_identifier(column)


def bsn(body: str) -> str:
    """A Dutch BSN: eight digits and the ninth that passes the elfproef."""
    total = sum(int(c) * w for c, w in zip(body, range(9, 1, -1), strict=True))
    return next(body + str(d) for d in range(10) if (total - d) % 11 == 0)


def dni(number: int) -> str:
    return f"{number:08d}" + "TRWAGMYFPDXBNJZSQVHLCKE"[number % 23]


def nir(body: str) -> str:
    return f"{body}{97 - int(body) % 97:02d}"


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (["01010750160", "01010750160", "01010750160"], "Norwegian fodselsnummer"),
        (["131052-308T", "131052-308T", "131052-308T"], "Finnish henkilotunnus"),
        # DDMMYY-NNNN with a real date is also a Danish CPR number: either way refused.
        (["120174-3399", "120174-3399", "120174-3399"], "CPR number"),
        ([bsn("11122233"), bsn("12345678"), bsn("20406080")], "Dutch BSN"),
        ([dni(12345678), dni(87654321), dni(40404040)], "Spanish DNI/NIE"),
        ([nir("1841276451089"), nir("2950575123456"), nir("1700199001002")], "French NIR"),
        (["RSSMRA85T10A562S", "RSSMRA85T10A562S", "rssmra85t10a562s"], "Italian codice"),
    ],
)
def test_other_national_ids_under_an_innocent_header_are_refused(tmp_path, values, kind):
    assert all(national_id_kind(v) for v in values)
    rows = [[*r, v] for r, v in zip(BASE_ROWS, values, strict=True)]
    with pytest.raises(CohortSpecError) as info:
        harmonize_rows(tmp_path, base_spec(), clinical(*rows, header=(*HEADER, "ref")))
    problem = info.value.problems[0]
    assert kind in problem.message and problem.where.column == "ref"
    assert "identifiers: {ref: drop}" in problem.hint
    assert not any(v in str(info.value) for v in values)


@pytest.fixture
def outside(tmp_path):
    """A folder outside every data folder, holding a table whose first line is a secret."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "clinical.csv").write_text(SECRET + "\nP1,2,10,1\n")
    return folder


def spec_with_path(path: str) -> dict:
    return base_spec(tables={"clinical": {"path": path, "id_column": "pid"}})


@pytest.mark.parametrize("path", ["linked/clinical.csv", "linked/*.csv", "./linked/clinical.csv"])
def test_a_symlinked_folder_leading_outside_is_refused(tmp_path, outside, path):
    spec_path = write_cohort(tmp_path / "spec", spec_with_path(path), {})
    os.symlink(outside, tmp_path / "spec" / "linked", target_is_directory=True)
    with pytest.raises(CohortSpecError) as info:
        load_cohort_spec(spec_path, {}, spec_path.parent)
    assert "leads outside the data folders" in str(info.value)
    assert SECRET not in str(info.value)


def test_a_symlinked_folder_inside_a_data_folder_is_read(tmp_path):
    data = tmp_path / "data"
    write_rows(data / "site" / "clinical.csv", clinical(*BASE_ROWS)["clinical"])
    spec_path = write_cohort(tmp_path / "spec", spec_with_path("linked/clinical.csv"), {})
    os.symlink(data / "site", tmp_path / "spec" / "linked", target_is_directory=True)
    spec = load_cohort_spec(spec_path, {"data": str(data)}, spec_path.parent)
    assert len(spec.tables["clinical"].files) == 1
