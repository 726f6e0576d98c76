"""Sniff how a data file is written, so a drafted spec reads it as the pipeline will.

Format from the extension; for delimited text the encoding, delimiter and decimal mark; for
workbooks the sheet holding the data; the header row below any title rows; and whether the
table is wide (features as rows, samples as columns). Every decision comes with a note saying
why, or a check where a person must decide.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from markersurv.cohort.spec import TableSpec
from markersurv.errors import InputFileError, MarkersurvError
from markersurv.ingest.readers import (
    BOMS,
    FORMATS,
    decode_text,
    excel_cell_text,
    field_columns,
    read_file,
)

SNIFF_ROWS = 200
MAX_TITLE_ROWS = 20
DELIMITERS = {"\t": "tab", ";": "semicolon", ",": "comma", "|": "pipe"}
TCGA_BARCODE = re.compile(r"^TCGA-[A-Z0-9]{2}-[A-Z0-9]{4}", re.IGNORECASE)
SAMPLE_ID = re.compile(r"^(?=.*\d)[A-Za-z0-9][A-Za-z0-9._:-]*$")
NUMBER = re.compile(r"^[<>]?=?\s*[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
COMMA_DECIMAL = re.compile(r"^[+-]?(\d+,\d{1,2}|\d+,\d{4,}|0,\d+)$")
COMMA_AMBIGUOUS = re.compile(r"^[+-]?\d{1,3},\d{3}$")
DOT_DECIMAL = re.compile(r"^[+-]?\d*\.\d+$")
DOT_GROUPED = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+,\d+$")
COMMA_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+\.\d+$")


@dataclass
class SniffedTable:
    """One source file as the draft will declare it."""

    path: Path
    options: dict  # table options besides path, id_column and id_normalizer
    frame: pd.DataFrame  # records as the pipeline reads them (wide: one per sample)
    title: str = ""  # text above the header row (often units, detection limits, study name)
    tcga: bool = False  # wide table whose sample ids are TCGA barcodes
    notes: dict[str, list[str]] = field(default_factory=dict)
    checks: dict[str, list[str]] = field(default_factory=dict)
    undecided: set[str] = field(default_factory=set)  # options the spec writes as CHECK

    @property
    def wide(self) -> bool:
        return self.options.get("orientation") == "wide"

    def note(self, key: str, text: str) -> None:
        self.notes.setdefault(key, []).append(text)

    def check(self, key: str, text: str) -> None:
        self.checks.setdefault(key, []).append(text)


def where_of(path: Path) -> dict:
    return {"file": str(path)}


def read_with(path: Path, options: dict) -> pd.DataFrame:
    """Read the file exactly as the harmonizer will with these table options."""
    table = TableSpec("draft", str(path), (path,), options)
    return read_file(None, table, path)  # there is no cohort yet


def nonempty(row) -> list:
    return [c for c in row if str(c).strip() != ""]


def is_numberish(cell) -> bool:
    if isinstance(cell, int | float):
        return True
    return bool(NUMBER.match(str(cell).strip()))


def header_row_of(rows: list[list]) -> int | None:
    """1-based row of the column names: the first row whose cells are mostly non-empty text
    and which is followed by data, skipping title rows above it."""
    widths = [len(nonempty(r)) for r in rows]
    if not widths or max(widths) == 0:
        return None
    full = max(widths)
    for i, row in enumerate(rows[: MAX_TITLE_ROWS + 1]):
        cells = nonempty(row)
        if not cells or len(cells) < (max(2, 0.6 * full) if full >= 2 else 1):
            continue
        text = sum(isinstance(c, str) and not is_numberish(c) for c in cells)
        if text < 0.8 * len(cells):
            continue
        below = [w for w in widths[i + 1 : i + 4] if w]
        if below and max(below) >= 0.5 * len(cells):
            return i + 1
    return None


def sniff_encoding(data: bytes) -> tuple[str | None, str | None]:
    """Encoding to declare (None: the default works) and a note."""
    for bom, name in BOMS:
        if data.startswith(bom):
            return None, f"byte-order mark found ({name}); the reader detects it"
    try:
        data.decode("utf-8")
        return None, None
    except UnicodeDecodeError:
        pass
    if re.search(rb"[\x80-\x9f]", data):
        try:
            data.decode("cp1252")
            return "cp1252", "not valid UTF-8; bytes 0x80-0x9F suggest Windows-1252"
        except UnicodeDecodeError:
            pass
    return "latin-1", "not valid UTF-8; latin-1 reads every byte"


def sniff_delimiter(text: str) -> tuple[str, str]:
    """The delimiter giving the most consistent number of fields (most fields on ties)."""
    best, best_score, detail = ",", 0.0, "no delimiter splits the lines; read as comma"
    for delimiter, label in DELIMITERS.items():
        try:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            counts = [len(r) for r in itertools.islice(reader, SNIFF_ROWS) if nonempty(r)]
        except csv.Error:
            continue
        if not counts:
            continue
        width, n = Counter(counts).most_common(1)[0]
        if width < 2:
            continue
        share = n / len(counts)
        if share * width > best_score:
            best, best_score = delimiter, share * width
            detail = f"{label}: {width} fields in {share:.0%} of the first {len(counts)} lines"
    return best, detail


def sniff_text(path: Path, fmt: str, table: SniffedTable) -> list[list]:
    data = path.read_bytes()
    if not data.strip():
        raise InputFileError.at("the file is empty", **where_of(path))
    encoding, why = sniff_encoding(data)
    if encoding:
        table.options["encoding"] = encoding
    if why:
        table.note("encoding" if encoding else "path", f"guessed: {why}")
    text = decode_text(data, encoding or "utf-8", where_of(path))
    delimiter, why = sniff_delimiter(text)
    default = "\t" if fmt == "tsv" else ","
    if delimiter != default:
        table.options["delimiter"] = delimiter
        table.note("delimiter", f"guessed: {why}")
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return list(itertools.islice(reader, SNIFF_ROWS))
    except csv.Error as exc:
        raise InputFileError.at(f"malformed delimited text: {exc}", **where_of(path)) from None


def sheet_rows(sheet) -> tuple[list[list], int]:
    rows = [
        [excel_cell_text(c) for c in r]
        for r in sheet.iter_rows(values_only=True, max_row=SNIFF_ROWS)
    ]
    size = max(sheet.max_row or 0, len(rows)) * max(
        sheet.max_column or 0, max((len(r) for r in rows), default=0)
    )
    return rows, size


def sniff_workbook(path: Path, table: SniffedTable) -> list[list]:
    """Rows of the sheet holding the data: the largest sheet that looks like a table."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputFileError.at(
            f"not a readable .xlsx workbook ({exc.__class__.__name__})",
            hint="Re-save the file as .xlsx from the spreadsheet program",
            **where_of(path),
        ) from None
    try:
        found = []
        for index, name in enumerate(book.sheetnames):
            rows, size = sheet_rows(book[name])
            header = header_row_of(rows)
            if header is not None and len(rows) > header:
                found.append((size, -index, name, rows))
    finally:
        book.close()
    if not found:
        raise InputFileError.at(
            "no sheet looks like a table (a header row followed by data rows)",
            **where_of(path),
        )
    _, index, name, rows = max(found, key=lambda f: f[:2])
    table.options["sheet"] = name
    others = [f[2] for f in found if f[2] != name]
    if index != 0 or others:
        table.note(
            "sheet",
            f"guessed: sheet {name!r} is the largest that looks like a table"
            + (f" (others: {', '.join(others)})" if others else ""),
        )
    return rows


def sniff_decimal(frame: pd.DataFrame, table: SniffedTable) -> None:
    """Decimal commas (and thousands separators) from the cells of numeric-looking columns."""
    cells = pd.Series(
        [c for col in field_columns(frame) for c in frame[col] if isinstance(c, str)],
        dtype=object,
    ).str.strip()
    comma = cells.str.match(COMMA_DECIMAL).sum()
    ambiguous = cells.str.match(COMMA_AMBIGUOUS).sum()
    dot = cells.str.match(DOT_DECIMAL).sum()
    if comma and comma >= dot:
        table.options["decimal"] = ","
        table.note(
            "decimal",
            f"guessed: {comma} numbers written with a decimal comma (like 12,5)",
        )
        if cells.str.match(DOT_GROUPED).any():
            table.options["thousands"] = "."
            table.note("thousands", "guessed: numbers such as '1.234,5' group thousands by dots")
    elif ambiguous and not dot:
        # Read with thousands while drafting; the spec asks which it is.
        table.options["thousands"] = ","
        table.undecided.add("thousands")
        table.check(
            "thousands",
            f"{ambiguous} numbers are written like 1,234 with no other decimal mark: set "
            "`thousands: ','` if the comma groups thousands, or remove this key and set "
            "`decimal: ','` if it is the decimal mark",
        )
    elif cells.str.match(COMMA_GROUPED).any():
        table.options["thousands"] = ","
        table.note("thousands", "guessed: numbers such as '1,234.5' group thousands by commas")


def looks_wide(frame: pd.DataFrame) -> tuple[bool, bool]:
    """(wide, tcga): first column holds feature labels and the other headers sample ids."""
    columns = field_columns(frame)
    samples = columns[1:]
    if len(samples) < 3 or not len(frame):
        return False, False
    tcga = sum(bool(TCGA_BARCODE.match(s)) for s in samples) >= 0.8 * len(samples)
    if tcga:
        return True, True
    labels = frame[columns[0]].astype(str).str.strip()
    if labels.duplicated().any() or labels.map(is_numberish).any():
        return False, False
    ids = sum(bool(SAMPLE_ID.match(s)) for s in samples) >= 0.9 * len(samples)
    prefix = Counter(s[:2].upper() for s in samples).most_common(1)[0][1] >= 0.8 * len(samples)
    values = frame[samples].to_numpy().ravel()
    filled = [v for v in values if str(v).strip()]
    numeric = sum(is_numberish(v) for v in filled) >= 0.9 * max(len(filled), 1)
    return bool(ids and prefix and numeric and len(samples) >= 5), False


def sniff_table(path: Path) -> SniffedTable:
    """Everything the draft declares about one file, and its records as the pipeline reads
    them; a file that cannot be read raises :class:`InputFileError`."""
    if not path.is_file():
        raise InputFileError.at("file not found", **where_of(path))
    fmt = FORMATS.get(path.suffix.lower())
    table = SniffedTable(path, {}, pd.DataFrame())
    if fmt is None:
        fmt = "csv"
        table.options["format"] = "csv"
        table.check("format", f"extension {path.suffix!r} is not known; read as delimited text")
    try:
        return sniff_known(path, fmt, table)
    except MarkersurvError:
        raise
    # An odd file must give a typed error, never a traceback.
    except Exception as exc:
        raise InputFileError.at(
            f"cannot read the file as {fmt} ({exc.__class__.__name__}: {exc})",
            **where_of(path),
        ) from None


def sniff_known(path: Path, fmt: str, table: SniffedTable) -> SniffedTable:
    if fmt == "parquet":
        table.frame = read_with(path, table.options)
    else:
        rows = sniff_workbook(path, table) if fmt == "xlsx" else sniff_text(path, fmt, table)
        header = header_row_of(rows)
        if header is None:
            header = 1
            table.check("header_row", "no row looks like column names; the first row is used")
        elif header > 1:
            table.note(
                "header_row",
                f"guessed: row {header} is the first row of column names "
                f"followed by data; rows above it are titles",
            )
        if header > 1:
            table.options["header_row"] = header
            table.title = " ".join(str(c) for r in rows[: header - 1] for c in nonempty(r))
        table.frame = read_with(path, table.options)
        if not len(table.frame):
            raise InputFileError.at(
                f"no data rows below the header (row {header})", **where_of(path)
            )
        sniff_decimal(table.frame, table)
    wide, tcga = looks_wide(table.frame)
    if wide:
        first = field_columns(table.frame)[0]
        table.options.update(orientation="wide", feature_column=first)
        table.tcga = tcga
        what = "TCGA barcodes" if tcga else "sample ids"
        table.note(
            "orientation",
            f"guessed: wide table: column {first!r} holds feature labels, other headers are {what}",
        )
        if not tcga:
            table.check(
                "orientation",
                "wide orientation guessed from the headers; set "
                "orientation: long if each row is a patient",
            )
        table.frame = read_with(path, table.options)
    return table
