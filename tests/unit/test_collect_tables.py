"""Rows collected per output table: records and whole frames give the same table."""

from __future__ import annotations

import pandas as pd
import pytest

from markersurv.analysis.collect import Tables


def test_a_frame_gives_the_table_its_records_would():
    keys = {"cancer_type": "BRCA", "cohort": "all", "cutpoint": float("nan")}
    steps = pd.DataFrame({"group": ["low", "low", "high"], "time": [1.0, 2.5, 3.0], "n": [9, 8, 4]})
    as_records, as_frames = Tables(), Tables()
    for tables in (as_records, as_frames):
        tables.add("km", keys, [{"group": "x", "n": 1}])
    as_records.add("km_curve", keys, steps.to_dict("records"))
    as_records.add("km_curve", {**keys, "cohort": "c1"}, steps.head(1).to_dict("records"))
    as_frames.add("km_curve", keys, steps)
    as_frames.add("km_curve", {**keys, "cohort": "c1"}, steps.head(1))
    expected, got = as_records.frames(), as_frames.frames()
    pd.testing.assert_frame_equal(got["km_curve"], expected["km_curve"])
    pd.testing.assert_frame_equal(got["km"], expected["km"])
    assert list(got["km_curve"].columns[:3]) == ["cancer_type", "cohort", "cutpoint"]


def test_records_and_frames_are_not_mixed_in_one_table():
    tables = Tables()
    tables.add("km_curve", {"cohort": "all"}, pd.DataFrame({"time": [1.0]}))
    with pytest.raises(ValueError, match="collects frames"):
        tables.add("km_curve", {"cohort": "all"}, [{"time": 2.0}])
    tables.add("km", {"cohort": "all"}, [{"n": 3}])
    with pytest.raises(ValueError, match="collects records"):
        tables.add("km", {"cohort": "all"}, pd.DataFrame({"n": [4]}))
    with pytest.raises(ValueError, match="columns of the km_curve frame"):
        tables.add("km_curve", {"time": 0.0}, pd.DataFrame({"time": [1.0]}))
