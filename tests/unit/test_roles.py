"""The declared primary analysis is its own multiplicity family; everything else is labelled
secondary, or exploratory where the data chose the groups; a data-chosen split never carries
a naive p."""

from __future__ import annotations

import numpy as np
import pandas as pd

from markersurv.analysis.pooling import finalize_tables
from markersurv.config.settings import AnalysisSettings

CONFIG = {
    "markers": [{"id": "il6", "label": "IL-6"}, {"id": "crp", "label": "CRP"}],
    "endpoints": [{"id": "os", "label": "OS"}, {"id": "pfs", "label": "PFS"}],
}


def cox_row(marker, endpoint, p, model="continuous", cut="none", cohort="all", term=None):
    term = term or (f"{marker}_high" if model == "dichotomized" else f"{marker}_z")
    return {"cancer_type": "BRCA", "cohort": cohort, "endpoint": endpoint, "marker": marker,
            "model": model, "cut_method": cut, "term": term, "n": 100, "events": 40,
            "coef": 0.3, "se": 0.1, "hr": 1.35, "hr_lower": 1.1, "hr_upper": 1.6, "z": 3.0,
            "p": p, "status": "ok", "note": ""}  # fmt: skip


def finalized(primary=None):
    config = {**CONFIG, "analysis": {"primary": primary}} if primary else CONFIG
    cox = pd.DataFrame(
        [
            cox_row("il6", "os", 0.01),
            cox_row("il6", "pfs", 0.04),
            cox_row("crp", "os", 0.03),
            cox_row("il6", "os", 0.001, "dichotomized", "optimal"),
            cox_row("il6", "os", 0.002, "dichotomized", "optimal", cohort="a"),
        ]
    )
    cutpoints = pd.DataFrame(
        [
            {"cancer_type": "BRCA", "endpoint": "os", "marker": "il6", "cohort": "a",
             "method": "optimal", "p_adjusted": p, "correction": correction}
            for p, correction in ((0.2, "Lausen-Schumacher 1994"), (0.3, "Hothorn-Lausen 2003"))
        ]
    )  # fmt: skip
    settings = AnalysisSettings.from_config(config)
    tables = finalize_tables([{"cox": cox, "cutpoints": cutpoints}], settings)
    return tables["cox"].set_index(["marker", "endpoint", "cut_method", "cohort"])


def test_a_declared_primary_analysis_is_its_own_family():
    cox = finalized({"markers": ["il6"], "endpoints": ["os", "pfs"], "model": "continuous"})
    primary = cox[cox["role"] == "primary"]
    assert sorted(primary.index.get_level_values("endpoint")) == ["os", "pfs"]
    assert primary["family"].eq("primary").all()
    # BH over the two primary tests alone: 0.01 -> 0.02, 0.04 -> 0.04.
    np.testing.assert_allclose(primary["q"].sort_values(), [0.02, 0.04])
    crp = cox.loc[("crp", "os", "none", "all")]
    assert crp["role"] == "secondary" and crp["family"] == "continuous" and crp["q"] == 0.03


def test_without_a_declaration_nothing_is_primary():
    cox = finalized()
    assert "primary" not in set(cox["role"])
    assert cox.loc[("il6", "os", "none", "all"), "family"] == "continuous"


def test_a_data_chosen_split_has_the_corrected_p_and_no_q():
    cox = finalized()
    pooled = cox.loc[("il6", "os", "optimal", "all")]
    cohort = cox.loc[("il6", "os", "optimal", "a")]
    assert pooled["role"] == cohort["role"] == "exploratory"
    assert np.isnan(pooled["p"]) and np.isnan(pooled["q"]) and pooled["family"] == ""
    assert "each cohort chose its own cutpoint" in pooled["note"]
    assert cohort["p"] == 0.3 and np.isnan(cohort["z"])
    assert "Hothorn-Lausen 2003" in cohort["note"]
