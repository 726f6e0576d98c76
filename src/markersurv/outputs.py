"""Writing outputs: atomically, deterministically, and safe to open in a spreadsheet."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

FORMULA_STARTS = ("=", "+", "-", "@")
FLOAT_FORMAT = "%.15g"


@contextmanager
def atomic_path(path: str | Path):
    """Yield a temporary path beside ``path``; rename it into place only on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
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


def write_atomic(path: str | Path, writer: Callable[[Path], None]) -> None:
    with atomic_path(path) as tmp:
        writer(tmp)


def neutralize_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with an apostrophe.

    Numbers are left alone (a negative number is not a formula); only text columns change.

    >>> neutralize_formulas(pd.DataFrame({"a": ["=1+1", "ok", "-x"]}))["a"].tolist()
    ["'=1+1", 'ok', "'-x"]
    """
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            values = out[column]
            risky = values.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_STARTS))
            if risky.any():
                out.loc[risky, column] = "'" + values[risky]
    return out


def write_tsv(frame: pd.DataFrame, path: str | Path) -> None:
    """Tab-separated, LF, floats with 15 significant digits, formulas neutralized."""
    safe = neutralize_formulas(frame)
    write_atomic(
        path,
        lambda tmp: safe.to_csv(
            tmp, sep="\t", index=False, na_rep="NA", float_format=FLOAT_FORMAT, lineterminator="\n"
        ),
    )


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
