"""Run an R reference script on data frames and read its JSON answer.

R scripts live in ``tests/r/``. Each reads the CSV files named on its command line
(in the order the inputs are given), writes one JSON object to the last argument,
and uses only the Debian-packaged survival, maxstat, metafor and jsonlite.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

R_DIR = Path(__file__).resolve().parent / "r"


def rscript_or_skip() -> str:
    exe = shutil.which("Rscript")
    if exe is None:
        pytest.skip("Rscript not installed: R reference comparisons need r-base-core")
    return exe


def run_r(script: str, inputs: dict[str, pd.DataFrame], workdir: Path, *args: str) -> dict:
    """Write ``inputs`` as CSV, run ``tests/r/<script>`` on them, return the parsed JSON."""
    exe = rscript_or_skip()
    paths = []
    for name, frame in inputs.items():
        path = workdir / f"{name}.csv"
        frame.to_csv(path, index=False)
        paths.append(str(path))
    out = workdir / f"{Path(script).stem}.json"
    cmd = [exe, "--vanilla", str(R_DIR / script), *args, *paths, str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"R script {script} failed:\n{proc.stderr}")
    return json.loads(out.read_text())
