"""Check that requirements.lock resolves, as it is, for each Python version pyproject admits.

For each version pip resolves the lock with dependencies for that interpreter
(``--python-version``), taking wheels only, and the packages it would install must be exactly
the lock's pins: a pin without a wheel for that Python, a pin whose Requires-Python excludes
it, or a dependency the lock lacks there all fail the check. Pins the package index offers
as source only are built into wheels on this machine first; a pure-Python one then serves
every version, one with compiled code does not and fails the versions it was not built for.

Usage: python tools/check_lock.py [VERSION ...]   (default: the minor versions pyproject's
requires-python admits). Needs the package index; run it with `make check-lock`.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
LOCK = REPO / "requirements.lock"
# The newest minor version a requires-python range is looked at up to.
NEWEST_MINOR = 20


def lock_pins() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text().splitlines():
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==(\S+)", line.strip())
        if match:
            pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


def admitted_versions() -> list[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    allowed = SpecifierSet(project["requires-python"])
    return [f"3.{minor}" for minor in range(NEWEST_MINOR + 1) if f"3.{minor}" in allowed]


def pip(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def resolve(version: str, wheels: Path, work: Path, *extra: str) -> subprocess.CompletedProcess:
    return pip(
        "install",
        "--dry-run",
        "--ignore-installed",
        "--quiet",
        *("--python-version", version, "--target", str(work / f"target-{version}")),
        *("--report", str(work / f"{version}.json"), "-r", str(LOCK), *extra),
        *(("--find-links", str(wheels)) if wheels.exists() else ()),
    )


def source_only_pins(work: Path) -> list[str]:
    """Pins the index has no wheel of at all (asked without dependencies, any Python)."""
    run = pip(
        *("install", "--dry-run", "--ignore-installed", "--no-deps", "--quiet"),
        *("--report", str(work / "any.json"), "-r", str(LOCK)),
    )
    if run.returncode != 0:
        sys.exit(f"the lock does not resolve on this Python:\n{run.stderr}")
    report = json.loads((work / "any.json").read_text())
    return [
        f"{item['metadata']['name']}=={item['metadata']['version']}"
        for item in report["install"]
        if not item["download_info"]["url"].endswith(".whl")
    ]


def check(version: str, wheels: Path, work: Path) -> str | None:
    """None if the lock resolves to itself for this Python, else what is wrong."""
    run = resolve(version, wheels, work, "--only-binary=:all:")
    if run.returncode != 0:
        errors = [line for line in run.stderr.splitlines() if line.startswith("ERROR")]
        return "; ".join(errors) or run.stderr.strip()
    report = json.loads((work / f"{version}.json").read_text())
    resolved = {
        canonicalize_name(item["metadata"]["name"]): item["metadata"]["version"]
        for item in report["install"]
    }
    pins = lock_pins()
    added = sorted(set(resolved) - set(pins))
    changed = sorted(name for name in pins if resolved.get(name) != pins[name])
    if added or changed:
        return f"not the lock: adds {added}, differs in {changed}"
    return None


def main(versions: list[str]) -> int:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        source_only = source_only_pins(work)
        if source_only:
            built = pip("wheel", "--no-deps", "--quiet", "-w", str(work / "wheels"), *source_only)
            if built.returncode != 0:
                sys.exit(f"building wheels of {source_only} failed:\n{built.stderr}")
            print(f"source-only pins, built into wheels here: {', '.join(source_only)}")
        failed = 0
        for version in versions:
            problem = check(version, work / "wheels", work)
            if problem:
                failed += 1
                print(f"Python {version}: FAILS: {problem}")
            else:
                print(f"Python {version}: the lock resolves to its {len(lock_pins())} pins")
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or admitted_versions()))
