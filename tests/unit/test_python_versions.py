"""requires-python admits the Pythons the lock was shown to resolve for (make check-lock),
and its cap names the pin that causes it."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib

from packaging.specifiers import SpecifierSet

from tests.unit.test_environment import lock_pins
from tools.check_lock import admitted_versions

# Resolved with tools/check_lock.py against the package index, wheels only.
VERIFIED = ["3.11", "3.12", "3.13"]
CAP = re.compile(r"# Capped below 3\.(\d+): (\S+) (\S+) \(required by \S+\) has no wheel")


def pyproject(repo_dir) -> str:
    return (repo_dir / "pyproject.toml").read_text()


def requires_python(repo_dir) -> SpecifierSet:
    return SpecifierSet(tomllib.loads(pyproject(repo_dir))["project"]["requires-python"])


def test_requires_python_admits_exactly_the_verified_versions(repo_dir):
    assert admitted_versions() == VERIFIED
    assert [v for v in ("3.10", *VERIFIED, "3.14") if v in requires_python(repo_dir)] == VERIFIED


def test_the_cap_names_its_pin_as_locked(repo_dir):
    (minor, name, version) = CAP.search(pyproject(repo_dir)).groups()
    assert f"3.{minor}" not in requires_python(repo_dir)
    assert f"3.{int(minor) - 1}" in requires_python(repo_dir)
    # A new pin of it may lift the cap: run make check-lock and move the cap with it.
    assert lock_pins(repo_dir)[name] == version


def test_every_pin_admits_every_verified_python(repo_dir):
    refusing = []
    for name, version in lock_pins(repo_dir).items():
        metadata = importlib.metadata.metadata(name)
        assert metadata["Version"] == version, name
        allowed = SpecifierSet(metadata.get("Requires-Python") or "")
        refusing += [f"{name} {version}: {v}" for v in VERIFIED if v not in allowed]
    assert not refusing
