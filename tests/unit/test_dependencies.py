"""Runtime requirements are what the library imports; test tools are an extra."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2] / "src" / "markersurv"
# Distribution name -> the module the library imports.
IMPORT_NAMES = {"pyyaml": "yaml", "scikit-learn": "sklearn"}
# Needed at run time without a library import: the workflow engine that runs the rules.
NOT_IMPORTED = {"snakemake": "runs the workflow"}


def requirement_name(requirement: str) -> str:
    return re.split(r"[\[<>=!~ ;]", requirement, maxsplit=1)[0].lower()


def library_imports() -> set[str]:
    found = set()
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found


def test_every_runtime_requirement_is_imported_by_the_library(repo_dir):
    project = tomllib.loads((repo_dir / "pyproject.toml").read_text())["project"]
    imported = library_imports()
    unused = [
        name
        for name in map(requirement_name, project["dependencies"])
        if name not in NOT_IMPORTED and IMPORT_NAMES.get(name, name) not in imported
    ]
    assert not unused, f"runtime requirements the library never imports: {unused}"


def test_test_tools_are_an_extra(repo_dir):
    project = tomllib.loads((repo_dir / "pyproject.toml").read_text())["project"]
    runtime = set(map(requirement_name, project["dependencies"]))
    dev = set(map(requirement_name, project["optional-dependencies"]["dev"]))
    assert {"pytest", "lifelines"} <= dev
    assert not runtime & dev
