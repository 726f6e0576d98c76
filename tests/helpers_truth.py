"""Helpers of the tests of ``markersurv simulate``'s designs: truth files of one demo cohort
with a design added (from the SYNTHETIC demo truth, resources/demo/truth.yaml, without its
planted errors, under a new id), the generating model's terms, and harmonizing an export.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from markersurv.simulate.core import REFERENCE_AGE


def demo_truth_with(
    repo_dir: Path,
    tmp_path: Path,
    cohort: str,
    new_id: str,
    design: dict[str, Any],
    exported: dict[str, str] | None = None,
) -> Path:
    """``truth.yaml`` in ``tmp_path`` holding demo ``cohort`` as ``new_id`` with the
    ``design`` keys (treatment, truncation, competing) set and the ``exported`` fields
    (field -> column name) added to its first table."""
    document = yaml.safe_load((repo_dir / "resources/demo/truth.yaml").read_text())
    entry = document["cohorts"][cohort]
    entry.update(design)
    table = next(iter(entry["export"]["tables"].values()))
    for field, column in (exported or {}).items():
        table["fields"].append(field)
        entry["export"]["columns"][field] = column
    entry.pop("planted", None)
    document["cohorts"] = {new_id: entry}
    path = tmp_path / "truth.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    return path


def generating_terms(table: pd.DataFrame) -> pd.DataFrame:
    """The five terms of the simulator's linear predictor (``TERMS``, in their order) as a
    simulated cohort's columns give them: the conditional model that is correctly specified."""
    return pd.DataFrame(
        {
            "il6": table["il6_z"],
            "pstat3": table["pstat3_z"],
            "age": table["age"] - REFERENCE_AGE,
            "male": (table["sex"] == "male").astype(float),
            "late_stage": (table["stage_group"] == "late").astype(float),
        }
    )


def harmonize_written(written: list[Path], out: Path, repo_dir: Path, settings) -> Any:
    """Harmonize the cohort ``simulate_from_truth`` wrote into ``out`` (its one spec)."""
    from markersurv.cohort.spec import load_cohort_spec
    from markersurv.cohort.vocab import Vocabulary
    from markersurv.harmonize.cohort import harmonize_cohort

    spec_path = next(p for p in written if p.suffix == ".yaml")
    vocab = Vocabulary.load(repo_dir / "resources" / "vocab")
    return harmonize_cohort(load_cohort_spec(spec_path, {"demo": str(out)}), vocab, settings)
