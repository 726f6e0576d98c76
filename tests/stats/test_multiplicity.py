"""Benjamini-Hochberg adjustment against R's p.adjust (tests/r/meta_reference.R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from markersurv.stats.multiplicity import benjamini_hochberg, bh_by_family
from tests.r_bridge import run_r

_rng = np.random.default_rng(5)
# Ties, NA, exact 0 and 1, a single p-value, all NA, and a larger family with many ties.
P_FAMILIES = {
    "ties_na": [0.01, np.nan, 0.04, 0.04, 0.2, 1e-9, 0.04, np.nan, 0.5],
    "bounds": [0.0, 1.0, 0.5, 0.0, 1.0],
    "single": [0.03],
    "all_na": [np.nan, np.nan],
    "random_300": np.round(_rng.uniform(0, 1, 300) ** 3, 3).tolist(),
}


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict:
    pvalues = pd.DataFrame(
        [(fam, p) for fam, ps in P_FAMILIES.items() for p in ps], columns=["family", "p"]
    )
    studies = pd.DataFrame(columns=["dataset", "yi", "sei"])
    out = run_r(
        "meta_reference.R",
        {"studies": studies, "pvalues": pvalues},
        tmp_path_factory.mktemp("bh"),
    )
    return out["bh"]


def r_num(value) -> np.ndarray:
    """R's JSON numbers (with "NA", "NaN", "Inf" strings) as a float array."""
    as_float = np.vectorize(lambda v: np.nan if v in ("NA", None) else float(v), otypes=[float])
    return np.atleast_1d(as_float(np.asarray(value, dtype=object)))


@pytest.mark.r
@pytest.mark.parametrize("family", list(P_FAMILIES))
def test_matches_p_adjust(reference, family):
    expected = r_num(reference[family])
    actual = benjamini_hochberg(P_FAMILIES[family])
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected))
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=0)


@pytest.mark.r
def test_missing_p_values_do_not_count_in_the_family(reference):
    # Two NA among nine: R adjusts by n = 7, as if they were absent.
    observed = [p for p in P_FAMILIES["ties_na"] if not np.isnan(p)]
    expected = r_num(reference["ties_na"])
    np.testing.assert_allclose(
        expected[~np.isnan(expected)], benjamini_hochberg(observed), rtol=1e-12
    )


def test_hand_computed_with_ties():
    # Sorted 0.01, 0.03, 0.04, 0.2 give n/i * p = 0.04, 0.06, 0.0533, 0.2; cumulative minimum
    # from the largest p down.
    q = benjamini_hochberg([0.01, 0.04, 0.03, 0.2, 0.04])
    np.testing.assert_allclose(q, [0.05, 0.05, 0.05, 0.2, 0.05], rtol=1e-15)
    q = benjamini_hochberg([0.01, 0.04, 0.03, 0.2])
    np.testing.assert_allclose(q, [0.04, 0.16 / 3, 0.16 / 3, 0.2], rtol=1e-15)


def test_empty_and_all_missing():
    assert benjamini_hochberg([]).shape == (0,)
    assert np.isnan(benjamini_hochberg([np.nan, np.nan])).all()


@pytest.mark.parametrize("bad", [-0.1, 1.5])
def test_p_values_outside_unit_interval_are_refused(bad):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        benjamini_hochberg([0.1, bad])


def test_by_family_adjusts_each_family_separately_and_keeps_the_index():
    frame = pd.DataFrame(
        {
            "model": ["continuous", "continuous", "adjusted", "adjusted", "continuous", None],
            "endpoint": ["os", "os", "os", "pfi", "pfi", "os"],
            "p": [0.01, 0.04, 0.02, np.nan, 0.03, 0.01],
        },
        index=[10, 11, 12, 13, 14, 15],
    )
    q = bh_by_family(frame, "p", ["model"])
    assert q.name == "q" and list(q.index) == list(frame.index)
    np.testing.assert_allclose(q.loc[[10, 11, 14]], benjamini_hochberg([0.01, 0.04, 0.03]))
    assert q.loc[12] == 0.02
    assert np.isnan(q.loc[13]) and np.isnan(q.loc[15])
    two_keys = bh_by_family(frame, "p", ["model", "endpoint"])
    np.testing.assert_allclose(two_keys.loc[[10, 11]], benjamini_hochberg([0.01, 0.04]))
    assert two_keys.loc[14] == 0.03
    whole = bh_by_family(frame, "p", [])
    np.testing.assert_allclose(whole.to_numpy(), benjamini_hochberg(frame["p"]))


def test_by_family_names_a_missing_column():
    with pytest.raises(KeyError, match="cancer_type"):
        bh_by_family(pd.DataFrame({"p": [0.1]}), "p", ["cancer_type"])
