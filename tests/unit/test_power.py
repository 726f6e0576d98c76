"""The smallest detectable hazard ratio beside every Cox estimate (Schoenfeld's formula)."""

from __future__ import annotations

import numpy as np

from markersurv.analysis.power import detectable_hazard_ratios, r_squared


def test_balanced_binary_term_by_hand():
    # 100 events, half the patients in each group: log HR = (z_.975 + z_.8) / sqrt(100 / 4)
    # = (1.959964 + 0.841621) / 5, HR = 1.7513 (Schoenfeld: ~100 events detect HR 1.75).
    x = np.repeat([0.0, 1.0], 50)[:, None]
    (hr,) = detectable_hazard_ratios(x, 100, 0.05, 0.8)
    np.testing.assert_allclose(hr, np.exp((1.959963984540054 + 0.8416212335729143) / 5))
    assert 1.75 < hr < 1.752


def test_a_term_explained_by_another_has_less_information():
    rng = np.random.default_rng(5)
    a = rng.standard_normal(400)
    b = 0.8 * a + 0.6 * rng.standard_normal(400)
    alone = detectable_hazard_ratios(b[:, None], 80, 0.05, 0.8)[0]
    adjusted = detectable_hazard_ratios(np.column_stack([a, b]), 80, 0.05, 0.8)[1]
    assert adjusted > alone
    r2 = r_squared(b, a[:, None])
    np.testing.assert_allclose(np.log(adjusted) ** 2 * (1 - r2), np.log(alone) ** 2, rtol=1e-12)


def test_a_constant_term_has_no_detectable_hazard_ratio():
    x = np.column_stack([np.ones(20), np.arange(20.0)])
    hr = detectable_hazard_ratios(x, 10, 0.05, 0.8)
    assert np.isnan(hr[0]) and np.isfinite(hr[1])
