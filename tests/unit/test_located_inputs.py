"""A project that uses the workflow as a module reads its own config inputs and takes from
the workflow only what it lacks: the bundled vocabulary, the demo cohorts and their data."""

from __future__ import annotations

from pathlib import Path

import pytest

from markersurv.pipeline.workflow_inputs import located_inputs

CONFIG = {
    "cohorts": ["config/cohorts/demo_nsclc_a.yaml", "config/cohorts/own.yaml"],
    "data_dirs": {"demo": "resources/demo", "own": "data"},
    "vocabulary_dir": "resources/vocab",
}


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A using project holding its own spec and data folder, and nothing of the workflow's."""
    root = tmp_path / "project"
    (root / "config" / "cohorts").mkdir(parents=True)
    (root / "config" / "cohorts" / "own.yaml").write_text("id: own\n")
    (root / "data").mkdir()
    monkeypatch.chdir(root)
    return root


def test_what_the_project_lacks_comes_from_the_workflow(repo_dir, project):
    located = located_inputs(CONFIG, repo_dir)

    assert located == {
        "cohorts": [
            str(repo_dir / "config" / "cohorts" / "demo_nsclc_a.yaml"),
            "config/cohorts/own.yaml",
        ],
        "data_dirs": {"demo": str(repo_dir / "resources" / "demo"), "own": "data"},
        "vocabulary_dir": str(repo_dir / "resources" / "vocab"),
    }


def test_the_project_s_own_copy_wins(repo_dir, project):
    (project / "resources" / "vocab").mkdir(parents=True)

    assert located_inputs(CONFIG, repo_dir)["vocabulary_dir"] == "resources/vocab"


def test_a_run_in_the_workflow_folder_sees_its_config_unchanged(repo_dir, monkeypatch):
    monkeypatch.chdir(repo_dir)
    config = {**CONFIG, "cohorts": CONFIG["cohorts"][:1], "data_dirs": {"demo": "resources/demo"}}

    assert located_inputs(config, repo_dir) == config


def test_missing_everywhere_and_absolute_paths_stay_as_written(repo_dir, project, tmp_path):
    config = {
        "cohorts": ["config/cohorts/typo.yaml"],
        "data_dirs": {"elsewhere": str(tmp_path / "absent")},
        "vocabulary_dir": "vocab_typo",
    }

    assert located_inputs(config, repo_dir) == config
