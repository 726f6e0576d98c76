"""Each study's weight in a pooled estimate (pooling_weights.tsv) against R metafor's
``weights(rma(...))`` (tests/r/meta_weights_reference.R).

The per-study estimates are SYNTHETIC: log hazard ratios and SEs drawn with fixed seeds
(``studies`` in test_meta), written as the cohort rows of cox.tsv, pooled across the
cohorts of a cancer type and across cancer types as the analysis does.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from markersurv.analysis.pooling import (
    pooled_across_types,
    pooled_within_types,
    pooling_weights,
    study_weights,
)
from tests.r_bridge import run_r
from tests.stats.test_meta import r_num, studies
from tests.unit.test_analysis_degenerate import SETTINGS

RTOL = 1e-8
DATASETS = {
    f"k{k}_{label}": studies(k, tau, seed=500 + 10 * k + i, spread=spread)
    for k in (2, 3, 8)
    for i, (label, tau, spread) in enumerate(
        [("zero", 0.0, 0.1), ("moderate", 0.2, 1.0), ("large", 1.0, 1.0)]
    )
}


def cox_rows(name: str, data: pd.DataFrame, pan_cancer: bool) -> pd.DataFrame:
    """cox.tsv rows of the continuous model: one cancer type's cohorts, or (pan_cancer)
    one cohort-stratified row per cancer type."""
    k = len(data)
    return pd.DataFrame(
        {
            "cancer_type": [f"T{i}" for i in range(k)] if pan_cancer else name,
            "cohort": "all" if pan_cancer else [f"c{i}" for i in range(k)],
            "endpoint": name if pan_cancer else "os",
            "marker": "il6",
            "model": "continuous",
            "cut_method": "none",
            "term": "il6_z",
            "coef": data["yi"].to_numpy(),
            "se": data["sei"].to_numpy(),
            "status": "ok",
        }
    )


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict:
    stacked = pd.concat(
        [d.assign(dataset=name) for name, d in DATASETS.items()], ignore_index=True
    )[["dataset", "yi", "sei"]]
    return run_r(
        "meta_weights_reference.R", {"studies": stacked}, tmp_path_factory.mktemp("weights")
    )


def weights_of(scope: str, method: str, knapp_hartung: bool, pan_cancer: bool) -> pd.DataFrame:
    settings = dataclasses.replace(SETTINGS, meta_method="FE", knapp_hartung=knapp_hartung)
    if pan_cancer:
        cox = pd.concat([cox_rows(n, d, True) for n, d in DATASETS.items()], ignore_index=True)
        pooled = pooled_across_types(cox, settings)
        keys = (pooled["endpoint"] == scope) & (pooled["method"] == method)
    else:
        cox = pd.concat([cox_rows(n, d, False) for n, d in DATASETS.items()], ignore_index=True)
        pooled = pooled_within_types(cox, settings)
        keys = (pooled["scope"] == scope) & (pooled["method"] == method)
    weights = pooling_weights(cox, pooled[keys])
    assert set(weights["method"]) == {method}
    return weights


@pytest.mark.r
@pytest.mark.parametrize("pan_cancer", [False, True], ids=["within_type", "pan_cancer"])
@pytest.mark.parametrize("knapp_hartung", [False, True], ids=["z", "knha"])
@pytest.mark.parametrize("method", ["REML", "DL", "FE"])
@pytest.mark.parametrize("name", list(DATASETS))
def test_weights_match_metafor(reference, name, method, knapp_hartung, pan_cancer):
    ref = reference[f"{name}|{method}|{'knha' if knapp_hartung else 'z'}"]
    weights = weights_of(name, method, knapp_hartung, pan_cancer)
    expected = r_num(ref["weights"])
    np.testing.assert_allclose(weights["weight"], expected, rtol=RTOL, atol=0)
    k = len(DATASETS[name])
    studies_column = [f"T{i}" for i in range(k)] if pan_cancer else [f"c{i}" for i in range(k)]
    assert weights["study"].tolist() == studies_column
    assert set(weights["scope"]) == {"pan-cancer" if pan_cancer else name}
    assert weights["weight"].sum() == pytest.approx(100.0, rel=1e-12)


@pytest.mark.r
def test_cases_cover_truncated_and_positive_heterogeneity(reference):
    tau2 = {name: r_num(reference[f"{name}|REML|z"]["tau2"])[0] for name in DATASETS}
    assert tau2["k8_zero"] == 0 and tau2["k8_large"] > 0.3


def test_weights_hand_computed():
    se, tau2 = np.array([0.1, 0.2, 0.4]), 0.05
    w = 1 / (se**2 + tau2)
    np.testing.assert_allclose(study_weights(se, tau2), 100 * w / w.sum(), rtol=1e-14)


def test_not_estimable_pooled_rows_get_no_weights():
    one = cox_rows("k2_zero", DATASETS["k2_zero"], False)
    one.loc[1, ["coef", "status"]] = [np.nan, "not_estimable"]
    pooled = pooled_within_types(one, SETTINGS)
    assert (pooled["status"] == "not_estimable").all()
    assert pooling_weights(one, pooled).empty
