"""Build small cohorts in a temporary folder: data files in any supported format plus a spec.

A test describes the tables as rows of cells (header first) and the spec as a dict; the
builder writes them and returns the spec path, so each test reads as the files a user has.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import openpyxl
import pandas as pd
import yaml

from markersurv.cohort.spec import load_cohort_spec
from markersurv.cohort.vocab import Vocabulary
from markersurv.harmonize.cohort import HarmonizedCohort, Settings, harmonize_cohort

REPO = Path(__file__).resolve().parents[1]
VOCAB = Vocabulary.load(REPO / "resources" / "vocab")
MARKERS = ("il6", "pstat3")
ENDPOINTS = ("os", "pfs")
KEY = b"test-key"
DATA = "{data}"  # a spec path may start with it; it stands for the cohort's folder


def base_spec(cohort: str = "t1", **changes) -> dict:
    """A minimal valid spec: one CSV clinical table with id, IL-6, OS days and status."""
    spec = {
        "id": cohort,
        "description": "test cohort",
        "provenance": "written by the test",
        "tables": {"clinical": {"path": "clinical.csv", "id_column": "pid"}},
        "cancer_type": {"constant": "BRCA"},
        "markers": {"il6": {"column": "il6", "unit": "pg/mL"}},
        "endpoints": {
            "os": {
                "time": {"column": "os_days", "unit": "days"},
                "event": {"column": "os_status"},
            }
        },
    }
    spec.update(copy.deepcopy(changes))
    return spec


def write_rows(path: Path, rows: list[list], fmt: str | None = None, **options) -> Path:
    """Write header + rows as csv/tsv (text, options: encoding, newline, delimiter),
    xlsx (typed cells kept; option sheet) or parquet (columns inferred by pandas)."""
    fmt = fmt or {".tsv": "tsv", ".xlsx": "xlsx", ".parquet": "parquet"}.get(path.suffix, "csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt in ("csv", "tsv"):
        delimiter = options.get("delimiter", "\t" if fmt == "tsv" else ",")
        newline = options.get("newline", "\n")
        lines = [delimiter.join(quote(c, delimiter) for c in row) for row in rows]
        text = newline.join(lines) + (newline if options.get("final_newline", True) else "")
        path.write_bytes(text.encode(options.get("encoding", "utf-8")))
    elif fmt == "xlsx":
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = options.get("sheet", "data")
        for row in rows:
            sheet.append(list(row))
        book.save(path)
    elif fmt == "parquet":
        frame = pd.DataFrame(rows[1:], columns=rows[0])
        frame.to_parquet(path, index=False)
    else:
        raise ValueError(fmt)
    return path


def quote(cell, delimiter: str) -> str:
    text = "" if cell is None else str(cell)
    if any(c in text for c in (delimiter, '"', "\n", "\r")):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_cohort(
    folder: Path, spec: dict, tables: dict[str, list[list]], formats: dict | None = None
) -> Path:
    """Write each table to the path its spec entry names and the spec as ``spec.yaml``."""
    folder.mkdir(parents=True, exist_ok=True)
    formats = formats or {}
    for name, rows in tables.items():
        path = folder / spec["tables"][name]["path"].removeprefix(DATA + "/")
        write_rows(path, rows, **formats.get(name, {}))
    spec_path = folder / "spec.yaml"
    spec_path.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True))
    return spec_path


def harmonize_path(
    spec_path: Path,
    markers=MARKERS,
    endpoints=ENDPOINTS,
    lod_policy: str = "half",
    key: bytes = KEY,
) -> HarmonizedCohort:
    spec = load_cohort_spec(spec_path, {"data": str(spec_path.parent)}, spec_path.parent)
    return harmonize_cohort(
        spec, VOCAB, Settings(tuple(markers), tuple(endpoints), lod_policy, key)
    )


def harmonize_rows(
    folder: Path, spec: dict, tables: dict[str, list[list]], formats=None, **settings
) -> HarmonizedCohort:
    return harmonize_path(write_cohort(folder, spec, tables, formats), **settings)


def clinical(*rows, header=("pid", "il6", "os_days", "os_status")) -> dict[str, list[list]]:
    """The ``tables`` argument for a spec with only the clinical table."""
    return {"clinical": [list(header), *[list(r) for r in rows]]}


def check_ledger(result: HarmonizedCohort, records: dict[str, int]) -> None:
    """The ledger invariants: per table records == included + excluded, no source row
    excluded twice, primary rows = patients + primary exclusions, flow totals consistent."""
    exclusions, patients, flow = result.exclusions, result.patients, result.flow
    assert not exclusions.duplicated(["table", "source_file", "source_row"]).any()
    for name, n in records.items():
        info = flow["tables"][name]
        assert info["records"] == n, name
        excluded = exclusions[exclusions["table"] == name]
        assert sum(info["excluded"].values()) == len(excluded)
        assert info["included"] + len(excluded) == n
    primary = next(iter(flow["tables"]))
    assert flow["tables"][primary]["included"] == len(patients) == flow["patients"]
    assert patients["patient_id"].is_unique
    by_type = flow["by_cancer_type"]
    assert sum(t["included"] for t in by_type.values()) == len(patients)
    primary_excluded = exclusions[exclusions["table"] == primary]
    assert sum(t["records"] for t in by_type.values()) == flow["tables"][primary]["records"]
    for code, counts in by_type.items():
        rows = patients[patients["cancer_type"] == code]
        assert counts["included"] == len(rows)
        excluded = primary_excluded[primary_excluded["cancer_type"].replace("", "unknown") == code]
        assert counts["excluded"] == excluded["reason"].value_counts().to_dict()
        assert counts["records"] == len(rows) + len(excluded)
        for e, ep in counts["endpoints"].items():
            assert ep["n"] == int(rows[f"{e}_time"].notna().sum())
            assert ep["events"] == int(rows[f"{e}_event"].fillna(0).sum())


def raw_ids_absent(result: HarmonizedCohort, raw_ids) -> None:
    """No raw (normalized or source) patient id appears in any output."""
    texts = [
        result.patients.to_csv(index=False),
        result.exclusions.to_csv(index=False),
        json.dumps(result.flow),
        result.marker_qc.to_csv(index=False),
    ]
    for raw in raw_ids:
        for text in texts:
            assert str(raw) not in text, raw
