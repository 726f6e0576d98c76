"""The result tables: their names, columns and kinds of value, and the one way each is
written and read back.

Every table a stage writes is checked against its contract before it reaches disk (a
missing column, or numbers where text belongs, is caught at the writer); columns beyond the
contract may follow (DESIGN's columns are "at least").
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from markersurv.tables.beyond_prognostic import BEYOND_PROGNOSTIC
from markersurv.tables.columns import (
    COUNT,
    ESTIMATE,
    FLAG,
    KEYS,
    REAL,
    STATUS,
    TEXT,
    TableContract,
)
from markersurv.tables.io import write_parquet, write_tsv

__all__ = ["COUNT", "FLAG", "REAL", "TEXT", "TableContract"]


CONTRACTS = {
    contract.name: contract
    for contract in (
        TableContract(
            "km",
            {
                **KEYS,
                "cut_method": TEXT,
                "group": TEXT,
                "n": COUNT,
                "events": COUNT,
                "median": REAL,
                "median_lower": REAL,
                "median_upper": REAL,
            },
            extra=r"surv_[0-9.]+(_lower|_upper)?",
        ),
        TableContract(
            "risk_table",
            {
                **KEYS,
                "cut_method": TEXT,
                "group": TEXT,
                "time": REAL,
                "n_risk": COUNT,
                "cum_events": COUNT,
                "cum_censored": COUNT,
            },
        ),
        TableContract(
            "logrank",
            {
                **KEYS,
                "cut_method": TEXT,
                "cutpoint": REAL,
                "n_low": COUNT,
                "n_high": COUNT,
                "events_low": COUNT,
                "events_high": COUNT,
                "test": TEXT,
                "chisq": REAL,
                "df": COUNT,
                "p": REAL,
                **STATUS,
            },
            pooled={"family": TEXT, "q": REAL, "role": TEXT},
        ),
        TableContract(
            "cox",
            {
                **KEYS,
                "model": TEXT,
                "cut_method": TEXT,
                "term": TEXT,
                "n": COUNT,
                "events": COUNT,
                "coef": REAL,
                "se": REAL,
                **ESTIMATE,
                "z": REAL,
                "lr_p": REAL,
                "wald_p": REAL,
                "score_p": REAL,
                "concordance": REAL,
                "ph_p": REAL,
                "ph_global_p": REAL,
                "min_detectable_hr": REAL,
                "events_per_parameter": REAL,
                "missing_data": TEXT,
                **STATUS,
            },
            pooled={"family": TEXT, "q": REAL, "role": TEXT},
        ),
        TableContract(
            "ph",
            {
                **KEYS,
                "model": TEXT,
                "cut_method": TEXT,
                "term": TEXT,
                "model_terms": TEXT,
                "chisq": REAL,
                "df": COUNT,
                "p": REAL,
            },
        ),
        TableContract(
            "cutpoints",
            {
                **KEYS,
                "method": TEXT,
                "exploratory": FLAG,
                "cutpoint": REAL,
                "statistic": REAL,
                "p_adjusted": REAL,
                "correction": TEXT,
                "n_low": COUNT,
                "n_high": COUNT,
                **STATUS,
            },
        ),
        TableContract("cutpoint_scan", {**KEYS, "cutpoint": REAL, "statistic": REAL}),
        TableContract(
            "nonproportional",
            {
                **KEYS,
                "model": TEXT,
                "cut_method": TEXT,
                "term": TEXT,
                "start": REAL,
                "end": REAL,
                "n": COUNT,
                "events": COUNT,
                "estimate": REAL,
                "lower": REAL,
                "upper": REAL,
                "p": REAL,
                **STATUS,
            },
        ),
        TableContract(
            "added_value",
            {
                **KEYS,
                "n": COUNT,
                "events": COUNT,
                "covariates": TEXT,
                "c_clinical": REAL,
                "c_full": REAL,
                "c_diff": REAL,
                "c_diff_lower": REAL,
                "c_diff_upper": REAL,
                "lr_chisq": REAL,
                "lr_df": COUNT,
                "lr_p": REAL,
                "bootstrap_replicates": COUNT,
                "seed": COUNT,
                **STATUS,
            },
        ),
        TableContract(
            "spline_curve", {**KEYS, "x": REAL, "hr": REAL, "hr_lower": REAL, "hr_upper": REAL}
        ),
        TableContract(
            "pooled",
            {
                **KEYS,
                "scope": TEXT,
                "model": TEXT,
                "term": TEXT,
                "method": TEXT,
                "test": TEXT,
                "k": COUNT,
                "log_hr": REAL,
                "se": REAL,
                **ESTIMATE,
                "tau2": REAL,
                "i2": REAL,
                "q_stat": REAL,
                "q_p": REAL,
                "pi_lower": REAL,
                "pi_upper": REAL,
                "cohorts": TEXT,
                **STATUS,
            },
        ),
        TableContract(
            "pooling_weights",
            {**KEYS, **dict.fromkeys(("scope", "model", "method", "study"), TEXT), "weight": REAL},
        ),
        TableContract(
            "km_curve",
            {
                **KEYS,
                "cut_method": TEXT,
                "group": TEXT,
                "time": REAL,
                "n_risk": COUNT,
                "n_event": COUNT,
                "n_censor": COUNT,
                "surv": REAL,
                "lower": REAL,
                "upper": REAL,
            },
        ),
        TableContract(
            "ph_residuals",
            {
                **KEYS,
                "model": TEXT,
                "term": TEXT,
                "transform": TEXT,
                "time": REAL,
                "x": REAL,
                "residual": REAL,
            },
        ),
        TableContract(
            "ph_smooth",
            {
                **KEYS,
                "model": TEXT,
                "term": TEXT,
                "transform": TEXT,
                "x": REAL,
                "fit": REAL,
                "lower": REAL,
                "upper": REAL,
            },
        ),
        # The harmonized tables beside the patient table (see tables.patients_contract).
        TableContract(
            "exclusions",
            {
                "cohort": TEXT,
                "source_file": TEXT,
                "source_row": TEXT,
                "table": TEXT,
                "reason": TEXT,
                "detail": TEXT,
                "patient_id": TEXT,
                "cancer_type": TEXT,
            },
        ),
        TableContract(
            "marker_values",
            {
                "cohort": TEXT,
                "cancer_type": TEXT,
                "marker": TEXT,
                "scale": TEXT,
                "source_unit": TEXT,
                "source_value": REAL,
                "value": REAL,
                "below_lod": FLAG,
            },
        ),
        TableContract(
            "marker_qc",
            {
                "cohort": TEXT,
                "cancer_type": TEXT,
                "marker": TEXT,
                "scale": TEXT,
                "source_unit": TEXT,
                "n": COUNT,
                "n_below_lod": COUNT,
                "fraction_below_lod": REAL,
                **{
                    f"{side}_{stat}": REAL
                    for side in ("source", "harmonized")
                    for stat in ("min", "median", "max")
                },
            },
        ),
        # The report's tables and each figure folder's list of figures.
        TableContract(
            "table_one",
            {
                "cancer_type": TEXT,
                "cohort": TEXT,
                "variable": TEXT,
                "level": TEXT,
                "value": TEXT,
                "missing": TEXT,
            },
        ),
        TableContract(
            "association",
            {"cancer_type": TEXT, "n": COUNT, "rho": REAL, "lower": REAL, "upper": REAL, "p": REAL},
        ),
        TableContract(
            "figures",
            {
                "figure": TEXT,
                "kind": TEXT,
                "cancer_type": TEXT,
                "marker": TEXT,
                "endpoint": TEXT,
                "cut": TEXT,
                "cohort": TEXT,
                "arm": TEXT,
                "n": COUNT,
                "events": COUNT,
                "caption": TEXT,
            },
        ),
        *BEYOND_PROGNOSTIC,
    )
}


# The tables each cancer type's analysis writes, and pooling combines into results/tables.
ANALYSIS_TABLES = (
    "km",
    "risk_table",
    "logrank",
    "cox",
    "ph",
    "cutpoints",
    "cutpoint_scan",
    "nonproportional",
    "added_value",
    "spline_curve",
    "pooled",
    "cuminc",
    "competing",
    "predictive",
)

# What figures draw beyond the result tables (pooled analysis): Kaplan-Meier steps, scaled
# Schoenfeld residuals and their smooth.
FIGURE_TABLES = ("km_curve", "ph_residuals", "ph_smooth")

CANCER_TYPE_TABLES = ANALYSIS_TABLES + FIGURE_TABLES  # every table of a cancer type's folder


class TableContractError(ValueError):
    """A table about to be written does not hold what its contract says."""


def write_table(
    table: str | TableContract, frame: pd.DataFrame, path: str | Path, *, pooled=False
) -> None:
    """Write a table (by name, or its contract) after checking it against its contract:
    Parquet for a ``.parquet`` path, tab-separated text otherwise."""
    contract = CONTRACTS[table] if isinstance(table, str) else table
    problems = contract.problems(frame, pooled=pooled)
    if problems:
        raise TableContractError(f"table {contract.name} ({path}): " + "; ".join(problems))
    if Path(path).suffix == ".parquet":
        write_parquet(frame, path)
    else:
        write_tsv(frame, path)


def read_table(name: str, path: str | Path) -> pd.DataFrame:
    """A table as written: text columns as text ("NA" is missing), an empty file as an
    empty frame."""
    if Path(path).stat().st_size <= 1:
        return pd.DataFrame()
    contract = CONTRACTS.get(name)
    text = ["cohort"] if contract is None else [c for c, k in contract.columns.items() if k == TEXT]
    header = pd.read_csv(path, sep="\t", nrows=0).columns
    return pd.read_csv(
        path,
        sep="\t",
        na_values=["NA"],
        keep_default_na=False,
        dtype={c: str for c in text if c in header},
    )


def read_tables(paths: dict[str, str]) -> dict[str, pd.DataFrame]:
    """Tables by name (empty files give empty frames)."""
    return {name: read_table(name, path) for name, path in paths.items()}
