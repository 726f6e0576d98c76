"""A cohort with a new cancer type, unit, pSTAT3 scoring system and event coding goes in by
spec and vocabulary files alone (SYNTHETIC data written by the test)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml

from markersurv.cohort.spec import load_cohort_spec
from markersurv.cohort.vocab import Vocabulary
from markersurv.errors import MarkersurvError
from markersurv.harmonize.cohort import Settings, harmonize_cohort

ROWS = """Patient;Entity;Alter;Geschlecht;Stadium;IL6 ug/L;pSTAT3 QS;OS Monate;Status
K-01;Klatskin tumour;61;w;IIIA;0,0042;12;14,5;verstorben
K-02;Klatskin tumour;55;m;II;0,0018;3;40,1;lebend
K-03;Klatskin tumour;70;m;IV;0,0090;17;6,2;verstorben
K-04;Klatskin tumour;66;w;I;0,0011;0;52,0;lebend
"""


@pytest.fixture
def extended(tmp_path, repo_dir):
    """Copies of the vocabularies with one new type, unit and scoring system added."""
    vocab = tmp_path / "vocab"
    shutil.copytree(repo_dir / "resources" / "vocab", vocab)
    with open(vocab / "cancer_types.tsv", "a") as handle:
        handle.write("PHCC\tPerihilar cholangiocarcinoma\tCHOL\tKlatskin tumour\n")
    scales = yaml.safe_load((vocab / "marker_scales.yaml").read_text())
    scales["il6"]["scales"]["ug/L"] = {"factor": 1000.0, "transform": "log2", "minimum": 0}
    scales["pstat3"]["scales"]["quickscore"] = {
        "transform": "identity",
        "minimum": 0,
        "maximum": 18,
    }
    (vocab / "marker_scales.yaml").write_text(yaml.safe_dump(scales))
    (tmp_path / "site.csv").write_text(ROWS, encoding="utf-8")
    spec = {
        "id": "site_klatskin",
        "description": "SYNTHETIC test cohort written by this test",
        "provenance": "synthetic: tests/unit/test_extending.py",
        "synthetic": True,
        "tables": {
            "main": {"path": "site.csv", "delimiter": ";", "decimal": ",", "id_column": "Patient"}
        },
        "cancer_type": {"column": "Entity"},
        "age": {"column": "Alter"},
        "sex": {"column": "Geschlecht", "map": {"w": "female", "m": "male"}},
        "stage": {"column": "Stadium"},
        "markers": {
            "il6": {"column": "IL6 ug/L", "unit": "ug/L"},
            "pstat3": {"column": "pSTAT3 QS", "scale": "quickscore"},
        },
        "endpoints": {
            "os": {
                "time": {"column": "OS Monate", "unit": "months"},
                "event": {"column": "Status", "map": {"verstorben": 1, "lebend": 0}},
            }
        },
    }
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    return tmp_path, vocab


SETTINGS = Settings(("il6", "pstat3"), ("os",), "half", b"k")


def test_new_type_unit_scale_and_coding_need_no_code(extended):
    folder, vocab = extended
    spec = load_cohort_spec(folder / "spec.yaml", base=folder)
    result = harmonize_cohort(spec, Vocabulary.load(vocab), SETTINGS)
    patients = result.patients.set_index(pd.Index(range(len(result.patients))))
    assert set(patients["cancer_type"]) == {"PHCC"}
    assert set(patients["pstat3_scale"]) == {"quickscore"}
    # ug/L converted with the vocabulary's factor to pg/mL: 0.0042 ug/L = 4.2 pg/mL.
    assert sorted(patients["il6"].round(6)) == [1.1, 1.8, 4.2, 9.0]
    assert int(patients["os_event"].sum()) == 2
    assert len(result.exclusions) == 0


def test_without_the_vocabulary_rows_the_cohort_stops_with_a_clear_error(extended, repo_dir):
    folder, _ = extended
    spec = load_cohort_spec(folder / "spec.yaml", base=folder)
    with pytest.raises(MarkersurvError) as caught:
        harmonize_cohort(spec, Vocabulary.load(repo_dir / "resources" / "vocab"), SETTINGS)
    text = str(caught.value)
    assert "ug/L" in text and "marker_scales.yaml" in text
