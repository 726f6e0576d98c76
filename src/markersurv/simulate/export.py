"""Writers that export a clean simulated cohort the messy ways real exports are.

Each function does one kind of mess on a column of cells (Python values: numbers,
strings, ``None`` for an empty cell); ``render_delimited`` and ``render_xlsx`` turn a table
of cells into file bytes, deterministically (no timestamps), without touching the disk.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from openpyxl import Workbook

DAYS_PER_MONTH = 30.4375
MONTHS_PER_UNIT = {
    "days": 1 / DAYS_PER_MONTH,
    "weeks": 7 / DAYS_PER_MONTH,
    "months": 1.0,
    "years": 12.0,
}
SUBSTAGES = {"I": "AB", "II": "AB", "III": "ABC", "IV": "AB"}
ROMAN_TO_ARABIC = {"I": "1", "II": "2", "III": "3", "IV": "4"}
# One fixed instant for the workbook's creation and modification properties and zip entries.
FIXED_TIME = dt.datetime(2000, 1, 1)


def format_patient_ids(numbers: Sequence[int], prefix: str, width: int) -> list[str]:
    """Ids as a clinical system writes them.

    >>> format_patient_ids([7, 42], "NSB-", 4)
    ['NSB-0007', 'NSB-0042']
    """
    return [f"{prefix}{k:0{width}d}" for k in numbers]


def messy_patient_ids(numbers: Sequence[int], prefix: str, rng: np.random.Generator) -> list[str]:
    """Ids as a laboratory retypes them: random case, zero padding and surrounding spaces.

    Stripping, upper-casing and removing leading zeros of the number gives back the
    clinical id (``' nsb-42'``, ``'NSB-042 '`` and ``'NSB-0042'`` all become ``'NSB-42'``).
    """
    numbers = list(numbers)
    lower = rng.random(len(numbers)) < 0.5
    pad = rng.integers(0, 5, len(numbers))
    lead = rng.random(len(numbers)) < 0.3
    trail = rng.random(len(numbers)) < 0.2
    out = []
    for k, low, width, before, after in zip(numbers, lower, pad, lead, trail, strict=True):
        text = f"{prefix.lower() if low else prefix}{k:0{width}d}"
        out.append(f"{' ' if before else ''}{text}{' ' if after else ''}")
    return out


def choose_labels(n: int, labels: Mapping[str, float], rng: np.random.Generator) -> list[str]:
    """Free-text labels (e.g. several spellings of one cancer type) drawn with given weights."""
    names = list(labels)
    weights = np.asarray([labels[k] for k in names], dtype=float)
    picks = rng.choice(len(names), size=n, p=weights / weights.sum())
    return [names[i] for i in picks]


def code_values(values: Sequence, codes: Mapping) -> list:
    """Canonical values (events 0/1, sex female/male) written in the export's own codes."""
    return [codes[v] for v in values]


def stage_labels(
    stages: Sequence[str],
    forms: Sequence[str],
    rng: np.random.Generator,
    *,
    nos_fraction: float = 0.0,
    unknown_fraction: float = 0.0,
    unknown_token: str = "unknown",
) -> list[str]:
    """Stages I-IV written in mixed forms, some as NOS groups and some unknown.

    A form is a template with ``{roman}``, ``{arabic}``, ``{sub}`` (a substage letter) and
    ``{sub_lower}``; each row picks one form at random. A ``nos_fraction`` of rows is
    written ``I/II NOS`` or ``III/IV NOS`` by stage group, an ``unknown_fraction`` as
    ``unknown_token``.

    >>> stage_labels(["III"], ["Stage {roman}{sub}"], np.random.default_rng(0))
    ['Stage IIIB']
    """
    n = len(stages)
    form_pick = rng.integers(0, len(forms), n)
    letter_pick = rng.random(n)
    nos = rng.random(n) < nos_fraction
    unknown = rng.random(n) < unknown_fraction
    out = []
    for i, stage in enumerate(stages):
        letters = SUBSTAGES[stage]
        letter = letters[int(letter_pick[i] * len(letters))]
        if unknown[i]:
            out.append(unknown_token)
        elif nos[i]:
            out.append("I/II NOS" if stage in ("I", "II") else "III/IV NOS")
        else:
            out.append(
                forms[form_pick[i]].format(
                    roman=stage, arabic=ROMAN_TO_ARABIC[stage], sub=letter, sub_lower=letter.lower()
                )
            )
    return out


def format_number(value: float, decimals: int, decimal_mark: str = ".") -> str:
    """A number with fixed decimals and the export's decimal mark.

    >>> format_number(12.5, 2, ",")
    '12,50'
    """
    return f"{value:.{decimals}f}".replace(".", decimal_mark)


def below_detection_limit(
    values: np.ndarray, lod: float, token: str, decimals: int, decimal_mark: str = "."
) -> list:
    """Values under the detection limit replaced by ``<LOD`` (token ``"<"``) or a token.

    >>> below_detection_limit(np.array([0.7, 3.14159]), 1.5, "<", 2)
    ['<1.5', 3.14]
    >>> below_detection_limit(np.array([0.7]), 1.5, "ND", 2)
    ['ND']
    """
    limit = f"<{lod:g}".replace(".", decimal_mark) if token == "<" else token
    rounded = np.round(values, decimals)
    return [limit if v < lod else float(r) for v, r in zip(values, rounded, strict=True)]


def durations(months: np.ndarray, unit: str, decimals: int) -> list[float]:
    """Follow-up times in months converted to ``unit`` and rounded, never below one step.

    A time that rounds to zero would read as an event at diagnosis, so it becomes the
    smallest positive value the rounding can show.
    """
    step = 10.0**-decimals
    values = np.maximum(np.round(months / MONTHS_PER_UNIT[unit], decimals), step)
    return [float(v) for v in values]


def calendar_dates(clean: pd.DataFrame, cutoff: dt.date, date_format: str) -> dict[str, list]:
    """Diagnosis, last contact, death and progression dates instead of durations.

    Needs the latent columns of ``simulate_patients(..., latent=True)``: diagnosis is the
    data cut-off minus the patient's administrative follow-up (staggered accrual), the
    other dates add the rounded durations in days (at least one). Last contact is the date
    of death for patients who died; progression is empty unless a progression was seen.
    """
    cutoff = pd.Timestamp(cutoff)
    admin_days = np.round(clean["admin_time"].to_numpy() * DAYS_PER_MONTH)
    diagnosis = cutoff - pd.to_timedelta(admin_days, unit="D")
    os_days = np.maximum(np.round(clean["os_time"].to_numpy() * DAYS_PER_MONTH), 1)
    pfs_days = np.maximum(np.round(clean["pfs_time"].to_numpy() * DAYS_PER_MONTH), 1)
    last = diagnosis + pd.to_timedelta(os_days, unit="D")
    progression = diagnosis + pd.to_timedelta(pfs_days, unit="D")
    died = clean["os_event"].to_numpy() == 1
    progressed = clean["progressed"].to_numpy()
    return {
        "diagnosis_date": list(diagnosis.strftime(date_format)),
        "last_contact_date": list(last.strftime(date_format)),
        "death_date": [
            d if x else None for d, x in zip(last.strftime(date_format), died, strict=True)
        ],
        "progression_date": [
            d if x else None
            for d, x in zip(progression.strftime(date_format), progressed, strict=True)
        ],
    }


def death_before_diagnosis(
    cells: pd.DataFrame, rows: Sequence[int], date_format: str, rng: np.random.Generator
) -> pd.DataFrame:
    """Plant impossible sequences: a death (and last contact) 30-400 days before diagnosis."""
    cells = cells.copy()
    for row in rows:
        diagnosis = dt.datetime.strptime(cells.at[row, "diagnosis_date"], date_format)
        death = diagnosis - dt.timedelta(days=int(rng.integers(30, 401)))
        cells.at[row, "death_date"] = death.strftime(date_format)
        cells.at[row, "last_contact_date"] = cells.at[row, "death_date"]
        cells.at[row, "progression_date"] = None
    return cells


def blank_cells(
    cells: pd.DataFrame,
    fractions: Mapping[str, float],
    tokens: Sequence[str],
    rng: np.random.Generator,
    *,
    groups: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """Missing values written several ways: each blanked cell gets one of ``tokens``.

    ``fractions`` maps a column (or a group name in ``groups``, such as ``pfs`` for the
    time and event columns together) to the fraction of rows whose cells go missing.
    """
    cells = cells.copy()
    groups = groups or {}
    for name, fraction in fractions.items():
        columns = list(groups.get(name, [name]))
        hit = np.flatnonzero(rng.random(len(cells)) < fraction)
        picks = rng.integers(0, len(tokens), hit.size)
        for row, pick in zip(hit, picks, strict=True):
            for column in columns:
                cells.iat[row, cells.columns.get_loc(column)] = tokens[pick] or None
    return cells


def repeat_row(cells: pd.DataFrame, row: int) -> pd.DataFrame:
    """The table with row ``row`` (0-based position) repeated identically right after it."""
    return pd.concat(
        [cells.iloc[: row + 1], cells.iloc[[row]], cells.iloc[row + 1 :]], ignore_index=True
    )


def _cell_text(value, decimals: int | None, decimal_mark: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if decimals is None:
        return str(value)
    return format_number(float(value), decimals, decimal_mark)


def render_delimited(
    cells: pd.DataFrame,
    *,
    delimiter: str = ",",
    decimal_mark: str = ".",
    decimals: Mapping[str, int] | None = None,
    title: str | None = None,
    encoding: str = "utf-8",
) -> bytes:
    """A CSV or TSV file: optional one-cell title row, header, rows; ``\\n`` line ends.

    Numbers are written with the column's fixed ``decimals`` and ``decimal_mark``; strings
    (tokens such as ``<1.5``, ``ND``, ``NA``) as they are; ``None`` as an empty field.
    """
    decimals = decimals or {}
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    if title is not None:
        writer.writerow([title])
    writer.writerow(list(cells.columns))
    places = [decimals.get(c) for c in cells.columns]
    for row in cells.itertuples(index=False):
        writer.writerow([_cell_text(v, d, decimal_mark) for v, d in zip(row, places, strict=True)])
    return buffer.getvalue().encode(encoding)


def _xlsx_value(value, decimals: int | None):
    if value is None or isinstance(value, str):
        return value
    if decimals == 0:
        return int(round(float(value)))
    return round(float(value), 10 if decimals is None else decimals)


def _deterministic_zip(data: bytes) -> bytes:
    # openpyxl stamps the save time into docProps/core.xml and every zip entry; rewrite
    # both with FIXED_TIME so equal content gives equal bytes.
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp, content
                )
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3
            entry.external_attr = 0o644 << 16
            target.writestr(entry, content)
    return out.getvalue()


def render_xlsx(
    cells: pd.DataFrame,
    *,
    sheet: str,
    title_rows: Sequence[str],
    notes_sheet: str,
    notes: Sequence[Sequence[str]],
    decimals: Mapping[str, int] | None = None,
    creator: str = "markersurv simulate",
) -> bytes:
    """An Excel workbook whose first sheet holds notes and whose second holds the data.

    The data sheet starts with ``title_rows`` (one cell each), then the header on row
    ``len(title_rows) + 1``. Numbers are numeric cells rounded to the column's
    ``decimals``; tokens are text cells; ``None`` is an empty cell. The bytes do not depend
    on when the workbook is written.
    """
    decimals = decimals or {}
    workbook = Workbook()
    workbook.properties.creator = creator
    workbook.properties.created = FIXED_TIME
    notes_ws = workbook.active
    notes_ws.title = notes_sheet
    for line in notes:
        notes_ws.append(list(line))
    data_ws = workbook.create_sheet(sheet)
    for line in title_rows:
        data_ws.append([line])
    data_ws.append(list(cells.columns))
    places = [decimals.get(c) for c in cells.columns]
    for row in cells.itertuples(index=False):
        data_ws.append([_xlsx_value(v, d) for v, d in zip(row, places, strict=True)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _deterministic_zip(buffer.getvalue())
