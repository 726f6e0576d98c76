"""Truth files of one demo cohort with a design added, for tests of ``markersurv simulate``.

The cohort comes from the SYNTHETIC demo truth (resources/demo/truth.yaml), without its
planted errors, under a new id.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


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
