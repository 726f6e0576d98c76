"""Declared covariates and the treatment: a spec maps them from any column, with value maps,
and they reach the canonical patient table as the config declares them."""

from __future__ import annotations

import numpy as np
import pytest

from markersurv.cohort.spec import load_cohort_spec
from markersurv.config.covariates import (
    Covariate,
    Treatment,
    covariate_problems,
    primary_problems,
)
from markersurv.errors import HarmonizationError
from markersurv.harmonize.cohort import Settings, harmonize_cohort, patient_columns
from tests.helpers_cohort import KEY, VOCAB, base_spec, check_ledger, write_cohort

HPV = Covariate("hpv", "HPV status", "categorical", levels=("negative", "positive"))
EBV = Covariate("ebv_dna", "Plasma EBV DNA", "continuous", unit="copies/mL")
ARMS = Treatment("Treatment", ("chemoradiotherapy", "chemoradiotherapy + tocilizumab"))
HEADER = ["pid", "il6", "os_days", "os_status", "HPV (p16)", "EBV DNA", "Arm"]


def harmonized(tmp_path, rows, covariates=(HPV, EBV), treatment=ARMS, **spec_changes):
    spec = base_spec(
        covariates={
            "hpv": {"column": "HPV (p16)", "map": {"pos": "positive", "neg": "negative"}},
            "ebv_dna": {"column": "EBV DNA"},
        },
        treatment={"column": "Arm", "map": {"A": "chemoradiotherapy", "B": ARMS.levels[1]}},
        **spec_changes,
    )
    path = write_cohort(tmp_path, spec, {"clinical": [HEADER, *rows]})
    settings = Settings(("il6",), ("os",), "half", KEY, tuple(covariates), treatment)
    return harmonize_cohort(load_cohort_spec(path, {}, tmp_path), VOCAB, settings)


ROWS = [
    ["p1", "3.1", "100", "1", "pos", "1200", "A"],
    ["p2", "5.0", "200", "0", "NEG", "", "B"],
    ["p3", "2.2", "300", "1", "", "15.5", "a"],
]


def test_covariates_and_treatment_reach_the_patient_table_in_their_declared_levels(tmp_path):
    result = harmonized(tmp_path, ROWS)
    patients = result.patients.sort_values("os_time")
    assert list(patients.columns) == patient_columns(
        Settings(("il6",), ("os",), covariates=(HPV, EBV), treatment=ARMS)
    )
    assert list(patients.columns[-3:]) == ["hpv", "ebv_dna", "treatment"]
    assert patients["hpv"].tolist()[:2] == ["positive", "negative"]
    assert patients["hpv"].isna().tolist() == [False, False, True]
    np.testing.assert_array_equal(patients["ebv_dna"].to_numpy(), [1200.0, np.nan, 15.5])
    assert patients["treatment"].tolist() == [
        "chemoradiotherapy",
        "chemoradiotherapy + tocilizumab",
        "chemoradiotherapy",
    ]
    check_ledger(result, {"clinical": 3})


def test_a_value_outside_the_declared_levels_stops_the_cohort_naming_column_and_row(tmp_path):
    rows = [*ROWS, ["p4", "2.0", "50", "1", "unknown p16", "1", "A"]]
    with pytest.raises(HarmonizationError) as error:
        harmonized(tmp_path, rows)
    text = str(error.value)
    assert "'unknown p16'" in text
    assert "HPV (p16)" in text
    assert "row 5" in text
    assert "`map:`" in text


def test_a_continuous_covariate_that_is_not_a_number_is_an_error(tmp_path):
    rows = [*ROWS, ["p4", "2.0", "50", "1", "pos", "many", "A"]]
    with pytest.raises(HarmonizationError, match="EBV DNA"):
        harmonized(tmp_path, rows)


def test_covariates_the_config_does_not_declare_do_not_reach_the_patient_table(tmp_path):
    result = harmonized(tmp_path, ROWS, covariates=(EBV,), treatment=None)
    assert "hpv" not in result.patients.columns
    assert "treatment" not in result.patients.columns
    assert result.patients["ebv_dna"].notna().sum() == 2


def config(**changes) -> dict:
    base = {"markers": [{"id": "il6", "label": "IL-6"}], "endpoints": [{"id": "os", "label": "OS"}]}
    return {**base, **changes}


def test_the_config_check_names_unknown_covariates_and_wrong_reference_levels():
    declared = [{"id": "hpv", "label": "HPV", "type": "categorical", "levels": ["neg", "pos"]}]
    assert covariate_problems(config(covariates=declared, analysis={"covariates": ["hpv"]})) == []
    problems = covariate_problems(
        config(
            covariates=[{**declared[0], "reference": "positive"}],
            treatment={"levels": ["a", "b"], "reference": "c"},
            analysis={
                "covariates": ["age", "hvp"],
                "covariates_by_cancer_type": {"HNSC": ["stage", "p16"]},
            },
        )
    )
    messages = [p.message for p in problems]
    assert messages == [
        "hpv: reference level 'positive' is not one of its levels",
        "treatment: reference level 'c' is not one of its levels",
        "analysis.covariates: covariate 'hvp' is neither built in nor declared",
        "analysis.covariates_by_cancer_type.HNSC: covariate 'p16' is neither built in nor declared",
    ]
    assert "Closest: 'hpv'" in problems[2].hint


def test_a_covariate_id_equal_to_a_marker_id_is_refused():
    clash = [{"id": "il6", "label": "IL-6 again", "type": "continuous"}]
    (problem,) = covariate_problems(config(covariates=clash))
    assert "'il6' names more than one" in problem.message


def test_a_primary_analysis_must_name_configured_markers_and_endpoints():
    primary = {"markers": ["il6", "il-6"], "endpoints": ["dfs"], "model": "continuous"}
    problems = primary_problems(config(analysis={"primary": primary}))
    assert [p.message for p in problems] == [
        "analysis.primary.markers: 'il-6' is not one of the config's markers",
        "analysis.primary.endpoints: 'dfs' is not one of the config's endpoints",
    ]
    assert primary_problems(config()) == []
