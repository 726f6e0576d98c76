"""Direct identifiers recognised by content and by header words in the registries' languages.

Every value here is SYNTHETIC: invented names, e-mail addresses on example domains, phone
numbers and national ids built to pass (or fail) their check digit; no real person.
"""

from __future__ import annotations

import numpy as np
import pytest

from markersurv.errors import CohortSpecError
from markersurv.harmonize.privacy.content import has_email, has_phone, is_person_name
from markersurv.harmonize.privacy.identifiers import looks_like_identifier
from markersurv.harmonize.privacy.national_ids import bare_ssn_column, national_id_kind
from tests.helpers_cohort import base_spec, clinical, harmonize_rows, raw_ids_absent

HEADER = ("pid", "il6", "os_days", "os_status")
BASE_ROWS = (["P1", "2", "10", "1"], ["P2", "3", "20", "0"], ["P3", "4", "30", "1"])


@pytest.mark.parametrize(
    "column",
    [
        "Patient",
        "Nom",
        "Prénom",
        "Vorname",
        "Nachname",
        "Geburtsdatum",
        "date_naissance",
        "initials",
        "UR number",
        "CPR",
        "Personnummer",
        "NHI",
        "contact",
        "Fødselsdato",
        "Fødselsnummer",
        "Henkilötunnus",
        "Apellidos",
        "Fecha de nacimiento",
        "Cognome",
        "Codice fiscale",
        "Achternaam",
        "Geboortedatum",
        "BSN",
        "Telefon",
        "Courriel",
        "N° de sécurité sociale",
        "Efternamn",
        "Kennitala",
    ],
)
def test_header_words_of_the_registries_languages(column):
    assert looks_like_identifier(column)


@pytest.mark.parametrize(
    "column",
    [
        "notes",
        "last_contact_days_to",
        "bcr_patient_barcode",
        "age_at_initial_pathologic_diagnosis",
        "Numéro",
        "Sexe",
        "Stade",
        "Survie globale (mois)",
        "birth_days_to",
        "nominal_dose",
        "Clinical stage",
        "tumour_grade",
        "Histologie",
        "Tumorstadium",
        "cause_of_death",
    ],
)
def test_ordinary_headers_in_any_language(column):
    assert not looks_like_identifier(column)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("070761-4285", "Danish CPR number"),
        ("0707614285", "Danish CPR number"),
        ("811218-9876", "Swedish personnummer"),
        ("19811218-9876", "Swedish personnummer"),
        ("ZAA0067", "New Zealand NHI number"),
        ("ZBN77VL", "New Zealand NHI number"),
        ("943 476 5919", "UK NHS number"),
        ("9434765919", "UK NHS number"),
        ("123-45-6789", "US social security number"),
        ("01010750160", "Norwegian fodselsnummer"),
        ("131052-308T", "Finnish henkilotunnus"),
        ("111222333", "Dutch BSN"),
        ("1 84 12 76 451 089 46", "French NIR (social security number)"),
        ("12345678Z", "Spanish DNI/NIE"),
        ("RSSMRA85T10A562S", "Italian codice fiscale"),
    ],
)
def test_national_ids_with_valid_check_digits(value, kind):
    assert national_id_kind(value) == kind


@pytest.mark.parametrize(
    "value",
    [
        "0707614286",  # CPR without hyphen, wrong modulus 11
        "811218-9875",  # personnummer, wrong Luhn digit
        "ZAA0068",  # NHI, wrong check digit
        "9434765918",  # NHS, wrong check digit
        "666-45-6789",  # SSN area 666 is never issued
        "123456789",  # nine bare digits
        "01010750161",  # fodselsnummer, wrong second check digit
        "131052-308U",  # henkilotunnus, wrong check character
        "12345678A",  # DNI, wrong letter
        "RSSMRA85T10A562T",  # codice fiscale, wrong check letter
        "322310-1234",  # no 32nd day
        "785",
        "2.5",
        "TCGA-OR-A5J2",
        "2012-03-05",
        "1e-05",
        "NSB-0001",
    ],
)
def test_numbers_that_are_not_national_ids(value):
    assert national_id_kind(value) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ana.lopez@hospital.example", True),
        ("contact: j.smith+onc@clinic.example.org", True),
        ("IL-6 @ 5 pg/mL", False),
        ("a@b", False),
    ],
)
def test_email_addresses(text, expected):
    assert has_email(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+45 32 12 34 56", True),
        ("called 0412 345 678 on Monday", True),
        ("(555) 123-4567", True),
        ("0033 1 23 45 67 89", True),
        ("020 7946 0958", True),
        ("2012-03-05", False),
        ("05.03.2015", False),
        ("2015-03-01 00:00:00", False),
        ("0.000123456", False),
        ("12345678", False),
        ("IL-6 12.5 pg/mL, CRP 3.1", False),
        ("relapse 2010-01-01 to 2012-05-06", False),
    ],
)
def test_phone_numbers(text, expected):
    assert has_phone(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jane Roe", True),
        ("Müller, Hans", True),
        ("Søren", True),
        ("J. Kowalski", True),
        ("Giulia Esposito", True),
        ("Stage IIIA", False),
        ("Ductal carcinoma", False),
        ("Adenocarcinoma", False),
        ("male", False),
        ("Alive", False),
        ("Lung", False),
        ("Frank invasion", False),
        ("WHITE", False),
    ],
)
def test_personal_names_vs_words(text, expected):
    assert is_person_name(text) is expected


def refused(tmp_path, header, values, spec=None) -> str:
    """Harmonize three rows with an extra column; the error must name it and hide values."""
    rows = [[*r, v] for r, v in zip(BASE_ROWS, values, strict=True)]
    with pytest.raises(CohortSpecError) as info:
        harmonize_rows(tmp_path, spec or base_spec(), clinical(*rows, header=(*HEADER, header)))
    text = str(info.value)
    problem = info.value.problems[0]
    assert problem.where.column == header and problem.where.row is None
    assert f"identifiers: {{{header}: drop}}" in problem.hint
    for value in values:
        assert str(value) not in text
    return text


@pytest.mark.parametrize(
    ("header", "values", "kind"),
    [
        ("info", ["ana@clinic.example", "bo@clinic.example", "cy@clinic.example"], "e-mail"),
        ("notes", ["well", "call daughter on +44 7700 900123", "stable"], "phone numbers"),
        ("remarks", ["Jane Roe", "Hans Müller", "Giulia Esposito"], "personal names"),
        ("code", ["070761-4285", "010190-1233", "311299-9991"], "Danish CPR"),
        ("ref", ["943 476 5919", "401 023 2137", "9434765919"], "UK NHS"),
        ("extra", ["ZAA0067", "ZAC5361", "ZBN77VL"], "New Zealand NHI"),
        ("x1", ["811218-9876", "19811218-9876", "811218-9876"], "Swedish personnummer"),
        ("field_7", ["123-45-6789", "078-05-1120", "219-09-9999"], "US social security"),
    ],
)
def test_identifiers_under_innocent_headers_are_refused(tmp_path, header, values, kind):
    assert kind in refused(tmp_path, header, values)


def test_birth_dates_matching_the_age_column_are_refused(tmp_path):
    rows = [
        ["P1", "2", "10", "1", "61", "1950-03-02", "2011-05-01"],
        ["P2", "3", "20", "0", "45", "1967-11-30", "2013-01-20"],
        ["P3", "4", "30", "1", "72", "1940-06-15", "2012-09-09"],
    ]
    header = (*HEADER, "age", "when", "dx")
    with pytest.raises(CohortSpecError, match="column 'when' holds birth dates") as info:
        harmonize_rows(tmp_path, base_spec(age={"column": "age"}), clinical(*rows, header=header))
    assert "1950" not in str(info.value) and "dx" not in str(info.value.problems[0].where)


def test_diagnosis_and_follow_up_dates_are_not_birth_dates(tmp_path):
    rows = [
        ["P1", "2", "10", "1", "61", "2011-05-01", "2014-02-03"],
        ["P2", "3", "20", "0", "45", "2013-01-20", "2015-07-07"],
        ["P3", "4", "30", "1", "72", "2012-09-09", "2016-10-10"],
    ]
    header = (*HEADER, "age", "dx", "last_seen")
    result = harmonize_rows(
        tmp_path, base_spec(age={"column": "age"}), clinical(*rows, header=header)
    )
    assert len(result.patients) == 3


def test_dates_decades_before_the_diagnosis_are_birth_dates(tmp_path):
    rows = [
        ["P1", "2", "10", "1", "02/03/1950", "01/05/2011"],
        ["P2", "3", "20", "0", "30/11/1967", "20/01/2013"],
        ["P3", "4", "30", "1", "15/06/1940", "09/09/2012"],
    ]
    with pytest.raises(CohortSpecError, match="column 'd1' holds birth dates"):
        harmonize_rows(tmp_path, base_spec(), clinical(*rows, header=(*HEADER, "d1", "d2")))


def test_declared_content_identifiers_are_dropped_and_never_in_outputs(tmp_path):
    values = ["ana@clinic.example", "070761-4285", "Jane Roe"]
    rows = [[*r, v] for r, v in zip(BASE_ROWS, values, strict=True)]
    spec = base_spec(identifiers={"misc": "drop"})
    result = harmonize_rows(tmp_path, spec, clinical(*rows, header=(*HEADER, "misc")))
    assert len(result.patients) == 3
    raw_ids_absent(result, [*values, "P1", "P2", "P3"])


def test_ordinary_clinical_columns_are_not_identifiers(tmp_path):
    extra = ("histology", "grade", "site", "ecog", "comment")
    values = [
        ["Ductal carcinoma", "G2", "Lung", "1", "partial response"],
        ["Lobular carcinoma", "G3", "Colon", "0", "stable disease, CRP 3.1 mg/L"],
        ["Adenocarcinoma", "G1", "Breast", "2", "relapse 2010-01-01"],
    ]
    rows = [[*r, *v] for r, v in zip(BASE_ROWS, values, strict=True)]
    result = harmonize_rows(tmp_path, base_spec(), clinical(*rows, header=(*HEADER, *extra)))
    assert len(result.patients) == 3


def test_unmapped_free_text_is_dropped_before_any_step(tmp_path, monkeypatch):
    """A notes column no field maps never reaches parsing, so no output can carry it."""
    from markersurv.harmonize import cohort

    seen = []
    original = cohort.parse_table_fields

    def spy(spec, vocab, policy, name, frame, refs):
        seen.append(list(frame.columns))
        return original(spec, vocab, policy, name, frame, refs)

    monkeypatch.setattr(cohort, "parse_table_fields", spy)
    notes = ["seen in clinic", "doing well, review in May", "SYNTHETIC-NOTE-3"]
    rows = [[*r, v] for r, v in zip(BASE_ROWS, notes, strict=True)]
    result = harmonize_rows(tmp_path, base_spec(), clinical(*rows, header=(*HEADER, "notes")))
    assert len(result.patients) == 3 and "notes" not in seen[0] and "il6" in seen[0]
    raw_ids_absent(result, notes)


def synthetic_ssns(n: int, seed: int) -> list[str]:
    """SYNTHETIC nine-digit numbers keeping the SSA's rules (numpy seed ``seed``), areas
    drawn uniformly as numbers issued since 2011 are."""
    rng = np.random.default_rng(seed)
    areas = [a for a in range(1, 900) if a != 666]
    return [
        f"{rng.choice(areas):03d}{rng.integers(1, 100):02d}{rng.integers(1, 10000):04d}"
        for _ in range(n)
    ]


def many_rows(values: list) -> dict[str, list[list]]:
    rows = [[f"P{i}", "2", str(10 + i), str(i % 2), v] for i, v in enumerate(values)]
    return clinical(*rows, header=(*HEADER, "ref_code"))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_bare_social_security_numbers_under_an_innocent_header_are_refused(tmp_path, fmt):
    values = synthetic_ssns(60, seed=14)
    typed = [int(v) for v in values] if fmt == "xlsx" else values  # Excel drops leading zeros
    spec = base_spec(tables={"clinical": {"path": f"clinical.{fmt}", "id_column": "pid"}})
    with pytest.raises(CohortSpecError, match="US social security numbers") as info:
        harmonize_rows(tmp_path, spec, many_rows(typed))
    assert info.value.problems[0].where.column == "ref_code"
    assert not any(v in str(info.value) for v in values)


def test_bare_social_security_numbers_behind_placeholders_and_lost_zeros():
    values = synthetic_ssns(50, seed=7)
    assert bare_ssn_column(values)
    assert bare_ssn_column([*values, "000000000", "999999999"])
    assert bare_ssn_column([str(int(v)) for v in values])
    assert not bare_ssn_column(values[:39])  # too few to tell from any nine-digit numbers


@pytest.mark.parametrize(
    "values",
    [
        [str(202300100 + i) for i in range(80)],  # lab numbers in sequence
        [f"30512{i * 37 % 10000:04d}" for i in range(80)],  # sample ids sharing a prefix
        [f"{n:09d}" for n in np.random.default_rng(3).integers(10**8, 10**9, 80)],  # random
    ],
    ids=["sequence", "prefix", "random"],
)
def test_nine_digit_numbers_that_are_not_social_security_numbers(tmp_path, values):
    assert not bare_ssn_column(values)
    result = harmonize_rows(tmp_path, base_spec(), many_rows(values))
    assert len(result.patients) == len(values)
    raw_ids_absent(result, values)
