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
from markersurv.ingest.readers import field_columns

IDENTIFIER_PATTERN = re.compile(
    r"(^|_)((first|last|sur|given|family|full|patient|maiden|middle)_?names?|names?)($|_)"
    r"|(^|_)(mrn|ssn|nhs_?(number|no|num)?|medical_?record(_?(number|no|num))?|record_?number"
    r"|hospital_?(number|no|num|id)|social_?security(_?number)?|passport(_?number)?)($|_)"
    r"|(^|_)(dob|date_?of_?birth|birth_?date|birthdate|born(_?on)?)($|_)"
    r"|(^|_)(address|street|post_?code|zip(_?code)?|city_?of_?residence|phone|telephone|mobile"
    r"|e_?mail)($|_)"
)


def snake(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")


def looks_like_identifier(column: str) -> bool:
    """True for column names that suggest a direct identifier.

    >>> [looks_like_identifier(c) for c in ["patient_name", "DOB", "E-mail", "age", "gene name"]]
    [True, True, True, False, True]
    """
    return bool(IDENTIFIER_PATTERN.search(snake(column)))


def apply_identifier_policy(frame: pd.DataFrame, spec: CohortSpec, table: str) -> pd.DataFrame:
    """Drop declared identifier columns; stop on undeclared ones."""
    options = spec.tables[table].options
    if options.get("orientation") == "wide":
        return frame
    declared = spec.identifiers
    id_column = options.get("id_column")
    found = [c for c in field_columns(frame) if c != id_column and looks_like_identifier(c)]
    undeclared = [c for c in found if c not in declared]
    if undeclared:
        example = ", ".join(f"{c}: drop" for c in undeclared)
        raise CohortSpecError(
            Problem(
                f"column(s) {undeclared} look like direct identifiers",
                Location(**{**spec.where(table, ", ".join(undeclared)), "row": None}),
                expected="identifier columns declared in the spec",
                found="no `identifiers` entry for them",
                hint=f"Add `identifiers: {{{example}}}` to the cohort spec (drop, pseudonymize, or "
                "keep if a field needs it, e.g. a birth date for age)",
            )
        )
    dropped = [c for c in found if declared.get(c) in ("drop", "pseudonymize")]
    return frame.drop(columns=dropped)
