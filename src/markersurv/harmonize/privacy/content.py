"""Direct identifiers recognised by what a column holds, whatever its header says.

A column is taken for an identifier when its cells hold e-mail addresses or phone numbers
(anywhere in the text, so free-text notes are caught too), or when most of its cells are
personal names or national identifiers with a valid check digit
(:mod:`~markersurv.harmonize.privacy.national_ids`; US social security numbers without
separators only when the whole column agrees). Birth dates are told from other dates by
what they imply: an age matching the table's age column, or dates decades before the
diagnosis date (or, without either, dates mostly before 1980). Nothing here returns or logs a
cell's value: only the kind of identifier found.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from markersurv.harmonize.privacy.names import NAMES
from markersurv.harmonize.privacy.national_ids import bare_ssn_column, national_id_kind

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(\.[\w-]+)*\.[A-Za-z]{2,}")
# A run of digits, spaces, dots, hyphens and brackets, optionally after + or 00.
PHONE = re.compile(r"(?<![\w.,/])(\+|00)?\(?\d[\d ().-]{6,}\d(?![\w/])")
DATE_LIKE = re.compile(r"\d{1,4}([./-])\d{1,2}\1\d{1,4}")
DATES_AND_TIMES = re.compile(
    r"\d{4}([./-])\d{1,2}\1\d{1,2}|\d{1,2}([./-])\d{1,2}\2\d{2,4}|\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?"
)
NAME_WORD = re.compile(r"[^\W\d_][^\W\d_'’-]*(?:['’-][^\W\d_]+)*\.?")
# Share of a column's filled cells that must be names or national ids.
MAJORITY = 0.5
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y/%m/%d", "%Y%m%d")
BEFORE_DIAGNOSIS_YEARS = 15
OLD_DATES_BEFORE = 1980
SPELT_OUT = str.maketrans({"ø": "o", "æ": "ae", "ß": "ss", "đ": "d"})


def fold(text: str) -> str:
    """Lower case without accents (ø, æ, ß and the like spelt out)."""
    text = text.lower().translate(SPELT_OUT)
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def has_email(text: str) -> bool:
    """
    >>> has_email("write to ana.lopez@hospital.es"), has_email("IL-6 @ 5 pg/mL")
    (True, False)
    """
    return EMAIL.search(text) is not None


def has_phone(text: str) -> bool:
    """A phone number in international form, or a local one written in groups.

    >>> [has_phone(t) for t in ["+45 32 12 34 56", "ring 0412 345 678", "(555) 123-4567"]]
    [True, True, True]
    >>> [has_phone(t) for t in ["2012-03-05", "12.03.2015", "0.000123456", "1234567", "785"]]
    [False, False, False, False, False]
    >>> has_phone("2015-03-01 00:00:00"), has_phone("from 2010-01-01 to 2012-05-06")
    (False, False)
    """
    for match in PHONE.finditer(DATES_AND_TIMES.sub(" / ", text)):
        candidate = match.group(0)
        digits = sum(c.isdigit() for c in candidate)
        if not 8 <= digits <= 15 or DATE_LIKE.fullmatch(candidate.strip()):
            continue
        groups = [g for g in re.split(r"[ ().-]+", candidate.lstrip("+")) if g]
        if match.group(1) or candidate.startswith("("):
            return True
        if candidate.startswith("0") and len(groups) >= 2 and len(groups[0]) >= 2:
            return True
        if len(groups) >= 3 and all(len(g) >= 2 for g in groups) and "." not in candidate:
            return True
    return False


def is_person_name(text: str) -> bool:
    """Two to four words spelt like names of which one is a known given name or surname,
    ``Surname, Given``, or one known name alone.

    >>> [is_person_name(t) for t in ["Jane Roe", "Müller, Hans", "Søren", "J. Kowalski"]]
    [True, True, True, True]
    >>> [is_person_name(t) for t in ["Stage IIIA", "Ductal carcinoma", "male", "Alive"]]
    [False, False, False, False]
    """
    words = [w for w in re.split(r"[\s,]+", text.strip()) if w]
    if not 1 <= len(words) <= 4 or not all(NAME_WORD.fullmatch(w) for w in words):
        return False
    if not all(w[0].isupper() for w in words):
        return False
    return any(fold(w.rstrip(".")) in NAMES for w in words)


def filled_text(values: pd.Series) -> pd.Series:
    text = values.dropna().astype(str).str.strip()
    return text[text != ""]


def content_kind(values: pd.Series) -> str | None:
    """What kind of direct identifier a column's cells hold, or None."""
    text = filled_text(values)
    if text.empty:
        return None
    distinct = pd.Series(text.unique())
    if distinct.map(has_email).any():
        return "e-mail addresses"
    kinds = distinct.map(national_id_kind).dropna()
    if len(kinds) and len(kinds) >= MAJORITY * len(distinct):
        return kinds.mode().iloc[0] + "s"
    if bare_ssn_column(list(distinct)):
        return "US social security numbers"
    if distinct.map(has_phone).any():
        # One is enough: a free-text note holds a phone number among words.
        return "phone numbers"
    names = distinct.map(is_person_name)
    if names.any() and names.mean() >= MAJORITY:
        return "personal names"
    return None


def parsed_dates(values: pd.Series) -> pd.Series | None:
    """The cells as dates in the format that reads most of them, if one reads at least half
    (and the cells are not plain numbers)."""
    text = values.astype(str).str.strip().where(values.notna(), "")
    filled = text != ""
    if filled.sum() == 0 or pd.to_numeric(text[filled], errors="coerce").notna().mean() > 0.5:
        return None
    best, best_n = None, 0
    for fmt in DATE_FORMATS:
        dates = pd.to_datetime(text.str.slice(0, 10), format=fmt, errors="coerce")
        if dates.notna().sum() > best_n:
            best, best_n = dates, int(dates.notna().sum())
    return best if best_n >= MAJORITY * filled.sum() else None


def looks_like_birth_dates(
    dates: pd.Series, ages: pd.Series | None, references: list[pd.Series]
) -> bool:
    """Dates whose implied age matches the age column, that lie decades before a reference
    date (the diagnosis), or, with neither to compare, that mostly lie before 1980."""
    present = dates.notna()
    for reference in references:
        both = present & reference.notna()
        if both.sum() == 0:
            continue
        years = (reference[both] - dates[both]).dt.days / 365.25
        if ages is not None:
            age = ages[both]
            matched = (years - age).abs() <= 1.5
            if age.notna().sum() and matched[age.notna()].mean() >= 0.8:
                return True
        if (years >= BEFORE_DIAGNOSIS_YEARS).mean() >= 0.8:
            return True
    if ages is not None and ages[present].notna().any():
        today = pd.Timestamp.today().normalize()
        years_now = (today - dates[present]).dt.days / 365.25
        gap = years_now - ages[present]
        if gap.notna().any() and gap.between(-1.5, 40).mean() >= 0.8:
            return True
    return bool(dates[present].dt.year.lt(OLD_DATES_BEFORE).mean() >= 0.8)


def numeric_ages(values: pd.Series | None) -> pd.Series | None:
    if values is None:
        return None
    ages = pd.to_numeric(values.astype(str).str.replace(",", "."), errors="coerce")
    return ages.where(ages.between(0, 120), np.nan)
