"""Shared fixtures: paths to the repository and to the shared real data, and an R bridge."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MARKERSURV_SHARED", REPO.parent / "shared")).resolve()
TCGA_DIR = SHARED / "data" / "tcga"


@pytest.fixture(scope="session")
def repo_dir() -> Path:
    return REPO


@pytest.fixture(scope="session")
def tcga_dir() -> Path:
    if not (TCGA_DIR / "TCGA-CDR-SupplementalTableS1.xlsx").exists():
        pytest.skip(f"TCGA reference data not found under {TCGA_DIR}; set MARKERSURV_SHARED")
    return TCGA_DIR


@pytest.fixture(autouse=True)
def _pseudonym_key(monkeypatch):
    """Every test runs with a fixed pseudonymization key, never a real one."""
    monkeypatch.setenv("MARKERSURV_PSEUDONYM_KEY", "test-key-not-secret")
