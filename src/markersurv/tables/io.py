"""Writing outputs: atomically, deterministically, and safe to open in a spreadsheet."""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

FORMULA_STARTS = ("=", "+", "-", "@")


@contextmanager
def atomic_path(path: str | Path):
    """Yield a temporary path beside ``path``; rename it into place only on success.

    A process killed while writing (SIGKILL, power loss) leaves its temporary file behind;
    the next write of the same path, such as Snakemake's rerun of the interrupted job,
    removes it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    # mkstemp creates owner-only files; outputs get the permissions any new file would get.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def remove_stale_temporaries(path: Path) -> None:
    """Delete the temporary files (or folders) that interrupted writes of ``path`` left
    beside it."""
    own = re.compile(rf"\.{re.escape(path.name)}\.[a-z0-9_]{{8}}\.tmp")
    for leftover in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        if not own.fullmatch(leftover.name):
            continue
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)


@contextmanager
def atomic_folder(path: str | Path):
    """Yield a temporary folder beside ``path``; it takes ``path``'s place (replacing any
    folder there) only on success.

    A folder of outputs (a figure set) is thereby either absent or complete: a run killed
    half-way leaves no partial folder that a rerun could take for finished. The temporary
    folder of a killed run is removed by the next write of the same path.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    staging = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    # mkdtemp creates owner-only folders; outputs get the permissions any new folder would get.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)
    try:
        yield staging
        if path.exists() and any(path.iterdir()):
            previous = Path(
                tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            )
            os.replace(path, previous)
            os.replace(staging, path)
            shutil.rmtree(previous)
        else:
            # An empty folder is replaced by rename(2) itself.
            os.replace(staging, path)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def write_atomic(path: str | Path, writer: Callable[[Path], None]) -> None:
    with atomic_path(path) as tmp:
        writer(tmp)


def text_column(values: pd.Series) -> pd.Series:
    """A column as text where it holds text (or text mixed with other values): field
    separators and line breaks become spaces, and cells a spreadsheet would run as a formula
    (starting with =, +, - or @) get a leading apostrophe. Numbers are left alone: a negative
    number is not a formula."""
    present = values.notna()
    if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
        values = values.astype(object).where(~present, values.astype(str))
    array = safe_text(pa.array(values.astype(object).where(present, None), type=pa.string()))
    return pd.Series(array.to_pylist(), index=values.index, dtype=object)


def safe_text(array: pa.Array) -> pa.Array:
    """The text rules of :func:`text_column` on an Arrow string array (vectorized)."""
    array = pc.replace_substring_regex(array, pattern="[\t\r\n]", replacement=" ")
    risky = pc.starts_with(array, FORMULA_STARTS[0])
    for start in FORMULA_STARTS[1:]:
        risky = pc.or_(risky, pc.starts_with(array, start))
    return pc.if_else(
        pc.fill_null(risky, False), pc.binary_join_element_wise("'", array, ""), array
    )


def neutralize_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text column made safe by :func:`text_column`.

    >>> neutralize_formulas(pd.DataFrame({"a": ["=1+1", "ok", "-x"]}))["a"].tolist()
    ["'=1+1", 'ok', "'-x"]
    """
    out = frame.copy()
    for column in out.columns:
        if is_text(out[column]):
            out[column] = text_column(out[column])
    return out


def is_text(values: pd.Series) -> bool:
    return values.dtype == object or pd.api.types.is_string_dtype(values.dtype)


def arrow_columns(frame: pd.DataFrame) -> pa.Table:
    """Columns as Arrow arrays: text made safe, missing values written ``NA``."""
    arrays = []
    for column in frame.columns:
        values = frame[column]
        if is_text(values):
            if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
                values = values.astype(object).where(values.isna(), values.astype(str))
            array = safe_text(
                pa.array(values.astype(object).where(values.notna(), None), type=pa.string())
            )
        else:
            array = pa.Array.from_pandas(values)
        if array.null_count:
            array = pc.fill_null(pc.cast(array, pa.string()), "NA")
        arrays.append(array)
    return pa.table(arrays, names=[f"c{i}" for i in range(len(arrays))])


def write_tsv(frame: pd.DataFrame, path: str | Path) -> None:
    """Tab-separated, LF, ``NA`` for missing, numbers in their shortest exact decimal form
    (every double reads back as itself), text neutralized against formulas."""
    if frame.shape[1] == 0:
        write_atomic(path, lambda tmp: tmp.write_bytes(b""))
        return
    frame = frame.reset_index(drop=True)
    table = arrow_columns(frame)
    header = "\t".join(text_column(pd.Series([str(c) for c in frame.columns], dtype=object)))

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as handle:
            handle.write((header + "\n").encode())
            pcsv.write_csv(
                table,
                handle,
                pcsv.WriteOptions(include_header=False, delimiter="\t", quoting_style="none"),
            )

    write_atomic(path, write)


def write_parquet(frame: pd.DataFrame, path: str | Path) -> None:
    """Parquet without pandas' index metadata, so equal frames give equal bytes."""
    table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    table = table.replace_schema_metadata(None)
    write_atomic(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


def _json_default(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    raise TypeError(f"not JSON serializable: {type(value)}")


def write_json(data, path: str | Path) -> None:
    text = json.dumps(data, indent=2, sort_keys=False, default=_json_default) + "\n"
    write_atomic(path, lambda tmp: tmp.write_text(text))
