"""``markersurv simulate`` with death from another cause: the cause of each death, the
disease-specific endpoint in the export and the spec, and the harmonized patient table's
cause column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml

from markersurv.errors import ConfigError
from markersurv.simulate.competing import OtherCauseDeath
from markersurv.simulate.core import CohortDesign
from markersurv.simulate.from_truth import simulate_from_truth
from tests.helpers_truth import demo_truth_with, harmonize_written

LOG_HR = {"il6": 0.4, "pstat3": 0.0, "age": 0.0, "male": 0.0, "late_stage": 0.5}
OTHER = {"median_months": 60.0, "log_hr": {"age": 0.05}}


def design(n=2000, competing=OTHER, **more) -> CohortDesign:
    return CohortDesign("sim", "NSCLC", n=n, seed=5, log_hr=LOG_HR, competing=competing, **more)


def test_every_death_has_one_cause_and_ends_both_endpoints():
    table = design().simulate(latent=True)
    assert design().competing == OtherCauseDeath(60.0, {"age": 0.05})
    dead = table["os_event"] == 1
    assert set(table.loc[dead, "dss_cause"]) == {1, 2}
    assert (table.loc[~dead, "dss_cause"] == 0).all()
    assert (table["dss_event"] == (table["dss_cause"] == 1)).all()
    assert (table["dss_time"] == table["os_time"]).all()
    # a death of either cause ends progression-free survival too
    assert (table["pfs_time"] <= table["os_time"]).all()
    assert (table.loc[dead, "pfs_event"] == 1).all()
    # the older die more often of another cause (its log HR per year of age is 0.05)
    other = table["dss_cause"] == 2
    assert table.loc[other, "age"].mean() > table.loc[table["dss_cause"] == 1, "age"].mean()


def test_the_cancer_deaths_are_those_of_the_cohort_without_the_competing_cause():
    # Death from another cause is drawn last: every other draw is that of the plain cohort.
    plain = design(competing=None).simulate(latent=True)
    table = design().simulate(latent=True)
    for column in ("il6", "pstat3", "age", "progression_time", "censor_time"):
        assert np.array_equal(table[column], plain[column])
    cancer = table["dss_cause"] == 1
    assert np.array_equal(table.loc[cancer, "os_time"], plain.loc[cancer, "os_time"])
    assert "dss_cause" not in plain.columns


@pytest.mark.parametrize(
    "bad", [{"median_months": 0}, {"median_months": 10, "log_hr": {"bmi": 1}}, {"median": 10}]
)
def test_invalid_competing_causes_are_refused(bad):
    with pytest.raises(ValueError, match="competing|log_hr"):
        design(n=50, competing=bad)


def test_the_stated_cause_specific_log_hazard_ratios_are_recovered():
    from markersurv.stats.cox.fit import fit_cox

    table = design(n=20000, competing={"median_months": 30.0, "log_hr": {"il6": -0.3}}).simulate()
    x = pd.DataFrame({"il6_z": table["il6_z"], "late": table["stage_group"] == "late"})
    x = x.astype(float)
    time = table["dss_time"].to_numpy()
    cancer = fit_cox(time, (table["dss_cause"] == 1).to_numpy(), x)
    other = fit_cox(time, (table["dss_cause"] == 2).to_numpy(), x)
    assert np.all(np.abs(cancer.coef - [0.4, 0.5]) < 3 * cancer.se), (cancer.coef, cancer.se)
    assert np.all(np.abs(other.coef - [-0.3, 0.0]) < 3 * other.se), (other.coef, other.se)


def truth_with_other_cause(repo_dir: Path, tmp_path: Path, fields=True) -> Path:
    # demo_nsclc_a: an Excel workbook with a notes sheet
    return demo_truth_with(
        repo_dir,
        tmp_path,
        "demo_nsclc_a",
        "sim_nsclc_competing",
        {"competing": {"median_months": 40, "log_hr": {"age": 0.04}}},
        {"dss_cause": "Cause of death (0/1/2)"} if fields else None,
    )


def test_the_export_spec_and_patient_table_carry_the_cause(repo_dir, tmp_path):
    from markersurv.harmonize.cohort import Settings

    out = tmp_path / "out"
    written = simulate_from_truth(truth_with_other_cause(repo_dir, tmp_path), out)
    spec_path = next(p for p in written if p.suffix == ".yaml")
    spec = yaml.safe_load(spec_path.read_text())
    dss = spec["endpoints"]["dss"]
    assert dss["event"] == {"column": "Cause of death (0/1/2)", "map": {0: 0, 1: 1, 2: 0}}
    assert dss["competing"]["map"] == {0: 0, 1: 0, 2: 1}
    assert dss["time"] == spec["endpoints"]["os"]["time"]
    harmonizer = Settings(("il6", "pstat3"), ("os", "dss"), "half", b"k", competing=("dss",))
    result = harmonize_written(written, out, repo_dir, harmonizer)
    data = result.patients
    assert set(data["dss_cause"].dropna()) == {0, 1, 2}
    died = data["os_event"] == 1
    assert (data.loc[died, "dss_cause"] > 0).all() and (data.loc[~died, "dss_cause"] == 0).all()
    assert (data["dss_event"] == (data["dss_cause"] == 1)).all()
    workbook = openpyxl.load_workbook(next(p for p in written if p.suffix == ".xlsx"))
    notes = {row[0]: row[1] for row in workbook["Notes"].iter_rows(values_only=True) if row}
    assert notes["death from another cause"].startswith("median 40 months")
    assert notes["true log hazard ratios of death from another cause (dss_cause 2)"] == "age 0.04"


def test_a_cause_without_a_competing_truth_or_the_other_way_is_refused(repo_dir, tmp_path):
    with pytest.raises(ConfigError, match="death from another cause is exported exactly"):
        path = truth_with_other_cause(repo_dir, tmp_path, fields=False)
        simulate_from_truth(path, tmp_path / "o")
