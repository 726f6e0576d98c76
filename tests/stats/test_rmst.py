"""Restricted mean survival time by hand (the R comparison is in test_tables_vs_r.py)."""

from __future__ import annotations

import numpy as np

from markersurv.stats.rmst import restricted_mean, rmst_difference


def test_area_under_the_curve_by_hand():
    # Deaths at 1, 2, 3 of three patients: S = 1 to 1, 2/3 to 2, 1/3 to 3; up to 2.5 the
    # area is 1 + 2/3 + 0.5/3. Variance: A_1 = 2/3 + 1/6 (from 1), A_2 = 1/6 (from 2):
    # A_1^2 / (3 * 2) + A_2^2 / (2 * 1).
    result = restricted_mean(np.array([1.0, 2.0, 3.0]), np.array([1, 1, 1]), 2.5)
    np.testing.assert_allclose(result.rmst, 1 + 2 / 3 + 0.5 / 3, rtol=1e-14)
    variance = (5 / 6) ** 2 / 6 + (1 / 6) ** 2 / 2
    np.testing.assert_allclose(result.se, np.sqrt(variance), rtol=1e-14)


def test_the_difference_is_second_minus_first_with_a_wald_interval():
    low = restricted_mean(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1, 1, 0, 1]), 3.0)
    high = restricted_mean(np.array([2.0, 3.0, 5.0, 6.0]), np.array([1, 0, 1, 0]), 3.0)
    diff = rmst_difference(low, high, 0.95)
    np.testing.assert_allclose(diff.difference, high.rmst - low.rmst)
    np.testing.assert_allclose(diff.upper - diff.difference, 1.959963984540054 * diff.se)
    assert 0 < diff.p < 1
