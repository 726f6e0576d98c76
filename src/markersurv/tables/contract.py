"""The result tables: their names, and the one way they are read back."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

# The tables each cancer type's analysis writes, and pooling combines into results/tables.
ANALYSIS_TABLES = (
    "km",
    "risk_table",
    "logrank",
    "cox",
    "ph",
    "cutpoints",
    "cutpoint_scan",
    "added_value",
    "spline_curve",
    "pooled",
)

# What the figures of a cancer type draw beyond the result tables: Kaplan-Meier steps and
# scaled Schoenfeld residuals with their smooth, of the pooled (cohort = all) analysis.
FIGURE_TABLES = ("km_curve", "ph_residuals", "ph_smooth")

# Every table of one cancer type's analysis folder.
CANCER_TYPE_TABLES = ANALYSIS_TABLES + FIGURE_TABLES


def read_tables(paths: dict[str, str]) -> dict[str, pd.DataFrame]:
    """Result tables by name (empty files give empty frames)."""
    tables = {}
    for name, path in paths.items():
        size = Path(path).stat().st_size
        tables[name] = (
            pd.read_csv(
                path, sep="\t", na_values=["NA"], keep_default_na=False, dtype={"cohort": str}
            )
            if size > 1
            else pd.DataFrame()
        )
    return tables
