"""Combine harmonized cohorts into the canonical patient table, the ledger and the flow."""

from __future__ import annotations

import numpy as np
import pandas as pd

from markersurv.harmonize.ledger import EXCLUSION_COLUMNS


def merge_patients(parts: list[pd.DataFrame]) -> pd.DataFrame:
    patients = pd.concat(parts, ignore_index=True)
    return patients.sort_values(
        ["cohort", "cancer_type", "patient_id"], kind="mergesort"
    ).reset_index(drop=True)


def merge_exclusions(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=EXCLUSION_COLUMNS)
    return pd.concat(parts, ignore_index=True)[EXCLUSION_COLUMNS]


def merge_flow(flows: list[dict], markers: list[str], endpoints: list[str]) -> dict:
    """Per-cohort flows plus totals per cancer type across cohorts."""
    flows = sorted(flows, key=lambda f: f["cohort"])
    totals: dict[str, dict] = {}
    for flow in flows:
        for code, counts in flow["by_cancer_type"].items():
            total = totals.setdefault(
                code,
                {
                    "cohorts": [],
                    "records": 0,
                    "included": 0,
                    "excluded": {},
                    "with_marker": dict.fromkeys(markers, 0),
                    "below_lod": dict.fromkeys(markers, 0),
                    "endpoints": {e: {"n": 0, "events": 0} for e in endpoints},
                },
            )
            total["cohorts"].append(flow["cohort"])
            total["records"] += counts["records"]
            total["included"] += counts["included"]
            for reason, n in counts["excluded"].items():
                total["excluded"][reason] = total["excluded"].get(reason, 0) + n
            for m in markers:
                total["with_marker"][m] += counts["with_marker"][m]
                total["below_lod"][m] += counts["below_lod"][m]
            for e in endpoints:
                for k in ("n", "events"):
                    total["endpoints"][e][k] += counts["endpoints"][e][k]
    for total in totals.values():
        total["excluded"] = dict(sorted(total["excluded"].items()))
    reasons = {}
    for flow in flows:
        reasons.update(flow["reasons"])
    return {
        "cohorts": flows,
        "by_cancer_type": dict(sorted(totals.items())),
        "patients": sum(f["patients"] for f in flows),
        "records": sum(t["records"] for f in flows for t in f["tables"].values()),
        "excluded": sum(sum(t["excluded"].values()) for f in flows for t in f["tables"].values()),
        "reasons": dict(sorted(reasons.items())),
    }


def marker_qc_summary(qc: pd.DataFrame) -> pd.DataFrame:
    """Per cohort, cancer type, marker and scale: the unit or scale the values were recorded
    in, n, detection-limit fraction, distribution of values as written (source unit) and
    after harmonization."""
    rows = []
    for (cohort, cancer_type, marker, scale, source_unit), g in qc.groupby(
        ["cohort", "cancer_type", "marker", "scale", "source_unit"], sort=True
    ):
        rows.append(
            {
                "cohort": cohort,
                "cancer_type": cancer_type,
                "marker": marker,
                "scale": scale,
                "source_unit": source_unit,
                "n": len(g),
                "n_below_lod": int(g["below_lod"].sum()),
                "fraction_below_lod": float(g["below_lod"].mean()),
                **{
                    f"source_{q}": float(np.nanquantile(g["source_value"], p))
                    if g["source_value"].notna().any()
                    else np.nan
                    for q, p in (("min", 0), ("median", 0.5), ("max", 1))
                },
                **{
                    f"harmonized_{q}": float(np.nanquantile(g["value"], p))
                    if g["value"].notna().any()
                    else np.nan
                    for q, p in (("min", 0), ("median", 0.5), ("max", 1))
                },
            }
        )
    return pd.DataFrame(rows)
