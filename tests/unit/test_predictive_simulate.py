"""``markersurv simulate`` with a randomized treatment and a marker x treatment interaction:
the arms, the stated effects recovered in a large sample, the export and spec mapping the
treatment column, and the demo (no treatment) unchanged byte for byte."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from markersurv.simulate.core import simulate_patients
from markersurv.simulate.from_truth import simulate_from_truth
from markersurv.simulate.treatment import TreatmentEffect
from markersurv.stats.cox.fit import fit_cox
from tests.helpers_truth import demo_truth_with

ARMS = {"levels": ["observation", "inhibitor"], "log_hr": -0.3, "interaction": {"il6": -0.4}}


def draw(n: int, seed: int, treatment=None) -> pd.DataFrame:
    return simulate_patients(
        n,
        cancer_type="NSCLC",
        log_hr={"il6": 0.3, "age": 0.02},
        baseline={"median_os_months": 24},
        censoring={"dropout": "none", "admin_min_months": 36, "admin_max_months": 72},
        rng=np.random.default_rng(seed),
        treatment=treatment,
    )


def test_arms_are_the_stated_levels_with_the_reference_first():
    table = draw(400, 3, {**ARMS, "treated_fraction": 0.3})
    assert list(table["treatment"].cat.categories) == ["observation", "inhibitor"]
    share = (table["treatment"] == "inhibitor").mean()
    assert 0.24 < share < 0.36


def test_without_a_treatment_nothing_is_drawn_for_it():
    plain = draw(200, 5)
    assert "treatment" not in plain.columns
    # A treatment draws after the covariates: the markers and covariates are unchanged.
    treated = draw(200, 5, ARMS)
    pd.testing.assert_frame_equal(
        treated[["il6", "age", "sex", "stage"]], plain[["il6", "age", "sex", "stage"]]
    )
    assert not np.array_equal(treated["os_time"], plain["os_time"])


def test_the_stated_interaction_is_recovered_in_a_large_sample():
    table = draw(6000, 11, ARMS)
    arm = (table["treatment"] == "inhibitor").to_numpy(dtype=float)
    z = table["il6_z"].to_numpy()
    age = table["age"].to_numpy() - 60
    x = np.column_stack([z, arm, z * arm, age])
    fit = fit_cox(table["os_time"], table["os_event"], x)
    truth = np.array([0.3, -0.3, -0.4, 0.02])
    assert np.all(np.abs(fit.coef - truth) < 4 * fit.se)


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"levels": ["a"]}, "two distinct arms"),
        ({"treated_fraction": 1.0}, "treated_fraction"),
        ({"interaction": {"il7": 0.1}}, "unknown markers"),
    ],
)
def test_invalid_treatments_are_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        draw(50, 1, {**ARMS, **bad})


def test_the_demo_is_unchanged_byte_for_byte(repo_dir, tmp_path):
    written = simulate_from_truth(
        repo_dir / "resources/demo/truth.yaml", tmp_path / "demo", tmp_path / "specs"
    )
    for path in written:
        relative = path.relative_to(tmp_path)
        if relative.parts[0] == "specs":
            original = repo_dir / "config/cohorts" / relative.name
        else:
            original = repo_dir / "resources" / relative
        assert path.read_bytes() == original.read_bytes(), relative


def truth_with_treatment(repo_dir: Path, tmp_path: Path) -> Path:
    return demo_truth_with(
        repo_dir,
        tmp_path,
        "demo_crc_a",
        "sim_crc_treated",
        {"treatment": ARMS},
        {"treatment": "Arm"},
    )


def test_the_export_and_spec_carry_the_treatment(repo_dir, tmp_path):
    written = simulate_from_truth(truth_with_treatment(repo_dir, tmp_path), tmp_path / "out")
    spec = yaml.safe_load(next(p for p in written if p.suffix == ".yaml").read_text())
    assert spec["treatment"] == {"column": "Arm"}
    data = pd.read_csv(next(p for p in written if p.suffix == ".csv"), skiprows=1)
    assert set(data["Arm"]) == {"observation", "inhibitor"}


def test_a_treatment_without_its_column_is_refused(repo_dir, tmp_path):
    from markersurv.errors import ConfigError

    path = truth_with_treatment(repo_dir, tmp_path)
    document = yaml.safe_load(path.read_text())
    document["cohorts"]["sim_crc_treated"]["export"]["tables"]["clinical"]["fields"].remove(
        "treatment"
    )
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    with pytest.raises(ConfigError, match="treatment is exported exactly when"):
        simulate_from_truth(path, tmp_path / "out")


def test_a_design_holds_its_treatment_as_an_effect():
    from markersurv.simulate.core import CohortDesign

    design = CohortDesign("sim", "NSCLC", n=100, seed=1, log_hr={}, treatment=ARMS)
    assert isinstance(design.treatment, TreatmentEffect)
    assert "treatment" in design.simulate().columns


def test_a_simulated_treatment_harmonizes_and_is_analysed(repo_dir, tmp_path):
    from markersurv.analysis.groups import marker_groups
    from markersurv.analysis.predictive import predictive_rows
    from markersurv.cohort.spec import load_cohort_spec
    from markersurv.cohort.vocab import Vocabulary
    from markersurv.config.covariates import Treatment
    from markersurv.config.settings import AnalysisSettings
    from markersurv.harmonize.cohort import Settings, harmonize_cohort

    out = tmp_path / "out"
    written = simulate_from_truth(truth_with_treatment(repo_dir, tmp_path), out)
    spec_path = next(p for p in written if p.suffix == ".yaml")
    arms = Treatment("Arm", tuple(ARMS["levels"]))
    harmonizer = Settings(("il6", "pstat3"), ("os", "pfs"), "half", b"k", treatment=arms)
    vocab = Vocabulary.load(repo_dir / "resources" / "vocab")
    patients = harmonize_cohort(load_cohort_spec(spec_path, {"demo": str(out)}), vocab, harmonizer)
    data = patients.patients
    assert set(data["treatment"].dropna()) == set(ARMS["levels"])
    population = data[data["il6"].notna() & data["os_time"].notna()]
    config = {
        "markers": [{"id": "il6", "label": "IL-6", "kind": "concentration", "unit": "pg/mL"}],
        "endpoints": [{"id": "os", "label": "Overall survival"}],
    }
    groups = {"median": marker_groups(population, "il6", "median")}
    rows = predictive_rows(
        population, "il6", "os", None, arms, groups, AnalysisSettings.from_config(config)
    )
    assert len(rows) == 6 and {r["status"] for r in rows} <= {"ok", "warning"}
    assert {r["n"] for r in rows if r["group"] == "all"} == {len(population)}
