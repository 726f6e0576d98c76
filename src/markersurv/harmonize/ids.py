"""Patient ids: normalize source ids so tables join, and filter by sample type."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

LEADING_ZEROS = re.compile(r"(?<![0-9])0+(?=[0-9])")


def id_text(value: object) -> str:
    """An id cell as text; integral floats without '.0' (a numeric id column with a blank
    cell is stored as floats by Parquet and pandas, and must still join '7' to '7')."""
    if isinstance(value, float | np.floating) and np.isfinite(value) and float(value).is_integer():
        return str(int(value))
    return str(value)


def normalize_ids(raw: pd.Series, options: dict) -> tuple[pd.Series, pd.Series | None]:
    """Normalized ids and, if declared, the sample-type code of each id.

    The steps run in a fixed order: strip, case, remove, strip_leading_zeros, sample type,
    extract. Returns the ids ("" where the source id is blank) and the sample-type codes
    (float, NaN where unreadable) or None.

    >>> ids, _ = normalize_ids(pd.Series([" nsb-042", "NSB-42", "Nsb_0042 "]),
    ...                        {"remove": "[-_]", "strip_leading_zeros": True})
    >>> ids.tolist()
    ['NSB42', 'NSB42', 'NSB42']
    >>> ids, codes = normalize_ids(pd.Series(["TCGA-OR-A5J2-01A-11R", "TCGA-OR-A5J2-11A"]),
    ...     {"sample_type": {"start": 14, "end": 15, "keep": [1, 9]}, "extract": "^(.{12})"})
    >>> ids.tolist(), codes.tolist()
    (['TCGA-OR-A5J2', 'TCGA-OR-A5J2'], [1, 11])
    """
    ids = raw.map(id_text).astype(object)
    ids = ids.where(raw.notna(), "")
    if options.get("strip", True):
        ids = ids.str.strip()
    case = options.get("case", "upper")
    if case == "upper":
        ids = ids.str.upper()
    elif case == "lower":
        ids = ids.str.lower()
    if options.get("remove"):
        ids = ids.str.replace(options["remove"], "", regex=True)
    if options.get("strip_leading_zeros"):
        ids = ids.str.replace(LEADING_ZEROS, "", regex=True)
    codes = None
    sample_type = options.get("sample_type")
    if sample_type:
        codes = pd.to_numeric(
            ids.str[sample_type["start"] - 1 : sample_type["end"]], errors="coerce"
        )
    if options.get("extract"):
        extracted = ids.str.extract(options["extract"], expand=False)
        if isinstance(extracted, pd.DataFrame):
            extracted = extracted.iloc[:, 0]
        ids = extracted.fillna("")
    return ids, codes
