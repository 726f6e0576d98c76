"""Marker transforms and within-cohort, within-cancer-type standardization (<marker>_z)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from markersurv.cohort.vocab import Vocabulary
from markersurv.errors import HarmonizationError

TRANSFORMS = {"identity": lambda x: x, "log2": np.log2, "log2p1": lambda x: np.log2(x + 1.0)}


def standardize_markers(
    patients: pd.DataFrame, markers, vocab: Vocabulary, where: dict
) -> pd.DataFrame:
    """Add ``<marker>_z``: the scale's transform, then mean 0 and SD 1 (ddof 1) within each
    cancer type and scale of the cohort. Groups with fewer than 2 distinct values get NaN."""
    for m in markers:
        z = pd.Series(np.nan, index=patients.index)
        present = patients[m].notna()
        for (_, scale_name), rows in patients[present].groupby(["cancer_type", f"{m}_scale"]):
            scale = vocab.marker_scale(m, scale_name)
            values = rows[m].to_numpy(dtype=float)
            if scale.transform == "log2" and (values <= 0).any():
                raise HarmonizationError.at(
                    f"{m} values <= 0 cannot be log-transformed",
                    found=f"{(values <= 0).sum()} value(s) <= 0",
                    expected="positive concentrations",
                    hint="Zero readings are usually below the detection limit: write them as "
                    "'<LOD' or declare `lod:` and a below_lod token",
                    **where,
                )
            t = TRANSFORMS[scale.transform](values)
            if len(t) >= 2 and np.nanstd(t) > 0:
                z[rows.index] = (t - t.mean()) / t.std(ddof=1)
        patients[f"{m}_z"] = z
    return patients
