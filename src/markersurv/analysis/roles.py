"""The role of every estimate: primary (the analysis the config declared before the data
were seen, its own multiplicity family), secondary (every other prespecified estimate), or
exploratory (groups the data chose: optimal and cross-validated cutpoints; the spline).

A data-chosen cutpoint never carries a naive p: the p of each cohort's optimal split is the
search-corrected one of its cutpoint scan (cutpoints.tsv), and a pooled optimal split, whose
cohorts each chose their own cutpoint, has none.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from markersurv.config.settings import AnalysisSettings

EXPLORATORY_CUTS = ("optimal", "cv_optimal")
CORRECTED_NOTE = "p corrected for the cutpoint search ({correction}; cutpoints.tsv)"
POOLED_NOTE = "no p: each cohort chose its own cutpoint (see cutpoints.tsv for each p)"


def is_primary(row, primary: dict | None) -> bool:
    """A pooled (cohort all) row of the declared primary model, marker and endpoint, on
    the marker's own term."""
    if not primary or row.cohort != "all":
        return False
    model = primary["model"]
    term = {
        "continuous": f"{row.marker}_z",
        "adjusted": f"{row.marker}_z",
        "per_doubling": f"{row.marker}_log2",
        "dichotomized": f"{row.marker}_high",
    }[model]
    cut = primary.get("cut_method", "median") if model == "dichotomized" else "none"
    return (
        row.model == model
        and row.term == term
        and row.cut_method == cut
        and row.marker in primary["markers"]
        and row.endpoint in primary["endpoints"]
    )


def roles(frame: pd.DataFrame, primary: dict | None) -> list[str]:
    """primary, secondary or exploratory for each row of cox.tsv or logrank.tsv."""
    out = []
    for row in frame.itertuples():
        if row.cut_method in EXPLORATORY_CUTS or getattr(row, "model", "") == "spline":
            out.append("exploratory")
        elif getattr(row, "model", None) is not None and is_primary(row, primary):
            out.append("primary")
        else:
            out.append("secondary")
    return out


def corrected_p(frame: pd.DataFrame, cutpoints: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (cox or logrank rows) with the p of optimal-cutpoint rows replaced: each
    cohort's by its scan's corrected p, a pooled row's by none, each with a note."""
    frame = frame.copy()
    optimal = (frame["cut_method"] == "optimal").to_numpy()
    if not optimal.any():
        return frame
    keys = ["cancer_type", "endpoint", "marker", "cohort"]
    scans = cutpoints[cutpoints["method"] == "optimal"]
    # Each scan is corrected twice; the Hothorn-Lausen p (the distribution of the maximally
    # selected statistic itself) is reported, the Lausen-Schumacher bound where it is absent.
    scans = scans.assign(_hl=scans["correction"].str.startswith("Hothorn")).sort_values(
        "_hl", kind="mergesort"
    )
    found = {
        tuple(r[k] for k in keys): (r["p_adjusted"], r["correction"])
        for r in scans.to_dict("records")
    }
    for i in np.flatnonzero(optimal):
        row = frame.iloc[i]
        if pd.isna(row["p"]):
            continue
        key = tuple(row[k] for k in keys)
        if row["cohort"] == "all" or key not in found:
            p, note = np.nan, POOLED_NOTE
        else:
            p, correction = found[key]
            note = CORRECTED_NOTE.format(correction=correction)
        frame.iloc[i, frame.columns.get_loc("p")] = p
        if "z" in frame.columns:
            frame.iloc[i, frame.columns.get_loc("z")] = np.nan
        previous = frame.iloc[i]["note"]
        frame.iloc[i, frame.columns.get_loc("note")] = "; ".join(
            n for n in (previous if isinstance(previous, str) else "", note) if n
        )
    return frame


def with_roles(
    tables: dict[str, pd.DataFrame], settings: AnalysisSettings
) -> dict[str, pd.DataFrame]:
    """cox and logrank with corrected optimal-cutpoint p values and a ``role`` column."""
    cutpoints = tables.get("cutpoints", pd.DataFrame())
    out = dict(tables)
    for name in ("cox", "logrank"):
        frame = tables.get(name)
        if frame is None or frame.empty:
            continue
        if len(cutpoints):
            frame = corrected_p(frame, cutpoints)
        out[name] = frame.assign(role=roles(frame, settings.primary))
    return out
