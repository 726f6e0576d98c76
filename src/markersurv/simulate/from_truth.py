"""``markersurv simulate``: write synthetic cohorts and their specs from a stated truth file.

The truth file (YAML) states, per cohort, the cancer type, size, seed, true log hazard
ratios, baseline, censoring, population and how the export is messy. Regenerating from
the same truth file gives byte-identical files. The simulation itself lives in
``markersurv.simulate.core`` (``simulate_patients``, ``simulate_replicate``), the messy
writers in ``markersurv.simulate.export`` and the cohort assembly in
``markersurv.simulate.cohort``; this module only reads the truth file and writes files.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from markersurv.errors import ConfigError
from markersurv.simulate.cohort import build_cohort
from markersurv.simulate.core import (
    Baseline,
    Censoring,
    CohortDesign,
    Population,
    simulate_patients,
    simulate_replicate,
)
from markersurv.simulate.spec import spec_yaml
from markersurv.simulate.truth import CohortTruth, parse_cohort

__all__ = [
    "Baseline",
    "Censoring",
    "CohortDesign",
    "Population",
    "add_arguments",
    "load_truth",
    "run",
    "simulate_from_truth",
    "simulate_patients",
    "simulate_replicate",
]


def load_truth(truth_path: str | Path) -> tuple[dict, list[CohortTruth]]:
    """Read and check a truth file: its header (``command``, ``data_dir``) and cohorts.

    Raises
    ------
    ConfigError
        When the file is not a mapping with ``command``, ``data_dir`` and ``cohorts``, or
        a cohort entry is invalid (every problem of that cohort at once).
    """
    path = Path(truth_path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError.at(f"cannot read the truth file: {error}", file=str(path)) from error
    if not isinstance(document, dict) or not {"command", "data_dir", "cohorts"} <= set(document):
        raise ConfigError.at(
            "not a truth file",
            file=str(path),
            expected="a mapping with keys command, data_dir and cohorts",
            found=repr(sorted(document)) if isinstance(document, dict) else type(document).__name__,
        )
    cohorts = [parse_cohort(cid, entry, str(path)) for cid, entry in document["cohorts"].items()]
    return document, cohorts


def simulate_from_truth(
    truth_path: str | Path, out_dir: str | Path, specs_dir: str | Path | None = None
) -> list[Path]:
    """Write every cohort's files under ``out_dir`` and its spec under ``specs_dir``.

    Data files go to ``out_dir/<export dir>/``; specs to ``specs_dir/<cohort id>.yaml``
    (default ``out_dir/specs``). Returns the paths written, data files first.
    """
    document, cohorts = load_truth(truth_path)
    out_dir = Path(out_dir)
    specs_dir = out_dir / "specs" if specs_dir is None else Path(specs_dir)
    written: list[Path] = []
    specs: dict[str, bytes] = {}
    for truth in cohorts:
        try:
            files, spec = build_cohort(truth, document["command"], document["data_dir"])
        except KeyError as error:
            raise ConfigError.at(
                f"the export settings lack the key {error}",
                cohort=truth.design.cohort_id,
                file=str(truth_path),
                hint="See the export of the cohorts in resources/demo/truth.yaml",
            ) from error
        for relative, content in files.items():
            target = out_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            written.append(target)
        specs[truth.design.cohort_id] = spec_yaml(spec, document["command"])
    specs_dir.mkdir(parents=True, exist_ok=True)
    for cohort_id, content in specs.items():
        target = specs_dir / f"{cohort_id}.yaml"
        target.write_bytes(content)
        written.append(target)
    return written


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``markersurv simulate``."""
    parser.add_argument(
        "--truth",
        required=True,
        type=Path,
        help="YAML truth file stating each cohort (e.g. resources/demo/truth.yaml)",
    )
    parser.add_argument(
        "--out",
        required=True,
        type=Path,
        help="folder receiving each cohort's data files (e.g. resources/demo)",
    )
    parser.add_argument(
        "--specs",
        type=Path,
        default=None,
        help="folder receiving the cohort specs (default OUT/specs)",
    )


def run(args: argparse.Namespace) -> int:
    """Write the cohorts and specs; print what was written."""
    for path in simulate_from_truth(args.truth, args.out, args.specs):
        print(path)
    return 0
