"""A small real dataset for statistics tests, read straight from the shared TCGA files.

Deliberately independent of markersurv's ingest code, so statistics tests do not depend
on the harmonizer: pSTAT3 (RPPA STAT3_pY705, tumour aliquots averaged per patient)
joined to the CDR endpoints, times in months.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

DAYS_PER_MONTH = 30.4375
CDR_COLUMNS = [
    "bcr_patient_barcode",
    "type",
    "age_at_initial_pathologic_diagnosis",
    "gender",
    "ajcc_pathologic_tumor_stage",
    "OS",
    "OS.time",
    "PFI",
    "PFI.time",
]


def load_cdr(tcga_dir: Path, cache_dir: Path) -> pd.DataFrame:
    cached = cache_dir / "cdr.parquet"
    if cached.exists():
        return pd.read_parquet(cached)
    cdr = pd.read_excel(
        tcga_dir / "TCGA-CDR-SupplementalTableS1.xlsx",
        sheet_name="TCGA-CDR",
        usecols=CDR_COLUMNS,
        dtype={"ajcc_pathologic_tumor_stage": str},
    )
    cdr.to_parquet(cached)
    return cdr


def pstat3_os(tcga_dir: Path, cache_dir: Path, cancer_type: str) -> pd.DataFrame:
    """Patients of one cancer type with pSTAT3, age, sex, OS and PFI (months)."""
    matrix = pd.read_csv(tcga_dir / "rppa" / f"{cancer_type}.rppa.txt", sep="\t", index_col=0)
    values = matrix.loc["STAT3|STAT3_pY705"]
    values = values[values.index.str[13:15].astype(int).isin(range(1, 10))]
    pstat3 = values.groupby(values.index.str[:12]).mean().rename("pstat3")
    cdr = load_cdr(tcga_dir, cache_dir).set_index("bcr_patient_barcode")
    data = cdr.join(pstat3, how="inner")
    data = data.dropna(subset=["OS", "OS.time"])
    out = pd.DataFrame(
        {
            "pstat3": data["pstat3"].to_numpy(),
            "age": pd.to_numeric(
                data["age_at_initial_pathologic_diagnosis"], errors="coerce"
            ).to_numpy(),
            "male": (data["gender"] == "MALE").astype(int).to_numpy(),
            "os_time": data["OS.time"].to_numpy() / DAYS_PER_MONTH,
            "os_event": data["OS"].astype(int).to_numpy(),
            "pfi_time": pd.to_numeric(data["PFI.time"], errors="coerce").to_numpy()
            / DAYS_PER_MONTH,
            "pfi_event": pd.to_numeric(data["PFI"], errors="coerce").to_numpy(),
        }
    )
    return out.sort_values(["os_time", "pstat3"], kind="mergesort").reset_index(drop=True)


def tcga_dir_or_none(request) -> Path | None:
    """The TCGA folder, or None where the shared data are absent (synthetic cases still run)."""
    try:
        return request.getfixturevalue("tcga_dir")
    except pytest.skip.Exception:
        return None


def case_or_skip(available: dict, key: str):
    """A prepared case, or a skip saying its TCGA reference data are not available."""
    if key not in available:
        pytest.skip(f"{key}: TCGA reference data not available")
    return available[key]
