"""What the benchmarks against R share: fresh worker processes measured by the OS, minimum and
median over rounds, and the README section each benchmark rewrites."""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import tempfile
from pathlib import Path

README = Path(__file__).resolve().parent / "README.md"


def spawn_json(command: list[str]) -> dict:
    """Run a worker, wait for it with ``wait4`` (to read its own peak RSS) and parse the JSON
    object on the last line it prints; ``rss_mb`` is added from the OS."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(command, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode:
            raise RuntimeError(f"{command[0]} failed:\n{err.read()}")
        result = json.loads(out.read().strip().splitlines()[-1])
    result["rss_mb"] = usage.ru_maxrss / 1024
    return result


def min_median(runs: list[dict], key: str) -> tuple[float, float]:
    """Minimum and median of ``key`` over the rounds."""
    values = [run[key] for run in runs]
    return min(values), statistics.median(values)


def write_section(heading: str, text: str, path: Path = README) -> None:
    """Replace (or append) the section under ``## heading`` of the benchmarks README."""
    current = path.read_text() if path.exists() else "# Benchmarks\n\n"
    pattern = re.compile(
        rf"^## {re.escape(heading)}\n.*?(?=^## |\Z)", flags=re.MULTILINE | re.DOTALL
    )
    if pattern.search(current):
        updated = pattern.sub(lambda _: text + "\n", current)
    else:
        updated = current.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(updated.rstrip("\n") + "\n")
