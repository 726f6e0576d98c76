"""The exclusions ledger and the patient-flow counts (REMARK flow diagram).

Every source record ends in exactly one place: the patient table (``included``) or this
ledger with a reason code. ``flow`` holds the counts per table, per reason and per cancer
type; its totals equal the two tables, which tests check for every cohort.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

REASONS = {
    "blank_row": "row holds no values",
    "missing_id": "patient id cell is blank",
    "sample_type_excluded": "sample type outside the kept range (for example normal tissue)",
    "duplicate_row": "exact repeat of an earlier row of the same patient",
    "replicate_merged": "replicate of the same patient, averaged into the patient's value",
    "not_in_primary_table": "patient absent from the cohort's primary (clinical) table",
    "missing_cancer_type": "cancer type missing",
    "impossible_date_sequence": "an event or last contact dated before diagnosis",
    "date_after_run_date": "a date later than the day of the run",
    "follow_up_beyond_lifetime": "follow-up longer than a human life (120 years)",
    "event_after_death": "a progression, recurrence or other event after the patient's death",
    "entry_after_follow_up": "delayed entry at or after the end of an endpoint's follow-up",
    "no_follow_up": "no endpoint with both time and status",
}
EXCLUSION_COLUMNS = [
    "cohort",
    "source_file",
    "source_row",
    "table",
    "reason",
    "detail",
    "patient_id",
    "cancer_type",
]


@dataclass
class Ledger:
    """Collects exclusions of one cohort as they happen."""

    cohort: str
    public_ids: Callable[[pd.Series], pd.Series]
    parts: list[pd.DataFrame] = field(default_factory=list)

    def exclude(
        self,
        table: str,
        records: pd.DataFrame,
        reason: str,
        detail,
        patient_ids=None,
        cancer_types=None,
    ) -> None:
        """Record ``records`` (rows of a read table) as excluded for ``reason``.

        ``patient_ids`` are normalized source ids; they are pseudonymized before they are kept.
        """
        if reason not in REASONS:
            raise ValueError(f"unknown exclusion reason {reason!r}")
        if records.empty:
            return
        n = len(records)
        part = pd.DataFrame(
            {
                "cohort": self.cohort,
                "source_file": records["__file__"].to_numpy(),
                "source_row": records["__row__"].to_numpy(),
                "table": table,
                "reason": reason,
                "detail": detail if isinstance(detail, str) else np.asarray(detail, dtype=object),
                "patient_id": ""
                if patient_ids is None
                else self.public_ids(pd.Series(np.asarray(patient_ids, dtype=object))).to_numpy(),
                "cancer_type": ""
                if cancer_types is None
                else np.asarray(cancer_types, dtype=object),
            },
            index=range(n),
        )
        self.parts.append(part)

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=EXCLUSION_COLUMNS)
        return pd.concat(self.parts, ignore_index=True)[EXCLUSION_COLUMNS]


def count_by(values: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in sorted(values.value_counts().items())}


def build_flow(
    cohort: str,
    synthetic: bool,
    records_per_table: dict[str, dict],
    exclusions: pd.DataFrame,
    patients: pd.DataFrame,
    markers: list[str],
    endpoints: list[str],
) -> dict:
    """Counts per table and per cancer type; totals match the patient table and the ledger."""
    tables = {}
    for name, info in records_per_table.items():
        excluded = exclusions[exclusions["table"] == name]
        tables[name] = {
            "files": info["files"],
            "records": info["records"],
            "included": info["records"] - len(excluded),
            "excluded": count_by(excluded["reason"]),
        }
        if "sample_types" in info:
            tables[name]["sample_types"] = info["sample_types"]
    primary = next(iter(records_per_table))
    primary_excluded = exclusions[exclusions["table"] == primary]
    by_type = {}
    types = sorted(set(patients["cancer_type"]) | set(primary_excluded["cancer_type"]))
    for code in types:
        rows = patients[patients["cancer_type"] == code]
        excluded = primary_excluded[primary_excluded["cancer_type"] == code]
        by_type[code or "unknown"] = {
            "records": len(rows) + len(excluded),
            "included": len(rows),
            "excluded": count_by(excluded["reason"]),
            "with_marker": {m: int(rows[m].notna().sum()) for m in markers},
            "below_lod": {m: int(rows[f"{m}_below_lod"].sum()) for m in markers},
            "endpoints": {
                e: {
                    "n": int(rows[f"{e}_time"].notna().sum()),
                    "events": int(rows[f"{e}_event"].sum()),
                }
                for e in endpoints
            },
        }
    return {
        "cohort": cohort,
        "synthetic": synthetic,
        "tables": tables,
        "patients": len(patients),
        "by_cancer_type": by_type,
        "reasons": {k: v for k, v in REASONS.items() if k in set(exclusions["reason"])},
    }
