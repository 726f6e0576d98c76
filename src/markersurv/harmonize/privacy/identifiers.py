"""Direct identifiers: columns that look like names, record numbers, birth dates or contacts.

Such a column stops the cohort unless the spec's ``identifiers`` says what to do with it:
``drop`` (removed as soon as the file is read), ``pseudonymize`` (replaced by a keyed hash;
never written to outputs either), or ``keep`` (allowed to be read, e.g. a birth date to
derive age; still never written to outputs, which hold only canonical columns).
"""

from __future__ import annotations

import re

import pandas as pd

from markersurv.cohort.spec import CohortSpec
from markersurv.errors import CohortSpecError, Location, Problem
from markersurv.harmonize.privacy.content import (
    content_kind,
    fold,
    looks_like_birth_dates,
    numeric_ages,
    parsed_dates,
)
from markersurv.ingest.readers import field_columns

# Header words of direct identifiers, as snake-case tokens without accents: English, German,
# French, Spanish, Italian, Dutch, Danish, Swedish, Norwegian, Finnish and Icelandic, and
# the commonest of Portuguese and Polish.
HEADER_WORDS = {
    "names": (
        "(first|last|sur|given|family|full|patient|maiden|middle|fore|nick)_?names?|names?",
        "^patient$|initials|vorname|nachname|familienname|geburtsname|patientenname",
        "nom|prenoms?|nom_de_(famille|naissance|jeune_fille)|nom_patient|nom_usage",
        "nombres?|apellidos?|(primer|segundo)_apellido|nome|cognome",
        "naam|voornaam|achternaam|roepnaam|voorletters|navn|fornavn|efternavn|mellemnavn",
        "etternavn|namn|fornamn|efternamn|nimi|etunimi|sukunimi|nafn",
        "initialen|initiales|iniciales|iniziali|tussenvoegsel|sobrenome|apelidos?|nazwisko|imie",
    ),
    "record numbers": (
        "mrn|ssn|nhs_?(number|no|num)?|medical_?record(_?(number|no|num))?|record_?number",
        "hospital_?(number|no|num|id)|social_?security(_?number)?|passport(_?number)?",
        "ur_?(number|no|num)|urn|nhi(_?(number|no|num))?|chi_?(number|no|num)",
        "medicare(_?(number|no|num))?|health_?card(_?(number|no))?|insurance_?(number|no)",
        "cpr(_?(nummer|nr|number|no))?|personnummer|personnr|pnr|samordningsnummer",
        "fodselsnummer|fnr|henkilotunnus|hetu|kennitala|bsn|burgerservicenummer",
        "versichertennummer|krankenversicherungsnummer|kvnr|sozialversicherungsnummer|svnr",
        "steuer_?id|personalausweis(nummer)?|fallnummer|nir|insee|ipp|numero_de_securite_sociale",
        "securite_sociale|numero_secu|dni|nie|nif|nss|nhc|numero_historia(_clinica)?",
        "historia_clinica|tarjeta_sanitaria|codice_fiscale|tessera_sanitaria|cartella_clinica",
        "patient_?(number|no|num|nr)|patientennummer|patientnummer|patientnr|aufnahmenummer",
        "krankenhausnummer|ziekenhuisnummer|numero_(de_)?dossier|dossiernummer|nuss|afiliacion",
        "ahv(_?(nummer|nr))?|pesel|cpf|sosiaaliturvatunnus|codice_paziente|cip",
        "identificativo_paziente|numero_utente|nhs_?no",
    ),
    "birth dates": (
        "dob|date_?of_?birth|birth_?date|birthdate|born(_?on)?|birthday",
        "geburtsdatum|geb_?datum|gebdat|geburtstag|geboren|date_(de_)?naissance|ddn|nee?_le",
        "fecha_(de_)?nacimiento|fnac|data_(di_)?nascita|geboortedatum|fodselsdato",
        "foedselsdato|fodelsedatum|fodelsedag|syntymaaika|syntymapaiva|faedingardagur",
        "fodselsdag|data_(de_)?nascimento|data_urodzenia|geburtsort|geburtsjahr|fodested",
        "(lugar|luogo|lieu)_(de_|di_)?(nacimiento|nascita|naissance)|fodelseort",
        "(ano|annee|anno)_(de_|di_)?(nacimiento|naissance|nascita)|fodselsar|fodelsear",
        "syntymavuosi|year_of_birth|birth_?year|yob",
    ),
    "contact details": (
        "address|street|post_?code|zip(_?code)?|city_?of_?residence|phone|telephone|mobile",
        "e_?mail|email_?address|^contacts?(_(details|info))?$|cell_?phone|fax|next_of_kin",
        "anschrift|adresse|strasse|plz|postleitzahl|wohnort|telefon(nummer)?|handy",
        "rue|code_postal|telephone|tel|portable|courriel|direccion|domicilio|calle",
        "codigo_postal|telefono|movil|correo(_electronico)?|indirizzo|cellulare",
        "adres|straat|woonplaats|telefoon(nummer)?|mobiel|postnummer|adress|osoite|puhelin",
        "puhelinnumero|sahkoposti|e_?post|posta_elettronica|telefone|morada|endereco|celular",
        "heimilisfang|handynummer|mobilnummer|hausnummer|postadresse|kod_pocztowy|ulica",
    ),
}
IDENTIFIER_PATTERN = re.compile(
    "|".join(f"(^|_)({'|'.join(parts)})($|_)" for parts in HEADER_WORDS.values())
)


def snake(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", fold(str(name))).strip("_")


def looks_like_identifier(column: str) -> bool:
    """True for column names that suggest a direct identifier.

    >>> [looks_like_identifier(c) for c in ["patient_name", "DOB", "E-mail", "age", "gene name"]]
    [True, True, True, False, True]
    """
    return bool(IDENTIFIER_PATTERN.search(snake(column)))


def apply_identifier_policy(frame: pd.DataFrame, spec: CohortSpec, table: str) -> pd.DataFrame:
    """Drop declared identifier columns; stop on undeclared ones, found by header or content.

    The id column is not checked (it is pseudonymized); wide tables (features x samples) hold
    assay values only.
    """
    options = spec.tables[table].options
    if options.get("orientation") == "wide":
        return frame
    declared = spec.identifiers
    columns = [c for c in field_columns(frame) if c != options.get("id_column")]
    undeclared = [c for c in columns if c not in declared]
    by_header = [c for c in undeclared if looks_like_identifier(c)]
    others = [c for c in undeclared if c not in by_header]
    by_content = {c: kind for c in others if (kind := content_kind(frame[c])) is not None}
    others = [c for c in others if c not in by_content]
    by_content.update(dict.fromkeys(birth_date_columns(frame, spec, table, others), "birth dates"))
    problems = []
    if by_header:
        problems.append(identifier_problem(spec, table, by_header, "look like direct identifiers"))
    problems += [
        identifier_problem(spec, table, [c], f"holds {kind} (a direct identifier)")
        for c, kind in by_content.items()
    ]
    if problems:
        raise CohortSpecError(*problems)
    return frame.drop(columns=[c for c in columns if declared.get(c) in ("drop", "pseudonymize")])


def identifier_problem(spec: CohortSpec, table: str, columns: list[str], what: str) -> Problem:
    """The problem of undeclared identifier columns: names them, shows no value, and says
    the spec line to add."""
    example = ", ".join(f"{c}: drop" for c in columns)
    return Problem(
        f"column(s) {columns} {what}"
        if len(columns) > 1 or "look" in what
        else f"column {columns[0]!r} {what}",
        Location(**{**spec.where(table, ", ".join(columns)), "row": None}),
        expected="identifier columns declared in the spec",
        found="no `identifiers` entry for them",
        hint=f"Add `identifiers: {{{example}}}` to the cohort spec (drop, pseudonymize, or "
        "keep if a field needs it, e.g. a birth date for age)",
    )


def birth_date_columns(
    frame: pd.DataFrame, spec: CohortSpec, table: str, columns: list[str]
) -> list[str]:
    """Date columns that hold birth dates (see
    :func:`~markersurv.harmonize.privacy.content.looks_like_birth_dates`); the table's other
    date columns are the reference dates."""
    dates = {c: d for c in columns if (d := parsed_dates(frame[c])) is not None}
    if not dates:
        return []
    age = spec.age.column if spec.age is not None else None
    ages = None
    if age is not None and spec.table_of(age) == table and age.column in frame:
        ages = numeric_ages(frame[age.column])
    return [
        c
        for c, d in dates.items()
        if looks_like_birth_dates(d, ages, [r for o, r in dates.items() if o != c])
    ]
