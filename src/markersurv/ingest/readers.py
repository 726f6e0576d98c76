"""Read source tables (CSV, TSV, Excel, Parquet; long or wide) into records of raw cells.

Every record keeps the file and row it came from, so each one can be accounted for in the
patient table or the exclusions ledger. Cells stay as text (or as the typed value an Excel or
Parquet file stores) until the harmonizer parses them with their declared unit and coding.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import zipfile
import zlib
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter

from markersurv.cohort.spec import CohortSpec, TableSpec
from markersurv.errors import InputFileError, did_you_mean
from markersurv.ingest.analytes import analytes_to_records

FILE = "__file__"
ROW = "__row__"
SAMPLE = "__sample__"
FORMATS = {
    ".csv": "csv",
    ".txt": "tsv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
}
EXCEL_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    OSError,
    ValueError,
    SyntaxError,
)
FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
BINARY_SIGNATURES = (
    (b"PK\x03\x04", "a zip archive (an .xlsx workbook?)", "Set `format: xlsx` for this table"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy .xls workbook", "Re-save it as .xlsx"),
    (b"PAR1", "a Parquet file", "Set `format: parquet` for this table"),
)
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def table_format(table: TableSpec, path: Path) -> str:
    if "format" in table.options:
        return table.options["format"]
    return FORMATS.get(path.suffix.lower(), "csv")


def decode_text(data: bytes, encoding: str, where: dict) -> str:
    """Bytes to text, honouring a byte-order mark over the declared encoding."""
    for bom, bom_encoding in BOMS:
        if data.startswith(bom):
            encoding = bom_encoding
            break
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        # NUL bytes between letters are the mark of UTF-16 without a byte-order mark.
        suggestion = "utf-16-le or utf-16-be" if b"\x00" in data[:4096] else "latin-1 or utf-16"
        raise InputFileError.at(
            f"cannot decode byte {data[exc.start]:#04x} as {encoding}",
            row=line,
            expected=f"text in {encoding}",
            found="bytes of another encoding",
            hint=f"Set `encoding:` for this table in the cohort spec (for example {suggestion})",
            **where,
        ) from None
    except LookupError:
        raise InputFileError.at(
            f"unknown encoding {encoding!r}",
            hint="Use a Python codec name such as utf-8, latin-1 or utf-16",
            **where,
        ) from None


def read_delimited(
    path: Path, table: TableSpec, fmt: str, where: dict, limit: int | None = None
) -> list[list[str]]:
    """Rows of a CSV/TSV file as lists of strings (header included), exactly as written."""
    opts = table.options
    data = path.read_bytes()
    for signature, kind, action in BINARY_SIGNATURES:
        if data.startswith(signature):
            raise InputFileError.at(
                f"expected {fmt} text but the file is {kind}",
                hint=action,
                **where,
            )
    text = decode_text(data, opts.get("encoding", "utf-8"), where)
    if "\x00" in text:
        # UTF-16 without a byte-order mark decodes as UTF-8 with a NUL after each letter.
        raise InputFileError.at(
            "the text holds NUL characters",
            row=text[: text.index("\x00")].count("\n") + 1,
            expected=f"text in {opts.get('encoding', 'utf-8')}",
            found="NUL characters (UTF-16 text without a byte-order mark?)",
            hint="Set `encoding: utf-16-le` (or utf-16-be) for this table in the cohort spec",
            **where,
        )
    delimiter = opts.get("delimiter", "\t" if fmt == "tsv" else ",")
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        return list(itertools.islice(reader, limit))
    except csv.Error as exc:
        raise InputFileError.at(
            f"malformed delimited text: {exc}",
            hint="The file may be truncated or have an unclosed quote",
            **where,
        ) from None


def read_excel_rows(
    path: Path, table: TableSpec, where: dict, limit: int | None = None
) -> list[list[object]]:
    """Rows of one Excel sheet as cell values (formulas as their cached results)."""
    # A handle, not the path: openpyxl refuses paths whose extension is not .xlsx/.xlsm.
    with path.open("rb") as handle:
        try:
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
            try:
                sheet = excel_sheet_name(book.sheetnames, table.options.get("sheet", 0), where)
                cells = book[sheet].iter_rows(values_only=True, max_row=limit)
                rows = [[excel_cell_text(c) for c in r] for r in cells]
                has_formulas = sheet_has_formulas(book, sheet)
            finally:
                book.close()
            if has_formulas:
                handle.seek(0)
                check_formula_values(handle, sheet, rows, limit, table, where)
        except EXCEL_ERRORS as exc:
            raise InputFileError.at(
                f"not a readable .xlsx workbook ({exc.__class__.__name__})",
                hint="Re-save the file as .xlsx from the spreadsheet program",
                **where,
            ) from None
    return rows


def excel_sheet_name(names: list[str], sheet: str | int, where: dict) -> str:
    if isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise InputFileError.at(
                f"sheet index {sheet} does not exist",
                expected=f"0 to {len(names) - 1}",
                found=str(sheet),
                hint=f"Sheets: {names}",
                **where,
            )
        return names[sheet]
    if sheet not in names:
        raise InputFileError.at(
            f"sheet {sheet!r} not found",
            hint=f"{did_you_mean(sheet, names)}; the workbook's sheets: {names}",
            **where,
        )
    return sheet


def sheet_has_formulas(book, sheet: str) -> bool:
    """Whether the sheet's XML holds any formula (a fast scan; most exports have none)."""
    worksheet_path = getattr(book[sheet], "_worksheet_path", None)
    if worksheet_path is None:
        return True
    return bool(FORMULA_TAG.search(book._archive.read(worksheet_path)))


def check_formula_values(
    handle, sheet: str, rows: list[list], limit: int | None, table: TableSpec, where: dict
) -> None:
    """Stop on formula cells without a cached result: read as empty they would silently
    become missing values. Workbooks written by scripts (openpyxl, some exporters) store
    formulas without results until a spreadsheet program recalculates and saves them."""
    book = openpyxl.load_workbook(handle, read_only=True, data_only=False)
    try:
        formulas = book[sheet].iter_rows(values_only=True, max_row=limit)
        uncached = [
            (i, j)
            for i, (raw, values) in enumerate(zip(formulas, rows, strict=False))
            for j, cell in enumerate(raw)
            if is_formula(cell) and j < len(values) and values[j] == ""
        ]
    finally:
        book.close()
    if not uncached:
        return
    header_row = table.options.get("header_row", 1)
    header = rows[header_row - 1] if len(rows) >= header_row else []
    i, j = uncached[0]
    column = str(header[j]) if j < len(header) and header[j] != "" else get_column_letter(j + 1)
    shown = ", ".join(f"{get_column_letter(c + 1)}{r + 1}" for r, c in uncached[:5])
    more = f" (and {len(uncached) - 5} more)" if len(uncached) > 5 else ""
    raise InputFileError.at(
        f"{len(uncached)} formula cell(s) have no computed value",
        column=column,
        row=i + 1,
        expected="values (or formulas saved with their results)",
        found=f"formulas without results in {shown}{more}",
        hint="Open the workbook in a spreadsheet program and save it, so formulas are "
        "calculated, or export the sheet as CSV",
        **where,
    )


def is_formula(cell: object) -> bool:
    return (isinstance(cell, str) and cell.startswith("=")) or type(cell).__name__ == (
        "ArrayFormula"
    )


def excel_cell_text(value: object) -> object:
    """Typed Excel cells become the text a CSV export would show; numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return str(value)


def rows_to_frame(rows: list[list], header_row: int, where: dict) -> pd.DataFrame:
    """Header + data rows to a frame with the source row number of each record."""
    if len(rows) < header_row:
        raise InputFileError.at(
            "the file is empty"
            if not rows
            else f"the file has {len(rows)} rows but the header is row {header_row}",
            hint="Check the file and the table's `header_row`",
            **where,
        )
    header = ["" if h is None else str(h).strip() for h in rows[header_row - 1]]
    # Trailing unnamed columns are dropped only when empty (spreadsheets pad rows with them).
    named = max((i + 1 for i, h in enumerate(header) if h), default=0)
    used = max(
        (
            named + i + 1
            for r in rows[header_row:]
            for i, c in enumerate(r[named : len(header)])
            if c is not None and str(c).strip()
        ),
        default=0,
    )
    header = header[: max(named, used)]
    if not header:
        raise InputFileError.at(
            f"the header row (row {header_row}) is blank",
            row=header_row,
            hint="Check the file and the table's `header_row`",
            **where,
        )
    # An unnamed column (often an exported row index) gets a positional name; a spec that
    # needs it can refer to it by that name.
    header = [h or f"unnamed_{i + 1}" for i, h in enumerate(header)]
    seen, dupes = set(), []
    for h in header:
        if h in seen:
            dupes.append(h)
        seen.add(h)
    if dupes:
        raise InputFileError.at(
            f"duplicate column name(s) {sorted(set(dupes))}",
            row=header_row,
            hint="Rename the columns so each is unique",
            **where,
        )
    width = len(header)
    body, numbers = [], []
    for offset, raw in enumerate(rows[header_row:]):
        line = header_row + 1 + offset
        cells = ["" if c is None else c for c in raw]
        extra = cells[width:]
        if any(str(c).strip() for c in extra):
            raise InputFileError.at(
                f"row has {len(cells)} fields but the header has {width}",
                row=line,
                hint="A delimiter inside an unquoted value, or a wrong `delimiter:`",
                **where,
            )
        if len(cells) < width and any(str(c).strip() for c in cells):
            if len(cells) > 1 or width == 1:
                raise InputFileError.at(
                    f"row has {len(cells)} fields but the header has {width}",
                    row=line,
                    hint="The file may be truncated; re-export it",
                    **where,
                )
        cells = (cells + [""] * width)[:width]
        body.append(cells)
        numbers.append(line)
    frame = (
        pd.DataFrame(body, columns=header, dtype=object)
        if body
        else pd.DataFrame(columns=header, dtype=object)
    )
    frame[ROW] = np.array(numbers, dtype=np.int64).astype(str)
    return frame


def read_parquet_frame(path: Path, where: dict) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many types for corrupt files
        raise InputFileError.at(
            f"not a readable Parquet file ({exc.__class__.__name__})", **where
        ) from None
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    frame[ROW] = (np.arange(len(frame)) + 1).astype(str)
    return frame


def wide_to_records(frame: pd.DataFrame, table: TableSpec, where: dict) -> pd.DataFrame:
    """A features x samples matrix to one record per sample column."""
    feature_column = table.options.get("feature_column", frame.columns[0])
    if feature_column not in frame.columns:
        raise InputFileError.at(
            "feature column not found",
            column=feature_column,
            hint=did_you_mean(feature_column, frame.columns[:-1]),
            **where,
        )
    labels = frame[feature_column].astype(str).str.strip()
    duplicated = labels[labels.duplicated()].unique()
    if len(duplicated):
        raise InputFileError.at(
            f"feature label(s) {list(duplicated)[:5]} appear more than once",
            column=feature_column,
            **where,
        )
    samples = [c for c in frame.columns if c not in (feature_column, ROW)]
    records = frame.set_index(labels)[samples].T
    records.columns = list(labels)
    records.columns.name = None
    records.insert(0, SAMPLE, samples)
    positions = {c: i for i, c in enumerate(frame.columns) if c != ROW}
    records[ROW] = [f"col {positions[s] + 1}" for s in samples]
    return records.reset_index(drop=True)


def read_file(
    cohort: str | None, table: TableSpec, path: Path, header_only: bool = False
) -> pd.DataFrame:
    """One file of a table of cohort ``cohort`` as a frame of raw cells (only the header row
    when asked)."""
    where = {"cohort": cohort, "file": table.display_name(path)}
    if not path.exists():
        raise InputFileError.at("file not found", **where)
    fmt = table_format(table, path)
    header_row = table.options.get("header_row", 1)
    if fmt == "parquet":
        frame = read_parquet_frame(path, where)
    else:
        # The columns of an analyte table are the analytes its rows name.
        columns_known = table.orientation == "long" and "analytes" not in table.options
        limit = header_row if header_only and columns_known else None
        if fmt == "xlsx":
            rows = read_excel_rows(path, table, where, limit)
        else:
            rows = read_delimited(path, table, fmt, where, limit)
        frame = rows_to_frame(rows, header_row, where)
    if table.orientation == "wide":
        frame = wide_to_records(frame, table, where)
    elif "analytes" in table.options:
        frame = analytes_to_records(frame, table.options, where, ROW)
    frame[FILE] = table.display_name(path)
    return frame


def read_columns(spec: CohortSpec, name: str) -> list[str]:
    """Columns (long) or feature labels (wide) that every file of a table offers."""
    table = spec.tables[name]
    common: list[str] | None = None
    for path in table.files:
        columns = field_columns(read_file(spec.id, table, path, header_only=True))
        common = columns if common is None else [c for c in common if c in columns]
    return common or []


def read_table(spec: CohortSpec, name: str) -> pd.DataFrame:
    """All records of one declared table, stacked over its files, with file and row columns."""
    table = spec.tables[name]
    parts = [read_file(spec.id, table, path) for path in table.files]
    for path, part in zip(table.files, parts, strict=True):
        if part.empty:  # a header alone is an export gone wrong, not a cohort of 0 patients
            what = "data rows" if table.orientation == "long" else "sample columns"
            where = {"cohort": spec.id, "file": table.display_name(path)}
            raise InputFileError.at(f"the table has no {what}", hint="Re-export it", **where)
    if len(parts) == 1:
        return parts[0]
    return pd.concat(parts, ignore_index=True, sort=False)


def field_columns(frame: pd.DataFrame) -> list[str]:
    """The data columns of a read table (without the bookkeeping columns)."""
    return [c for c in frame.columns if c not in (FILE, ROW, SAMPLE)]
