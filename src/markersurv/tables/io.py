"""Writing outputs: atomically, deterministically, and safe to open in a spreadsheet."""

from __future__ import annotations

import errno
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

from markersurv.errors import Location, OutputError, Problem

FORMULA_STARTS = ("=", "+", "-", "@")
# Errors of the storage, not of the program: reported in one line naming the output.
STORAGE_ERRORS = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
}


@contextmanager
def atomic_path(path: str | Path):
    """Yield a temporary path beside ``path``; rename it into place only on success.

    A process killed while writing (SIGKILL, power loss) leaves its temporary file behind;
    the next write of the same path, such as Snakemake's rerun of the interrupted job,
    removes it.
    """
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(path)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        # mkstemp creates owner-only files; outputs get the permissions any new file would get.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        yield Path(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        reason = storage_error(exc)
        if reason is None:
            raise
        raise OutputError(
            Problem(f"cannot write the output: {reason}", Location(file=str(path)))
        ) from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def storage_error(exc: OSError) -> str | None:
    """What a failed write says about the storage (disk full, read-only, no permission), or
    None for an error of another kind. Arrow's writers raise OSError without an errno, with
    the system's message in the text."""
    if exc.errno in STORAGE_ERRORS:
        return STORAGE_ERRORS[exc.errno]
    text = str(exc)
    return next((r for e, r in STORAGE_ERRORS.items() if os.strerror(e) in text), None)


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
    names = text_column(pd.Series([str(c) for c in frame.columns], dtype=object))
    header = "\t".join(quoted(c) for c in names)

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as handle:
            handle.write((header + "\n").encode())
            if holds_quotes(table):
                handle.writelines(f"{line}\n".encode() for line in quoted_rows(table))
                return
            pcsv.write_csv(
                table,
                handle,
                pcsv.WriteOptions(include_header=False, delimiter="\t", quoting_style="none"),
            )

    write_atomic(path, write)


def holds_quotes(table: pa.Table) -> bool:
    return any(
        pc.any(pc.match_substring(column, '"')).as_py()
        for column in table.columns
        if pa.types.is_string(column.type)
    )


def quoted_rows(table: pa.Table):
    """Rows as TSV lines where a cell holding a double quote is quoted (RFC 4180: the
    quote doubled), so an id like ``a"b`` reads back as itself; other cells are the text
    Arrow's writer gives them."""
    columns = [pc.cast(column, pa.string()).to_pylist() for column in table.columns]
    for row in zip(*columns, strict=True):
        yield "\t".join(quoted(c) for c in row)


def quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if '"' in cell else cell


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
