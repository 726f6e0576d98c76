"""Patients with and without each marker, side by side (REMARK: a marker measured on a
selected subset can bias its estimates): their characteristics, and the clinical hazard
ratios on every patient with follow-up beside those on the marker's subset."""

from __future__ import annotations

import pandas as pd

from markersurv.analysis.pooling import NO_MARKER
from markersurv.config.study import Study
from markersurv.reporting.table_one import group_rows, hidden_count


def subset_characteristics(
    patients: pd.DataFrame, study: Study, below: int | None = None
) -> pd.DataFrame:
    """cancer_type, marker, variable, level, then the value among patients with the marker
    measured and among those without it (the marker's own rows left out; counts under
    ``below`` hidden)."""
    parts = []
    markers = {m.label for m in study.markers}
    for declared in study.markers:
        measured = patients[declared.id].notna() | patients[f"{declared.id}_below_lod"]
        for cancer_type, of_type in patients.groupby("cancer_type", sort=True):
            inside = measured[of_type.index]
            groups = [
                pd.DataFrame(group_rows(rows, study))[["variable", "level", "value"]]
                for rows in (of_type[inside], of_type[~inside])
            ]
            # In Table 1's order; a level one group lacks (stage 0) has no patient there.
            keys = ["variable", "level"]
            side = pd.concat([groups[0], groups[1]]).drop_duplicates(keys)[keys]
            for i, group in enumerate(groups):
                side = side.merge(group.rename(columns={"value": f"value_{i}"}), how="left")
            side = side[~side["variable"].isin(markers)].fillna("0")
            parts.append(
                pd.DataFrame(
                    {
                        "cancer_type": cancer_type,
                        "marker": declared.label,
                        "variable": side["variable"],
                        "level": side["level"],
                        "measured": [hidden_count(v, below) for v in side["value_0"]],
                        "not measured": [hidden_count(v, below) for v in side["value_1"]],
                    }
                )
            )
    columns = ["cancer_type", "marker", "variable", "level", "measured", "not measured"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def hr_text(row) -> str:
    if row.status == "not_estimable" or pd.isna(row.hr):
        return f"not estimable (n {row.n})"
    return f"{row.hr:.2f} ({row.hr_lower:.2f}-{row.hr_upper:.2f}), n {row.n}"


def clinical_in_both(cox: pd.DataFrame, study: Study) -> pd.DataFrame:
    """Each clinical hazard ratio (pooled within cancer type) on every patient with
    follow-up, and on the patients with each marker."""
    clinical = cox[(cox["model"] == "clinical") & (cox["cohort"] == "all")].copy()
    if clinical.empty:
        return pd.DataFrame()
    clinical["estimate"] = [hr_text(r) for r in clinical.itertuples()]
    names = {NO_MARKER: "all with follow-up", **{m.id: f"with {m.label}" for m in study.markers}}
    clinical = clinical[clinical["marker"].isin(names)]
    clinical["endpoint"] = clinical["endpoint"].map(study.endpoint_labels())
    wide = clinical.pivot_table(
        index=["cancer_type", "endpoint", "term"],
        columns="marker",
        values="estimate",
        aggfunc="first",
    )
    order = [m for m in names if m in wide.columns]
    return wide[order].rename(columns=names).reset_index().rename_axis(columns=None)
