"""Specs stay inside their data: a table path that resolves (after symbolic links) outside
the config's data folders and the spec's own folder is refused, and the file is not read."""

from __future__ import annotations

import os

import pytest

from markersurv.cohort.spec import load_cohort_spec
from markersurv.errors import CohortSpecError
from tests.helpers_cohort import base_spec, clinical, harmonize_path, write_cohort, write_rows

ROWS = (["P1", "2", "10", "1"], ["P2", "3", "20", "0"])
# SYNTHETIC: a file outside the data folder standing for a system file; its first line must
# never appear in a message.
SECRET = "root:x:0:0:SYNTHETIC-SECRET-LINE"


@pytest.fixture
def outside(tmp_path):
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "passwd").write_text(SECRET + "\nsecond line\n")
    return folder / "passwd"


def spec_with_path(path: str) -> dict:
    return base_spec(tables={"clinical": {"path": path, "id_column": "pid"}})


def refused(spec_path, data_dirs=None) -> str:
    with pytest.raises(CohortSpecError) as info:
        load_cohort_spec(spec_path, data_dirs or {}, spec_path.parent)
    problem = info.value.problems[0]
    assert problem.where.file == str(spec_path) and problem.where.cohort == "t1"
    assert SECRET not in str(info.value)
    return str(info.value)


def test_parent_traversal_is_refused(tmp_path, outside):
    spec_path = write_cohort(tmp_path / "spec", spec_with_path("../elsewhere/passwd"), {})
    message = refused(spec_path)
    assert "tables.clinical.path '../elsewhere/passwd' leads outside the data folders" in message


def test_deep_traversal_and_absolute_paths_are_refused(tmp_path, outside):
    deep = "../" * 12 + str(outside).lstrip("/")
    for path in (deep, str(outside)):
        spec_path = write_cohort(tmp_path / "spec", spec_with_path(path), {})
        assert "leads outside the data folders" in refused(spec_path)


def test_traversal_out_of_a_placeholder_folder_is_refused(tmp_path, outside):
    data = tmp_path / "data"
    write_rows(data / "clinical.csv", clinical(*ROWS)["clinical"])
    spec_path = write_cohort(tmp_path / "spec", spec_with_path("{data}/../elsewhere/passwd"), {})
    assert "leads outside" in refused(spec_path, {"data": str(data)})


def test_symlink_to_a_file_outside_is_refused(tmp_path, outside):
    spec_path = write_cohort(tmp_path / "spec", spec_with_path("clinical.csv"), {})
    os.symlink(outside, tmp_path / "spec" / "clinical.csv")
    assert "symbolic links" in refused(spec_path)


def test_a_glob_refuses_only_its_escaping_files(tmp_path, outside):
    folder = tmp_path / "spec"
    spec_path = write_cohort(folder, spec_with_path("site_*.csv"), {"clinical": []})
    write_rows(folder / "site_a.csv", clinical(*ROWS)["clinical"])
    os.symlink(outside, folder / "site_b.csv")
    assert "(1 file(s) refused)" in refused(spec_path)


def test_files_in_a_data_folder_or_the_spec_folder_are_read(tmp_path):
    data = tmp_path / "data"
    write_rows(data / "clinical.csv", clinical(*ROWS)["clinical"])
    spec = write_cohort(tmp_path / "spec", spec_with_path("{data}/clinical.csv"), {})
    assert len(load_cohort_spec(spec, {"data": str(data)}, tmp_path).tables["clinical"].files) == 1
    local = write_cohort(tmp_path / "local", spec_with_path("clinical.csv"), clinical(*ROWS))
    assert len(harmonize_path(local).patients) == 2


def test_a_folder_declared_in_data_dirs_may_be_named_by_absolute_path(tmp_path):
    data = tmp_path / "data"
    write_rows(data / "clinical.csv", clinical(*ROWS)["clinical"])
    spec = write_cohort(tmp_path / "spec", spec_with_path(str(data / "clinical.csv")), {})
    assert load_cohort_spec(spec, {"archive": str(data)}, tmp_path).tables["clinical"].files
    # A symbolic link inside a declared folder to a file inside another one is fine too.
    os.symlink(data / "clinical.csv", tmp_path / "spec" / "linked.csv")
    spec = write_cohort(tmp_path / "spec", spec_with_path("linked.csv"), {})
    assert load_cohort_spec(spec, {"archive": str(data)}, spec.parent).tables["clinical"].files
