"""Hostile files: each is read cleanly or stops with a located InputFileError, never a traceback."""

from __future__ import annotations

import io
import os
import zipfile

import openpyxl
import pandas as pd
import pytest

from markersurv.cohort.spec import load_cohort_spec
from markersurv.errors import CohortSpecError, InputFileError
from markersurv.ingest.readers import FILE, ROW, read_table
from tests.helpers_cohort import (
    base_spec,
    check_ledger,
    harmonize_path,
    write_cohort,
    write_rows,
)

HEADER = ["pid", "il6", "os_days", "os_status"]
ROWS = [["P1", "2.5", "100", "1"], ["Pé2", "3", "50", "0"]]


def spec_for(path: str, **table) -> dict:
    return base_spec(
        tables={"clinical": {"path": path, "id_column": "pid", **table}}, allow_raw_ids=True
    )


def write_spec(folder, spec):
    return write_cohort(folder, spec, {})


def read(folder, spec) -> pd.DataFrame:
    spec_path = write_spec(folder, spec)
    return read_table(load_cohort_spec(spec_path, {}, folder), "clinical")


def input_error(folder, spec) -> InputFileError:
    with pytest.raises(InputFileError) as info:
        harmonize_path(write_spec(folder, spec))
    problem = info.value.problems[0]
    assert problem.where.cohort == "t1" and problem.where.file == spec["tables"]["clinical"]["path"]
    return info.value


def patients_of(folder, spec) -> list[str]:
    return sorted(harmonize_path(write_spec(folder, spec)).patients["patient_id"])


# -- text files ---------------------------------------------------------------------------


def test_empty_file(tmp_path):
    (tmp_path / "clinical.csv").write_bytes(b"")
    error = input_error(tmp_path, spec_for("clinical.csv"))
    assert "empty" in error.problems[0].message


@pytest.mark.parametrize("content", [b"\n", b"\n\n", b" , ,\n"])
def test_blank_header_row(tmp_path, content):
    (tmp_path / "clinical.csv").write_bytes(content)
    error = input_error(tmp_path, spec_for("clinical.csv"))
    assert "header row (row 1) is blank" in error.problems[0].message


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_header_only_file_is_an_error_naming_the_file(tmp_path, fmt):
    write_rows(tmp_path / f"clinical.{fmt}", [HEADER], fmt)
    error = input_error(tmp_path, spec_for(f"clinical.{fmt}"))
    assert "no data rows" in error.problems[0].message


def test_header_only_file_among_several_is_named(tmp_path):
    write_rows(tmp_path / "site_a.csv", [HEADER, *ROWS])
    write_rows(tmp_path / "site_b.csv", [HEADER])
    with pytest.raises(InputFileError, match="no data rows") as info:
        harmonize_path(write_spec(tmp_path, spec_for("site_*.csv")))
    assert info.value.problems[0].where.file == "site_b.csv"


def test_header_row_below_the_end_of_the_file(tmp_path):
    write_rows(tmp_path / "clinical.csv", [HEADER, *ROWS])
    error = input_error(tmp_path, spec_for("clinical.csv", header_row=9))
    assert "header is row 9" in error.problems[0].message


def test_header_row_after_a_title_line(tmp_path):
    write_rows(tmp_path / "clinical.csv", [["Export of 2024-01-01"], HEADER, *ROWS])
    frame = read(tmp_path, spec_for("clinical.csv", header_row=2))
    assert frame[ROW].tolist() == ["3", "4"]


@pytest.mark.parametrize(
    ("encoding", "declared"),
    [
        ("utf-8-sig", None),
        ("utf-16", None),
        ("utf-16", "latin-1"),
        ("latin-1", "latin-1"),
        ("cp1252", "cp1252"),
    ],
)
def test_encodings_with_bom_or_declared(tmp_path, encoding, declared):
    write_rows(tmp_path / "clinical.csv", [HEADER, *ROWS], encoding=encoding)
    spec = spec_for("clinical.csv", **({"encoding": declared} if declared else {}))
    assert patients_of(tmp_path, spec) == ["P1", "PÉ2"]


def test_utf16_big_endian_with_bom(tmp_path):
    text = "\n".join(",".join(r) for r in [HEADER, *ROWS]) + "\n"
    (tmp_path / "clinical.csv").write_bytes(b"\xfe\xff" + text.encode("utf-16-be"))
    assert patients_of(tmp_path, spec_for("clinical.csv")) == ["P1", "PÉ2"]


def test_latin1_without_declared_encoding_suggests_encoding(tmp_path):
    write_rows(tmp_path / "clinical.csv", [HEADER, *ROWS], encoding="latin-1")
    error = input_error(tmp_path, spec_for("clinical.csv"))
    problem = error.problems[0]
    assert problem.where.row == 3 and "0xe9" in problem.message
    assert "encoding:" in problem.hint


@pytest.mark.parametrize("rows", [ROWS[:1], ROWS], ids=["ascii", "accented"])
def test_utf16_without_bom_suggests_encoding(tmp_path, rows):
    text = "\n".join(",".join(r) for r in [HEADER, *rows]) + "\n"
    (tmp_path / "clinical.csv").write_bytes(text.encode("utf-16-le"))
    error = input_error(tmp_path, spec_for("clinical.csv"))
    assert "utf-16-le" in error.problems[0].hint


def test_unknown_declared_encoding(tmp_path):
    write_rows(tmp_path / "clinical.csv", [HEADER, *ROWS[:1]])
    error = input_error(tmp_path, spec_for("clinical.csv", encoding="klingon"))
    assert "unknown encoding" in error.problems[0].message


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_line_endings(tmp_path, newline):
    write_rows(tmp_path / "clinical.csv", [HEADER, *ROWS], newline=newline)
    frame = read(tmp_path, spec_for("clinical.csv"))
    assert frame["pid"].tolist() == ["P1", "Pé2"] and frame["os_status"].tolist() == ["1", "0"]


def test_mixed_line_endings_and_no_final_newline(tmp_path):
    (tmp_path / "clinical.csv").write_bytes(
        b"pid,il6,os_days,os_status\r\nP1,2,3,1\nP2,2,3,0\rP3,2,3,1"
    )
    frame = read(tmp_path, spec_for("clinical.csv"))
    assert frame["pid"].tolist() == ["P1", "P2", "P3"] and frame[ROW].tolist() == ["2", "3", "4"]


def test_quoted_fields_with_delimiters_and_newlines(tmp_path):
    (tmp_path / "clinical.csv").write_text('pid,il6,os_days,os_status,note\nP1,"2",3,1,"a, b\nc"\n')
    frame = read(tmp_path, spec_for("clinical.csv"))
    assert frame["note"].tolist() == ["a, b\nc"]


def test_semicolon_export_with_decimal_commas(tmp_path):
    write_rows(tmp_path / "clinical.csv", [HEADER, ["P1", "1.234,5", "30", "1"]], delimiter=";")
    result = harmonize_path(
        write_spec(tmp_path, spec_for("clinical.csv", delimiter=";", decimal=",", thousands="."))
    )
    assert result.patients["il6"].tolist() == [1234.5]


def test_duplicate_column_names(tmp_path):
    write_rows(tmp_path / "clinical.csv", [[*HEADER, "il6"], ["P1", "1", "2", "1", "3"]])
    error = input_error(tmp_path, spec_for("clinical.csv"))
    assert "['il6']" in error.problems[0].message and error.problems[0].where.row == 1


def test_blank_column_names_get_positional_names(tmp_path):
    write_rows(
        tmp_path / "clinical.csv", [["", *HEADER, ""], ["0", *ROWS[0], "x"], ["1", *ROWS[1], ""]]
    )
    frame = read(tmp_path, spec_for("clinical.csv"))
    assert [c for c in frame.columns if c not in (ROW, FILE)] == ["unnamed_1", *HEADER, "unnamed_6"]
    spec = spec_for("clinical.csv")
    spec["tables"]["clinical"]["id_column"] = "unnamed_1"
    write_rows(
        tmp_path / "by_position" / "clinical.csv", [["", *HEADER[1:]], ["A1", "2", "3", "1"]]
    )
    assert patients_of(tmp_path / "by_position", spec) == ["A1"]


def test_trailing_empty_columns_are_dropped(tmp_path):
    write_rows(tmp_path / "clinical.csv", [[*HEADER, "", ""], [*ROWS[0], "", ""], ROWS[1]])
    frame = read(tmp_path, spec_for("clinical.csv"))
    assert [c for c in frame.columns if c not in (ROW, FILE)] == HEADER


def test_row_with_more_fields_than_the_header(tmp_path):
    write_rows(tmp_path / "clinical.csv", [HEADER, ROWS[0], [*ROWS[1], "extra"]])
    error = input_error(tmp_path, spec_for("clinical.csv"))
    assert error.problems[0].where.row == 3 and "delimiter" in error.problems[0].hint


def test_truncated_last_row(tmp_path):
    (tmp_path / "clinical.csv").write_text("pid,il6,os_days,os_status\nP1,2,3,1\nP2,2,")
    error = input_error(tmp_path, spec_for("clinical.csv"))
    assert error.problems[0].where.row == 3 and "truncated" in error.problems[0].hint


def test_last_row_with_only_an_id_is_accounted_for(tmp_path):
    """A one-field row is read as a row whose other cells are empty (sparse exports write
    them so); the patient then has no values and is accounted for in the ledger."""
    (tmp_path / "clinical.csv").write_text("pid,il6,os_days,os_status\nP1,2,3,1\nP2\n")
    result = harmonize_path(write_spec(tmp_path, spec_for("clinical.csv")))
    assert result.exclusions[["source_row", "reason"]].values.tolist() == [["3", "no_follow_up"]]
    check_ledger(result, {"clinical": 2})


def test_unclosed_quote(tmp_path):
    (tmp_path / "clinical.csv").write_text('pid,il6,os_days,os_status\nP1,"2,3,1\nP2,2,3,0\n')
    error = input_error(tmp_path, spec_for("clinical.csv"))
    assert "quote" in error.problems[0].hint


def test_blank_lines_are_ledger_rows(tmp_path):
    (tmp_path / "clinical.csv").write_text(
        "pid,il6,os_days,os_status\nP1,2,3,1\n\n , ,,\nP2,2,3,0\n"
    )
    result = harmonize_path(write_spec(tmp_path, spec_for("clinical.csv")))
    assert result.exclusions[["source_row", "reason"]].values.tolist() == [
        ["3", "blank_row"],
        ["4", "blank_row"],
    ]
    check_ledger(result, {"clinical": 4})


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), ".xls workbook"),
        (b"PK\x03\x04" + bytes(64), "format: xlsx"),
        (b"PAR1" + bytes(64), "format: parquet"),
    ],
)
def test_binary_files_read_as_text(tmp_path, content, words):
    (tmp_path / "clinical.csv").write_bytes(content)
    error = input_error(tmp_path, spec_for("clinical.csv"))
    assert words in str(error)


@pytest.mark.parametrize("cell", ["1e309", "inf", "-1e400x"])
def test_overflowing_and_infinite_cells_are_errors(tmp_path, cell):
    write_rows(tmp_path / "clinical.csv", [HEADER, ["P1", cell, "3", "1"]])
    with pytest.raises(Exception) as info:
        harmonize_path(write_spec(tmp_path, spec_for("clinical.csv")))
    assert info.type.__name__ == "HarmonizationError"
    assert info.value.problems[0].where.row == "2"


def test_file_removed_after_the_spec_was_loaded(tmp_path):
    write_rows(tmp_path / "clinical.csv", [HEADER, *ROWS])
    spec = load_cohort_spec(write_spec(tmp_path, spec_for("clinical.csv")), {}, tmp_path)
    (tmp_path / "clinical.csv").unlink()
    with pytest.raises(InputFileError, match="file not found"):
        read_table(spec, "clinical")


def test_spec_pointing_at_a_missing_file(tmp_path):
    with pytest.raises(CohortSpecError) as info:
        harmonize_path(write_spec(tmp_path, spec_for("nope/clinical.csv")))
    assert info.value.problems[0].where.file == "nope/clinical.csv"


# -- Excel and Parquet ------------------------------------------------------------------


def test_corrupt_xlsx_random_bytes(tmp_path):
    (tmp_path / "clinical.xlsx").write_bytes(os.urandom(2048))
    error = input_error(tmp_path, spec_for("clinical.xlsx"))
    assert "not a readable .xlsx workbook" in error.problems[0].message


def good_workbook(path, rows=None, sheet="data"):
    rows = [HEADER, *(rows or ROWS)] + [[f"P{i}", "1", "1", "0"] for i in range(3, 300)]
    write_rows(path, rows, "xlsx", sheet=sheet)
    return path.read_bytes()


def test_truncated_xlsx(tmp_path):
    data = good_workbook(tmp_path / "clinical.xlsx")
    (tmp_path / "clinical.xlsx").write_bytes(data[: len(data) // 2])
    input_error(tmp_path, spec_for("clinical.xlsx"))


def test_xlsx_with_garbled_sheet_xml(tmp_path):
    data = good_workbook(tmp_path / "clinical.xlsx")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
        for name in zin.namelist():
            content = zin.read(name)
            zout.writestr(
                name, content[: len(content) // 2] if "worksheets/sheet" in name else content
            )
    (tmp_path / "clinical.xlsx").write_bytes(out.getvalue())
    error = input_error(tmp_path, spec_for("clinical.xlsx"))
    assert "ParseError" in error.problems[0].message


def test_missing_sheet_lists_the_sheets(tmp_path):
    good_workbook(tmp_path / "clinical.xlsx", sheet="Clinical data")
    error = input_error(tmp_path, spec_for("clinical.xlsx", sheet="clinical"))
    assert "'Clinical data'" in error.problems[0].hint and "sheets" in error.problems[0].hint
    error = input_error(tmp_path, spec_for("clinical.xlsx", sheet=3))
    assert error.problems[0].expected == "0 to 0"


def test_sheet_by_name_and_index(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "notes"
    book.active.append(["not the data"])
    data = book.create_sheet("data")
    for row in [HEADER, *ROWS]:
        data.append(row)
    book.save(tmp_path / "clinical.xlsx")
    assert patients_of(tmp_path, spec_for("clinical.xlsx", sheet="data")) == ["P1", "PÉ2"]
    assert patients_of(tmp_path, spec_for("clinical.xlsx", sheet=1)) == ["P1", "PÉ2"]


def test_xlsx_declared_format_with_another_extension(tmp_path):
    good_workbook(tmp_path / "export.dat")
    assert len(patients_of(tmp_path, spec_for("export.dat", format="xlsx"))) == 299


def test_excel_error_cells_are_unreadable_values(tmp_path):
    write_rows(tmp_path / "clinical.xlsx", [HEADER, ["P1", "#DIV/0!", 3, 1], ["P2", "#N/A", 3, 1]])
    with pytest.raises(Exception) as info:
        harmonize_path(write_spec(tmp_path, spec_for("clinical.xlsx")))
    assert info.type.__name__ == "HarmonizationError"
    assert (
        "'#DIV/0!'" in info.value.problems[0].found and "#N/A" not in info.value.problems[0].found
    )


def test_corrupt_parquet(tmp_path):
    (tmp_path / "clinical.parquet").write_bytes(b"PAR1" + os.urandom(200))
    error = input_error(tmp_path, spec_for("clinical.parquet"))
    assert "Parquet" in error.problems[0].message


def test_parquet_rows_are_numbered_from_one(tmp_path):
    pd.DataFrame(
        {"pid": ["P1", "P2"], "il6": [1.0, None], "os_days": [1, 2], "os_status": [1, 0]}
    ).to_parquet(tmp_path / "clinical.parquet")
    frame = read(tmp_path, spec_for("clinical.parquet"))
    assert frame[ROW].tolist() == ["1", "2"]


# -- wide matrices -------------------------------------------------------------------------


def wide_spec(**table):
    spec = base_spec(
        tables={
            "clinical": {"path": "clinical.csv", "id_column": "pid"},
            "rna": {"path": "rna.tsv", "orientation": "wide", **table},
        },
        markers={"il6": {"table": "rna", "column": "IL6|3569", "unit": "rnaseq_rsem"}},
    )
    return spec


def test_wide_feature_column_and_duplicate_features(tmp_path):
    tables = {
        "clinical": [["pid", "os_days", "os_status"], ["P1", "3", "1"]],
        "rna": [["Hybridization REF", "P1"], ["IL6|3569", "1"], ["IL6|3569", "2"]],
    }
    with pytest.raises(InputFileError, match="appear more than once"):
        harmonize_path(write_cohort(tmp_path / "dup", wide_spec(), tables))
    tables["rna"] = tables["rna"][:2]
    with pytest.raises(InputFileError) as info:
        harmonize_path(
            write_cohort(
                tmp_path / "feature", wide_spec(feature_column="Hybridisation REF"), tables
            )
        )
    assert "'Hybridization REF'" in info.value.problems[0].hint
    result = harmonize_path(
        write_cohort(tmp_path / "ok", wide_spec(feature_column="Hybridization REF"), tables)
    )
    assert result.patients["il6"].tolist() == [1.0]
