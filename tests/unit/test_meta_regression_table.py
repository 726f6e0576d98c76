"""meta_regression.tsv from a small synthetic cox table (markersurv.analysis.meta_regression,
through pooling's finalize_tables), the settings that declare it, and the prediction-interval
rule of pooled.tsv."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from snakemake.utils import validate

from markersurv.analysis.pooling import finalize_tables, type_estimates
from markersurv.config.settings import AnalysisSettings
from markersurv.errors import ConfigError
from markersurv.reporting.beyond_methods import meta_regression_text
from markersurv.stats.meta_regression import (
    categorical_design,
    continuous_design,
    meta_regression,
    subgroup_difference,
)
from markersurv.tables.contract import read_table, write_table

REPO = Path(__file__).resolve().parents[2]
TYPES = ["BRCA", "CRC", "HNSC", "NPC", "NSCLC", "STAD"]
ORGAN = {
    "BRCA": "breast",
    "CRC": "gastrointestinal",
    "STAD": "gastrointestinal",
    "HNSC": "head_and_neck",
    "NPC": "head_and_neck",
}
SCORE = {"BRCA": 1.0, "CRC": 2.5, "HNSC": 0.5, "NPC": 4.0, "NSCLC": 3.0, "STAD": 2.0}


def settings_with(meta_regression: dict | None = None) -> AnalysisSettings:
    config = {"markers": [{"id": "m1"}], "endpoints": [{"id": "os"}]}
    if meta_regression is not None:
        config["analysis"] = {"meta_regression": meta_regression}
    return AnalysisSettings.from_config(config)


DECLARED = settings_with(
    {
        "attributes": {"organ_system": ORGAN, "score": SCORE},
        "moderators": ["organ_system", "score"],
        "reference_levels": {"organ_system": "head_and_neck"},
    }
)


def cox_table(types=TYPES, seed=3) -> pd.DataFrame:
    """Synthetic cohort-stratified estimates (numpy default_rng(seed)) of the continuous
    marker term, one per cancer type, and one per-cohort row that must not enter."""
    rng = np.random.default_rng(seed)
    coef = rng.normal(0.2, 0.3, len(types))
    se = rng.uniform(0.1, 0.3, len(types))
    rows = [
        {
            "cancer_type": t,
            "cohort": "all",
            "endpoint": "os",
            "marker": "m1",
            "model": "continuous",
            "cut_method": "none",
            "term": "m1_z",
            "coef": c,
            "se": s,
            "p": 0.05,
            "status": "ok",
            "note": "",
        }
        for t, c, s in zip(types, coef, se, strict=True)
    ]
    rows.append({**rows[0], "cohort": "brca_a", "coef": 5.0})
    return pd.DataFrame(rows)


def table(cox: pd.DataFrame, settings: AnalysisSettings = DECLARED) -> pd.DataFrame:
    return finalize_tables([{"cox": cox}], settings)["meta_regression"]


def of(frame: pd.DataFrame, moderator: str) -> pd.DataFrame:
    return frame[frame["moderator"] == moderator].reset_index(drop=True)


def test_the_table_holds_the_subgroup_test_and_each_moderator(tmp_path):
    cox = cox_table()
    result = table(cox)
    by_type = cox[cox["cohort"] == "all"].set_index("cancer_type")
    subgroup = of(result, "cancer_type")
    assert len(subgroup) == 1 and subgroup.loc[0, "k"] == 6
    expected = subgroup_difference(by_type["coef"], by_type["se"], list(by_type.index))
    assert subgroup.loc[0, "qm"] == pytest.approx(expected.qm, rel=1e-12)
    assert subgroup.loc[0, "qm_df"] == 5 and subgroup.loc[0, "p"] == subgroup.loc[0, "qm_p"]
    # organ_system: NSCLC has no value and is left out, with a note; head_and_neck is the
    # declared reference.
    organ = of(result, "organ_system")
    with_value = by_type.loc[sorted(ORGAN)]
    design = categorical_design([ORGAN[t] for t in with_value.index], reference="head_and_neck")
    fit = meta_regression(with_value["coef"], with_value["se"], design)
    assert list(organ["term"]) == [
        "intercept",
        "organ_system[breast]",
        "organ_system[gastrointestinal]",
    ]
    assert (organ["reference"] == "head_and_neck").all() and (organ["k"] == 5).all()
    assert (organ["test"] == "knha").all() and (organ["method"] == "REML").all()
    np.testing.assert_allclose(organ["estimate"], fit.estimate, rtol=1e-12)
    np.testing.assert_allclose(organ["p"], fit.p_value, rtol=1e-12)
    assert (organ["qm_p"] == fit.qm_p).all() and (organ["df_residual"] == 2).all()
    assert (organ["status"] == "warning").all()
    assert organ.loc[0, "note"].startswith("left out (no organ_system declared): NSCLC")
    assert organ.loc[0, "cancer_types"] == "BRCA,CRC,HNSC,NPC,STAD"
    # A numeric attribute is a continuous moderator: intercept and slope.
    score = of(result, "score")
    assert list(score["term"]) == ["intercept", "score"] and (score["k"] == 6).all()
    slope = meta_regression(
        by_type["coef"], by_type["se"], continuous_design(by_type.index.map(SCORE), "score")
    )
    assert score.loc[1, "estimate"] == pytest.approx(slope.estimate[1], rel=1e-12)
    assert score.loc[1, "r2"] == pytest.approx(slope.r2, rel=1e-12, abs=1e-12)
    # The table meets its contract and reads back as written.
    path = tmp_path / "meta_regression.tsv"
    write_table("meta_regression", result, path, pooled=True)
    back = read_table("meta_regression", path)
    assert list(back.columns[:4]) == ["cancer_type", "cohort", "endpoint", "marker"]
    assert back.loc[back["moderator"] == "organ_system", "term"].tolist() == list(organ["term"])


def test_without_declared_moderators_only_the_subgroup_test_runs():
    result = table(cox_table(), settings_with())
    assert list(result["moderator"]) == ["cancer_type"] and result.loc[0, "status"] == "ok"


@pytest.mark.parametrize(
    ("types", "attribute", "moderator_status", "reason"),
    [
        # Two types: the subgroup test runs, a meta-regression needs three.
        (["BRCA", "CRC"], ORGAN, "not_estimable", "needs at least 3"),
        # One level among the types with an estimate.
        (
            ["CRC", "STAD", "BRCA"],
            dict.fromkeys(["CRC", "STAD", "BRCA"], "gi"),
            "not_estimable",
            "one level",
        ),
        # Four types, four levels: four coefficients need five estimates.
        (
            ["BRCA", "CRC", "HNSC", "NSCLC"],
            {"BRCA": "a", "CRC": "b", "HNSC": "c", "NSCLC": "d"},
            "not_estimable",
            "4 coefficients need at least 5",
        ),
    ],
)
def test_too_little_to_compare_is_not_estimable(types, attribute, moderator_status, reason):
    settings = settings_with({"attributes": {"group": attribute}, "moderators": ["group"]})
    result = table(cox_table(types), settings)
    row = of(result, "group")
    assert len(row) == 1 and row.loc[0, "status"] == moderator_status
    assert reason in row.loc[0, "note"] and np.isnan(row.loc[0, "estimate"])
    assert of(result, "cancer_type").loc[0, "status"] == "ok"


def test_one_cancer_type_has_no_subgroup_test():
    result = table(cox_table(["BRCA"]), settings_with())
    assert result.loc[0, "status"] == "not_estimable" and "at least 2" in result.loc[0, "note"]


def test_not_estimable_type_estimates_are_left_out():
    cox = cox_table()
    cox.loc[cox["cancer_type"] == "STAD", ["coef", "se", "status"]] = [np.nan, np.nan, "warning"]
    estimates = type_estimates(cox)
    assert not estimates.loc[estimates["cancer_type"] == "STAD", "usable"].any()
    result = table(cox)
    subgroup = of(result, "cancer_type")
    assert subgroup.loc[0, "k"] == 5 and "STAD" not in subgroup.loc[0, "cancer_types"]
    assert subgroup.loc[0, "status"] == "warning"
    assert subgroup.loc[0, "note"] == "left out (not estimable): STAD"
    organ = of(result, "organ_system")
    assert (organ["k"] == 4).all()
    assert organ.loc[0, "note"] == (
        "left out (not estimable): STAD; left out (no organ_system declared): NSCLC"
    )


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"moderators": ["organ_system"]}, "not declared under attributes"),
        ({"attributes": {"mixed": {"BRCA": "a", "CRC": 1}}}, "mixes text and numbers"),
        (
            {
                "attributes": {"organ_system": ORGAN},
                "moderators": ["organ_system"],
                "reference_levels": {"organ_system": "thoracic"},
            },
            "'thoracic' is not a level",
        ),
    ],
)
def test_declarations_the_schema_cannot_check_are_refused(section, message):
    with pytest.raises(ConfigError, match=message):
        settings_with(section)


def test_schema_fills_the_defaults_and_accepts_a_declaration():
    schema = str(REPO / "workflow" / "schemas" / "config.schema.yaml")
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config.pop("analysis", None)
    validate(config, schema)
    assert config["analysis"]["meta_regression"] == {
        "attributes": {},
        "moderators": [],
        "reference_levels": {},
        "models": ["continuous"],
        "method": "REML",
        "test": "knha",
    }
    for name in ("config.yaml", "tcga.yaml"):
        bundled = yaml.safe_load((REPO / "config" / name).read_text())
        validate(bundled, schema)
        declared = AnalysisSettings.from_config(bundled).meta_regression
        assert declared.moderators == ("organ_system",)


def test_pooled_rows_give_a_prediction_interval_from_three_estimates_only():
    settings = settings_with()
    for k in (2, 3):
        pooled = finalize_tables([{"cox": cox_table(TYPES[:k])}], settings)["pooled"]
        continuous = pooled[pooled["model"] == "continuous"]
        assert (continuous["k"] == k).all() and (continuous["status"] == "ok").all()
        finite = np.isfinite(continuous[["pi_lower", "pi_upper"]].to_numpy(float))
        assert finite.all() if k == 3 else not finite.any()
        assert continuous["note"].str.contains("no prediction interval").all() == (k == 2)


def test_methods_name_the_declared_moderators_and_tests():
    text = meta_regression_text(DECLARED)
    assert "organ_system (categorical) and score (continuous)" in text
    assert "REML residual tau^2, Knapp-Hartung t and F tests" in text
    z_test = settings_with({"attributes": {"score": SCORE}, "moderators": ["score"], "test": "z"})
    assert "Wald z and chi-square tests" in meta_regression_text(z_test)
    assert "no cancer-type attribute was declared" in meta_regression_text(settings_with())
