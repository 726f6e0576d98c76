"""The patient-flow section of the narrative page: records, exclusions and patients per
cohort table and per cancer type, and the sample types each cohort kept."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

import pandas as pd


def count(n: int, below: int | None) -> str:
    """A count as text, ``<k`` when it is under the configured k (shareable reports)."""
    return f"<{below}" if below and 0 < int(n) < below else str(int(n))


def flow_frame(flow: dict, below: int | None = None) -> pd.DataFrame:
    rows = []
    for cohort in flow["cohorts"]:
        for table, counts in cohort["tables"].items():
            reasons = (
                "; ".join(f"{k}: {count(v, below)}" for k, v in counts["excluded"].items()) or "-"
            )
            rows.append(
                {
                    "cohort": cohort["cohort"],
                    "table": table,
                    "records": count(counts["records"], below),
                    "included": count(counts["included"], below),
                    "excluded (reason: n)": reasons,
                }
            )
    return pd.DataFrame(rows)


def type_frame(flow: dict, endpoints, below: int | None = None) -> pd.DataFrame:
    rows = []
    for code, counts in flow["by_cancer_type"].items():
        row = {
            "cancer type": code,
            "cohorts": ", ".join(counts["cohorts"]),
            "records": count(counts["records"], below),
            "patients": count(counts["included"], below),
        }
        for marker, n in counts["with_marker"].items():
            row[f"with {marker}"] = count(n, below)
        for e in endpoints:
            numbers = counts["endpoints"][e]
            row[f"{e}: n / events"] = (
                f"{count(numbers['n'], below)} / {count(numbers['events'], below)}"
            )
        rows.append(row)
    return pd.DataFrame(rows)


def sample_types_frame(flow: dict, below: int | None = None) -> pd.DataFrame:
    """Samples per cohort, table and sample-type code, kept or excluded by the spec's id
    normalizer; empty where no table reads a sample type."""
    rows = []
    for cohort in flow["cohorts"]:
        for table, counts in cohort["tables"].items():
            types = counts.get("sample_types")
            if not types:
                continue
            for kept, by_code in ((True, types["kept"]), (False, types["excluded"])):
                for code, n in by_code.items():
                    rows.append(
                        {
                            "cohort": cohort["cohort"],
                            "table": table,
                            "code": code,
                            "sample type": types["labels"].get(code, "-"),
                            "samples": count(n, below),
                            "kept": "yes" if kept else "no",
                        }
                    )
    return pd.DataFrame(rows)


def sample_types_html(
    flow: dict, below: int | None, frame_html: Callable[[pd.DataFrame], str]
) -> list[str]:
    """Which sample types each cohort's tables kept (the spec's ``sample_type.keep`` range)
    and how many samples of each type were used or excluded; nothing where no spec reads a
    sample type from its ids."""
    frame = sample_types_frame(flow, below)
    if frame.empty:
        return []
    kept = []
    for cohort in flow["cohorts"]:
        ranges = {
            "{:02d}-{:02d}".format(*c["sample_types"]["keep"])
            for c in cohort["tables"].values()
            if c.get("sample_types")
        }
        if ranges:
            kept.append(f"{cohort['cohort']} kept sample-type codes {', '.join(sorted(ranges))}")
    return [
        '<h3 id="sample-types">Sample types used</h3>',
        f"<p>Sample types read from the sample ids: {escape('; '.join(kept))}. Samples of "
        "other types are in the exclusions ledger (sample_type_excluded); several kept "
        "samples of one patient in one table are averaged where the table's id normalizer "
        "says replicates: mean.</p>",
        frame_html(frame),
    ]
