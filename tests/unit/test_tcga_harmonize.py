"""The TCGA pan-cancer cohort as downloaded (config/cohorts/tcga.yaml) against the counts
published with the data: joins, tumour-sample selection, aliquot averaging and the ledger."""

from __future__ import annotations

import pandas as pd
import pytest

from markersurv.cohort.spec import load_cohort_spec
from markersurv.harmonize.cohort import Settings, harmonize_cohort
from markersurv.harmonize.privacy.pseudonyms import pseudonymize
from tests.helpers_cohort import REPO, VOCAB, check_ledger

# Source: the "Per-cancer-type counts" table of the README that ships with the TCGA test
# data (CDR Table S1 joined to Firehose RPPA/expression; tumour samples 01-09, patient =
# first 12 barcode characters, tumour aliquots averaged). Columns: CDR patients, pSTAT3
# patients, OS + pSTAT3, OS deaths (OS + pSTAT3), PFI + pSTAT3, PFI events (PFI + pSTAT3),
# OS + IL6, OS + IL6 + pSTAT3.
README_COUNTS = {
    "ACC": (92, 46, 46, 14, 46, 26, 79, 46),
    "BLCA": (412, 344, 343, 155, 344, 151, 0, 0),
    "BRCA": (1097, 409, 409, 60, 409, 54, 0, 0),
    "CESC": (307, 173, 173, 30, 173, 32, 0, 0),
    "CHOL": (45, 30, 30, 15, 30, 16, 36, 30),
    "COAD": (459, 358, 357, 78, 357, 95, 0, 0),
    "DLBC": (48, 33, 33, 6, 33, 7, 48, 33),
    "ESCA": (185, 126, 126, 44, 126, 51, 0, 0),
    "GBM": (596, 237, 237, 176, 237, 188, 0, 0),
    "HNSC": (528, 212, 212, 128, 212, 94, 0, 0),
    "KICH": (113, 63, 62, 8, 62, 10, 0, 0),
    "KIRC": (537, 478, 478, 166, 477, 155, 72, 45),
    "KIRP": (291, 215, 214, 32, 213, 48, 16, 2),
    "LAML": (200, 0, 0, 0, 0, 0, 0, 0),
    "LGG": (515, 429, 428, 98, 428, 152, 26, 25),
    "LIHC": (377, 0, 0, 0, 0, 0, 0, 0),
    "LUAD": (522, 365, 357, 141, 357, 146, 32, 23),
    "LUSC": (504, 328, 323, 134, 324, 108, 0, 0),
    "MESO": (87, 63, 62, 57, 61, 44, 0, 0),
    "OV": (587, 425, 421, 252, 421, 299, 0, 0),
    "PAAD": (185, 123, 123, 71, 123, 78, 0, 0),
    "PCPG": (179, 80, 80, 2, 80, 7, 0, 0),
    "PRAD": (500, 352, 352, 7, 352, 66, 0, 0),
    "READ": (170, 130, 130, 26, 130, 31, 69, 52),
    "SARC": (261, 223, 223, 84, 223, 118, 0, 0),
    "SKCM": (470, 204, 197, 111, 198, 148, 0, 0),
    "STAD": (443, 357, 351, 138, 353, 111, 36, 31),
    "TGCT": (134, 104, 104, 4, 104, 28, 0, 0),
    "THCA": (507, 222, 222, 14, 222, 25, 0, 0),
    "THYM": (124, 90, 89, 8, 89, 17, 0, 0),
    "UCEC": (548, 440, 439, 75, 439, 96, 54, 49),
    "UCS": (57, 48, 48, 31, 48, 32, 57, 48),
    "UVM": (80, 12, 12, 2, 12, 4, 80, 12),
}
README_TOTAL = (11160, 6719, 6681, 2167, 6683, 2437, 605, 396)
# Source: same README, "Caveats": RPPA patients without a CDR row.
RPPA_NOT_IN_CDR = {
    "TCGA-28-2501",
    "TCGA-2G-AAKO",
    "TCGA-2G-AALF",
    "TCGA-2G-AALG",
    "TCGA-2G-AALN",
    "TCGA-2G-AALO",
    "TCGA-2G-AALQ",
    "TCGA-2G-AALS",
    "TCGA-2G-AALT",
    "TCGA-2G-AALW",
    "TCGA-2G-AALX",
    "TCGA-2G-AALZ",
    "TCGA-2G-AAM2",
    "TCGA-2G-AAM3",
    "TCGA-2G-AAM4",
    "TCGA-36-2539",
    "TCGA-5M-AAT5",
    "TCGA-5M-AATA",
    "TCGA-BH-A0B2",
    "TCGA-F5-6810",
    "TCGA-R8-A6YH",
}


@pytest.fixture(scope="session")
def tcga(tcga_dir):
    """The TCGA cohort harmonized once per session (reading the CDR workbook takes seconds)."""
    spec = load_cohort_spec(REPO / "config/cohorts/tcga.yaml", {"tcga": str(tcga_dir)}, REPO)
    settings = Settings(markers=("il6", "pstat3"), endpoints=("os", "pfi"), key=b"k")
    return spec, harmonize_cohort(spec, VOCAB, settings)


def counts_from(patients: pd.DataFrame) -> dict[str, tuple[int, ...]]:
    """The README's columns from OS + pSTAT3 on, per cancer type."""
    p = patients
    os_ok, pfi_ok = p["os_time"].notna(), p["pfi_time"].notna()
    pstat3, il6 = p["pstat3"].notna(), p["il6"].notna()
    out = {}
    for code, g in p.groupby("cancer_type"):
        idx = g.index
        out[code] = (
            int((pstat3 & os_ok)[idx].sum()),
            int(g.loc[(pstat3 & os_ok)[idx], "os_event"].sum()),
            int((pstat3 & pfi_ok)[idx].sum()),
            int(g.loc[(pstat3 & pfi_ok)[idx], "pfi_event"].sum()),
            int((il6 & os_ok)[idx].sum()),
            int((il6 & pstat3 & os_ok)[idx].sum()),
        )
    return out


def test_counts_per_cancer_type_match_the_readme(tcga):
    _, result = tcga
    # Types without a marker (LAML, LIHC) have their patients too, with no marker counts.
    got = {k: v for k, v in counts_from(result.patients).items() if any(v)}
    expected = {k: v[2:] for k, v in README_COUNTS.items() if any(v[2:])}
    assert got == expected
    assert tuple(map(sum, zip(*got.values(), strict=True))) == README_TOTAL[2:]
    # pSTAT3 patients with or without follow-up: the RPPA records that reached a CDR patient
    assert result.flow["tables"]["rppa"]["included"] == README_TOTAL[1]


def test_every_cdr_patient_is_accounted_for_per_type(tcga):
    _, result = tcga
    by_type = result.flow["by_cancer_type"]
    assert {k: v["records"] for k, v in by_type.items()} == {
        k: v[0] for k, v in README_COUNTS.items()
    }
    assert result.flow["tables"]["cdr"]["records"] == README_TOTAL[0]


def test_rppa_patients_absent_from_the_cdr(tcga):
    _, result = tcga
    excluded = result.exclusions
    absent = excluded[excluded["reason"] == "not_in_primary_table"]
    assert set(absent["table"]) == {"rppa"} and len(absent) == len(RPPA_NOT_IN_CDR)
    expected = set(pseudonymize(pd.Series(sorted(RPPA_NOT_IN_CDR)), "tcga", b"k"))
    assert set(absent["patient_id"]) == expected
    assert absent["source_file"].str.match(r"^\{tcga\}/rppa/[A-Z]+\.rppa\.txt$").all()


def test_normal_samples_are_excluded_by_sample_type(tcga):
    _, result = tcga
    normals = result.exclusions[result.exclusions["reason"] == "sample_type_excluded"]
    assert len(normals) > 0
    assert normals["detail"].str.fullmatch(r"sample type 1\d outside 01-09").all()
    assert set(normals["table"]) <= {"il6_rnaseq", "il6_agilent"}
    stad = normals[normals["source_file"].str.contains("STAD")]
    assert len(stad) > 0


def test_duplicate_tumour_aliquots_averaged(tcga, tcga_dir):
    _, result = tcga
    merged = result.exclusions[result.exclusions["reason"] == "replicate_merged"]
    barcodes = pd.Series(
        [b for f in sorted((tcga_dir / "rppa").glob("*.rppa.txt")) for b in header(f)[1:]]
    )
    tumour = barcodes[barcodes.str[13:15].astype(int).between(1, 9)]
    assert len(merged) == len(tumour) - tumour.str[:12].nunique() > 0
    assert set(merged["table"]) == {"rppa"}


def test_flow_counts_rppa_samples_by_sample_type_with_their_names(tcga, tcga_dir):
    _, result = tcga
    types = result.flow["tables"]["rppa"]["sample_types"]
    barcodes = pd.Series(
        [b for f in sorted((tcga_dir / "rppa").glob("*.rppa.txt")) for b in header(f)[1:]]
    )
    by_code = barcodes.str[13:15].value_counts()
    kept = by_code[by_code.index.astype(int) <= 9]
    assert types["kept"] == {code: int(n) for code, n in kept.sort_index().items()}
    assert sum(types["excluded"].values()) == len(barcodes) - kept.sum()
    assert types["keep"] == [1, 9]
    assert types["labels"]["01"] == "Primary solid tumour"
    assert types["labels"]["06"] == "Metastatic"


def header(path) -> list[str]:
    with open(path, encoding="ascii") as handle:
        return handle.readline().rstrip("\n").split("\t")


def test_ledger_and_flow_consistent(tcga):
    _, result = tcga
    records = {name: info["records"] for name, info in result.flow["tables"].items()}
    check_ledger(result, records)
    # a CDR patient leaves only for lack of both endpoints; without a marker it stays
    assert set(result.flow["tables"]["cdr"]["excluded"]) == {"no_follow_up"}
    no_marker = result.patients[["il6", "pstat3"]].isna().all(axis=1)
    assert no_marker.sum() > 1000
    assert result.flow["tables"]["rppa"]["excluded"] == {
        "not_in_primary_table": len(RPPA_NOT_IN_CDR),
        "replicate_merged": int((result.exclusions["reason"] == "replicate_merged").sum()),
    }


def test_scales_and_standardization_within_type(tcga):
    _, result = tcga
    p = result.patients
    assert set(p["pstat3_scale"].dropna()) == {"rppa_log2"}
    assert set(p["il6_scale"].dropna()) == {"rnaseq_rsem", "log2_ratio"}
    z = p.groupby("cancer_type")["pstat3_z"].agg(["mean", "std"]).dropna()
    assert z["mean"].abs().max() < 1e-12 and (z["std"] - 1).abs().max() < 1e-12
    assert p["patient_id"].str.fullmatch("[0-9a-f]{16}").all()
