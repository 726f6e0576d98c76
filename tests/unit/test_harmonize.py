"""Harmonizing small cohorts end to end: values, standardization, ids, exclusions, formats."""

from __future__ import annotations

import datetime

import numpy as np
import openpyxl
import pandas as pd
import pytest

from markersurv.errors import InputFileError
from markersurv.harmonize.cohort import Settings, patient_columns
from markersurv.harmonize.merge import marker_qc_summary
from markersurv.harmonize.privacy.pseudonyms import pseudonymize
from tests.helpers_cohort import (
    ENDPOINTS,
    MARKERS,
    base_spec,
    check_ledger,
    clinical,
    harmonize_path,
    harmonize_rows,
    raw_ids_absent,
    write_cohort,
)

HEADER = ("pid", "il6", "os_days", "os_status")


def by_id(result):
    return result.patients.set_index("patient_id")


def reasons(result):
    return dict(zip(result.exclusions["source_row"], result.exclusions["reason"], strict=True))


def test_canonical_columns_and_types(tmp_path):
    result = harmonize_rows(
        tmp_path, base_spec(), clinical(["P1", "2.5", "100", "Dead"], ["P2", "<1", "50", "alive"])
    )
    patients = result.patients
    assert list(patients.columns) == patient_columns(Settings(MARKERS, ENDPOINTS))
    assert patients["os_event"].dtype == "Int8" and patients["il6_below_lod"].dtype == bool
    assert (patients["cohort"] == "t1").all()
    assert (patients["cancer_type_label"] == "Breast invasive carcinoma").all()
    assert patients["il6_scale"].tolist() == ["pg/mL", "pg/mL"]
    assert sorted(patients["os_time"]) == pytest.approx([50 / 30.4375, 100 / 30.4375])


def test_il6_z_is_log2_standardized_within_cohort_and_cancer_type(tmp_path):
    rows = [
        ["P1", "1", "10", "1", "BRCA"],
        ["P2", "4", "10", "0", "BRCA"],
        ["P3", "16", "10", "0", "BRCA"],
        ["P4", "1000", "10", "1", "LUAD"],
        ["P5", "10", "10", "1", "LUAD"],
    ]
    spec = base_spec(cancer_type={"column": "type"}, allow_raw_ids=True)
    patients = by_id(harmonize_rows(tmp_path, spec, clinical(*rows, header=(*HEADER, "type"))))
    for code, ids in (("BRCA", ["P1", "P2", "P3"]), ("LUAD", ["P4", "P5"])):
        t = np.log2(patients.loc[ids, "il6"].to_numpy())
        expected = (t - t.mean()) / t.std(ddof=1)
        np.testing.assert_allclose(patients.loc[ids, "il6_z"], expected, rtol=1e-12)
        z = patients.loc[ids, "il6_z"]
        assert z.mean() == pytest.approx(0, abs=1e-12)
        assert z.std(ddof=1) == pytest.approx(1, rel=1e-12)
        assert (patients.loc[ids, "cancer_type"] == code).all()
    np.testing.assert_allclose(patients.loc[["P1", "P2", "P3"], "il6_z"], [-1, 0, 1], rtol=1e-12)


def test_pstat3_z_is_identity_transform_and_nan_for_a_single_value(tmp_path):
    spec = base_spec(
        markers={"pstat3": {"column": "h", "scale": "H-score"}},
        cancer_type={"column": "type"},
        allow_raw_ids=True,
    )
    rows = [
        ["P1", "100", "10", "1", "BRCA"],
        ["P2", "200", "10", "0", "BRCA"],
        ["P3", "50", "10", "0", "LUAD"],
    ]
    patients = by_id(
        harmonize_rows(
            tmp_path, spec, clinical(*rows, header=("pid", "h", "os_days", "os_status", "type"))
        )
    )
    np.testing.assert_allclose(
        patients.loc[["P1", "P2"], "pstat3_z"], [-1 / np.sqrt(2), 1 / np.sqrt(2)]
    )
    assert np.isnan(patients.loc["P3", "pstat3_z"])
    assert patients["pstat3_scale"].tolist() == ["h_score"] * 3
    assert patients["il6"].isna().all() and not patients["il6_below_lod"].any()


def test_below_lod_values_imputed_and_flagged(tmp_path):
    spec = base_spec(
        markers={"il6": {"column": "il6", "unit": "ng/mL", "lod": 0.002}}, allow_raw_ids=True
    )
    rows = [["P1", "<0.004", "10", "1"], ["P2", "ND", "10", "0"], ["P3", "0.01", "10", "1"]]
    for policy, low in (("half", 2.0), ("sqrt2", 4 / np.sqrt(2)), ("exclude", np.nan)):
        patients = by_id(
            harmonize_rows(tmp_path / policy, spec, clinical(*rows), lod_policy=policy)
        )
        assert patients["il6_below_lod"].tolist() == [True, True, False]
        np.testing.assert_allclose(patients.loc["P1", "il6"], low)
        assert patients.loc["P3", "il6"] == pytest.approx(10.0)
    spec["markers"]["il6"]["lod_policy"] = "half"
    patients = by_id(harmonize_rows(tmp_path / "own", spec, clinical(*rows), lod_policy="exclude"))
    assert patients.loc["P2", "il6"] == pytest.approx(1.0)


def test_flow_counts_below_lod_and_markers(tmp_path):
    result = harmonize_rows(
        tmp_path, base_spec(), clinical(["P1", "<1", "10", "1"], ["P2", "3", "10", "0"])
    )
    counts = result.flow["by_cancer_type"]["BRCA"]
    assert counts["below_lod"] == {"il6": 1, "pstat3": 0}
    assert counts["with_marker"] == {"il6": 2, "pstat3": 0}
    assert counts["endpoints"]["os"] == {"n": 2, "events": 1}


def test_pseudonyms_keyed_deterministic_and_no_raw_id_anywhere(tmp_path):
    rows = [
        ["PATIENT-0001", "2", "10", "1"],
        ["PATIENT-0002", "3", "10", "0"],
        ["PATIENT-0002", "3", "10", "0"],
        ["PATIENT-0003", "", "10", "0"],
        ["PATIENT-0004", "2", "", ""],
    ]
    spec = base_spec()
    path = write_cohort(tmp_path, spec, clinical(*rows))
    first, again = harmonize_path(path), harmonize_path(path)
    other_key = harmonize_path(path, key=b"another key")
    assert first.patients.equals(again.patients) and first.exclusions.equals(again.exclusions)
    assert set(first.patients["patient_id"]).isdisjoint(other_key.patients["patient_id"])
    expected = pseudonymize(
        pd.Series(["PATIENT-0001", "PATIENT-0002", "PATIENT-0003"]), "t1", b"test-key"
    )
    assert sorted(first.patients["patient_id"]) == sorted(expected)
    assert first.patients["patient_id"].str.fullmatch("[0-9a-f]{16}").all()
    assert set(first.exclusions["patient_id"]) <= set(
        pseudonymize(pd.Series([r[0] for r in rows]), "t1", b"test-key")
    )
    raw_ids_absent(first, ["PATIENT-000", "0001", "0002", "0003", "0004"])


def test_pseudonyms_differ_between_cohorts(tmp_path):
    a = harmonize_rows(tmp_path / "a", base_spec("a"), clinical(["P1", "2", "10", "1"]))
    b = harmonize_rows(tmp_path / "b", base_spec("b"), clinical(["P1", "2", "10", "1"]))
    assert a.patients["patient_id"].iloc[0] != b.patients["patient_id"].iloc[0]


def test_raw_ids_only_when_the_spec_allows(tmp_path):
    result = harmonize_rows(
        tmp_path, base_spec(allow_raw_ids=True), clinical([" p-1 ", "2", "10", "1"])
    )
    assert result.patients["patient_id"].tolist() == ["P-1"]


def test_exact_duplicate_rows_go_to_the_ledger(tmp_path):
    result = harmonize_rows(
        tmp_path,
        base_spec(),
        clinical(["P1", "2.5", "10", "1"], ["p1 ", "2.50", "10", "Dead"], ["P2", "2", "3", "0"]),
    )
    assert len(result.patients) == 2
    assert reasons(result) == {"3": "duplicate_row"}
    check_ledger(result, {"clinical": 3})


def test_impossible_date_sequence_is_excluded_not_an_error(tmp_path):
    spec = base_spec(
        dates={
            "diagnosis": {"column": "dx", "format": "%d/%m/%Y"},
            "death": {"column": "dod", "format": "%d/%m/%Y"},
            "last_contact": {"column": "lc", "format": "%d/%m/%Y"},
        },
        endpoints={"os": {"event_dates": ["death"]}},
        allow_raw_ids=True,
    )
    rows = [
        ["P1", "2", "01/01/2020", "01/07/2020", "01/07/2020"],
        ["P2", "2", "01/01/2020", "", "01/01/2021"],
        ["P3", "2", "01/06/2020", "01/01/2020", ""],
        ["P4", "2", "01/06/2020", "", "01/05/2020"],
        ["P5", "2", "01/06/2020", "", ""],
    ]
    result = harmonize_rows(
        tmp_path, spec, clinical(*rows, header=("pid", "il6", "dx", "dod", "lc"))
    )
    patients = by_id(result)
    assert reasons(result) == {
        "4": "impossible_date_sequence",
        "5": "impossible_date_sequence",
        "6": "no_follow_up",
    }
    assert patients.loc["P1", "os_time"] == pytest.approx(182 / 30.4375)
    assert patients.loc["P1", "os_event"] == 1
    assert patients.loc["P2", "os_time"] == pytest.approx(366 / 30.4375)
    assert patients.loc["P2", "os_event"] == 0
    check_ledger(result, {"clinical": 5})


def test_event_is_the_earliest_event_date(tmp_path):
    spec = base_spec(
        dates={
            "diagnosis": {"column": "dx", "format": "%Y-%m-%d"},
            "death": {"column": "dod", "format": "%Y-%m-%d"},
            "progression": {"column": "prog", "format": "%Y-%m-%d"},
            "last_contact": {"column": "lc", "format": "%Y-%m-%d"},
        },
        endpoints={
            "os": {"event_dates": ["death"]},
            "pfs": {"event_dates": ["progression", "death"]},
        },
        allow_raw_ids=True,
    )
    rows = [["P1", "2", "2020-01-01", "2020-12-31", "2020-03-01", "2020-12-31"]]
    patients = by_id(
        harmonize_rows(
            tmp_path, spec, clinical(*rows, header=("pid", "il6", "dx", "dod", "prog", "lc"))
        )
    )
    assert patients.loc["P1", "pfs_time"] == pytest.approx(60 / 30.4375)
    assert patients.loc["P1", "os_time"] == pytest.approx(365 / 30.4375)


def test_age_from_birth_date(tmp_path):
    spec = base_spec(
        age={"birth_date": {"column": "dob", "format": "%Y-%m-%d"}},
        dates={"diagnosis": {"column": "dx", "format": "%Y-%m-%d"}},
        identifiers={"dob": "keep"},
        allow_raw_ids=True,
    )
    rows = [["P1", "2", "10", "1", "1950-01-01", "2020-01-01"]]
    result = harmonize_rows(tmp_path, spec, clinical(*rows, header=(*HEADER, "dob", "dx")))
    assert result.patients["age"].iloc[0] == pytest.approx(25567 / 365.25)
    assert "dob" not in result.patients.columns


def assay_spec(**changes):
    normalizer = {"remove": "[-_ ]", "strip_leading_zeros": True}
    return base_spec(
        tables={
            "clinical": {"path": "clinical.csv", "id_column": "pid", "id_normalizer": normalizer},
            "assay": {"path": "assay.tsv", "id_column": "sample", "id_normalizer": normalizer},
        },
        markers={
            "il6": {"table": "assay", "column": "il6", "unit": "pmol/L"},
            "pstat3": {"table": "assay", "column": "p", "scale": "h_score"},
        },
        stage={"column": "stage"},
        allow_raw_ids=True,
        **changes,
    )


ASSAY_TABLES = {
    "clinical": [
        ["pid", "os_days", "os_status", "stage"],
        ["P-001", "30", "Dead", "IIIA"],
        ["p_2", "60", "alive", "I/II NOS"],
        ["P3", "90", "1", "Stage 0"],
        ["P4", "90", "0", "X"],
    ],
    "assay": [
        ["sample", "il6", "p"],
        ["P1", "1", "100"],
        ["P2", "<1", "200"],
        ["P0003", "2,5 ", "50"],
        ["P9", "2", "3"],
        ["P4", "", ""],
    ],
}


def test_two_tables_joined_by_normalized_ids(tmp_path):
    tables = {k: [list(r) for r in v] for k, v in ASSAY_TABLES.items()}
    tables["assay"][3][1] = "2.5"
    result = harmonize_rows(tmp_path, assay_spec(), tables)
    patients = by_id(result)
    # P4 has follow-up and no marker value: a patient, with its markers missing.
    assert patients.index.tolist() == ["P1", "P2", "P3", "P4"]
    np.testing.assert_allclose(patients["il6"], [20.9, 10.45, 52.25, np.nan])
    np.testing.assert_array_equal(patients["pstat3"], [100.0, 200.0, 50.0, np.nan])
    assert patients["stage"].tolist()[0] == "III" and pd.isna(patients.loc["P2", "stage"])
    assert patients["stage_group"].tolist()[:3] == ["late", "early", "early"]
    assert patients.loc["P3", "stage"] == "0"
    excluded = result.exclusions.set_index(["table", "source_row"])["reason"].to_dict()
    assert excluded == {("assay", "5"): "not_in_primary_table"}
    check_ledger(result, {"clinical": 4, "assay": 5})


def test_replicates_averaged_when_declared(tmp_path):
    spec = assay_spec()
    spec["tables"]["assay"]["id_normalizer"]["replicates"] = "mean"
    tables = {
        "clinical": [["pid", "os_days", "os_status", "stage"], ["P1", "30", "1", "II"]],
        "assay": [
            ["sample", "il6", "p"],
            ["P1", "1", "100"],
            ["P-1", "3", "200"],
            ["P01", "2", ""],
        ],
    }
    result = harmonize_rows(tmp_path, spec, tables)
    assert result.patients["il6"].iloc[0] == pytest.approx(2 * 20.9)
    assert result.patients["pstat3"].iloc[0] == pytest.approx(150)
    assert reasons(result) == {"3": "replicate_merged", "4": "replicate_merged"}
    check_ledger(result, {"clinical": 1, "assay": 3})


def test_first_non_missing_marker_source_wins(tmp_path):
    spec = base_spec(
        markers={
            "il6": {
                "sources": [
                    {"column": "serum", "unit": "pg/mL"},
                    {"column": "plasma", "unit": "ng/mL"},
                ]
            }
        },
        allow_raw_ids=True,
    )
    rows = [
        ["P1", "5", "0.01", "10", "1"],
        ["P2", "", "0.01", "10", "1"],
        ["P3", "", "<0.002", "1", "0"],
    ]
    patients = by_id(
        harmonize_rows(
            tmp_path,
            spec,
            clinical(*rows, header=("pid", "serum", "plasma", "os_days", "os_status")),
        )
    )
    np.testing.assert_allclose(patients["il6"], [5.0, 10.0, 1.0])
    assert patients["il6_below_lod"].tolist() == [False, False, True]
    assert patients["il6_scale"].tolist() == ["pg/mL"] * 3


def wide_spec():
    barcode = {
        "sample_type": {"start": 14, "end": 15, "keep": [1, 9]},
        "extract": "^(.{12})",
        "replicates": "mean",
    }
    return base_spec(
        tables={
            "clinical": {"path": "clinical.csv", "id_column": "pid"},
            "rppa": {"path": "rppa/*.txt", "orientation": "wide", "id_normalizer": barcode},
        },
        markers={"pstat3": {"table": "rppa", "column": "STAT3|STAT3_pY705", "scale": "rppa_log2"}},
        allow_raw_ids=True,
    )


def test_wide_matrices_sample_types_and_aliquots(tmp_path):
    a, b, c = "TCGA-AA-0001", "TCGA-AA-0002", "TCGA-AA-0003"
    tables = {
        "clinical": [list(HEADER), [a, "", "10", "1"], [b, "", "20", "0"]],
        "rppa": [
            [
                "Composite.Element.REF",
                f"{a}-01A-21-A39K-20",
                f"{a}-11A-21-A39K-20",
                f"{b}-01A",
                f"{b}-01B",
                f"{c}-01A",
            ],
            ["PTEN|PTEN", "1", "2", "3", "4", "5"],
            ["STAT3|STAT3_pY705", "-0.5", "9", "0.25", "0.75", "1"],
        ],
    }
    spec = wide_spec()
    folder = tmp_path / "cohort"
    rppa = {**spec["tables"]["rppa"], "path": "rppa/BRCA.txt"}
    spec_path = write_cohort(
        folder,
        {**spec, "tables": {**spec["tables"], "rppa": rppa}},
        tables,
        {"rppa": {"fmt": "tsv"}},
    )
    # the spec as users write it: a glob over one file per cancer type
    spec_path.write_text(spec_path.read_text().replace("rppa/BRCA.txt", "rppa/*.txt"))
    result = harmonize_path(spec_path)
    patients = by_id(result)
    assert patients.loc[a, "pstat3"] == -0.5
    assert patients.loc[b, "pstat3"] == pytest.approx(0.5)
    excluded = result.exclusions.set_index("source_row")[["reason", "source_file", "detail"]]
    assert excluded.loc["col 3", "reason"] == "sample_type_excluded"
    assert excluded.loc["col 3", "detail"] == "sample type 11 outside 01-09"
    assert excluded.loc["col 5", "reason"] == "replicate_merged"
    assert excluded.loc["col 6", "reason"] == "not_in_primary_table"
    assert set(excluded["source_file"]) == {"rppa/BRCA.txt"}
    check_ledger(result, {"clinical": 2, "rppa": 5})


def test_missing_cancer_type_and_no_follow_up_are_excluded(tmp_path):
    spec = base_spec(cancer_type={"column": "type", "map": {"unclear": None}})
    rows = [
        ["P1", "2", "10", "1", "BRCA"],
        ["P2", "2", "10", "1", "unclear"],
        ["P3", "2", "", "1", "BRCA"],
        ["P4", "", "10", "1", ""],
    ]
    result = harmonize_rows(tmp_path, spec, clinical(*rows, header=(*HEADER, "type")))
    assert reasons(result) == {
        "3": "missing_cancer_type",
        "4": "no_follow_up",
        "5": "missing_cancer_type",
    }
    assert set(result.flow["by_cancer_type"]) == {"BRCA", "unknown"}
    check_ledger(result, {"clinical": 4})


def test_incomplete_endpoint_is_blanked_but_patient_kept(tmp_path):
    spec = base_spec(
        endpoints={
            "os": {"time": {"column": "os_days", "unit": "days"}, "event": {"column": "os_status"}},
            "pfs": {
                "time": {"column": "pfs_days", "unit": "days"},
                "event": {"column": "pfs_status"},
            },
        }
    )
    rows = [["P1", "2", "10", "1", "5", ""]]
    patients = harmonize_rows(
        tmp_path, spec, clinical(*rows, header=(*HEADER, "pfs_days", "pfs_status"))
    ).patients
    assert np.isnan(patients["pfs_time"].iloc[0]) and pd.isna(patients["pfs_event"].iloc[0])
    assert patients["os_event"].iloc[0] == 1


CELLS = [
    ["P1", 2.5, 30, 1, "IIb", "F"],
    ["P2", "<1.5", 61.5, 0, 3, "M"],
    ["P3", "12 ng/mL", 100, "Dead", "Stage IV", "female"],
]


@pytest.mark.parametrize("fmt", ["tsv", "xlsx", "parquet"])
def test_every_format_gives_the_csv_result(tmp_path, fmt):
    header = [*HEADER, "stage", "sex"]
    spec = base_spec(stage={"column": "stage"}, sex={"column": "sex"})
    text_rows = [[str(c) for c in row] for row in CELLS]
    reference = harmonize_rows(tmp_path / "csv", spec, {"clinical": [header, *text_rows]})
    typed = text_rows if fmt == "parquet" else CELLS
    spec["tables"]["clinical"]["path"] = f"clinical.{fmt}"
    result = harmonize_rows(tmp_path / fmt, spec, {"clinical": [header, *typed]})
    pd.testing.assert_frame_equal(result.patients, reference.patients)
    assert result.patients["il6"].max() == 12000.0


def test_typed_excel_dates_and_numbers(tmp_path):
    spec = base_spec(
        tables={"clinical": {"path": "clinical.xlsx", "id_column": "pid"}},
        dates={
            "diagnosis": {"column": "dx", "format": "%d/%m/%Y"},
            "death": {"column": "dod", "format": "%d/%m/%Y"},
        },
        endpoints={"os": {"event_dates": ["death"]}},
        allow_raw_ids=True,
    )
    rows = [
        ["P1", 2, datetime.datetime(2020, 1, 1), datetime.date(2020, 7, 1)],
        ["P2", 2.0, "01/01/2020", datetime.datetime(2020, 7, 1, 10, 30)],
        [7, 3, datetime.datetime(2020, 1, 1), ""],
    ]
    result = harmonize_rows(tmp_path, spec, clinical(*rows, header=("pid", "il6", "dx", "dod")))
    patients = by_id(result)
    assert patients.loc[["P1", "P2"], "os_time"].tolist() == pytest.approx([182 / 30.4375] * 2)
    assert reasons(result) == {"4": "no_follow_up"}


def test_merged_cells_keep_the_value_in_the_first_row_only(tmp_path):
    """Decision: merged cells are read as openpyxl stores them, the value in the top-left
    cell and blanks below; a merged id cell therefore leaves the rows under it without an
    id, and they are accounted for in the ledger as missing_id (not filled down, which
    would guess)."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [list(HEADER), ["P1", 2, 30, 1], ["P2", 3, 30, 0], [None, 4, 60, 1]]:
        sheet.append(row)
    sheet.merge_cells("A3:A4")
    book.save(tmp_path / "clinical.xlsx")
    spec = base_spec(tables={"clinical": {"path": "clinical.xlsx", "id_column": "pid"}})
    result = harmonize_rows(tmp_path, spec, {})
    assert len(result.patients) == 2
    assert reasons(result) == {"4": "missing_id"}
    check_ledger(result, {"clinical": 3})


def test_formulas_with_cached_values_are_read_as_values(tmp_path):
    """A workbook saved by a spreadsheet program stores each formula's result; the reader
    uses it. Simulated by writing the cached value into the sheet XML."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [list(HEADER), ["P1", 2, 30, 1], ["P2", "=B2*2", 30, 0]]:
        sheet.append(row)
    book.save(tmp_path / "clinical.xlsx")
    rewrite_xlsx(tmp_path / "clinical.xlsx", b"<f>B2*2</f><v />", b"<f>B2*2</f><v>4</v>")
    spec = base_spec(tables={"clinical": {"path": "clinical.xlsx", "id_column": "pid"}})
    result = harmonize_rows(tmp_path, spec, {})
    assert sorted(result.patients["il6"]) == [2.0, 4.0]


def test_formulas_without_cached_values_stop_the_cohort(tmp_path):
    """Decision: openpyxl (and some exporters) write formulas without results; read as
    empty they would silently become missing values, so the reader stops and names them."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [list(HEADER), ["P1", 2, 30, 1], ["P2", "=B2*2", 30, 0], ["P3", 5, "=C2+1", 1]]:
        sheet.append(row)
    book.save(tmp_path / "clinical.xlsx")
    spec = base_spec(tables={"clinical": {"path": "clinical.xlsx", "id_column": "pid"}})
    with pytest.raises(InputFileError) as info:
        harmonize_rows(tmp_path, spec, {})
    problem = info.value.problems[0]
    assert (problem.where.file, problem.where.column, problem.where.row) == (
        "clinical.xlsx",
        "il6",
        3,
    )
    assert "B3, C4" in problem.found and "save" in problem.hint


def rewrite_xlsx(path, old: bytes, new: bytes) -> None:
    import zipfile

    with zipfile.ZipFile(path) as zin:
        items = [(i, zin.read(i.filename)) for i in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in items:
            zout.writestr(
                info, data.replace(old, new) if "worksheets/sheet" in info.filename else data
            )


def test_marker_qc_keeps_source_and_harmonized_values(tmp_path):
    spec = base_spec(markers={"il6": {"column": "il6", "unit": "ng/mL"}})
    result = harmonize_rows(
        tmp_path, spec, clinical(["P1", "0.01", "10", "1"], ["P2", "<0.002", "10", "0"])
    )
    qc = result.marker_qc.sort_values("value")
    assert qc["source_value"].tolist() == pytest.approx([0.002, 0.01])
    assert qc["value"].tolist() == pytest.approx([1.0, 10.0])
    assert qc["below_lod"].tolist() == [True, False]
    assert set(qc.columns) >= {"cohort", "cancer_type", "marker", "scale"}
    # the unit the values were recorded in, beside the unit they were harmonized to
    assert set(qc["scale"]) == {"pg/mL"} and set(qc["source_unit"]) == {"ng/mL"}
    summary = marker_qc_summary(qc)
    assert summary[["scale", "source_unit"]].values.tolist() == [["pg/mL", "ng/mL"]]
    assert summary[["source_max", "harmonized_max"]].values.tolist() == [[0.01, 10.0]]
