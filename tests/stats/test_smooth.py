"""The residual smooth drawn in proportional-hazards plots."""

import numpy as np

from markersurv.stats.smooth import residual_smooth, spline_smooth


def test_spline_smooth_reproduces_lines_and_cubics_in_its_span():
    x = np.linspace(0.0, 1.0, 60)
    grid = np.linspace(0.0, 1.0, 25)
    fit, lower, upper = spline_smooth(x, 2.0 + 0.5 * x, grid)
    np.testing.assert_allclose(fit, 2.0 + 0.5 * grid, atol=1e-10)
    np.testing.assert_allclose(upper - lower, 0.0, atol=1e-6)  # no residual: no band
    noisy = np.sin(2 * np.pi * x) + np.random.default_rng(2).normal(0, 0.2, x.size)
    fit, lower, upper = spline_smooth(x, noisy, grid)
    assert np.max(np.abs(fit - np.sin(2 * np.pi * grid))) < 0.25
    assert np.all(lower < fit) and np.all(fit < upper)
    # Too few distinct times for 4 df: a straight line.
    fit, _, _ = spline_smooth(np.array([0.1, 0.2, 0.3, 0.4]), np.array([1.0, 2, 3, 4]), grid)
    np.testing.assert_allclose(np.diff(fit, 2), 0.0, atol=1e-10)


def test_residual_smooth_spans_the_finite_residuals_on_an_even_grid():
    x = np.array([0.1, 0.2, np.nan, 0.4, 0.5, 0.7, 0.9])
    y = np.array([1.0, np.nan, 3.0, 0.5, 0.2, 0.1, 0.4])
    smooth = residual_smooth(x, y, points=11)
    assert list(smooth.columns) == ["x", "fit", "lower", "upper"]
    assert smooth["x"].iloc[0] == 0.1 and smooth["x"].iloc[-1] == 0.9
    np.testing.assert_allclose(np.diff(smooth["x"]), 0.08)
    keep = np.isfinite(x) & np.isfinite(y)
    fit, _, _ = spline_smooth(x[keep], y[keep], smooth["x"].to_numpy())
    np.testing.assert_array_equal(smooth["fit"], fit)


def test_residual_smooth_is_empty_below_three_residuals():
    assert residual_smooth(np.array([0.1, 0.2]), np.array([1.0, 2.0])).empty
