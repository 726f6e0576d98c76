"""Simulation core, messy writers, demo cohorts and their specs (markersurv simulate)."""

from __future__ import annotations

import argparse
import io
import re
import time
import zipfile
from pathlib import Path

import jsonschema
import numpy as np
import openpyxl
import openpyxl.writer.excel
import pandas as pd
import pytest
import yaml
from lifelines import CoxPHFitter

from markersurv.errors import ConfigError
from markersurv.simulate import export as ex
from markersurv.simulate import from_truth as simulate
from markersurv.simulate.cohort import IL6_PG_PER_UNIT
from markersurv.simulate.core import CohortDesign, simulate_patients, simulate_replicate
from markersurv.simulate.pstat3_scales import PSTAT3_SCALES
from markersurv.simulate.spec import DEFAULT_BELOW_LOD_TOKENS, DEFAULT_MISSING_TOKENS

TRUTH = "resources/demo/truth.yaml"
COHORTS = [
    "demo_nsclc_a",
    "demo_nsclc_b",
    "demo_brca_a",
    "demo_brca_b",
    "demo_crc_a",
    "demo_npc_a",
    "demo_hnsc_a",
]
LOG_HR = {"il6": 0.4, "pstat3": -0.3, "age": 0.02, "male": 0.25, "late_stage": 0.8}
BASELINE = {
    "distribution": "weibull",
    "shape": 1.3,
    "median_os_months": 30,
    "median_progression_months": 15,
}
CENSORING = {
    "dropout": "exponential",
    "dropout_rate_per_year": 0.05,
    "admin_min_months": 24,
    "admin_max_months": 72,
}


def _simulate(n, seed, **kwargs):
    options = dict(
        cancer_type="NSCLC",
        log_hr=LOG_HR,
        baseline=BASELINE,
        censoring=CENSORING,
        rng=np.random.default_rng(seed),
    )
    return simulate_patients(n, **{**options, **kwargs})


# --- simulation core ---------------------------------------------------------------------


def test_core_recovers_true_log_hrs_within_4_se():
    table = _simulate(
        20_000, 2024, population={"pstat3_scale": "h_score", "marker_correlation": 0.3}
    )
    design = pd.DataFrame(
        {
            "il6": table["il6_z"],
            "pstat3": table["pstat3_z"],
            "age": table["age"] - 60,
            "male": (table["sex"] == "male").astype(float),
            "late_stage": (table["stage_group"] == "late").astype(float),
        }
    )
    for endpoint in ("os", "pfs"):
        data = design.assign(time=table[f"{endpoint}_time"], event=table[f"{endpoint}_event"])
        fit = CoxPHFitter().fit(data, "time", "event")
        z = (fit.params_ - pd.Series(LOG_HR)) / fit.standard_errors_
        assert (z.abs() < 4).all(), (endpoint, z.to_dict())


def test_core_table_is_canonical_and_consistent():
    table = _simulate(5000, 1, population={"pstat3_scale": "intensity_x_proportion"})
    assert list(table.columns) == [
        "patient_id",
        "cancer_type",
        "il6",
        "il6_z",
        "pstat3",
        "pstat3_scale",
        "pstat3_z",
        "age",
        "sex",
        "stage",
        "stage_group",
        "os_time",
        "os_event",
        "pfs_time",
        "pfs_event",
    ]
    assert table["patient_id"].is_unique and table["patient_id"].iloc[41] == "SIM-0042"
    assert (table["pfs_time"] <= table["os_time"]).all()
    assert (table[["os_time", "pfs_time"]] > 0).all().all()
    assert (table["os_time"] <= CENSORING["admin_max_months"]).all()
    # an OS event is also a PFS event (death ends progression-free survival)
    assert (table.loc[table["os_event"] == 1, "pfs_event"] == 1).all()
    assert set(table["pstat3"]) <= {0, 1, 2, 3, 4, 6, 8, 9, 12}
    assert set(table["stage"]) == {"I", "II", "III", "IV"}
    late = table["stage"].isin(["III", "IV"])
    assert (table["stage_group"].eq("late") == late).all()
    for z in ("il6_z", "pstat3_z"):
        assert table[z].mean() == pytest.approx(0, abs=1e-12)
        assert table[z].std(ddof=1) == pytest.approx(1, abs=1e-12)
    assert np.allclose(
        table["il6_z"],
        (np.log2(table["il6"]) - np.log2(table["il6"]).mean()) / np.log2(table["il6"]).std(ddof=1),
    )


def test_weibull_baseline_medians_without_censoring():
    no_censoring = {"dropout": "none", "admin_min_months": 1e9, "admin_max_months": 1e9}
    table = _simulate(200_000, 5, log_hr={}, censoring=no_censoring)
    assert table["os_event"].all()
    assert table["os_time"].median() == pytest.approx(30, rel=0.02)
    # min of two Weibulls with one shape k: m^-k = m_death^-k + m_progression^-k
    k = BASELINE["shape"]
    expected = (30.0**-k + 15.0**-k) ** (-1 / k)
    assert table["pfs_time"].median() == pytest.approx(expected, rel=0.02)


def test_generator_is_deterministic_for_a_seed():
    a, b, c = _simulate(300, 11), _simulate(300, 11), _simulate(300, 12)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["os_time"], c["os_time"])
    design = CohortDesign(
        "sim",
        "NPC",
        n=300,
        seed=11,
        log_hr=LOG_HR,
        baseline=BASELINE,
        censoring=CENSORING,
        population={"pstat3_scale": "allred"},
    )
    pd.testing.assert_frame_equal(simulate_replicate(design, 3), simulate_replicate(design, 3))
    assert not simulate_replicate(design, 3)["il6"].equals(simulate_replicate(design, 4)["il6"])
    assert simulate_replicate(design, 0, n=50).shape[0] == 50


def test_one_million_patients_in_seconds():
    start = time.perf_counter()
    table = _simulate(1_000_000, 3)
    assert len(table) == 1_000_000
    assert time.perf_counter() - start < 10


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("log_hr", {"il-6": 0.3}, "unknown terms"),
        ("baseline", {**BASELINE, "distribution": "exponential"}, "shape 1"),
        ("censoring", {**CENSORING, "admin_min_months": 100}, "admin_min_months <="),
        ("population", {"stage_probs": [0.5, 0.5, 0.5, 0.5]}, "stage_probs"),
        ("population", {"pstat3_scale": "h-score"}, "pstat3_scale"),
        ("population", {"il6_mean": 2}, "unknown keys"),
    ],
)
def test_invalid_simulation_parameters_are_refused(option, value, message):
    with pytest.raises(ValueError, match=message):
        _simulate(100, 0, **{option: value})


# --- messy writers -------------------------------------------------------------------------


def test_writers_each_mess():
    rng = np.random.default_rng(0)
    assert ex.below_detection_limit(np.array([1.2, 2.0]), 1.5, "<", 1, ",") == ["<1,5", 2.0]
    assert ex.durations(np.array([0.001, 12.0]), "days", 0) == [1.0, 365.0]
    messy = ex.messy_patient_ids(range(1, 200), "NSB-", rng)
    assert {m.strip().upper() for m in messy} != {m for m in messy}
    assert {re.sub(r"(?<![0-9])0+(?=[0-9])", "", m.strip().upper()) for m in messy} == {
        f"NSB-{k}" for k in range(1, 200)
    }
    stages = ex.stage_labels(
        ["I", "II", "III", "IV"] * 50,
        ["{arabic}"],
        rng,
        nos_fraction=0.3,
        unknown_fraction=0.1,
        unknown_token="unknown",
    )
    assert {"1", "2", "3", "4", "I/II NOS", "III/IV NOS", "unknown"} == set(stages)
    cells = pd.DataFrame({"a": [1.0] * 400, "b": [2.0] * 400}, dtype=object)
    blanked = ex.blank_cells(cells, {"ab": 0.5}, ["NA", "", "-999"], rng, groups={"ab": ["a", "b"]})
    hit = blanked["a"].map(lambda v: v != 1.0)
    assert hit.equals(blanked["b"].map(lambda v: v != 2.0)) and 120 < hit.sum() < 280
    assert blanked.loc[hit, "a"].astype(str).equals(blanked.loc[hit, "b"].astype(str))
    assert set(blanked.loc[hit, "a"].astype(str)) == {"NA", "None", "-999"}
    text = ex.render_delimited(
        blanked.head(3).assign(c=[1.25, "<1", None]),
        delimiter=";",
        decimal_mark=",",
        decimals={"c": 2},
        title="T",
    ).decode()
    assert text.splitlines()[0] == "T" and text.splitlines()[2].endswith(";1,25")


def test_xlsx_is_byte_identical_whatever_the_clock(monkeypatch):
    cells = pd.DataFrame({"id": ["P1", "P2"], "x": [1.5, "<1"]}, dtype=object)

    def workbook():
        return ex.render_xlsx(
            cells,
            sheet="Data",
            title_rows=["SYNTHETIC", "note"],
            notes_sheet="Notes",
            notes=[["SYNTHETIC"]],
            decimals={"x": 2},
        )

    first = workbook()
    calls = []

    class Clock(ex.dt.datetime):
        @classmethod
        def now(cls, tz=None):
            calls.append(tz)
            return ex.dt.datetime(2031, 5, 6, 7, 8, 9, tzinfo=tz)

    class LaterDatetimeModule:
        datetime = Clock
        timezone = ex.dt.timezone

    monkeypatch.setattr(openpyxl.writer.excel, "datetime", LaterDatetimeModule)
    assert workbook() == first
    assert calls, "the save time was not taken from the patched clock"
    archive = zipfile.ZipFile(io.BytesIO(first))
    assert {info.date_time for info in archive.infolist()} == {(2000, 1, 1, 0, 0, 0)}
    core = archive.read("docProps/core.xml").decode()
    assert "2000-01-01T00:00:00Z" in core and "2031" not in core


# --- demo cohorts --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def regenerated(repo_dir, tmp_path_factory):
    """The demo regenerated through the CLI entry points into a temporary folder."""
    out = tmp_path_factory.mktemp("demo")
    parser = argparse.ArgumentParser()
    simulate.add_arguments(parser)
    args = parser.parse_args(
        [
            "--truth",
            str(repo_dir / TRUTH),
            "--out",
            str(out / "demo"),
            "--specs",
            str(out / "specs"),
        ]
    )
    assert simulate.run(args) == 0
    return out


@pytest.fixture(scope="module")
def specs(regenerated):
    return {p.stem: yaml.safe_load(p.read_text()) for p in (regenerated / "specs").glob("*.yaml")}


def test_regenerating_gives_the_committed_files_byte_for_byte(repo_dir, regenerated, capsys):
    committed = {
        p.relative_to(repo_dir / "resources/demo"): p
        for p in (repo_dir / "resources/demo").rglob("*")
        if p.is_file() and p.name not in ("truth.yaml", "README.md")
    }
    fresh = {
        p.relative_to(regenerated / "demo"): p
        for p in (regenerated / "demo").rglob("*")
        if p.is_file()
    }
    assert set(committed) == set(fresh)
    changed = [str(k) for k in fresh if fresh[k].read_bytes() != committed[k].read_bytes()]
    for cohort in COHORTS:
        spec = f"{cohort}.yaml"
        if (regenerated / "specs" / spec).read_bytes() != (
            repo_dir / "config/cohorts" / spec
        ).read_bytes():
            changed.append(spec)
    assert not changed, f"regenerate with the command in {TRUTH}: {changed}"
    assert sum(p.stat().st_size for p in committed.values()) < 1_000_000


def test_config_lists_exactly_the_demo_specs(repo_dir, specs):
    config = yaml.safe_load((repo_dir / "config/config.yaml").read_text())
    assert [Path(p).stem for p in config["cohorts"]] == COHORTS
    assert sorted(specs) == sorted(COHORTS)


def test_specs_validate_against_the_cohort_schema(repo_dir, specs):
    schema = yaml.safe_load((repo_dir / "src/markersurv/schemas/cohort.schema.yaml").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    for cohort_id, spec in specs.items():
        errors = [e.message for e in validator.iter_errors(spec)]
        assert not errors, (cohort_id, errors)
        assert spec["synthetic"] is True and "SYNTHETIC" in spec["provenance"]
        assert "seed" in spec["provenance"] and "markersurv simulate" in spec["provenance"]
    table = schema["$defs"]["table"]["properties"]
    assert tuple(schema["properties"]["missing_tokens"]["default"]) == DEFAULT_MISSING_TOKENS
    marker = schema["$defs"]["marker_source"]["properties"]
    assert tuple(marker["below_lod_tokens"]["default"]) == DEFAULT_BELOW_LOD_TOKENS
    assert table["header_row"]["default"] == 1


def test_simulation_scales_match_the_vocabulary(repo_dir):
    vocab = yaml.safe_load((repo_dir / "resources/vocab/marker_scales.yaml").read_text())
    for unit, factor in IL6_PG_PER_UNIT.items():
        assert vocab["il6"]["scales"][unit]["factor"] == factor
    for scale, model in PSTAT3_SCALES.items():
        entry = vocab["pstat3"]["scales"][scale]
        values = model["values"] if "values" in model else (model["low"], model["high"])
        assert entry.get("minimum", -np.inf) <= min(values)
        assert max(values) <= entry.get("maximum", np.inf)


def _read_table(demo_dir: Path, table: dict) -> pd.DataFrame:
    path = demo_dir / table["path"].removeprefix("{demo}/")
    if table["format"] == "xlsx":
        return pd.read_excel(
            path,
            sheet_name=table["sheet"],
            header=table["header_row"] - 1,
            dtype=str,
            keep_default_na=False,
        )
    sep = table.get("delimiter", "\t" if table["format"] == "tsv" else ",")
    return pd.read_csv(
        path,
        sep=sep,
        header=table["header_row"] - 1,
        dtype=str,
        keep_default_na=False,
        encoding=table.get("encoding", "utf-8"),
    )


def _columns(spec):
    """Every (table, column) the spec refers to."""
    primary = next(iter(spec["tables"]))
    found = []

    def walk(node):
        if isinstance(node, dict):
            if "column" in node:
                found.append((node.get("table", primary), node["column"]))
            for value in node.values():
                walk(value)

    walk({k: v for k, v in spec.items() if k != "tables"})
    return found


@pytest.fixture(scope="module")
def tables(regenerated, specs):
    return {
        (cohort, name): _read_table(regenerated / "demo", table)
        for cohort, spec in specs.items()
        for name, table in spec["tables"].items()
    }


def test_every_spec_column_is_in_its_table(specs, tables):
    for cohort, spec in specs.items():
        for table, column in _columns(spec):
            assert column in tables[cohort, table].columns, (cohort, table, column)


def test_title_rows_say_synthetic(regenerated, specs):
    for cohort, spec in specs.items():
        for table in spec["tables"].values():
            path = regenerated / "demo" / table["path"].removeprefix("{demo}/")
            if table["format"] == "xlsx":
                workbook = openpyxl.load_workbook(path)
                assert workbook.sheetnames == ["Notes", table["sheet"]]
                assert "SYNTHETIC" in workbook["Notes"]["A1"].value
                first = workbook[table["sheet"]]["A1"].value
                assert table["header_row"] == 3
            else:
                first = path.read_bytes().decode(table.get("encoding", "utf-8")).splitlines()[0]
                assert table["header_row"] == 2
            assert first.startswith("SYNTHETIC DATA") and f"cohort {cohort}" in first


def test_every_planned_mess_is_present(specs, tables):
    il6_units = {c: s["markers"]["il6"]["unit"] for c, s in specs.items()}
    assert il6_units["demo_nsclc_b"] == "ng/mL" and il6_units["demo_brca_b"] == "pmol/L"
    assert list(il6_units.values()).count("pg/mL") >= 4
    scales = {s["markers"]["pstat3"]["scale"] for s in specs.values()}
    assert {"h_score", "percent_positive", "intensity_x_proportion"} <= scales
    assert specs["demo_nsclc_b"]["markers"]["il6"]["lod"] == 0.0015

    def cells(cohort, marker):
        source = specs[cohort]["markers"][marker]
        table = source.get("table", next(iter(specs[cohort]["tables"])))
        return set(tables[cohort, table][source["column"]])

    clinical = {c: tables[c, next(iter(s["tables"]))] for c, s in specs.items()}
    assert "<1.5" in cells("demo_nsclc_a", "il6") and "<1.5" in cells("demo_hnsc_a", "il6")
    assert "<1,5" in cells("demo_brca_a", "il6")
    assert "ND" in cells("demo_nsclc_b", "il6") and "ND" in cells("demo_brca_b", "il6")
    assert "undetectable" in cells("demo_npc_a", "il6")
    assert specs["demo_npc_a"]["markers"]["il6"]["below_lod_tokens"] == ["undetectable"]
    assert set(clinical["demo_nsclc_a"]["Histology"]) == {
        "NSCLC",
        "Non-small cell lung carcinoma",
        "lung adenocarcinoma",
    }
    assert specs["demo_nsclc_a"]["cancer_type"]["map"] == {"lung adenocarcinoma": "NSCLC"}
    events = {
        c: set(clinical[c][s["endpoints"]["os"]["event"]["column"]])
        for c, s in specs.items()
        if "event" in s["endpoints"]["os"]
    }
    assert events["demo_nsclc_a"] == {"Dead", "Alive"}
    assert events["demo_nsclc_b"] == {"1", "0"}
    assert events["demo_brca_a"] == {"deceased", "living"}
    assert specs["demo_crc_a"]["endpoints"]["os"]["event"]["map"] == {"D": 1, "A": 0}
    stages = set().union(*(set(clinical[c][s["stage"]["column"]]) for c, s in specs.items()))
    assert {"Stage IIIA", "IIb", "3", "I/II NOS", "unknown"} <= stages
    sexes = set().union(*(set(clinical[c][s["sex"]["column"]]) for c, s in specs.items()))
    assert {"F", "M", "female", "male"} <= sexes
    everything = set().union(*(set(t.to_numpy().ravel()) for t in tables.values()))
    assert {"NA", "", ".", "missing", "n/a", "-999"} <= everything
    for cohort, token in [("demo_nsclc_b", "missing"), ("demo_crc_a", "-999")]:
        for table in specs[cohort]["tables"].values():
            assert token in table["missing_tokens"]


def test_semicolon_file_has_decimal_commas(regenerated, specs):
    table = specs["demo_brca_a"]["tables"]["clinical"]
    assert (table["delimiter"], table["decimal"], table["encoding"]) == (";", ",", "latin-1")
    text = (regenerated / "demo/brca_a/clinical.csv").read_bytes().decode("latin-1")
    header = text.splitlines()[1]
    assert header.count(";") == 9 and "," not in header and "Âge" in header
    assert re.search(r";\d+,\d{2};", text) and not re.search(r";\d+\.\d+;", text)


def test_assay_ids_differ_but_normalize_to_clinical_ids(specs, tables):
    spec = specs["demo_nsclc_b"]
    assert spec["markers"]["il6"]["table"] == "assay"
    norm = spec["tables"]["assay"]["id_normalizer"]
    assert (
        norm
        == spec["tables"]["clinical"]["id_normalizer"]
        == {"strip": True, "case": "upper", "strip_leading_zeros": True}
    )

    def normalize(raw):
        return re.sub(r"(?<![0-9])0+(?=[0-9])", "", raw.strip().upper())

    clinical = list(tables["demo_nsclc_b", "clinical"]["patient_id"])
    assay = list(tables["demo_nsclc_b", "assay"]["patient_id"])
    assert all(re.fullmatch(r"NSB-\d{4}", c) for c in clinical)
    assert any(a != a.strip() for a in assay) and any(a.startswith("nsb") for a in assay)
    unmatched = {normalize(a) for a in assay} - {normalize(c) for c in clinical}
    assert unmatched == {"NSB-999"}
    assert len({normalize(a) for a in assay}) == len(assay)
    assert len(set(map(normalize, clinical)) - set(map(normalize, assay))) > 0


def test_exactly_one_duplicated_row(tables, specs):
    duplicated = {}
    for cohort, spec in specs.items():
        primary = tables[cohort, next(iter(spec["tables"]))]
        duplicated[cohort] = int(primary.duplicated().sum())
        assert duplicated[cohort] == int(primary.iloc[:, 0].duplicated().sum())
    assert duplicated == {c: int(c == "demo_crc_a") for c in specs}
    crc = tables["demo_crc_a", "clinical"]
    assert crc.iloc[76].equals(crc.iloc[77]) and crc.iloc[76]["ID"] == "CRC-0077"


def test_dates_cohort_and_its_two_impossible_sequences(specs, tables):
    spec = specs["demo_brca_b"]
    assert spec["endpoints"] == {
        "os": {"event_dates": ["death"]},
        "pfs": {"event_dates": ["progression", "death"]},
    }
    table = tables["demo_brca_b", "clinical"]
    dates = {
        name: pd.to_datetime(table[entry["column"]].replace("", None), format=entry["format"])
        for name, entry in spec["dates"].items()
    }
    assert dates["diagnosis"].notna().all() and dates["last_contact"].notna().all()
    impossible = table.loc[dates["death"] < dates["diagnosis"], "case_id"]
    assert list(impossible) == ["BRB-017", "BRB-118"]
    fine = ~table["case_id"].isin(impossible)
    assert (dates["last_contact"][fine] > dates["diagnosis"][fine]).all()
    assert (
        dates["progression"][fine].dropna()
        <= dates["last_contact"][fine].loc[dates["progression"][fine].dropna().index]
    ).all()
    died = dates["death"][fine].notna()
    assert (dates["death"][fine][died] == dates["last_contact"][fine][died]).all()


def test_readme_states_every_cohort_and_seed(repo_dir):
    readme = (repo_dir / "resources/demo/README.md").read_text()
    truth = yaml.safe_load((repo_dir / TRUTH).read_text())
    assert "SYNTHETIC" in readme and truth["command"] in readme
    for cohort_id, entry in truth["cohorts"].items():
        assert cohort_id in readme and str(entry["seed"]) in readme


def test_truth_file_errors_list_every_problem(tmp_path, repo_dir):
    truth = yaml.safe_load((repo_dir / TRUTH).read_text())
    entry = truth["cohorts"]["demo_crc_a"]
    entry["export"]["colums"] = entry["export"].pop("columns")
    entry["planted"]["duplicate_rows"] = 1
    del entry["log_hr"]["male"]
    truth["cohorts"] = {"demo_crc_a": entry}
    path = tmp_path / "truth.yaml"
    path.write_text(yaml.safe_dump(truth))
    with pytest.raises(ConfigError) as error:
        simulate.simulate_from_truth(path, tmp_path / "out")
    message = str(error.value)
    assert "'colums'" in message and "'duplicate_rows'" in message and "male" in message
    assert "demo_crc_a" in message and not (tmp_path / "out").exists()
