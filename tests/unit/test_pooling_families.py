"""q-values within declared families, and random-effects pooling rows
(markersurv.analysis.pooling) on hand-made result tables."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from markersurv.analysis.pooling import add_q, cox_family, finalize_tables, pool
from markersurv.config.settings import AnalysisSettings
from markersurv.stats.meta import random_effects
from markersurv.stats.multiplicity import benjamini_hochberg

SETTINGS = AnalysisSettings.from_config(
    {"markers": [{"id": "il6"}, {"id": "pstat3"}], "endpoints": [{"id": "os"}, {"id": "pfs"}]}
)
POOLED_ESTIMATES = ["log_hr", "se", "hr", "hr_lower", "hr_upper", "p", "tau2", "i2"]


def cox_row(
    cancer_type="NSCLC",
    cohort="all",
    endpoint="os",
    marker="il6",
    model="continuous",
    cut_method="none",
    term=None,
    coef=0.3,
    se=0.1,
    p=0.01,
    status="ok",
    note="",
    role="secondary",
) -> dict:
    default_term = f"{marker}_high" if model == "dichotomized" else f"{marker}_z"
    return {
        "cancer_type": cancer_type,
        "cohort": cohort,
        "endpoint": endpoint,
        "marker": marker,
        "model": model,
        "cut_method": cut_method,
        "term": term or default_term,
        "coef": coef,
        "se": se,
        "hr": np.exp(coef),
        "p": p,
        "status": status,
        "note": note,
        "role": role,
    }


@pytest.mark.parametrize(
    ("row", "family"),
    [
        (cox_row(model="continuous"), "continuous"),
        (cox_row(model="adjusted"), "adjusted"),
        (cox_row(model="adjusted", term="age"), None),
        (cox_row(model="dichotomized", cut_method="median"), "dichotomized:median"),
        (cox_row(model="dichotomized", cut_method="tertile", term="il6_T2"), None),
        # A data-chosen split has no q: its p is the search-corrected one.
        (cox_row(model="dichotomized", cut_method="optimal"), None),
        (cox_row(model="adjusted", role="primary"), "primary"),
        (cox_row(model="clinical", term="stage_group"), "clinical:stage_group"),
        (cox_row(model="spline", term="nonlinearity"), "spline:nonlinearity"),
        (cox_row(model="spline", term="il6_z_rcs1"), None),
        (cox_row(model="interaction", term="il6_z:pstat3_z"), "interaction"),
        (cox_row(model="interaction", term="il6_z"), None),
        (cox_row(model="continuous", cohort="nsclc_a"), None),
    ],
)
def test_family_of_each_primary_test(row, family):
    assert cox_family(pd.Series(row)) == family


def test_q_is_computed_within_each_family_only():
    frame = pd.DataFrame(
        [
            cox_row(p=0.01),
            cox_row(p=0.04, marker="pstat3"),
            cox_row(p=0.03, endpoint="pfs"),
            cox_row(p=0.5, cancer_type="BRCA"),
            cox_row(model="adjusted", p=0.02),
            cox_row(model="adjusted", p=0.9, cancer_type="BRCA"),
            cox_row(model="adjusted", term="age", p=0.001),
        ]
    )
    families = pd.Series(["continuous"] * 4 + ["adjusted"] * 2 + [None], dtype=object)
    out = add_q(frame, families)
    # BH by hand over (0.01, 0.04, 0.03, 0.5): 0.04, 0.0533, 0.0533, 0.5.
    np.testing.assert_allclose(out["q"][:4], [0.04, 0.16 / 3, 0.16 / 3, 0.5], rtol=1e-14)
    # Over (0.02, 0.9): 0.04, 0.9 -- not pulled down by the continuous family's small p.
    np.testing.assert_allclose(out["q"][4:6], [0.04, 0.9], rtol=1e-14)
    assert np.isnan(out["q"][6]) and out["family"][6] == ""
    assert out["family"].tolist()[:6] == ["continuous"] * 4 + ["adjusted"] * 2


def test_q_of_one_family_ignores_the_p_values_of_another():
    base = [cox_row(p=p) for p in (0.01, 0.2, 0.03)]
    other = [cox_row(model="adjusted", p=p) for p in (0.001, 0.002)]
    families = pd.Series(["continuous"] * 3 + ["adjusted"] * 2, dtype=object)
    first = add_q(pd.DataFrame(base + other), families)
    other_changed = [cox_row(model="adjusted", p=p) for p in (0.6, 0.7)]
    second = add_q(pd.DataFrame(base + other_changed), families)
    np.testing.assert_array_equal(first["q"][:3], second["q"][:3])
    np.testing.assert_allclose(first["q"][:3], benjamini_hochberg([0.01, 0.2, 0.03]))


def test_finalize_tables_names_families_across_cancer_types_and_skips_not_estimable():
    nsclc = pd.DataFrame(
        [
            cox_row(p=0.01),
            cox_row(p=0.02, endpoint="pfs"),
            cox_row(cohort="nsclc_a", p=0.001),
            cox_row(model="dichotomized", cut_method="median", p=0.03),
        ]
    )
    brca = pd.DataFrame(
        [
            cox_row(cancer_type="BRCA", p=0.04),
            cox_row(
                cancer_type="BRCA",
                endpoint="pfs",
                p=np.nan,
                coef=np.nan,
                se=np.nan,
                status="not_estimable",
                note="3 events, fewer than the minimum of 10",
            ),
        ]
    )
    cox = finalize_tables([{"cox": nsclc}, {"cox": brca}], SETTINGS)["cox"]
    cox = cox.set_index(["cancer_type", "cohort", "endpoint", "model"])
    continuous = cox.xs("continuous", level="model")
    # One family over both cancer types and endpoints; the not_estimable row is not a test.
    assert (continuous.xs("all", level="cohort")["family"] == "continuous").all()
    expected = benjamini_hochberg([0.01, 0.02, 0.04])
    assert continuous.loc[("NSCLC", "all", "os"), "q"] == pytest.approx(expected[0])
    assert continuous.loc[("NSCLC", "all", "pfs"), "q"] == pytest.approx(expected[1])
    assert continuous.loc[("BRCA", "all", "os"), "q"] == pytest.approx(expected[2])
    assert np.isnan(continuous.loc[("BRCA", "all", "pfs"), "q"])
    # Per-cohort rows are not primary tests.
    assert np.isnan(continuous.loc[("NSCLC", "nsclc_a", "os"), "q"])
    assert continuous.loc[("NSCLC", "nsclc_a", "os"), "family"] == ""
    # The dichotomized family is its own: alone, q = p.
    dichotomized = cox.loc[("NSCLC", "all", "os", "dichotomized")]
    assert dichotomized["family"] == "dichotomized:median"
    assert dichotomized["q"] == pytest.approx(0.03)


def test_logrank_families_are_cut_method_and_test():
    def logrank(cut_method, test, p, cohort="all"):
        return {
            "cancer_type": "NSCLC",
            "cohort": cohort,
            "endpoint": "os",
            "marker": "il6",
            "cut_method": cut_method,
            "test": test,
            "p": p,
            "status": "ok",
            "note": "",
        }

    frame = pd.DataFrame(
        [
            logrank("median", "two_group", 0.01),
            logrank("median", "two_group", 0.04),
            logrank("tertile", "k_group", 0.02),
            logrank("tertile", "trend", 0.03),
            logrank("median", "two_group", 0.001, cohort="nsclc_a"),
        ]
    )
    out = finalize_tables([{"logrank": frame}], SETTINGS)["logrank"]
    assert out["family"].tolist() == [
        "median:two_group",
        "median:two_group",
        "tertile:k_group",
        "tertile:trend",
        "",
    ]
    np.testing.assert_allclose(out["q"][:4], [0.02, 0.04, 0.02, 0.03], rtol=1e-14)
    assert np.isnan(out["q"][4])


def per_cohort_rows(estimable: list[bool], coefs=(0.2, 0.5, 0.35), ses=(0.1, 0.15, 0.12)):
    rows = []
    for k, ok in enumerate(estimable):
        rows.append(
            cox_row(
                cohort=f"c{k + 1}",
                coef=coefs[k] if ok else np.nan,
                se=ses[k] if ok else np.nan,
                p=0.05 if ok else np.nan,
                status="ok" if ok else "not_estimable",
                note="" if ok else "coefficient of il6_z may be infinite (monotone likelihood)",
            )
        )
    return rows


def test_pooling_one_estimable_cohort_is_not_estimable_with_a_note():
    rows = pd.DataFrame(per_cohort_rows([True, False]))
    scoped = pd.DataFrame(pool(rows, "NSCLC", "os", "il6", "continuous", "il6_z", SETTINGS))
    assert scoped["method"].tolist() == ["REML", "DL"]
    assert scoped["scope"].eq("NSCLC").all() and scoped["cohort"].eq("pooled").all()
    assert scoped["status"].eq("not_estimable").all()
    assert scoped["k"].eq(1).all() and scoped["cohorts"].eq("c1").all()
    assert scoped[POOLED_ESTIMATES].isna().all().all()
    assert scoped["note"].eq("1 estimable study; pooling needs at least 2").all()


def test_pan_cancer_pooling_of_one_cancer_type_is_not_estimable():
    cox = pd.DataFrame([cox_row(), *per_cohort_rows([True, True])])
    pooled = finalize_tables([{"cox": cox}], SETTINGS)["pooled"]
    pan = pooled[pooled["scope"] == "pan-cancer"]
    assert len(pan) == 2
    assert pan["status"].eq("not_estimable").all()
    assert pan["k"].eq(1).all() and pan["cohorts"].eq("NSCLC").all()
    assert pan[POOLED_ESTIMATES].isna().all().all()
    assert pan["note"].str.contains("pooling needs at least 2").all()


def test_pooled_rows_are_metafor_style_random_effects_of_the_estimable_cohorts():
    rows = pd.DataFrame(per_cohort_rows([True, True, True]))
    settings = replace(SETTINGS, meta_method="DL")
    pooled = pd.DataFrame(pool(rows, "NSCLC", "os", "il6", "continuous", "il6_z", settings))
    assert pooled["method"].tolist() == ["DL", "REML"]  # the configured method first
    for method, row in zip(("DL", "REML"), pooled.itertuples(), strict=True):
        expected = random_effects([0.2, 0.5, 0.35], [0.1, 0.15, 0.12], method=method)
        assert row.k == 3 and row.cohorts == "c1,c2,c3" and row.test == "z"
        assert row.log_hr == pytest.approx(expected.estimate, rel=1e-12)
        assert row.se == pytest.approx(expected.se, rel=1e-12)
        assert row.hr_lower == pytest.approx(np.exp(expected.ci_lower), rel=1e-12)
        assert row.hr_upper == pytest.approx(np.exp(expected.ci_upper), rel=1e-12)
        assert row.tau2 == pytest.approx(expected.tau2, rel=1e-12, abs=1e-15)
        assert row.status == expected.status


def test_knapp_hartung_is_named_in_the_test_column():
    rows = pd.DataFrame(per_cohort_rows([True, True, True]))
    settings = replace(SETTINGS, knapp_hartung=True)
    pooled = pool(rows, "NSCLC", "os", "il6", "continuous", "il6_z", settings)
    assert {row["test"] for row in pooled} == {"knha"}
    expected = random_effects([0.2, 0.5, 0.35], [0.1, 0.15, 0.12], method="REML", test="knha")
    assert pooled[0]["p"] == pytest.approx(expected.p, rel=1e-12)
