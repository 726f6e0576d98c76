"""What the benchmarks against R share: fresh worker processes measured by the OS, minimum and
median over rounds, and the README section each benchmark rewrites."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

README = Path(__file__).resolve().parent / "README.md"
SIZES = [100_000, 1_000_000]
ROUNDS = 5


def arguments(description: str, worker: Sequence[str], argv=None) -> argparse.Namespace:
    """``--sizes``, ``--rounds``, ``--no-readme`` and the hidden ``--worker`` (its
    ``worker`` values) of a benchmark against R."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--sizes", type=int, nargs="+", default=SIZES)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--no-readme", action="store_true", help="print only")
    parser.add_argument(
        "--worker", nargs=len(worker), metavar=tuple(worker), help=argparse.SUPPRESS
    )
    return parser.parse_args(argv)


def command_line(script: str, args: argparse.Namespace) -> str:
    """The command that reproduces a run: the script with the options that were not the
    defaults."""
    command = f"python benchmarks/{script}"
    if args.sizes != SIZES:
        command += " --sizes " + " ".join(map(str, args.sizes))
    if args.rounds != ROUNDS:
        command += f" --rounds {args.rounds}"
    return command


def machine_line(command: str, load: tuple[float, float]) -> str:
    """The command, the date, the machine and its load: the first line of a section."""
    import numpy as np

    return (
        f"`{command}` on {datetime.date.today().isoformat()}; {platform.machine()}, Python "
        f"{platform.python_version()}, numpy {np.__version__}; one thread for every library; "
        f"{os.cpu_count()} cores, load average {load[0]:.1f} at the start and {load[1]:.1f} "
        "at the end."
    )


def publish(heading: str, text: str, args: argparse.Namespace) -> None:
    """Print a section and, unless ``--no-readme``, write it into the README."""
    print(text)
    if not args.no_readme:
        write_section(heading, text)


def progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


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


def interleaved(ours: list[str], theirs: list[str], rounds: int) -> tuple[list, list]:
    """A warm-up round (discarded), then ``rounds`` rounds of one fresh process of each side,
    ours first (ABAB); each side's results in round order."""
    first, second = [], []
    for k in range(rounds + 1):
        a, b = spawn_json(ours), spawn_json(theirs)
        if k:
            first.append(a)
            second.append(b)
    return first, second


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
