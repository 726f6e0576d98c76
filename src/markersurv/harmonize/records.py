"""Per-table steps on source records: blank rows, blank ids, sample types, then one row per
patient (exact repeats dropped, assay replicates averaged or a located error)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from markersurv.cohort.spec import CohortSpec
from markersurv.errors import HarmonizationError, Location, Problem
from markersurv.harmonize.ids import normalize_ids
from markersurv.harmonize.ledger import Ledger
from markersurv.ingest.readers import FILE, ROW, SAMPLE, field_columns

ID = "__id__"
REC = "__rec__"  # position of a record in its table as read


def located(spec: CohortSpec, table: str, column: str | None = None) -> dict:
    """Cohort, file and column of a problem, for a caller that names the row itself."""
    shown = spec.where(table, column)
    shown.pop("row")
    return shown


def source_columns(frame: pd.DataFrame) -> list[str]:
    """The columns of a read table as the file has them (no bookkeeping columns)."""
    return [c for c in field_columns(frame) if c != REC]


def mapped_columns_only(
    spec: CohortSpec, name: str, frame: pd.DataFrame, columns: set[str]
) -> pd.DataFrame:
    """The table without the columns no field maps (free-text notes and the like): they are
    never parsed, so no output or message can carry their text."""
    keep = {*columns, spec.tables[name].options.get("id_column")}
    return frame.drop(columns=[c for c in source_columns(frame) if c not in keep and c != ID])


def blank_rows(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Rows whose every cell is empty or whitespace (checked column by column, on the rows
    still blank so far, since most rows are ruled out by their first cell)."""
    blank = pd.Series(True, index=frame.index)
    for column in columns:
        rows = blank[blank].index
        if rows.empty:
            break
        cells = frame.loc[rows, column]
        empty = cells.isna() | (cells.astype(str).str.strip() == "")
        blank[rows[~empty.to_numpy()]] = False
    return blank


def drop_unusable(
    spec: CohortSpec, ledger: Ledger, name: str, frame: pd.DataFrame
) -> tuple[pd.DataFrame, dict | None]:
    """Blank rows, blank ids and excluded sample types go to the ledger; returns the rows
    kept and, where the id normalizer reads a sample type, the samples kept and excluded by
    type (:func:`sample_type_counts`)."""
    blank = blank_rows(frame, source_columns(frame))
    ledger.exclude(name, frame[blank], "blank_row", "row holds no values")
    frame = frame[~blank]
    options = spec.tables[name].options
    raw_ids = frame[SAMPLE] if options.get("orientation") == "wide" else frame[options["id_column"]]
    ids, codes = normalize_ids(raw_ids, options.get("id_normalizer", {}))
    frame = frame.assign(**{ID: ids.to_numpy()})
    missing = (frame[ID] == "").to_numpy()
    written = raw_ids.notna() & (raw_ids.astype(str).str.strip() != "")
    detail = np.where(
        written.to_numpy()[missing],
        "id does not match the id_normalizer's extract pattern",
        "patient id is blank",
    )
    ledger.exclude(name, frame[missing], "missing_id", detail)
    frame, codes = frame[~missing], None if codes is None else codes[~missing]
    if codes is None:
        return frame, None
    sample_type = options["id_normalizer"]["sample_type"]
    low, high = sample_type["keep"]
    keep = codes.between(low, high).to_numpy()
    detail = [
        f"sample type {c:02.0f} outside {low:02d}-{high:02d}"
        if np.isfinite(c)
        else "sample type code unreadable"
        for c in codes[~keep]
    ]
    ledger.exclude(name, frame[~keep], "sample_type_excluded", detail)
    return frame[keep], sample_type_counts(codes, keep, sample_type)


def sample_type_counts(codes: pd.Series, keep: np.ndarray, sample_type: dict) -> dict:
    """The samples (rows) of one table by sample-type code, kept and excluded, with the
    labels the spec gives the codes (a code without one is shown as its number).

    >>> counts = sample_type_counts(pd.Series([1.0, 1.0, 11.0, np.nan]),
    ...     np.array([True, True, False, False]),
    ...     {"keep": [1, 9], "labels": {"01": "Primary tumour"}})
    >>> counts["kept"], counts["excluded"]
    ({'01': 2}, {'11': 1, 'unreadable': 1})
    >>> counts["labels"]
    {'01': 'Primary tumour'}
    """
    text = codes.map(lambda c: f"{c:02.0f}" if np.isfinite(c) else "unreadable")
    labels = {f"{int(str(k)):02d}": str(v) for k, v in (sample_type.get("labels") or {}).items()}
    return {
        "keep": list(sample_type["keep"]),
        "kept": {k: int(n) for k, n in text[keep].value_counts().sort_index().items()},
        "excluded": {k: int(n) for k, n in text[~keep].value_counts().sort_index().items()},
        "labels": labels,
    }


def one_row_per_patient(
    spec: CohortSpec,
    ledger: Ledger,
    name: str,
    frame: pd.DataFrame,
    parsed: pd.DataFrame,
    source_names: dict[str, str],
) -> pd.DataFrame:
    """Exact repeats go to the ledger, replicates are averaged (if the table says so) or
    stop the cohort naming the columns that differ (``source_names``: parsed column ->
    the source column it comes from)."""
    value_columns = [c for c in parsed.columns if c not in (ID, REC, ROW, FILE)]
    repeated = parsed.duplicated(subset=[ID, *value_columns], keep="first").to_numpy()
    ledger.exclude(
        name,
        frame[repeated],
        "duplicate_row",
        "exact repeat of an earlier row",
        parsed[ID][repeated],
        parsed["cancer_type"][repeated].fillna("") if "cancer_type" in parsed else None,
    )
    parsed, frame = parsed[~repeated], frame[~repeated]
    clash = parsed.duplicated(subset=[ID], keep=False).to_numpy()
    if not clash.any():
        return parsed
    policy = spec.tables[name].options.get("id_normalizer", {}).get("replicates", "error")
    group = parsed[clash]
    numeric = [
        c
        for c in value_columns
        if pd.api.types.is_float_dtype(parsed[c]) and not c.endswith("_below_lod")
    ]
    others = [c for c in value_columns if c not in numeric]
    if policy == "mean" and not group.groupby(ID)[others].nunique(dropna=False).gt(1).any(
        axis=None
    ):
        merged = group.groupby(ID, sort=False).agg(
            {
                **{c: "mean" for c in numeric},
                **{c: "first" for c in others},
                REC: "first",
                ROW: "first",
                FILE: "first",
            }
        )
        for c in [c for c in others if c.endswith("_below_lod")]:
            merged[c] = group.groupby(ID, sort=False)[c].all()
        extra = group.duplicated(subset=[ID], keep="first").to_numpy()
        counts = group.groupby(ID)[ID].transform("size")[extra]
        ledger.exclude(
            name,
            frame[clash][extra],
            "replicate_merged",
            [f"averaged with {n - 1} other row(s) of this patient" for n in counts],
            group[ID][extra],
        )
        return pd.concat([parsed[~clash], merged.reset_index()], ignore_index=True)
    first_id = group[ID].iloc[0]
    rows = group[group[ID] == first_id]
    differing = sorted(
        {
            source_names.get(c.removesuffix("_below_lod").removesuffix("_source"), c)
            for c in value_columns
            if rows[c].nunique(dropna=False) > 1
        }
    )
    raise HarmonizationError(
        Problem(
            f"the same patient appears in {len(rows)} rows with conflicting values "
            f"({len(set(group[ID]))} patient(s) affected)",
            Location(
                **{
                    **located(spec, name, ", ".join(differing)),
                    "file": ", ".join(dict.fromkeys(rows[FILE])),
                },
                row=", ".join(rows[ROW]),
            ),
            expected="one row per patient, or identical repeats",
            found=f"rows {', '.join(rows[ROW])} differ in {differing}",
            hint="Remove the wrong row, or, for assay replicates, set "
            "`id_normalizer: {replicates: mean}` on this table",
        )
    )
