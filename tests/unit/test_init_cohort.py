"""``markersurv init-cohort``: drafted specs parse back, fit the schema, carry a CHECK exactly
where a person must decide, and validate against their data once those checks are answered."""

from __future__ import annotations

import copy
import datetime as dt
import glob
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest
import yaml

from markersurv.cli import main
from markersurv.cohort.vocab import Vocabulary
from markersurv.config.schema import load_schema
from markersurv.errors import InputFileError, MarkersurvError
from markersurv.harmonize.validation import validate_spec
from markersurv.ingest.readers import field_columns
from markersurv.init_cohort.draft import Draft, declared_markers, draft_cohort_spec
from markersurv.init_cohort.profile import ColumnProfile, name_tokens
from markersurv.init_cohort.sniff import header_row_of, sniff_delimiter, sniff_table
from markersurv.init_cohort.spec_yaml import Node, mapping, render, to_data
from markersurv.init_cohort.units import decide_scale

REPO = Path(__file__).resolve().parents[2]
DEMO_CONFIG = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))
VOCAB = Vocabulary.load(REPO / "resources" / "vocab")
# The markers of the demo config, which the drafts look for.
MARKERS = declared_markers(str(REPO / "config" / "config.yaml"))
ALWAYS = {"description", "provenance"}  # every draft asks for these two


def draft_of(paths, folder: Path, folder_name: str = "data", **kwargs) -> Draft:
    """Draft, and check the two things every draft must be: its YAML reads back to the same
    data, and that data fits the cohort schema."""
    kwargs.setdefault("markers", MARKERS)
    draft = draft_cohort_spec(paths, data_dirs={folder_name: str(folder)}, vocab=VOCAB, **kwargs)
    assert yaml.safe_load(draft.text) == draft.spec
    jsonschema.Draft202012Validator(load_schema("cohort")).validate(draft.spec)
    assert all(
        line.startswith("#") or len(line) <= 100 or ": " in line for line in draft.text.splitlines()
    )
    return draft


def prose(draft: Draft) -> str:
    """The draft's comments and values as one line of words (comments wrap)."""
    return " ".join(draft.text.replace("#", " ").split())


def check_paths(draft: Draft) -> set[str]:
    return {path for path, _ in draft.checks}


def setting(spec: dict, dotted: str, value) -> dict:
    """A copy of ``spec`` with the key at the dotted path set."""
    spec = copy.deepcopy(spec)
    *parents, last = dotted.split(".")
    node = spec
    for key in parents:
        node = node[key]
    node[last] = value
    return spec


def validated(spec: dict, folder: Path, data_dirs: dict, endpoints=("os", "pfs")) -> dict:
    """Validate a draft whose checks are answered; a provenance left as CHECK is given one."""
    if spec["provenance"] == "CHECK":
        spec = {**spec, "provenance": "SYNTHETIC test data written by the test"}
    path = folder / "drafted.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    config = {
        "markers": [{"id": "il6"}, {"id": "pstat3"}],
        "endpoints": [{"id": e} for e in endpoints],
        "data_dirs": data_dirs,
        "vocabulary_dir": str(REPO / "resources" / "vocab"),
        # The demo's randomized cohort maps the treatment the demo config declares.
        "treatment": DEMO_CONFIG["treatment"],
    }
    return validate_spec(str(path), config)


# -- a semicolon CSV with decimal commas, Latin-1, a title row ---------------------------------
def write_semicolon_csv(folder: Path, n: int = 60) -> Path:
    rng = np.random.default_rng(11)
    lines = [
        "Étude pilote IL-6, export du 01/02/2020",
        "Patient;Âge;Sexe;Stade;IL6 (ng/mL);pSTAT3 H-score;OS (mois);Décès",
    ]
    stages = ["IIA", "III", "Stage IV", "I", "IIB"]
    for i in range(n):
        il6 = "ND" if i % 12 == 3 else "NA" if i % 20 == 7 else f"{rng.uniform(0.002, 0.09):.4f}"
        os_months = f"{rng.uniform(1, 90):.1f}"
        lines.append(
            ";".join(
                [
                    f"P{i + 1:03d}",
                    str(rng.integers(30, 85)),
                    "F",
                    stages[i % 5],
                    il6.replace(".", ","),
                    str(rng.integers(0, 300)),
                    os_months.replace(".", ","),
                    "oui" if i % 3 else "non",
                ]
            )
        )
    path = folder / "breast_cancer_cohort.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    return path


def test_semicolon_csv_with_decimal_commas(tmp_path):
    path = write_semicolon_csv(tmp_path)
    draft = draft_of([path], tmp_path)
    spec = draft.spec
    table = spec["tables"]["breast_cancer_cohort"]
    assert table["delimiter"] == ";" and table["decimal"] == ","
    assert table["encoding"] == "latin-1" and table["header_row"] == 2
    assert table["id_column"] == "Patient"
    assert spec["cancer_type"] == {"constant": "BRCA"}
    assert (spec["age"], spec["sex"], spec["stage"]) == (
        {"column": "Âge"},
        {"column": "Sexe"},
        {"column": "Stade"},
    )
    assert spec["markers"]["il6"] == {
        "column": "IL6 (ng/mL)",
        "unit": "ng/mL",
        "below_lod_tokens": ["ND"],
    }
    assert spec["markers"]["pstat3"] == {"column": "pSTAT3 H-score", "scale": "h_score"}
    assert spec["endpoints"]["os"]["time"] == {"column": "OS (mois)", "unit": "months"}
    # Words the event codings do not know: each is a CHECK, never read as missing.
    assert spec["endpoints"]["os"]["event"] == {
        "column": "Décès",
        "map": {"non": "CHECK", "oui": "CHECK"},
    }
    # The unknown codes and the missing limit are the only decisions left.
    assert check_paths(draft) == ALWAYS | {"markers.il6", "endpoints.os.event.map"}
    assert "# CHECK: 5 cells say 'ND'" in draft.text
    assert 'non: "CHECK"\n        oui: "CHECK"' in draft.text
    with pytest.raises(MarkersurvError, match="endpoints.os.event.map.oui"):
        validated(spec, tmp_path, {"data": str(tmp_path)}, ("os",))
    answered = setting(spec, "endpoints.os.event.map", {"oui": 1, "non": 0})
    with pytest.raises(MarkersurvError, match="below-detection-limit token without a limit"):
        validated(answered, tmp_path, {"data": str(tmp_path)}, ("os",))
    answered = setting(answered, "markers.il6.lod", 0.002)
    summary = validated(answered, tmp_path, {"data": str(tmp_path)}, ("os",))
    assert summary["patients"] == 60


# -- a workbook: notes sheet first, the data on a second sheet below a title row ----------------
def write_workbook(folder: Path, n: int = 40) -> Path:
    import openpyxl

    rng = np.random.default_rng(5)
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "README"
    for row in [
        ("Export of the colorectal registry",),
        ("contact", "registry office"),
        ("version", "3"),
    ]:
        notes.append(row)
    data = book.create_sheet("Patients")
    data.append(["Colorectal cancer cohort, serum IL-6 and tumour pSTAT3"])
    data.append(
        [
            "Record",
            "Name",
            "Age",
            "Gender",
            "Stage",
            "IL-6",
            "pSTAT3",
            "Date of diagnosis",
            "Date of last follow-up",
            "Date of death",
        ]
    )
    for i in range(n):
        diagnosis = dt.datetime(2010, 1, 1) + dt.timedelta(days=int(rng.integers(0, 2000)))
        last = diagnosis + dt.timedelta(days=int(rng.integers(30, 2500)))
        il6 = "hemolysed" if i == 4 else round(float(rng.lognormal(1.5, 0.6)), 2)
        data.append(
            [
                f"R{i + 1}",
                f"Person {i}",
                int(rng.integers(35, 85)),
                "male" if i % 2 else "female",
                ["I", "II", "III", "IV"][i % 4],
                il6,
                "positive" if i % 3 else "negative",
                diagnosis,
                last,
                last if i % 2 else None,
            ]
        )
    path = folder / "registry_export.xlsx"
    book.save(path)
    return path


def test_workbook_second_sheet_title_row_dates_and_identifiers(tmp_path):
    path = write_workbook(tmp_path)
    draft = draft_of([path], tmp_path)
    spec = draft.spec
    table = spec["tables"]["registry_export"]
    assert table["sheet"] == "Patients" and table["header_row"] == 2
    assert table["id_column"] == "Record"
    assert table["missing_tokens"] == ["hemolysed"]
    assert spec["identifiers"] == {"Name": "drop"}
    assert spec["cancer_type"] == {"constant": "CRC"}
    assert spec["markers"]["pstat3"] == {
        "column": "pSTAT3",
        "scale": "binary",
        "map": {"positive": 1, "negative": 0},
    }
    assert spec["dates"] == {
        "diagnosis": {"column": "Date of diagnosis", "format": "%Y-%m-%d"},
        "last_contact": {"column": "Date of last follow-up", "format": "%Y-%m-%d"},
        "death": {"column": "Date of death", "format": "%Y-%m-%d"},
    }
    assert spec["endpoints"] == {"os": {"event_dates": ["death"]}}
    # IL-6 without a unit in its name is CHECK (magnitudes fit several units), and a word
    # among its numbers.
    assert spec["markers"]["il6"] == {"column": "IL-6", "unit": "CHECK"}
    assert check_paths(draft) == ALWAYS | {
        "markers.il6.unit",
        "tables.registry_export.missing_tokens",
    }
    assert "never guessed from magnitudes" in dict(draft.checks)["markers.il6.unit"]
    assert "fit ng/L, pg/mL, pmol/L" in dict(draft.checks)["markers.il6.unit"]
    answered = setting(spec, "markers.il6.unit", "pg/mL")
    summary = validated(answered, tmp_path, {"data": str(tmp_path)}, ("os",))
    assert summary["patients"] == 40


# -- two files whose ids match only after normalization; ambiguous date order --------------------
def write_two_files(folder: Path, n: int = 50) -> tuple[Path, Path]:
    rng = np.random.default_rng(3)
    rows = []
    for i in range(n):
        # Every day is 12 or less, so day/month and month/day both read; the truth is m/d/Y.
        diagnosis = dt.date(2012, int(rng.integers(1, 7)), int(rng.integers(1, 13)))
        last = dt.date(2016, int(rng.integers(1, 13)), int(rng.integers(1, 13)))
        death = last if i % 3 == 0 else None
        prog = dt.date(2014, int(rng.integers(1, 13)), int(rng.integers(1, 13))) if i % 2 else None
        rows.append(
            {
                "id": f"CRC-{i + 1:03d}",
                "age": int(rng.integers(40, 80)),
                "sex": "M" if i % 2 else "F",
                "diagnosis_date": diagnosis.strftime("%m/%d/%Y"),
                "last_contact_date": last.strftime("%m/%d/%Y"),
                "death_date": death.strftime("%m/%d/%Y") if death else "",
                "progression_date": prog.strftime("%m/%d/%Y") if prog else "",
            }
        )
    clinical = folder / "clinical.csv"
    pd.DataFrame(rows).to_csv(clinical, index=False)
    assay_ids = [f" crc_{i + 1}" if i % 2 else f"Crc-{i + 1}" for i in range(n)]
    assay = pd.DataFrame(
        {
            "sample_id": assay_ids + ["CRC_999", "crc-1000"],
            "IL6_pg_ml": np.round(rng.lognormal(1.5, 0.5, n + 2), 2),
            "pSTAT3_allred": rng.integers(0, 9, n + 2),
        }
    )
    path = folder / "assay.txt"
    assay.to_csv(path, sep="\t", index=False)
    return clinical, path


def test_two_files_join_after_id_normalization(tmp_path):
    clinical, assay = write_two_files(tmp_path)
    draft = draft_of([clinical, assay], tmp_path)
    spec = draft.spec
    normalizer = {
        "strip": True,
        "case": "upper",
        "remove": "[^A-Z0-9]",
        "strip_leading_zeros": True,
    }
    assert spec["tables"]["clinical"]["id_normalizer"] == normalizer
    assert spec["tables"]["assay"]["id_normalizer"] == normalizer
    assert spec["tables"]["assay"]["id_column"] == "sample_id"
    assert "delimiter" not in spec["tables"]["assay"]  # .txt reads as tab-separated
    assert "ids match only after removing separators and zeros" in prose(draft)
    assert "50 of 52 'assay' ids found in 'clinical', 0 as written" in prose(draft)
    assert spec["markers"]["il6"]["table"] == "assay"
    assert spec["markers"]["pstat3"] == {
        "table": "assay",
        "column": "pSTAT3_allred",
        "scale": "allred",
    }
    assert spec["endpoints"] == {
        "os": {"event_dates": ["death"]},
        "pfs": {"event_dates": ["progression", "death"]},
    }
    roles = ("diagnosis", "last_contact", "death", "progression")
    dates = {f"dates.{role}.format" for role in roles}
    # Day and month cannot be told apart: the format is CHECK, never an assumed order.
    assert all(spec["dates"][role]["format"] == "CHECK" for role in roles)
    assert check_paths(draft) == ALWAYS | {"cancer_type"} | dates
    assert all("day/month and month/day" in c for p, c in draft.checks if p in dates)
    answered = setting(spec, "cancer_type.constant", "CRC")
    for path in dates:
        answered = setting(answered, path, "%m/%d/%Y")
    summary = validated(answered, tmp_path, {"data": str(tmp_path)})
    assert summary["patients"] == 50
    assert summary["excluded"] == {"not_in_primary_table": 2}


# -- a TCGA-like clinical table and a wide RPPA matrix with aliquot barcodes ----------------------
def write_tcga_like(folder: Path, n: int = 30) -> tuple[Path, Path]:
    rng = np.random.default_rng(8)
    patients = [f"TCGA-A{i % 7}-{1000 + i:04d}" for i in range(n)]
    clinical = pd.DataFrame(
        {
            "bcr_patient_barcode": patients,
            "type": ["BRCA" if i % 3 else "LUAD" for i in range(n)],
            "age_at_initial_pathologic_diagnosis": [
                "[Not Available]" if i == 2 else str(rng.integers(30, 85)) for i in range(n)
            ],
            "gender": ["FEMALE" if i % 3 else "MALE" for i in range(n)],
            "OS": rng.integers(0, 2, n),
            "OS.time": rng.integers(10, 4000, n),
        }
    )
    clinical_path = folder / "cdr.csv"
    clinical.to_csv(clinical_path, index=False)
    barcodes = [f"{p}-01A-21-A13E-20" for p in patients[:24]]
    barcodes += [f"{patients[0]}-01A-31-A13E-20", f"{patients[1]}-11A-21-A13E-20"]
    matrix = pd.DataFrame(
        np.round(rng.normal(0, 1, (2, len(barcodes))), 4),
        columns=barcodes,
        index=pd.Index(["PTEN|PTEN", "STAT3|STAT3_pY705"], name="Composite.Element.REF"),
    )
    wide_path = folder / "BRCA.rppa.txt"
    matrix.to_csv(wide_path, sep="\t")
    return clinical_path, wide_path


def test_tcga_like_wide_matrix(tmp_path):
    clinical, wide = write_tcga_like(tmp_path)
    draft = draft_of([clinical, wide], tmp_path, cohort_id="tcga_like")
    spec = draft.spec
    assert spec["id"] == "tcga_like"
    rppa = spec["tables"]["BRCA_rppa"]
    assert rppa["orientation"] == "wide" and rppa["feature_column"] == "Composite.Element.REF"
    assert rppa["id_normalizer"] == {
        "sample_type": {"start": 14, "end": 15, "keep": [1, 9]},
        "extract": "^(.{12})",
        "replicates": "mean",
    }
    assert spec["tables"]["cdr"]["id_column"] == "bcr_patient_barcode"
    assert spec["tables"]["cdr"]["missing_tokens"] == ["[Not Available]"]
    assert spec["cancer_type"] == {"column": "type"}
    assert spec["markers"] == {
        "pstat3": {"table": "BRCA_rppa", "column": "STAT3|STAT3_pY705", "scale": "rppa_log2"}
    }
    assert spec["endpoints"]["os"] == {
        "time": {"column": "OS.time", "unit": "days"},
        "event": {"column": "OS"},
    }
    # No unit in 'OS.time', but only days put a longest time of about 4000 within 6 months
    # to 40 years of follow-up (4000 weeks would be 77 years).
    assert check_paths(draft) == ALWAYS
    assert "days is the only unit" in prose(draft)
    summary = validated(spec, tmp_path, {"data": str(tmp_path)}, ("os",))
    # 24 patients have a pSTAT3 value, 30 have follow-up: harmonization keeps either set,
    # as its policy on patients without a marker says.
    assert summary["patients"] in (24, 30)
    assert summary["patients"] + summary["excluded"].get("no_marker_value", 0) == 30
    assert summary["excluded"]["sample_type_excluded"] == 1
    assert summary["excluded"]["replicate_merged"] == 1


def test_wide_file_alone_is_a_valid_draft_with_placeholders(tmp_path):
    _, wide = write_tcga_like(tmp_path)
    draft = draft_of([wide], tmp_path)
    assert draft.spec["cancer_type"] == {"constant": "BRCA"}
    assert draft.spec["endpoints"]["os"]["time"]["column"] == "CHECK"
    assert check_paths(draft) == ALWAYS | {"endpoints.os"}


# -- the demo cohorts: the draft finds what their specs say -------------------------------------
DEMO_SPECS = sorted(glob.glob(str(REPO / "config" / "cohorts" / "demo_*.yaml")))
# Decisions the demo files leave open (beyond description and provenance).
DEMO_CHECKS = {
    "demo_brca_a": set(),
    "demo_brca_b": {"markers.il6"},  # 'ND' without a stated limit
    "demo_crc_a": {"endpoints.os.event.map"},  # A/D status codes
    "demo_hnsc_a": set(),
    "demo_npc_a": {"markers.il6"},  # 'undetectable' without a stated limit
    "demo_nsclc_a": {"cancer_type"},  # lung adenocarcinoma in an NSCLC cohort
    "demo_nsclc_b": {"markers.il6"},  # 'ND' without a stated limit
}


def answer(draft: Draft, reference: dict) -> dict:
    """Answer each CHECK with what the cohort's own spec says for that key."""
    spec = copy.deepcopy(draft.spec)
    for path, _ in draft.checks:
        if path in ALWAYS:
            spec[path] = reference[path]
            continue
        *parents, last = path.split(".")
        ours, theirs = spec, reference
        for key in parents:
            ours, theirs = ours[key], theirs[key]
        if last in ("map", "unit", "scale", "format", "column"):
            ours[last] = theirs[last]
            continue
        ours, theirs = ours[last], theirs[last]
        for key in ("lod", "map", "unit", "format", "constant"):
            if key in theirs:
                ours[key] = theirs[key]
    return spec


@pytest.mark.skipif(not DEMO_SPECS, reason="no demo cohorts in config/cohorts")
@pytest.mark.parametrize("spec_path", DEMO_SPECS, ids=lambda p: Path(p).stem)
def test_demo_cohort_draft_matches_its_spec(spec_path, tmp_path):
    reference = yaml.safe_load(Path(spec_path).read_text(encoding="utf-8"))
    demo = REPO / "resources" / "demo"
    files = [demo / t["path"].removeprefix("{demo}/") for t in reference["tables"].values()]
    draft = draft_of(files, demo, "demo", cohort_id=reference["id"])
    spec = draft.spec
    if reference["id"] in DEMO_CHECKS:
        assert check_paths(draft) == ALWAYS | DEMO_CHECKS[reference["id"]]
    options = (
        "path",
        "sheet",
        "header_row",
        "delimiter",
        "decimal",
        "encoding",
        "id_column",
        "orientation",
        "feature_column",
    )
    for name, table in reference["tables"].items():
        ours = spec["tables"][name]
        for key in options:
            if key in ours or table.get(key, "long") != "long":
                assert ours.get(key) == table.get(key), (name, key)
        assert set(table.get("missing_tokens", [])) <= set(ours.get("missing_tokens", []))
        assert ours.get("id_normalizer", {}) == table.get("id_normalizer", {})
    for field in ("age", "sex", "stage", "dates"):
        assert spec.get(field) == reference.get(field), field
    for marker, source in reference["markers"].items():
        ours = spec["markers"][marker]
        assert without(ours, "below_lod_tokens") == without(source, "lod", "below_lod_tokens")
        assert set(source.get("below_lod_tokens", [])) <= set(ours.get("below_lod_tokens", []))
    for endpoint, source in reference["endpoints"].items():
        assert without(spec["endpoints"][endpoint], "map") == without(source, "map")
    assert set(spec["endpoints"]) == set(reference["endpoints"])
    demo_dirs = {"demo": str(demo)}
    ours_summary = validated(answer(draft, reference), tmp_path, demo_dirs)
    assert ours_summary["patients"] == validated(reference, tmp_path, demo_dirs)["patients"]


def without(data, *keys):
    """A copy of nested data without the given keys (detection-limit and map details)."""
    if isinstance(data, dict):
        return {k: without(v, *keys) for k, v in data.items() if k not in keys}
    return data


# -- files that cannot be read give typed errors ------------------------------------------------
@pytest.mark.parametrize(
    "name, content",
    [
        ("empty.csv", b""),
        ("blank.csv", b"\n\n  \n"),
        ("header_only.csv", b"id,age,il6\n"),
        ("broken.xlsx", b"PK\x03\x04 not really a workbook"),
        ("noise.parquet", bytes(range(256))),
        ("duplicated.csv", b"id,age,age\n1,50,51\n"),
    ],
)
def test_unreadable_files_raise_input_file_error(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputFileError):
        draft_cohort_spec([path], MARKERS, vocab=VOCAB)


def test_missing_noise_and_unknown_extensions(tmp_path):
    with pytest.raises(InputFileError, match="file not found"):
        draft_cohort_spec([tmp_path / "absent.csv"], MARKERS, vocab=VOCAB)
    noise = tmp_path / "noise.dat"
    noise.write_bytes(bytes(np.random.default_rng(1).integers(0, 256, 3000, dtype=np.uint8)))
    with pytest.raises(InputFileError) as error:
        draft_cohort_spec([noise], MARKERS, vocab=VOCAB)
    assert "noise.dat" in str(error.value) and "cohort 'draft'" not in str(error.value)
    text = tmp_path / "export.dat"
    text.write_text("pid,il6_pg_ml,os_days,os_status\nA,1.5,300,1\nB,2.5,200,0\n")
    draft = draft_of([text], tmp_path)
    assert draft.spec["tables"]["export"]["format"] == "csv"
    assert "tables.export.format" in check_paths(draft)


def test_parquet_with_typed_columns(tmp_path):
    frame = pd.DataFrame(
        {
            "patient_id": [f"X{i}" for i in range(20)],
            "age": np.arange(40, 60, dtype=float),
            "sex": ["female", "male"] * 10,
            "il6_pg_ml": np.linspace(1, 20, 20),
            "pfs_months": np.linspace(1, 40, 20),
            "pfs_event": [0, 1] * 10,
        }
    )
    path = tmp_path / "hnsc_trial.parquet"
    frame.to_parquet(path)
    draft = draft_of([path], tmp_path)
    assert draft.spec["cancer_type"] == {"constant": "HNSC"}
    assert draft.spec["markers"]["il6"] == {"column": "il6_pg_ml", "unit": "pg/mL"}
    assert draft.spec["endpoints"]["pfs"]["time"] == {"column": "pfs_months", "unit": "months"}
    assert check_paths(draft) == ALWAYS
    assert validated(draft.spec, tmp_path, {"data": str(tmp_path)})["patients"] == 20


# -- the pieces -----------------------------------------------------------------------------------
def test_header_row_skips_titles_and_notes():
    rows = [["Study X export"], ["", ""], ["id", "age", "il6"], ["a", 50, 1.5], ["b", 61, 2.0]]
    assert header_row_of(rows) == 3
    assert header_row_of([["1", "2"], ["3", "4"]]) is None
    assert header_row_of([["id", "age"], ["a", "50"]]) == 1


@pytest.mark.parametrize(
    "text, delimiter",
    [("a;b;c\n1,5;2;3\n4;5,5;6\n", ";"), ("a\tb\n1,2\t3\n", "\t"), ("a,b\n1,2\n3,4\n", ",")],
)
def test_delimiter_sniffing(text, delimiter):
    assert sniff_delimiter(text)[0] == delimiter


@pytest.mark.parametrize(
    "values, scale",
    [
        ([0, 120, 280, 300], "h_score"),  # only an H-score goes above 100
        ([0, 35, 80, 100], "CHECK"),  # percent or H-score
        ([0, 4, 9, 12], "CHECK"),  # IRS, Allred is out, but percent and H-score fit
        ([0, 1, 2, 3], "CHECK"),
        ([0, 1, 1, 0], "CHECK"),  # binary or intensity 0-3 without its 2s and 3s
        ([-1.2, 0.3, 0.8, 2.1], "rppa_log2"),  # signed values: the only log scale
    ],
)
def test_pstat3_scale_from_range_only_when_one_scale_fits(values, scale):
    col = ColumnProfile("t", "pstat3", 0, pd.Series([str(v) for v in values]), ())
    assert decide_scale(VOCAB, MARKERS[1], col).value == scale


def test_name_tokens_drop_accents_and_punctuation():
    assert name_tokens("Progression ou décès") == ("progression", "ou", "deces")
    assert name_tokens("STAT3|STAT3_pY705") == ("stat3", "stat3", "py705")


@pytest.mark.parametrize(
    "value",
    [
        "yes",
        "No",
        "1",
        "a: b",
        "# x",
        "Numéro",
        "\t",
        "-",
        "[Not Available]",
        1e-5,
        7,
        True,
        None,
        ["ND", "<LOD"],
    ],
)
def test_yaml_values_read_back_unchanged(value):
    nodes = [
        mapping("a", [Node("yes", value, notes=["a note: with # and 'quotes'"])]),
        Node("on", value, checks=["decide"]),
    ]
    text = render(nodes, ["header"])
    assert yaml.safe_load(text) == to_data(nodes) == {"a": {"yes": value}, "on": value}


def test_commented_map_skeleton_is_not_data():
    skeleton = mapping("map", [Node("A", None), Node("D", None)])
    skeleton.commented = True
    nodes = [mapping("event", [Node("column", "status"), skeleton])]
    text = render(nodes, [])
    assert yaml.safe_load(text) == {"event": {"column": "status"}}
    assert "  # map:\n  #   A: null\n  #   D: null" in text


def test_cli_writes_the_draft_and_refuses_to_overwrite(tmp_path, capsys):
    path = write_semicolon_csv(tmp_path, n=12)
    out = tmp_path / "spec.yaml"
    vocab = str(REPO / "resources" / "vocab")
    args = [
        "init-cohort",
        str(path),
        "--out",
        str(out),
        "--id",
        "pilot",
        "--data-dir",
        f"data={tmp_path}",
        "--vocabulary",
        vocab,
    ]
    assert main(args) == 0
    spec = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert spec["id"] == "pilot"
    assert spec["tables"]["breast_cancer_cohort"]["path"] == "{data}/breast_cancer_cohort.csv"
    assert "CHECK comment(s)" in capsys.readouterr().err
    assert main(args) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["init-cohort", str(tmp_path / "none.csv"), "--vocabulary", vocab]) == 2
    assert "file not found" in capsys.readouterr().err


@pytest.mark.parametrize(
    "encoding, declared",
    [
        ("utf-8-sig", None),
        ("utf-16", None),
        ("utf-8", None),
        ("latin-1", "latin-1"),
        ("cp1252", "cp1252"),
    ],
)
def test_encoding_sniffing(tmp_path, encoding, declared):
    text = "Numéro,Âge,IL6 pg/mL\nA1,50,1.5\nA2,61,2.5\n"
    if encoding == "cp1252":
        text = text.replace("IL6 pg/mL", "IL6 ’pg/mL’")
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode(encoding))
    table = sniff_table(path)
    assert table.options.get("encoding") == declared
    assert field_columns(table.frame)[:2] == ["Numéro", "Âge"]


@pytest.mark.parametrize(
    "cells, options, checked",
    [
        (["12,5", "3,25", "7"], {"decimal": ","}, set()),
        (["1.234,5", "2,5", "7"], {"decimal": ",", "thousands": "."}, set()),
        (["1,234.5", "2.5", "7"], {"thousands": ","}, set()),
        (["1,234", "2,500", "7"], {"thousands": ","}, {"thousands"}),
        (["12.5", "3", "7"], {}, set()),
    ],
)
def test_decimal_and_thousands_sniffing(tmp_path, cells, options, checked):
    path = tmp_path / "t.csv"
    path.write_text("id;value\n" + "".join(f"P{i};{c}\n" for i, c in enumerate(cells)))
    table = sniff_table(path)
    found = {k: v for k, v in table.options.items() if k in ("decimal", "thousands")}
    assert found == options
    assert set(table.checks) == checked


def test_generic_wide_matrix_is_flagged_for_a_person(tmp_path):
    samples = [f"S{i:03d}" for i in range(1, 9)]
    frame = pd.DataFrame(
        np.arange(16).reshape(2, 8) / 4,
        columns=samples,
        index=pd.Index(["IL6_pg_ml", "pSTAT3_hscore"], name="feature"),
    )
    path = tmp_path / "matrix.csv"
    frame.to_csv(path)
    draft = draft_of([path], tmp_path)
    assert draft.spec["tables"]["matrix"]["orientation"] == "wide"
    assert "id_normalizer" not in draft.spec["tables"]["matrix"]
    assert draft.spec["markers"]["il6"] == {"column": "IL6_pg_ml", "unit": "pg/mL"}
    assert {"tables.matrix.orientation", "endpoints.os", "cancer_type"} <= check_paths(draft)


def test_real_tcga_files_draft_as_the_tcga_spec_says(tcga_dir, tmp_path):
    reference = yaml.safe_load((REPO / "config" / "cohorts" / "tcga.yaml").read_text())
    files = [tcga_dir / "TCGA-CDR-SupplementalTableS1.xlsx", tcga_dir / "rppa" / "ACC.rppa.txt"]
    draft = draft_of(files, tcga_dir, "tcga", cohort_id="tcga")
    spec = draft.spec
    cdr = spec["tables"]["TCGA_CDR_SupplementalTableS1"]
    assert cdr["sheet"] == reference["tables"]["cdr"]["sheet"]
    assert cdr["id_column"] == reference["tables"]["cdr"]["id_column"]
    assert set(cdr["missing_tokens"]) >= set(reference["tables"]["cdr"]["missing_tokens"]) - {
        "#N/A"
    }
    rppa = spec["tables"]["ACC_rppa"]
    assert rppa["feature_column"] == reference["tables"]["rppa"]["feature_column"]
    for field in ("cancer_type", "age", "sex", "stage"):
        assert spec[field] == reference[field], field
    # The competing-event codings live in another sheet of the workbook (ExtraEndpoints),
    # a table the shipped spec adds by hand; the draft reads each file's first sheet.
    time_and_event = {
        endpoint: {k: v for k, v in fields.items() if k != "competing"}
        for endpoint, fields in reference["endpoints"].items()
    }
    assert spec["endpoints"] == time_and_event
    assert spec["markers"]["pstat3"] == {**reference["markers"]["pstat3"], "table": "ACC_rppa"}
    # Durations without a unit in their names: days, the only unit their range fits.
    assert check_paths(draft) == ALWAYS
    summary = validated(spec, tmp_path, {"tcga": str(tcga_dir)}, ("os",))
    # 46 patients have a pSTAT3 value in ACC.rppa.txt, 11094 have follow-up: harmonization
    # keeps either set, as its policy on patients without a marker says.
    assert summary["patients"] in (46, 11094)


@pytest.mark.parametrize(
    "time_name, event_name, events, unit, checks",
    [
        ("survival_days", "vital_status", ("Alive", "Dead"), "days", set()),
        ("PFS.time.weeks", "PFS", (0, 1), "weeks", set()),
        ("follow-up (years)", "status", (0, 1), "years", {"endpoints.os"}),
        ("futime", "fustat", (0, 1), "days", {"endpoints.os"}),
    ],
)
def test_time_and_status_columns(tmp_path, time_name, event_name, events, unit, checks):
    rng = np.random.default_rng(2)
    scale = {"days": 3000, "weeks": 400, "years": 9}[unit]
    frame = pd.DataFrame(
        {
            "pid": [f"Q{i}" for i in range(30)],
            "il6_pg_ml": np.round(rng.lognormal(1, 0.5, 30), 2),
            time_name: np.round(rng.uniform(0.1, 1, 30) * scale, 1),
            event_name: [events[i % 2] for i in range(30)],
        }
    )
    path = tmp_path / "melanoma_series.csv"
    frame.to_csv(path, index=False)
    draft = draft_of([path], tmp_path)
    endpoint = "pfs" if event_name == "PFS" else "os"
    assert draft.spec["endpoints"] == {
        endpoint: {"time": {"column": time_name, "unit": unit}, "event": {"column": event_name}}
    }
    assert check_paths(draft) == ALWAYS | checks


def test_docstring_examples():
    import doctest

    from markersurv.init_cohort import profile as init_cohort_profile
    from markersurv.init_cohort import spec_yaml as init_cohort_yaml
    from markersurv.init_cohort import units as init_cohort_units

    for module in (init_cohort_profile, init_cohort_yaml, init_cohort_units):
        result = doctest.testmod(module)
        assert result.attempted and not result.failed, module.__name__
