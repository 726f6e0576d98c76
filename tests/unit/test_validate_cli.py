"""``markersurv validate SPEC...``: exit status, and every problem of a spec in one pass."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from markersurv.cli import main
from tests.helpers_cohort import REPO, base_spec, clinical, write_cohort

CONFIG = {
    "vocabulary_dir": str(REPO / "resources" / "vocab"),
    "markers": [{"id": "il6"}, {"id": "pstat3"}],
    "endpoints": [{"id": "os"}],
}


def cli_args(tmp_path, *specs, extra=()) -> list[str]:
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(CONFIG))
    return [
        "validate",
        *map(str, specs),
        "--config",
        str(config),
        "--data-dir",
        f"data={tmp_path}",
        *extra,
    ]


def run_validate(tmp_path, *specs, extra=()) -> int:
    return main(cli_args(tmp_path, *specs, extra=extra))


def placeholder_spec(cohort="t1", **changes):
    spec = base_spec(cohort, **changes)
    for table in spec["tables"].values():
        table["path"] = "{data}/" + table["path"]
    return spec


def test_valid_spec_exits_zero_with_a_summary(tmp_path, capsys):
    spec_path = write_cohort(
        tmp_path,
        placeholder_spec(),
        clinical(["P1", "2", "10", "1"], ["P1", "2", "10", "1"], ["P2", "", "5", "0"]),
    )
    assert run_validate(tmp_path, spec_path) == 0
    out = capsys.readouterr().out
    # P2 has follow-up without IL-6: a patient, whose marker is missing
    assert "ok: 2 patients" in out and "excluded {'duplicate_row': 1}" in out


def test_headers_only_does_not_read_values(tmp_path, capsys):
    spec_path = write_cohort(tmp_path, placeholder_spec(), clinical(["P1", "x", "-1", "?"]))
    assert run_validate(tmp_path, spec_path, extra=["--headers-only"]) == 0
    assert capsys.readouterr().out.strip().endswith(": ok")
    assert run_validate(tmp_path, spec_path) == 1


def test_several_problems_reported_in_one_pass(tmp_path, capsys):
    spec = placeholder_spec(
        markers={
            "il6": {"column": "il6", "unit": "pg/dL"},
            "pstat3": {"table": "assay", "column": "pSTAT3", "scale": "h_score"},
        }
    )
    spec["tables"]["assay"] = {"path": "{data}/assay.csv", "id_column": "pid"}
    spec["endpoints"]["os"]["time"]["column"] = "OS_days"
    spec_path = write_cohort(tmp_path, spec, clinical(["P1", "2", "10", "1"]))
    assert run_validate(tmp_path, spec_path) == 1
    err = capsys.readouterr().err
    assert "INVALID" in err and "3 problems:" in err
    assert "no file matches '{data}/assay.csv'" in err
    assert "unknown unit or scale 'pg/dL'" in err and "Closest: 'pg/mL'" in err
    assert "column 'OS_days'" in err and "Closest: 'os_days'" in err


def test_schema_problems_all_at_once(tmp_path, capsys):
    spec = placeholder_spec(id="bad id", sex={"column": "sex", "mapping": {}})
    del spec["provenance"]
    spec_path = write_cohort(tmp_path, spec, clinical(["P1", "2", "10", "1"]))
    assert run_validate(tmp_path, spec_path) == 1
    err = capsys.readouterr().err
    assert "'provenance' is a required property" in err
    assert "at id:" in err and "at sex:" in err


def test_several_specs_each_reported(tmp_path, capsys):
    good = write_cohort(
        tmp_path / "good", placeholder_spec("good"), clinical(["P1", "2", "10", "1"])
    )
    bad_spec = placeholder_spec("bad")
    bad_spec["tables"]["clinical"]["path"] = "{data}/bad/clinical.csv"
    bad = write_cohort(tmp_path / "bad", bad_spec, {})
    assert run_validate(tmp_path / "good", good) == 0
    assert run_validate(tmp_path, bad, good) == 1
    captured = capsys.readouterr()
    assert f"{bad}: INVALID" in captured.err


@pytest.mark.parametrize("missing", ["spec", "data_dir"])
def test_missing_spec_file_or_placeholder(tmp_path, capsys, missing):
    spec_path = write_cohort(tmp_path, placeholder_spec(), clinical(["P1", "2", "10", "1"]))
    if missing == "spec":
        assert run_validate(tmp_path, tmp_path / "nope.yaml") == 1
        assert "file not found" in capsys.readouterr().err
    else:
        text = spec_path.read_text().replace("{data}", "{elsewhere}")
        spec_path.write_text(text)
        assert run_validate(tmp_path, spec_path) == 1
        assert "placeholder {elsewhere} is not defined" in capsys.readouterr().err


def test_the_installed_command(tmp_path):
    """The same check through the command line a user types, in a fresh process."""
    spec = placeholder_spec(markers={"il6": {"column": "IL-6", "unit": "pg/dL"}})
    spec["tables"]["assay"] = {"path": "{data}/assay.csv", "id_column": "pid"}
    spec_path = write_cohort(tmp_path, spec, clinical(["P1", "2", "10", "1"]))
    good = write_cohort(tmp_path / "good", placeholder_spec(), clinical(["P1", "2", "10", "1"]))
    done = subprocess.run(
        [sys.executable, "-m", "markersurv.cli", *cli_args(tmp_path, spec_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "2 problems:" in done.stderr and "Traceback" not in done.stderr
    assert "no file matches" in done.stderr and "'pg/dL'" in done.stderr
    ok = subprocess.run(
        [sys.executable, "-m", "markersurv.cli", *cli_args(tmp_path / "good", good)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0 and ok.stdout.strip().endswith("1 patients, excluded 0")


def test_without_a_config_the_spec_names_its_markers_and_endpoints(tmp_path, capsys):
    # No marker or endpoint is assumed: a spec that maps PFS only is validated for PFS (an
    # assumed OS would leave every patient without follow-up).
    pfs = {"time": {"column": "os_days", "unit": "days"}, "event": {"column": "os_status"}}
    spec_path = write_cohort(
        tmp_path,
        placeholder_spec(endpoints={"pfs": pfs}),
        clinical(["P1", "2", "10", "1"], ["P2", "3", "5", "0"]),
    )
    args = [
        "validate",
        str(spec_path),
        "--config",
        str(tmp_path / "absent.yaml"),
        "--data-dir",
        f"data={tmp_path}",
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "ok: 2 patients" in out


def test_two_specs_with_one_cohort_id_are_refused(tmp_path, capsys):
    first = write_cohort(tmp_path / "a", placeholder_spec("same"), {})
    second = write_cohort(tmp_path / "b", placeholder_spec("same"), {})
    write_cohort(tmp_path, placeholder_spec("same"), clinical(["P1", "2", "10", "1"]))
    assert run_validate(tmp_path, first, second) == 1
    captured = capsys.readouterr()
    assert f"{first}: ok" in captured.out
    assert f"{second}: INVALID" in captured.err
    assert "cohort id 'same' is used by two specs" in captured.err and str(first) in captured.err


def test_header_only_table_is_invalid_not_zero_patients(tmp_path, capsys):
    spec_path = write_cohort(tmp_path, placeholder_spec(), clinical())
    assert run_validate(tmp_path, spec_path) == 1
    captured = capsys.readouterr()
    assert "0 patients" not in captured.out
    assert "file '{data}/clinical.csv': the table has no data rows" in captured.err


def test_every_record_excluded_is_invalid(tmp_path, capsys):
    spec_path = write_cohort(
        tmp_path, placeholder_spec(), clinical(["P1", "", "10", ""], ["P2", "2", "", ""])
    )
    assert run_validate(tmp_path, spec_path) == 1
    err = capsys.readouterr().err
    assert "no patient is left" in err
    assert "'no_follow_up': 2" in err
