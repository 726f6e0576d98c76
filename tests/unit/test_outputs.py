"""Outputs: atomic, deterministic, spreadsheet-safe; a failed harmonization writes nothing."""

from __future__ import annotations

import errno
import json
import logging
import os

import numpy as np
import pandas as pd
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from markersurv.errors import HarmonizationError, OutputError
from markersurv.pipeline.harmonize import harmonize_cohort_step, merge_harmonized_step
from markersurv.pipeline.logs import run_logged
from markersurv.tables.io import (
    atomic_path,
    neutralize_formulas,
    write_atomic,
    write_json,
    write_parquet,
    write_tsv,
)
from tests.helpers_cohort import REPO, base_spec, clinical, write_cohort


def test_tsv_format(tmp_path):
    frame = pd.DataFrame(
        {
            "a": [1 / 3, np.nan, 1e-20],
            "b": ["x", None, "=cmd|' /C calc'!A0"],
            "c": pd.array([1, None, 0], dtype="Int8"),
        }
    )
    write_tsv(frame, tmp_path / "t.tsv")
    text = (tmp_path / "t.tsv").read_bytes().decode()
    assert "\r" not in text
    lines = text.split("\n")
    assert lines[0] == "a\tb\tc"
    # Shortest decimal that reads back as the same double.
    assert lines[1] == "0.3333333333333333\tx\t1"
    assert float(lines[1].split("\t")[0]) == 1 / 3
    assert lines[2] == "NA\tNA\tNA"
    assert lines[3] == "1e-20\t'=cmd|' /C calc'!A0\t0"


@pytest.mark.parametrize(
    ("cell", "safe"),
    [("=1+1", "'=1+1"), ("+A1", "'+A1"), ("-x", "'-x"), ("@SUM(A1)", "'@SUM(A1)"), ("a=b", "a=b")],
)
def test_text_that_a_spreadsheet_would_run_is_neutralized(cell, safe):
    assert neutralize_formulas(pd.DataFrame({"a": [cell]}))["a"].tolist() == [safe]


def test_numbers_are_never_prefixed():
    frame = pd.DataFrame({"x": [-1.5, 2.0], "y": pd.array([-1, 2], dtype="Int64")})
    pd.testing.assert_frame_equal(neutralize_formulas(frame), frame)


def test_neutralize_leaves_the_input_alone():
    frame = pd.DataFrame({"a": ["=1"]})
    neutralize_formulas(frame)
    assert frame["a"].tolist() == ["=1"]


def test_parquet_bytes_are_reproducible(tmp_path):
    frame = pd.DataFrame({"id": ["b", "a"], "v": [1.5, np.nan]}, index=[7, 3])
    write_parquet(frame, tmp_path / "one.parquet")
    write_parquet(frame.copy(), tmp_path / "two.parquet")
    assert (tmp_path / "one.parquet").read_bytes() == (tmp_path / "two.parquet").read_bytes()
    back = pd.read_parquet(tmp_path / "one.parquet")
    assert back.index.tolist() == [0, 1] and back["id"].tolist() == ["b", "a"]


def test_json_with_numpy_scalars(tmp_path):
    write_json({"n": np.int64(3), "x": np.float64(0.5), "ok": np.bool_(True)}, tmp_path / "f.json")
    text = (tmp_path / "f.json").read_text()
    assert json.loads(text) == {"n": 3, "x": 0.5, "ok": True} and text.endswith("}\n")
    with pytest.raises(TypeError):
        write_json({"bad": object()}, tmp_path / "g.json")
    assert not (tmp_path / "g.json").exists()


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "sub" / "out.tsv"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("partial")
        raise RuntimeError("writer failed")
    assert list((tmp_path / "sub").iterdir()) == []


def test_atomic_path_replaces_an_existing_file_only_on_success(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("new")
        raise RuntimeError
    assert target.read_text() == "old"
    with atomic_path(target) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new" and len(list(tmp_path.iterdir())) == 1


def step(tmp_path, rows):
    spec = base_spec()
    spec["tables"]["clinical"]["path"] = "{data}/clinical.csv"
    spec_path = write_cohort(tmp_path / "in", spec, clinical(*rows))
    config = {
        "data_dirs": {"data": str(tmp_path / "in")},
        "vocabulary_dir": str(REPO / "resources" / "vocab"),
        "markers": [{"id": "il6"}, {"id": "pstat3"}],
        "endpoints": [{"id": "os"}],
    }
    out = tmp_path / "out"
    paths = [out / n for n in ("patients.parquet", "exclusions.tsv", "flow.json", "qc.parquet")]
    harmonize_cohort_step(str(spec_path), config, *map(str, paths))
    return paths


def test_harmonize_step_writes_all_four_outputs_reproducibly(tmp_path):
    rows = [["P1", "2", "10", "1"], ["P1", "2", "10", "1"], ["P2", "<1", "20", "0"]]
    first = [p.read_bytes() for p in step(tmp_path / "a", rows)]
    second = [p.read_bytes() for p in step(tmp_path / "b", rows)]
    assert first == second
    exclusions = pd.read_csv(tmp_path / "a" / "out" / "exclusions.tsv", sep="\t", dtype=str)
    assert exclusions[["source_file", "source_row", "reason"]].values.tolist() == [
        ["{data}/clinical.csv", "3", "duplicate_row"]
    ]
    patients = pd.read_parquet(tmp_path / "a" / "out" / "patients.parquet")
    assert len(patients) == 2 and "P1" not in patients.to_csv()


def test_harmonize_step_writes_nothing_on_error(tmp_path):
    with pytest.raises(HarmonizationError, match="negative follow-up"):
        step(tmp_path, [["P1", "2", "10", "1"], ["P2", "2", "-10", "1"]])
    assert not (tmp_path / "out").exists()


# SYNTHETIC raw ids a careless export could hold: quotes, commas, a tab, a formula start.
AWKWARD_IDS = ['P"1', '"P2"', "P,3", "P'4", "P;5\t6", "=P7"]


def test_text_with_quotes_reads_back_as_itself(tmp_path):
    frame = pd.DataFrame({'say "hi"': AWKWARD_IDS, "n": range(len(AWKWARD_IDS))})
    write_tsv(frame, tmp_path / "t.tsv")
    back = pd.read_csv(tmp_path / "t.tsv", sep="\t", dtype=str, keep_default_na=False)
    assert back.columns[0] == 'say "hi"'
    assert back.iloc[:, 0].tolist() == ['P"1', '"P2"', "P,3", "P'4", "P;5 6", "'=P7"]
    plain = pd.DataFrame({"a": ["x", None], "b": [0.1, np.nan]})
    write_tsv(plain, tmp_path / "plain.tsv")
    assert (tmp_path / "plain.tsv").read_text() == "a\tb\nx\t0.1\nNA\tNA\n"


def test_raw_ids_of_any_content_pass_harmonize_and_merge(tmp_path):
    """allow_raw_ids with awkward ids: each cohort's ledger is written and read back by the
    merge, which writes the patient table and the ledger again."""
    spec = base_spec(allow_raw_ids=True)
    spec["tables"]["clinical"]["path"] = "{data}/clinical.csv"
    rows = [[i, "2", "10", "1"] for i in AWKWARD_IDS] + [[AWKWARD_IDS[0], "2", "10", "1"]]
    # P8 has no follow-up: a ledger entry beside the duplicate row.
    spec_path = write_cohort(tmp_path / "in", spec, clinical(*rows, ["P8", "2", "", ""]))
    config = {
        "data_dirs": {"data": str(tmp_path / "in")},
        "vocabulary_dir": str(REPO / "resources" / "vocab"),
        "markers": [{"id": "il6"}],
        "endpoints": [{"id": "os"}],
    }
    cohort = [str(tmp_path / n) for n in ("p.parquet", "e.tsv", "f.json", "q.parquet")]
    harmonize_cohort_step(str(spec_path), config, *cohort)
    names = ("patients_tsv", "patients_parquet", "exclusions", "flow", "marker_qc")
    outputs = {n: str(tmp_path / "merged" / n) for n in (*names, "marker_values")}
    merge_harmonized_step([cohort[0]], [cohort[1]], [cohort[2]], [cohort[3]], config, outputs)
    patients = pd.read_csv(outputs["patients_tsv"], sep="\t", dtype=str, keep_default_na=False)
    assert len(patients) == len(AWKWARD_IDS)
    assert set(patients["patient_id"]) >= {'P"1', '"P2"', "P,3", "P'4"}
    ledger = pd.read_csv(outputs["exclusions"], sep="\t", dtype=str, keep_default_na=False)
    assert sorted(ledger["patient_id"]) == ['P"1', "P8"]


def test_a_full_disk_is_one_line_naming_the_output(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pcsv, "write_csv", full)
    target = tmp_path / "out" / "table.tsv"
    with pytest.raises(OutputError) as info:
        write_tsv(pd.DataFrame({"a": [1]}), target)
    assert (
        str(info.value)
        == f"file {str(target)!r}: cannot write the output: no space left on the device"
    )
    assert info.value.__suppress_context__ and list((tmp_path / "out").iterdir()) == []


def test_a_write_to_a_full_device_is_reported(tmp_path):
    """A real ENOSPC from the operating system (Linux's /dev/full)."""

    def to_full_device(tmp):
        with open("/dev/full", "wb") as handle:
            handle.write(b"x" * 100_000)

    if not os.path.exists("/dev/full"):
        pytest.fail("the test needs /dev/full (Linux)")
    with pytest.raises(OutputError, match="no space left"):
        write_atomic(tmp_path / "x.txt", to_full_device)


def test_an_arrow_error_message_of_a_full_disk_is_recognised(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError("Error writing bytes to file. Detail: [errno 28] No space left on device")

    monkeypatch.setattr(pq, "write_table", full)
    with pytest.raises(OutputError, match="no space left"):
        write_parquet(pd.DataFrame({"a": [1]}), tmp_path / "t.parquet")


def test_other_os_errors_are_not_disguised(tmp_path):
    with pytest.raises(IsADirectoryError), atomic_path(tmp_path / "t.txt") as tmp:
        raise IsADirectoryError(errno.EISDIR, "bug", str(tmp))


@pytest.fixture
def restored_logging():
    """run_logged configures the root logger for its job; the test process gets it back."""
    handlers, level = logging.root.handlers[:], logging.root.level
    yield
    for handler in logging.root.handlers:
        if handler not in handlers:
            handler.close()
    logging.root.handlers[:] = handlers
    logging.root.setLevel(level)
    logging.captureWarnings(False)


@pytest.mark.usefixtures("restored_logging")
def test_pipeline_steps_report_a_full_disk_without_a_traceback(tmp_path, monkeypatch, capsys):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pq, "write_table", full)
    with pytest.raises(SystemExit):
        run_logged(str(tmp_path / "step.log"), write_parquet, pd.DataFrame({"a": [1]}), "o.pq")
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'o.pq': cannot write the output: no space left" in err
    assert "Traceback" not in (tmp_path / "step.log").read_text()
