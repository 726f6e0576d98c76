"""Specs read strictly: a key given twice, a merge key, or an anchor or alias reaching a
privacy setting is an error naming the file and the lines; other anchors keep working."""

from __future__ import annotations

import pytest
import yaml

from markersurv.cli import main
from markersurv.cohort.spec import load_cohort_spec, read_yaml
from markersurv.errors import CohortSpecError, ConfigError
from tests.helpers_cohort import REPO, base_spec, clinical, write_cohort

CONFIG = {
    "vocabulary_dir": str(REPO / "resources" / "vocab"),
    "markers": [{"id": "il6"}],
    "endpoints": [{"id": "os"}],
}


def spec_file(tmp_path, text: str):
    """A valid cohort written to tmp_path, its spec then replaced by ``text`` (a spec whose
    lines the test writes, so it knows them)."""
    write_cohort(tmp_path, base_spec(), clinical(["P1", "2", "10", "1"], ["P2", "3", "20", "0"]))
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    return path


SPEC = """\
id: t1
description: test cohort
provenance: written by the test
tables:
  clinical: {path: clinical.csv, id_column: pid}
cancer_type: {constant: BRCA}
markers:
  il6: {column: il6, unit: pg/mL}
endpoints:
  os:
    time: {column: os_days, unit: days}
    event: {column: os_status}
"""


def problems(path, error=CohortSpecError) -> list[str]:
    """The messages of the error reading ``path`` (a spec, or with ConfigError a config)."""
    with pytest.raises(error) as info:
        if error is CohortSpecError:
            load_cohort_spec(path, {}, path.parent)
        else:
            read_yaml(path, error)
    for problem in info.value.problems:
        assert problem.where.file == str(path)
    return [p.message for p in info.value.problems]


def test_a_key_given_twice_names_both_lines_and_never_lets_the_last_win(tmp_path):
    path = spec_file(tmp_path, SPEC + "allow_raw_ids: false\nallow_raw_ids: true\n")
    assert problems(path) == ["lines 13 and 14: key 'allow_raw_ids' is given twice in one mapping"]


def test_a_key_given_twice_in_a_nested_mapping(tmp_path):
    text = SPEC.replace("il6: {column: il6, unit: pg/mL}", "il6: {column: il6, column: x}")
    path = spec_file(tmp_path, text)
    assert problems(path) == ["lines 8 and 8: key 'column' is given twice in one mapping"]


def test_keys_equal_once_read_are_the_same_key(tmp_path):
    """`1` and `1.0` (or `true`) become one Python key: the last would win."""
    path = spec_file(tmp_path, SPEC + "identifiers:\n  1: drop\n  1.0: keep\n")
    assert problems(path) == ["lines 14 and 15: key '1.0' is given twice in one mapping"]


def test_merge_keys_are_refused(tmp_path):
    text = SPEC.replace("markers:\n", "x-shared: &unit {unit: pg/mL}\nmarkers:\n").replace(
        "il6: {column: il6, unit: pg/mL}", "il6: {<<: *unit, column: il6}"
    )
    path = spec_file(tmp_path, text)
    assert problems(path) == ["line 9: merge keys (`<<`) are not allowed"]


@pytest.mark.parametrize(
    ("extra", "where"),
    [
        ("ids: &ids {name: keep}\nidentifiers: *ids\n", "line 14: alias 'ids' at identifiers"),
        ("yes_: &yes true\nallow_raw_ids: *yes\n", "line 14: alias 'yes' at allow_raw_ids"),
        ("identifiers: {name: &k keep}\n", "line 13: anchor 'k' at identifiers.name"),
        ("identifiers:\n  email: drop\n  notes: &d drop\n", "line 15: anchor 'd' at identifiers"),
    ],
)
def test_no_privacy_setting_arrives_by_an_alias(tmp_path, extra, where):
    messages = problems(spec_file(tmp_path, SPEC + extra))
    assert any(m.startswith(where) and "reaches a privacy setting" in m for m in messages)


def test_an_alias_standing_for_a_table_with_its_id_column_is_refused(tmp_path):
    text = SPEC.replace("clinical: {path", "clinical: &t {path")
    text = text.replace("cancer_type:", "  again: *t\ncancer_type:")
    messages = problems(spec_file(tmp_path, text))
    assert messages == ["line 6: alias 't' at tables.again reaches a privacy setting"]


def test_an_alias_as_a_key_at_the_top_level_is_refused(tmp_path):
    """The key could be allow_raw_ids itself."""
    text = "note: &k allow_raw_ids\n" + SPEC + "*k : true\n"
    assert any("alias 'k' at the top level" in m for m in problems(spec_file(tmp_path, text)))


def test_anchors_and_aliases_elsewhere_keep_working(tmp_path):
    text = SPEC.replace("description: test cohort", "description: &d test cohort").replace(
        "provenance: written by the test", "provenance: *d"
    )
    text = text.replace("unit: days}", "unit: &days days}")
    spec = load_cohort_spec(spec_file(tmp_path, text), {}, tmp_path)
    assert spec.provenance == "test cohort" and spec.endpoints["os"].time.unit == "days"


def test_the_shipped_tcga_spec_shares_its_id_normalizer(tmp_path):
    raw = read_yaml(REPO / "config" / "cohorts" / "tcga.yaml")
    normalizers = [t.get("id_normalizer") for t in raw["tables"].values()]
    shared = [n for n in normalizers if n is not None]
    assert len(shared) >= 2 and all(n == shared[0] for n in shared)


def test_every_shipped_yaml_reads_strictly():
    for path in sorted((REPO / "config").glob("**/*.yaml")):
        read_yaml(path, ConfigError if path.parent.name == "config" else CohortSpecError)


def test_the_config_read_by_validate_is_strict_too(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("markers: []\nendpoints: []\nmarkers: [{id: il6}]\n")
    assert problems(path, ConfigError) == [
        "lines 1 and 3: key 'markers' is given twice in one mapping"
    ]
    path.write_text("k: &k {key_env: X}\npseudonymization: *k\n")
    assert problems(path, ConfigError)[0].startswith("line 2: alias 'k' at pseudonymization")
    path.write_text("home: &h /home\ndata_dirs: {site: *h}\n")
    assert problems(path, ConfigError)[0].startswith("line 2: alias 'h' at data_dirs.site")


def test_validate_reports_them_without_a_traceback(tmp_path, capsys):
    path = spec_file(tmp_path, SPEC + "allow_raw_ids: false\nallow_raw_ids: true\n")
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(CONFIG))
    assert main(["validate", str(path), "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert f"{path}: INVALID" in err and "lines 13 and 14: key 'allow_raw_ids'" in err
    assert "Traceback" not in err
