"""The typed cohort spec: every field the schema allows, read once, with the schema's defaults."""

from __future__ import annotations

import dataclasses

import pytest

from markersurv.cohort.fields import (
    AgeSpec,
    CancerTypeSpec,
    CodedColumn,
    ColumnSpec,
    DateColumn,
    DurationColumn,
    EndpointSpec,
    MarkerSource,
    MarkerSpec,
)
from markersurv.cohort.spec import (
    DEFAULT_BELOW_LOD_TOKENS,
    DEFAULT_MISSING_TOKENS,
    load_cohort_spec,
)
from tests.helpers_cohort import base_spec, write_cohort

DATED = {
    "tables": {
        "clinical": {"path": "clinical.csv", "id_column": "pid"},
        "assay": {"path": "assay.csv", "id_column": "sample"},
    },
    "cancer_type": {"column": "histology", "map": {"lung adeno": "LUAD"}},
    "age": {"birth_date": {"column": "dob", "format": "%d/%m/%Y"}},
    "sex": {"column": "sex", "map": {"m": "male", "9": None}},
    "stage": {"column": "stage", "table": "assay"},
    "dates": {
        "diagnosis": {"column": "dx", "format": ["%Y-%m-%d", "%d.%m.%Y"]},
        "death": {"column": "died", "format": "%Y-%m-%d"},
    },
    "markers": {
        "il6": {
            "sources": [
                {"column": "il6_elisa", "unit": "pg/mL", "lod": 1.5, "lod_policy": "sqrt2"},
                {"column": "il6_olink", "table": "assay", "unit": "NPX"},
            ]
        },
        "pstat3": {"column": "pstat3", "scale": "binary", "map": {"pos": 1}},
    },
    "endpoints": {
        "os": {"event_dates": ["death"], "event": {"column": "vital"}},
        "pfs": {"time": {"column": "pfs_weeks", "unit": "weeks"}, "event": {"column": "prog"}},
    },
    "identifiers": {"dob": "keep", "name": "drop"},
    "allow_raw_ids": True,
    "missing_tokens": ["unknown"],
    "synthetic": True,
}


def load(tmp_path, spec: dict):
    (tmp_path / "clinical.csv").write_text("pid\n")
    (tmp_path / "assay.csv").write_text("sample\n")
    return load_cohort_spec(write_cohort(tmp_path, spec, {}), {}, tmp_path)


def test_every_field_is_typed(tmp_path):
    spec = load(tmp_path, base_spec(**DATED))
    assert (spec.id, spec.description, spec.provenance) == (
        "t1",
        "test cohort",
        "written by the test",
    )
    assert list(spec.tables) == ["clinical", "assay"] and spec.primary == "clinical"
    assert spec.cancer_type == CancerTypeSpec(
        column=CodedColumn(column="histology", value_map={"lung adeno": "LUAD"})
    )
    assert spec.age == AgeSpec(birth_date=DateColumn(column="dob", formats=("%d/%m/%Y",)))
    assert spec.sex == CodedColumn(column="sex", value_map={"m": "male", "9": None})
    assert spec.stage == CodedColumn(column="stage", table="assay")
    assert spec.dates == {
        "diagnosis": DateColumn(column="dx", formats=("%Y-%m-%d", "%d.%m.%Y")),
        "death": DateColumn(column="died", formats=("%Y-%m-%d",)),
    }
    assert spec.markers == {
        "il6": MarkerSpec(
            sources=(
                MarkerSource(
                    column="il6_elisa",
                    unit="pg/mL",
                    lod=1.5,
                    lod_policy="sqrt2",
                    below_lod_tokens=DEFAULT_BELOW_LOD_TOKENS,
                ),
                MarkerSource(
                    column="il6_olink",
                    table="assay",
                    unit="NPX",
                    below_lod_tokens=DEFAULT_BELOW_LOD_TOKENS,
                ),
            ),
            listed=True,
        ),
        "pstat3": MarkerSpec(
            sources=(
                MarkerSource(
                    column="pstat3",
                    unit="binary",
                    value_map={"pos": 1},
                    below_lod_tokens=DEFAULT_BELOW_LOD_TOKENS,
                ),
            )
        ),
    }
    assert spec.endpoints == {
        "os": EndpointSpec(event_dates=("death",), event=CodedColumn(column="vital")),
        "pfs": EndpointSpec(
            time=DurationColumn(column="pfs_weeks", unit="weeks"),
            event=CodedColumn(column="prog"),
        ),
    }
    assert spec.endpoints["os"].from_dates and not spec.endpoints["pfs"].from_dates
    assert spec.identifiers == {"dob": "keep", "name": "drop"}
    assert spec.allow_raw_ids and spec.synthetic
    assert spec.missing_tokens == ("unknown",)
    assert spec.table_of(spec.stage) == "assay" and spec.table_of(spec.sex) == "clinical"


def test_optional_fields_are_absent_and_defaults_come_from_the_schema(tmp_path):
    spec = load(tmp_path, base_spec(age={"column": "age"}))
    assert spec.cancer_type == CancerTypeSpec(constant="BRCA")
    assert spec.age == AgeSpec(column=ColumnSpec(column="age"))
    assert (spec.sex, spec.stage, spec.dates) == (None, None, {})
    assert spec.identifiers == {}
    assert not spec.allow_raw_ids and not spec.synthetic
    assert spec.missing_tokens == DEFAULT_MISSING_TOKENS
    (source,) = spec.markers["il6"].sources
    assert source.below_lod_tokens == DEFAULT_BELOW_LOD_TOKENS
    assert (source.lod, source.lod_policy, source.value_map) == (None, None, None)
    assert not spec.markers["il6"].listed


def test_the_spec_is_frozen_and_keeps_no_yaml(tmp_path):
    spec = load(tmp_path, base_spec())
    assert not hasattr(spec, "raw")  # steps read the typed fields, never the YAML
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.synthetic = True
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.markers["il6"].sources[0].unit = "ng/mL"
