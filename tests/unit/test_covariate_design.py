"""Covariates as Cox model columns: continuous per unit, two levels as one 0/1 column, more
levels as one column per non-reference level; what an analysis can estimate and the notes
saying what was left out."""

from __future__ import annotations

import numpy as np
import pandas as pd

from markersurv.analysis.covariates import (
    covariate_design,
    imputable,
    usable_columns,
    usable_covariates,
)
from markersurv.config.covariates import BUILT_IN_COVARIATES, Covariate

AGE, SEX, STAGE, STAGE_GROUP = BUILT_IN_COVARIATES
GRADE = Covariate("grade", "Grade", "categorical", levels=("G2", "G1", "G3"))


def test_built_in_covariates_keep_their_one_column_coding():
    data = pd.DataFrame(
        {
            "age": [50, 61.5, np.nan],
            "sex": ["male", "female", None],
            "stage_group": ["late", "early", np.nan],
        }
    )
    out = covariate_design(data, (AGE, SEX, STAGE_GROUP)).frame()
    assert list(out.columns) == ["age", "sex", "stage_group"]
    np.testing.assert_array_equal(out.iloc[:2].to_numpy(), [[50, 1, 1], [61.5, 0, 0]])
    assert out.iloc[2].isna().all()


def test_a_covariate_of_more_levels_gets_one_column_per_level_against_its_reference():
    data = pd.DataFrame({"stage": ["I", "II", "IV", None, "III"]})
    out = covariate_design(data, (STAGE,)).frame()
    assert list(out.columns) == ["stage:II", "stage:III", "stage:IV"]
    np.testing.assert_array_equal(
        out.to_numpy(),
        [[0, 0, 0], [1, 0, 0], [0, 0, 1], [np.nan] * 3, [0, 1, 0]],
    )
    grade = covariate_design(pd.DataFrame({"grade": ["G1", "G2", "G3"]}), (GRADE,)).frame()
    assert list(grade.columns) == ["grade:G1", "grade:G3"]
    np.testing.assert_array_equal(grade.to_numpy(), [[1, 0], [0, 0], [0, 1]])


def columns_of(covariate, values):
    return covariate_design(pd.DataFrame({covariate.id: values}), (covariate,)).columns[
        covariate.id
    ]


def test_levels_no_patient_has_are_left_out_and_a_missing_reference_is_replaced():
    columns = columns_of(STAGE, ["I", "II", "II", "III", None])
    assert usable_columns(columns, STAGE) == (["stage:II", "stage:III"], "no patient at stage IV")
    columns = columns_of(STAGE, ["II", "III", "IV", "III"])
    assert usable_columns(columns, STAGE) == (
        ["stage:III", "stage:IV"],
        "stage II as reference (no patient at I)",
    )


def test_a_covariate_without_information_is_left_out_with_its_reason():
    assert usable_columns(columns_of(STAGE, ["III", "III", None]), STAGE) == (
        [],
        "stage (the same for every patient)",
    )
    assert usable_columns(columns_of(SEX, ["female", "female"]), SEX) == (
        [],
        "sex (the same for every patient)",
    )
    assert usable_columns(columns_of(AGE, [np.nan, np.nan]), AGE) == ([], "age (not recorded)")


def test_the_adjusted_model_note_names_every_covariate_left_out():
    data = pd.DataFrame(
        {
            "age": [50.0, 60.0, 70.0, 40.0],
            "sex": ["female"] * 4,
            "stage": ["I", "II", "I", "II"],
            "grade": [None] * 4,
        }
    )
    covariates = (AGE, SEX, STAGE, GRADE)
    kept, note = usable_covariates(covariate_design(data, covariates), covariates)
    assert kept == ["age", "stage:II"]
    assert note == (
        "adjusted without sex (the same for every patient), grade (not recorded); "
        "no patient at stage III, IV"
    )


def test_only_numbers_and_two_level_covariates_are_imputed():
    assert imputable((AGE, SEX, STAGE, GRADE, STAGE_GROUP)) == {
        "age": False,
        "sex": True,
        "stage_group": True,
    }
