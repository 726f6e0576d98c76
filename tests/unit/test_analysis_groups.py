"""Marker groups (markersurv.analysis.groups) on hand-computed cases.

Quantile cut points are R's default (type 7) quantiles; a value equal to a cut point goes to
the lower group, so for the median split high means strictly above the cohort's median.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from markersurv.analysis.groups import (
    LABELS,
    cut_labels,
    joint_groups,
    joint_labels,
    marker_groups,
    quantile_labels,
)


def listed(groups: pd.Series) -> list:
    """Labels as a list, every missing label as None (pandas may store it as NaN)."""
    return [None if pd.isna(g) else g for g in groups]


def patients(values, cohorts=None, scales=None, marker="il6") -> pd.DataFrame:
    n = len(values)
    return pd.DataFrame(
        {
            "cohort": cohorts or ["a"] * n,
            marker: np.asarray(values, dtype=float),
            f"{marker}_scale": scales or ["pg/mL"] * n,
        }
    )


def test_median_split_is_within_each_cohort():
    # Cohort a: median 3; cohort b: median 25. 20 in b is larger than 4 in a, yet it is low.
    data = patients([1, 2, 3, 4, 5, 10, 20, 30, 40], cohorts=["a"] * 5 + ["b"] * 4)
    groups = marker_groups(data, "il6", "median")
    assert listed(groups) == ["low", "low", "low", "high", "high", "low", "low", "high", "high"]


def test_values_tied_at_the_median_go_low():
    groups = marker_groups(patients([2, 1, 2, 5, 2]), "il6", "median")
    assert listed(groups) == ["low", "low", "low", "high", "low"]


def test_all_values_equal_make_one_low_group():
    groups = marker_groups(patients([3, 3, 3, 3]), "il6", "median")
    assert listed(groups) == ["low"] * 4


def test_missing_values_get_no_group_and_do_not_move_the_median():
    # Median of (1, 2, 3, 10) is 2.5 whatever the missing values.
    groups = marker_groups(patients([1, np.nan, 2, 3, 10, np.nan]), "il6", "median")
    assert listed(groups) == ["low", None, "low", "high", "high", None]


def test_each_scale_of_a_cohort_is_split_separately():
    # One cohort scoring pSTAT3 on two systems: an H-score of 40 is low among H-scores even
    # though it exceeds every percentage.
    data = patients(
        [10, 40, 200, 250, 5, 8, 30, 35],
        scales=["h_score"] * 4 + ["percent_positive"] * 4,
        marker="pstat3",
    )
    groups = marker_groups(data, "pstat3", "median")
    assert listed(groups) == ["low", "low", "high", "high", "low", "low", "high", "high"]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # Type 7 tertiles of 1..9: 3.667 and 6.333.
        (range(1, 10), ["T1"] * 3 + ["T2"] * 3 + ["T3"] * 3),
        # Of 1..7: exactly 3 and 5, which go to the lower group.
        (range(1, 8), ["T1", "T1", "T1", "T2", "T2", "T3", "T3"]),
    ],
)
def test_tertile_labels(values, expected):
    data = patients(list(values))
    assert listed(marker_groups(data, "il6", "tertile")) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # Type 7 quartiles of 1..8: 2.75, 4.5, 6.25.
        (range(1, 9), ["Q1", "Q1", "Q2", "Q2", "Q3", "Q3", "Q4", "Q4"]),
        # Of 1..5: exactly 2, 3 and 4.
        (range(1, 6), ["Q1", "Q1", "Q2", "Q3", "Q4"]),
    ],
)
def test_quartile_labels(values, expected):
    data = patients(list(values))
    assert listed(marker_groups(data, "il6", "quartile")) == expected


def test_quantile_cut_points_are_r_type_7():
    values = np.array([0.3, 7.1, 2.2, 9.4, 5.5, 1.0, 4.8])
    labels = quantile_labels(values, LABELS["quartile"])
    # R: quantile(c(0.3, 7.1, 2.2, 9.4, 5.5, 1.0, 4.8), c(.25, .5, .75)) = 1.6, 4.8, 6.3
    expected = np.select(
        [values <= 1.6, values <= 4.8, values <= 6.3], ["Q1", "Q2", "Q3"], default="Q4"
    )
    assert labels.tolist() == expected.tolist()


def test_fixed_cutpoints_are_per_scale_and_inclusive_below():
    data = patients(
        [50, 100, 101, 250, 5, 10, 11, 1, 2],
        scales=["h_score"] * 4 + ["percent_positive"] * 3 + ["intensity"] * 2,
        marker="pstat3",
    )
    cutpoints = {"pstat3": {"h_score": 100.0, "percent_positive": 10.0}}
    groups = marker_groups(data, "pstat3", "fixed", fixed_cutpoints=cutpoints)
    # A scale without a configured cutpoint gets no group.
    assert listed(groups) == ["low", "low", "high", "high", "low", "low", "high", None, None]


def test_optimal_groups_use_each_cohorts_own_cutpoint():
    data = patients([1, 2, 3, 4, 1, 2, 3, 4, 9], cohorts=["a"] * 4 + ["b"] * 4 + ["c"])
    groups = marker_groups(data, "il6", "optimal", cutpoints={"a": 1.0, "b": 3.0})
    assert listed(groups) == ["low", "high", "high", "high", "low", "low", "low", "high", None]


def test_cut_labels_keep_missing_values_missing():
    assert cut_labels(np.array([1.0, np.nan, 3.0]), 2.0).tolist() == ["low", None, "high"]


def test_unknown_method_is_an_error():
    with pytest.raises(ValueError, match="unknown cut method 'decile'"):
        marker_groups(patients([1, 2, 3]), "il6", "decile")


def test_joint_groups_cross_two_median_splits():
    data = pd.DataFrame(
        {
            "cohort": ["a"] * 5,
            "il6": [1.0, 2.0, 3.0, 4.0, np.nan],
            "il6_scale": ["pg/mL"] * 5,
            "pstat3": [40.0, 10.0, 30.0, 20.0, 50.0],
            "pstat3_scale": ["h_score"] * 5,
        }
    )
    # il6 median 2.5 (of the four present); pstat3 median 30 (of all five).
    groups = joint_groups(data, "il6", "pstat3")
    assert listed(groups) == [
        "il6_low&pstat3_high",
        "il6_low&pstat3_low",
        "il6_high&pstat3_low",
        "il6_high&pstat3_low",
        None,
    ]
    assert joint_labels("il6", "pstat3") == (
        "il6_low&pstat3_low",
        "il6_low&pstat3_high",
        "il6_high&pstat3_low",
        "il6_high&pstat3_high",
    )
    assert set(groups.dropna()) <= set(joint_labels("il6", "pstat3"))


def test_group_labels_follow_the_design_vocabulary():
    assert LABELS["median"] == ("low", "high")
    assert LABELS["tertile"] == ("T1", "T2", "T3")
    assert LABELS["quartile"] == ("Q1", "Q2", "Q3", "Q4")
    assert set(LABELS) == {"median", "tertile", "quartile", "fixed", "optimal", "cv_optimal"}
