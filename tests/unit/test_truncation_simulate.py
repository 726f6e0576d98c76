"""``markersurv simulate`` with delayed entry (left truncation): who is seen, the entry
column in the export and the spec, and the harmonized patient table's entry times."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from markersurv.errors import ConfigError
from markersurv.simulate.core import CohortDesign
from markersurv.simulate.from_truth import simulate_from_truth
from markersurv.simulate.truncation import Truncation
from tests.helpers_truth import demo_truth_with, harmonize_written

LOG_HR = {"il6": 0.4, "pstat3": 0.0, "age": 0.0, "male": 0.0, "late_stage": 0.5}


def test_only_patients_seen_at_entry_are_kept():
    design = CohortDesign(
        "sim", "NSCLC", n=2000, seed=5, log_hr=LOG_HR, truncation={"entry_max_months": 24}
    )
    assert design.truncation == Truncation(24.0)
    table = design.simulate()
    assert 0 < len(table) < 2000
    assert (table["entry"] < table["pfs_time"]).all()
    assert table["entry"].between(0, 24).all()
    # Early events are the ones truncation removes: the seen have longer follow-up.
    everybody = CohortDesign("sim", "NSCLC", n=2000, seed=5, log_hr=LOG_HR).simulate()
    assert table["pfs_time"].median() > everybody["pfs_time"].median()


def test_without_truncation_nothing_is_drawn_for_it():
    design = CohortDesign("sim", "NSCLC", n=50, seed=5, log_hr=LOG_HR)
    assert "entry" not in design.simulate().columns and len(design.simulate()) == 50


@pytest.mark.parametrize("bad", [{"entry_max_months": 0}, {"entry_max": 12}, 12])
def test_invalid_truncations_are_refused(bad):
    with pytest.raises(ValueError, match="truncation"):
        CohortDesign("sim", "NSCLC", n=50, seed=5, log_hr=LOG_HR, truncation=bad)


def truth_with_entry(repo_dir: Path, tmp_path: Path, fields=True) -> Path:
    return demo_truth_with(
        repo_dir,
        tmp_path,
        "demo_npc_a",
        "sim_npc_truncated",
        {"truncation": {"entry_max_months": 18}},
        {"entry": "Months to enrolment"} if fields else None,
    )


def test_the_export_spec_and_patient_table_carry_the_entry(repo_dir, tmp_path):
    from markersurv.harmonize.cohort import Settings

    out = tmp_path / "out"
    written = simulate_from_truth(truth_with_entry(repo_dir, tmp_path), out)
    spec_path = next(p for p in written if p.suffix == ".yaml")
    spec = yaml.safe_load(spec_path.read_text())
    assert spec["entry"] == {"column": "Months to enrolment", "unit": "months"}
    harmonizer = Settings(("il6", "pstat3"), ("os", "pfs"), "half", b"k")
    result = harmonize_written(written, out, repo_dir, harmonizer)
    data = result.patients
    seen = data["os_entry"].notna()
    assert seen.mean() > 0.9
    assert (data.loc[seen, "os_entry"] < data.loc[seen, "os_time"]).all()
    assert data.loc[seen, "os_entry"].max() <= 18


def test_an_entry_without_a_truncation_or_the_other_way_is_refused(repo_dir, tmp_path):
    with pytest.raises(ConfigError, match="delayed entry is exported exactly when"):
        simulate_from_truth(truth_with_entry(repo_dir, tmp_path, fields=False), tmp_path / "o")


def test_the_stated_log_hazard_ratio_is_recovered_with_the_entry_times():
    from markersurv.stats.cox.fit import fit_cox

    design = CohortDesign(
        "sim", "NSCLC", n=20000, seed=11, log_hr=LOG_HR, truncation={"entry_max_months": 24}
    )
    table = design.simulate()
    x = pd.DataFrame({"il6_z": table["il6_z"], "late": table["stage_group"] == "late"})
    x["late"] = x["late"].astype(float)
    time, event = table["os_time"].to_numpy(), table["os_event"].to_numpy()
    fit = fit_cox(time, event, x, entry=table["entry"].to_numpy())
    assert np.all(np.abs(fit.coef - [0.4, 0.5]) < 3 * fit.se), (fit.coef, fit.se)
