"""`markersurv --version` and the version the package declares."""

from __future__ import annotations

import tomllib

import pytest

import markersurv
from markersurv.cli import main


def test_version_flag_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"markersurv {markersurv.__version__}"


def test_package_version_matches_pyproject(repo_dir):
    project = tomllib.loads((repo_dir / "pyproject.toml").read_text())["project"]
    assert project["version"] == markersurv.__version__
    assert project["license"] == "MIT"
    assert (repo_dir / "LICENSE").read_text().startswith("MIT License")
