"""Hostile YAML: oversized files, alias bombs, recursive aliases and deep nesting stop with
a one-line error naming the file, before the document is built."""

from __future__ import annotations

import pytest
import yaml

from markersurv.cohort.spec import MAX_YAML_BYTES, load_cohort_spec, read_yaml
from markersurv.errors import CohortSpecError, ConfigError
from tests.helpers_cohort import base_spec, clinical, write_cohort


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """Each level a list of ``width`` aliases of the level before: width**levels strings."""
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def spec_text(tmp_path) -> str:
    write_cohort(tmp_path, base_spec(), clinical(["P1", "2", "10", "1"]))
    return (tmp_path / "spec.yaml").read_text()


def test_alias_bomb_under_an_allowed_key_is_refused_naming_the_file(tmp_path):
    text = spec_text(tmp_path).replace("description: test cohort", "description: *l8")
    (tmp_path / "spec.yaml").write_text(alias_bomb() + text)
    with pytest.raises(CohortSpecError, match="expands to too many values") as info:
        load_cohort_spec(tmp_path / "spec.yaml", {}, tmp_path)
    assert info.value.problems[0].where.file == str(tmp_path / "spec.yaml")


def test_a_few_aliases_are_fine(tmp_path):
    text = spec_text(tmp_path)
    (tmp_path / "spec.yaml").write_text("shared: &d test cohort\n" + text)
    (tmp_path / "small.yaml").write_text(alias_bomb(3, 3))
    assert read_yaml(tmp_path / "small.yaml") == yaml.safe_load(alias_bomb(3, 3))
    assert read_yaml(tmp_path / "spec.yaml")["shared"] == "test cohort"


def test_recursive_alias_is_refused(tmp_path):
    (tmp_path / "spec.yaml").write_text("description: &loop [*loop]\n")
    with pytest.raises(CohortSpecError, match="refers to the node that contains it"):
        read_yaml(tmp_path / "spec.yaml")


def test_deep_nesting_is_refused(tmp_path):
    (tmp_path / "spec.yaml").write_text("[" * 50_000 + "]" * 50_000)
    with pytest.raises(CohortSpecError, match="nested too deeply"):
        read_yaml(tmp_path / "spec.yaml")


def test_oversized_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text("description: '" + "x" * MAX_YAML_BYTES + "'\n")
    with pytest.raises(ConfigError, match="too large") as info:
        read_yaml(path, ConfigError)
    assert "xxxx" not in str(info.value)


def test_a_folder_is_not_a_spec(tmp_path):
    with pytest.raises(CohortSpecError, match="not a file"):
        read_yaml(tmp_path)
