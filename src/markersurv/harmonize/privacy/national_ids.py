"""National identifiers recognised by their format and check digit.

Each checker takes one cell's text and says whether it is a well-formed number of its
scheme, check digit included, so that ordinary numbers (days, counts, sample codes) are not
taken for one. Formats and check digits as the issuing registries publish them: Danish CPR
(CPR-kontoret: DDMMYY-SSSS, modulus 11 for numbers issued before 2007), Swedish personnummer
and samordningsnummer (Skatteverket SKV 704: YYMMDD-NNNC, Luhn), Norwegian fødselsnummer
(Skatteetaten: DDMMYYIIICC, two modulus-11 digits), Finnish henkilötunnus (DVV:
DDMMYYCZZZQ, modulus 31), Icelandic kennitala (modulus 11), New Zealand NHI (Te Whatu Ora
HISO 10046: AAANNNC modulus 11 and AAANNAX modulus 23), UK NHS number (NHS Data Dictionary:
modulus 11), US SSN (SSA: area, group and serial rules), Dutch BSN (elfproef), French NIR
(INSEE: 13 characters and a 97-complement key), Spanish DNI and NIE (modulus 23 letter) and
the Italian codice fiscale (Agenzia delle Entrate: odd/even table, modulus 26).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Sequence

DIGITS = re.compile(r"\d+")
BARE_SSN = re.compile(r"\d{9}")
BARE_SSN_MIN_VALUES = 40
BARE_SSN_SHARE = 0.95
# Share of values that may break the SSA's rules (typing errors, taxpayer numbers 9xx).
BARE_SSN_EXCEPTIONS = 0.02
# Distinct areas per value (of at most 200): issued numbers of a cohort spread over the areas.
BARE_SSN_SPREAD = 0.5


def digits_only(text: str, separators: str = " -") -> str:
    return "".join(c for c in text if c not in separators)


def real_date(day: int, month: int, year: int) -> bool:
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


def luhn(number: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(number)):
        d = int(c) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def weighted(number: str, weights: tuple[int, ...]) -> int:
    return sum(int(c) * w for c, w in zip(number, weights, strict=False))


def danish_cpr(text: str) -> bool:
    """DDMMYY-SSSS with a real date; without the hyphen only if the old modulus 11 holds.

    >>> danish_cpr("070761-4285"), danish_cpr("0707614285"), danish_cpr("0707614286")
    (True, True, False)
    """
    match = re.fullmatch(r"(\d{2})(\d{2})(\d{2})(-?)(\d{4})", text)
    if not match or not real_date(int(match[1]), int(match[2]), 2000 + int(match[3])):
        # 29 February of a year 00 is real in 2000; other years are checked as 20YY.
        return False
    number = match[1] + match[2] + match[3] + match[5]
    return bool(match[4]) or weighted(number, (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)) % 11 == 0


def swedish_personnummer(text: str) -> bool:
    """(YY)YYMMDD-NNNC or +, Luhn on the ten digits; day + 60 for a samordningsnummer.

    >>> swedish_personnummer("811218-9876"), swedish_personnummer("19811218-9876")
    (True, True)
    >>> swedish_personnummer("811218-9875")
    False
    """
    match = re.fullmatch(r"(\d{2})?(\d{2})(\d{2})(\d{2})([-+]?)(\d{4})", text)
    if not match:
        return False
    day = int(match[4]) - (60 if int(match[4]) > 60 else 0)
    year = int(match[1] or "20") * 100 + int(match[2])
    if not real_date(day, int(match[3]), year if match[1] else 2000 + int(match[2])):
        return False
    if not match[5] and not match[1]:
        return False  # ten bare digits are as likely a Danish CPR or any number
    return luhn(match[2] + match[3] + match[4] + match[6])


def norwegian_fodselsnummer(text: str) -> bool:
    """DDMMYYIIICC (day + 40 for a D-number), two modulus-11 check digits.

    >>> norwegian_fodselsnummer("01010750160"), norwegian_fodselsnummer("01010750161")
    (True, False)
    """
    number = digits_only(text)
    if not re.fullmatch(r"\d{11}", number):
        return False
    day = int(number[:2]) - (40 if int(number[:2]) > 40 else 0)
    if not real_date(day, int(number[2:4]), 2000 + int(number[4:6])):
        return False
    first = 11 - weighted(number, (3, 7, 6, 1, 8, 9, 4, 5, 2)) % 11
    second = 11 - weighted(number, (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)) % 11
    return (first % 11, second % 11) == (int(number[9]), int(number[10])) and 10 not in (
        first,
        second,
    )


def finnish_henkilotunnus(text: str) -> bool:
    """DDMMYY, a century sign, three digits and a modulus-31 check character.

    >>> finnish_henkilotunnus("131052-308T"), finnish_henkilotunnus("131052-308U")
    (True, False)
    """
    match = re.fullmatch(r"(\d{6})[-+A-FU-Y](\d{3})([0-9A-Y])", text.upper())
    if not match or not real_date(int(text[:2]), int(text[2:4]), 2000 + int(text[4:6])):
        return False
    return "0123456789ABCDEFHJKLMNPRSTUVWXY"[int(match[1] + match[2]) % 31] == match[3]


def icelandic_kennitala(text: str) -> bool:
    """DDMMYY-RRCK: modulus-11 check digit, century 9 or 0.

    >>> icelandic_kennitala("120174-3399"), icelandic_kennitala("120174-3398")
    (True, False)
    """
    match = re.fullmatch(r"(\d{6})-(\d{4})", text)
    if not match or match[2][3] not in "90":
        return False
    number = match[1] + match[2]
    if not real_date(int(number[:2]), int(number[2:4]), 2000 + int(number[4:6])):
        return False
    check = (11 - weighted(number, (3, 2, 7, 6, 5, 4, 3, 2)) % 11) % 11
    return check != 10 and check == int(number[8])


def nz_nhi(text: str) -> bool:
    """Three letters (not I or O), then four digits (modulus 11) or two digits and two
    letters (modulus 23).

    >>> nz_nhi("ZAA0067"), nz_nhi("ZAA0068"), nz_nhi("ZAC5361"), nz_nhi("ZBN77VL")
    (True, False, True, True)
    """
    text = text.upper()
    if not re.fullmatch(r"[A-HJ-NP-Z]{3}(\d{4}|\d{2}[A-HJ-NP-Z]{2})", text):
        return False
    values = [ord(c) - 64 - (c > "I") - (c > "O") for c in text[:3]]
    values += [int(c) if c.isdigit() else ord(c) - 64 - (c > "I") - (c > "O") for c in text[3:6]]
    total = sum(v * w for v, w in zip(values, (7, 6, 5, 4, 3, 2), strict=True))
    if text[6].isdigit():
        check = 11 - total % 11
        return check != 11 and check % 10 == int(text[6])
    check = 23 - total % 23
    return "ABCDEFGHJKLMNPQRSTUVWXYZ"[check - 1] == text[6]


def nhs_number(text: str) -> bool:
    """Ten digits (often 3-3-4), modulus 11.

    >>> nhs_number("943 476 5919"), nhs_number("9434765918")
    (True, False)
    """
    if not re.fullmatch(r"\d{3}[ -]?\d{3}[ -]?\d{4}", text):
        return False
    number = digits_only(text)
    check = 11 - weighted(number, (10, 9, 8, 7, 6, 5, 4, 3, 2)) % 11
    return check != 10 and check % 11 == int(number[9])


def ssn_rules(area: str, group: str, serial: str) -> bool:
    """The SSA's rules: area not 000, 666 or 900-999, group not 00, serial not 0000."""
    return area not in ("000", "666") and area < "900" and group != "00" and serial != "0000"


def us_ssn(text: str) -> bool:
    """AAA-GG-SSSS with separators (nine bare digits are any number: see
    :func:`bare_ssn_column`).

    >>> us_ssn("123-45-6789"), us_ssn("666-45-6789"), us_ssn("123456789")
    (True, False, False)
    """
    match = re.fullmatch(r"(\d{3})([- ])(\d{2})\2(\d{4})", text)
    return match is not None and ssn_rules(match[1], match[3], match[4])


def bare_ssn_column(texts: Sequence[str]) -> bool:
    """Whether a column's distinct cells are US social security numbers written as nine bare
    digits.

    One such cell proves nothing (most nine-digit numbers keep the SSA's rules), so the column
    must agree as a whole: at least :data:`BARE_SSN_MIN_VALUES` distinct values, nearly all of
    them nine digits, all but :data:`BARE_SSN_EXCEPTIONS` of them keeping the rules (a few
    typing errors or taxpayer numbers of area 9xx), and their areas (first three digits)
    spread as issued numbers are. A lab or sample number column runs in sequence or shares a
    prefix (one or a few areas); random nine-digit numbers fall in the never-issued areas
    900-999 about once in nine, so 40 of them all avoid it less than once in a hundred.
    Numbers read from typed cells (Excel, Parquet) have lost their leading zeros (areas
    001-099): seven or eight digits count as nine when most values have nine. One digit
    repeated (000000000, 999999999) is a placeholder for an unknown number, not a number.

    >>> synthetic = [f"{100 + 19 * i:03d}{10 + i:02d}{1000 + 37 * i:04d}" for i in range(40)]
    >>> bare_ssn_column(synthetic), bare_ssn_column(synthetic + ["999999999"])
    (True, True)
    >>> bare_ssn_column([str(int(n)) for n in synthetic[:4]] + synthetic[4:])  # typed cells
    True
    >>> bare_ssn_column([str(202300100 + i) for i in range(40)])  # lab numbers in sequence
    False
    >>> bare_ssn_column(synthetic[:-1] + ["987654321"])  # an area never issued
    False
    """
    numbers = [t[:-2] if t.endswith(".0") else t for t in texts]
    numbers = [n for n in numbers if not (n.isdigit() and len(set(n)) == 1)]
    nine = [n for n in numbers if BARE_SSN.fullmatch(n)]
    if len(nine) < BARE_SSN_MIN_VALUES or len(nine) < 0.5 * len(numbers):
        return False
    bare = nine + [n.zfill(9) for n in numbers if re.fullmatch(r"\d{7,8}", n)]
    if len(bare) < BARE_SSN_SHARE * len(numbers):
        return False
    broken = sum(not ssn_rules(n[:3], n[3:5], n[5:]) for n in bare)
    if broken > BARE_SSN_EXCEPTIONS * len(bare):
        return False
    return len({n[:3] for n in bare}) >= BARE_SSN_SPREAD * min(len(bare), 200)


def dutch_bsn(text: str) -> bool:
    """Nine digits passing the elfproef (the last weighted -1).

    >>> dutch_bsn("111222333"), dutch_bsn("111222334")
    (True, False)
    """
    number = digits_only(text, " .-")
    if not re.fullmatch(r"\d{9}", number) or number == "000000000":
        return False
    return (weighted(number, (9, 8, 7, 6, 5, 4, 3, 2)) - int(number[8])) % 11 == 0


def french_nir(text: str) -> bool:
    """Sex, year, month, place (2A/2B for Corsica), order and a key 97 - (number mod 97).

    >>> french_nir("1 84 12 76 451 089 46"), french_nir("184127645108947")
    (True, False)
    """
    number = digits_only(text).upper()
    match = re.fullmatch(r"([12]\d{2}(?:0[1-9]|1[0-2]|[2-9]\d)(?:\d{2}|2A|2B)\d{6})(\d{2})", number)
    if not match:
        return False
    body = match[1].replace("2A", "19").replace("2B", "18")
    return 97 - int(body) % 97 == int(match[2])


def spanish_dni(text: str) -> bool:
    """Eight digits (a NIE: X, Y or Z and seven) and the modulus-23 letter.

    >>> spanish_dni("12345678Z"), spanish_dni("X1234567L"), spanish_dni("12345678A")
    (True, True, False)
    """
    text = digits_only(text).upper()
    match = re.fullmatch(r"([XYZ]\d{7}|\d{8})([A-Z])", text)
    if not match:
        return False
    body = match[1]
    number = int(str("XYZ".index(body[0])) + body[1:] if body[0] in "XYZ" else body)
    return "TRWAGMYFPDXBNJZSQVHLCKE"[number % 23] == match[2]


ODD_DIGITS = (1, 0, 5, 7, 9, 13, 15, 17, 19, 21)
ODD_LETTERS = ODD_DIGITS + (2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23)
ODD = {
    **dict(zip("0123456789", ODD_DIGITS, strict=True)),
    **dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", ODD_LETTERS, strict=True)),
}


def italian_codice_fiscale(text: str) -> bool:
    """Six letters, year, month letter, day (+40 for women), place and a check letter.

    >>> italian_codice_fiscale("RSSMRA85T10A562S"), italian_codice_fiscale("RSSMRA85T10A562T")
    (True, False)
    """
    text = text.upper()
    if not re.fullmatch(r"[A-Z]{6}\d{2}[ABCDEHLMPRST]\d{2}[A-Z]\d{3}[A-Z]", text):
        return False
    even = sum(int(c) if c.isdigit() else ord(c) - 65 for c in text[1:15:2])
    odd = sum(ODD[c] for c in text[0:15:2])
    return chr(65 + (odd + even) % 26) == text[15]


CHECKERS: dict[str, Callable[[str], bool]] = {
    "Danish CPR number": danish_cpr,
    "Swedish personnummer": swedish_personnummer,
    "Norwegian fodselsnummer": norwegian_fodselsnummer,
    "Finnish henkilotunnus": finnish_henkilotunnus,
    "Icelandic kennitala": icelandic_kennitala,
    "New Zealand NHI number": nz_nhi,
    "UK NHS number": nhs_number,
    "US social security number": us_ssn,
    "Dutch BSN": dutch_bsn,
    "French NIR (social security number)": french_nir,
    "Spanish DNI/NIE": spanish_dni,
    "Italian codice fiscale": italian_codice_fiscale,
}


def national_id_kind(text: str) -> str | None:
    """The scheme a cell's text is a valid number of, or None.

    >>> national_id_kind(" 943 476 5919 "), national_id_kind("785"), national_id_kind("2.5")
    ('UK NHS number', None, None)
    """
    text = text.strip()
    if not 7 <= len(text) <= 21 or not any(c.isdigit() for c in text):
        return None
    return next((kind for kind, check in CHECKERS.items() if check(text)), None)
