"""Association of the first two configured markers per cancer type (REMARK item 14).

Spearman's rho with a confidence interval from Fisher's z transform with the Bonett-Wright
variance 1.06 / (n - 3).

References
----------
Bonett DG, Wright TA. Sample size requirements for estimating Pearson, Kendall and Spearman
correlations. Psychometrika 2000;65:23-28.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm, spearmanr


def spearman_by_type(
    patients: pd.DataFrame, first: str, second: str, level: float = 0.95
) -> pd.DataFrame:
    rows = []
    for cancer_type, data in patients.groupby("cancer_type", sort=True):
        pair = data[[f"{first}_z", f"{second}_z"]].dropna()
        n = len(pair)
        row = {
            "cancer_type": cancer_type,
            "n": n,
            "rho": np.nan,
            "lower": np.nan,
            "upper": np.nan,
            "p": np.nan,
        }
        if n >= 4 and pair.nunique().min() > 1:
            result = spearmanr(pair.iloc[:, 0], pair.iloc[:, 1])
            rho = float(result.statistic)
            half = norm.ppf(0.5 + level / 2) * np.sqrt(1.06 / (n - 3))
            z = np.arctanh(np.clip(rho, -0.999999, 0.999999))
            row.update(
                rho=rho, lower=np.tanh(z - half), upper=np.tanh(z + half), p=float(result.pvalue)
            )
        rows.append(row)
    return pd.DataFrame(rows, columns=["cancer_type", "n", "rho", "lower", "upper", "p"])
