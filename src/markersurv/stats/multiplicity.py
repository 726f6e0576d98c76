"""Benjamini-Hochberg false discovery rate adjustment, as R's ``p.adjust(p, "BH")``.

Missing p-values (NaN) stay missing and do not count towards the family size: R's
``p.adjust`` drops NA before it evaluates its default ``n = length(p)``, so
``p.adjust(c(0.01, NA, 0.02), "BH")`` adjusts two p-values, not three.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import false_discovery_control


def benjamini_hochberg(p) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values) in input order.

    q_(i) = min over j >= i of min(1, n / j * p_(j)) for the p-values sorted increasingly,
    with n the number of non-missing p-values (scipy's ``false_discovery_control``, applied
    to the p-values that are present).

    Parameters
    ----------
    p : array-like of float
        P-values in [0, 1]; NaN marks a test that was not done.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, NaN where the input is NaN.

    Raises
    ------
    ValueError
        When a p-value is outside [0, 1].

    References
    ----------
    Benjamini Y, Hochberg Y (1995). Controlling the false discovery rate: a practical and
    powerful approach to multiple testing. Journal of the Royal Statistical Society B
    57:289-300.

    Examples
    --------
    >>> benjamini_hochberg([0.01, np.nan, 0.04, 0.03]).round(3).tolist()
    [0.03, nan, 0.04, 0.04]
    """
    values = np.asarray(p, dtype=float).ravel()
    out = np.full(values.shape, np.nan)
    present = ~np.isnan(values)
    observed = values[present]
    if observed.size == 0:
        return out
    if ((observed < 0) | (observed > 1)).any():
        bad = observed[(observed < 0) | (observed > 1)][0]
        raise ValueError(f"p-values must lie in [0, 1]; found {bad!r}")
    out[present] = false_discovery_control(observed, method="bh")
    return out


def bh_by_family(frame: pd.DataFrame, p_column: str, family_columns: Sequence[str]) -> pd.Series:
    """Benjamini-Hochberg q-values computed separately within each family of tests.

    Parameters
    ----------
    frame : pandas.DataFrame
        A tidy results table, one test per row.
    p_column : str
        Column holding the p-values.
    family_columns : sequence of str
        Columns whose combination defines a family (for example ``["model"]`` for one family
        per model kind); an empty sequence makes the whole table one family. Rows with a
        missing family key form no family and get NaN.

    Returns
    -------
    pandas.Series
        q-values aligned with ``frame.index``, named ``"q"``.

    References
    ----------
    Benjamini Y, Hochberg Y (1995). Controlling the false discovery rate: a practical and
    powerful approach to multiple testing. Journal of the Royal Statistical Society B
    57:289-300.
    """
    missing = [c for c in [p_column, *family_columns] if c not in frame.columns]
    if missing:
        raise KeyError(f"columns {missing} not in the table; it has {list(frame.columns)}")
    q = pd.Series(np.nan, index=frame.index, name="q")
    p = frame[p_column].to_numpy(dtype=float)
    if not family_columns:
        q[:] = benjamini_hochberg(p)
        return q
    codes = frame.groupby(list(family_columns), sort=False, dropna=True).ngroup().to_numpy()
    values = q.to_numpy(copy=True)
    for code in np.unique(codes[codes >= 0]):
        rows = codes == code
        values[rows] = benjamini_hochberg(p[rows])
    return pd.Series(values, index=frame.index, name="q")
