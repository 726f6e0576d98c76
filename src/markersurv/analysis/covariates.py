"""The covariates of a Cox model as numeric columns, and those an analysis can use.

A continuous covariate is one column, per unit. A categorical covariate with two levels is
one 0/1 column named by its id (sex: male vs female; stage_group: late vs early); with more
levels, one 0/1 column per level other than the reference, named ``<id>:<level>`` (stage:II,
stage:III, stage:IV against stage I). A patient without a value has none in every column.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from markersurv.config.covariates import Covariate


@dataclass(frozen=True)
class Design:
    """The columns of each covariate (by id, in the configured order) for the patients of
    ``index``."""

    index: pd.Index
    columns: dict[str, pd.DataFrame]

    def frame(self) -> pd.DataFrame:
        """Every covariate's columns side by side."""
        return pd.concat([pd.DataFrame(index=self.index), *self.columns.values()], axis=1)


def covariate_design(data: pd.DataFrame, covariates: tuple[Covariate, ...]) -> Design:
    """Numeric columns of each covariate (see the module docstring)."""
    return Design(data.index, {c.id: covariate_columns(data[c.id], c) for c in covariates})


def covariate_columns(values: pd.Series, covariate: Covariate) -> pd.DataFrame:
    """One covariate's columns from its patient-table values."""
    if covariate.type == "continuous":
        return pd.DataFrame({covariate.id: values.astype(float)}, index=values.index)
    missing = values.isna() | ~values.isin(covariate.levels)
    others = covariate.levels[1:]
    names = [covariate.id] if len(others) == 1 else [f"{covariate.id}:{lv}" for lv in others]
    return pd.DataFrame(
        {
            name: np.where(missing, np.nan, (values == level).astype(float))
            for name, level in zip(names, others, strict=True)
        },
        index=values.index,
    )


def usable_columns(columns: pd.DataFrame, covariate: Covariate) -> tuple[list[str], str]:
    """The columns of one covariate a model of these patients can estimate, and why any are
    left out: none when the covariate is recorded for no patient or takes one value for all
    (it adjusts for nothing and would make the model not estimable); for more than two levels,
    none for a level no patient has, and, without patients at the reference level, the first
    level present becomes the reference."""
    recorded = columns.dropna()
    if recorded.empty:
        return [], f"{covariate.id} (not recorded)"
    if covariate.type == "continuous" or columns.shape[1] == 1:
        if recorded.iloc[:, 0].nunique() == 1:
            return [], f"{covariate.id} (the same for every patient)"
        return list(columns.columns), ""
    present = [c for c in columns.columns if recorded[c].any()]
    reference_present = (recorded.sum(axis=1) == 0).any()
    if len(present) + int(reference_present) < 2:
        return [], f"{covariate.id} (the same for every patient)"
    absent = [c.split(":", 1)[1] for c in columns.columns if c not in present]
    notes = [f"no patient at {covariate.id} {', '.join(absent)}"] if absent else []
    if not reference_present:
        notes.append(
            f"{covariate.id} {present[0].split(':', 1)[1]} as reference "
            f"(no patient at {covariate.reference})"
        )
        present = present[1:]
    return present, "; ".join(notes)


def usable_covariates(design: Design, covariates: tuple[Covariate, ...]) -> tuple[list[str], str]:
    """The columns an adjusted model can use here, and a note naming what was left out."""
    kept, left_out, other = [], [], []
    for covariate in covariates:
        columns, why = usable_columns(design.columns[covariate.id], covariate)
        kept += columns
        if why and not columns:
            left_out.append(why)
        elif why:
            other.append(why)
    notes = [f"adjusted without {', '.join(left_out)}"] if left_out else []
    return kept, "; ".join(notes + other)


def imputable(covariates: tuple[Covariate, ...]) -> dict[str, bool]:
    """Columns multiple imputation may fill, each marked binary (rounded to 0/1) or not; the
    columns of a covariate with more than two levels are not imputed one by one (a patient
    could get two levels), so their missing values leave the patient out."""
    out: dict[str, bool] = {}
    for covariate in covariates:
        if covariate.type == "continuous":
            out[covariate.id] = False
        elif len(covariate.levels) == 2:
            out[covariate.id] = True
    return out
