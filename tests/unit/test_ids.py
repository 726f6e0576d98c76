"""Patient id normalization: the fixed order of steps, TCGA barcodes and sample types."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from markersurv.harmonize.ids import normalize_ids

TUMOUR = {"sample_type": {"start": 14, "end": 15, "keep": [1, 9]}, "extract": "^(.{12})"}


def ids(cells, **options):
    return normalize_ids(pd.Series(cells, dtype=object), options)[0].tolist()


def test_defaults_strip_and_upper_case():
    assert ids([" p1 ", "P1", "p1\t"]) == ["P1", "P1", "P1"]


def test_case_options():
    assert ids(["Ab"], case="lower") == ["ab"]
    assert ids(["Ab"], case="keep") == ["Ab"]


def test_strip_can_be_switched_off():
    assert ids([" P1"], strip=False) == [" P1"]


def test_remove_then_leading_zeros():
    got = ids(
        ["NSB-0042", "nsb_42", "NSB 042", "NSB-420", "NSB-4020"],
        remove="[-_ ]",
        strip_leading_zeros=True,
    )
    assert got == ["NSB42", "NSB42", "NSB42", "NSB420", "NSB4020"]


def test_leading_zeros_of_each_digit_run_but_not_a_lone_zero():
    assert ids(["P007-00-0"], strip_leading_zeros=True) == ["P7-0-0"]


def test_blank_and_missing_ids_become_empty():
    assert ids(["", "  ", None, np.nan]) == ["", "", "", ""]


def test_integral_float_ids_match_their_integer_text():
    # a numeric id column with a blank cell arrives as floats from Parquet
    assert ids([7.0, 12.5, 3, np.float64(10.0)]) == ["7", "12.5", "3", "10"]


def test_tcga_barcodes_to_patients_with_sample_types():
    got, codes = normalize_ids(
        pd.Series(
            [
                "TCGA-OR-A5J2-01A-11R-A29S-07",
                "TCGA-OR-A5J2-11A-11R-A29S-07",
                "TCGA-EW-A2FR-06",
                "tcga-ew-a2fr-01",
                "TCGA-XX",
            ]
        ),
        TUMOUR,
    )
    assert got.tolist() == [
        "TCGA-OR-A5J2",
        "TCGA-OR-A5J2",
        "TCGA-EW-A2FR",
        "TCGA-EW-A2FR",
        "",
    ]
    assert codes.iloc[:4].tolist() == [1, 11, 6, 1]
    assert np.isnan(codes.iloc[4])


def test_extract_without_match_gives_blank_id():
    assert ids(["TCGA-OR-A5J2", "other"], extract="^(TCGA-[A-Z0-9]{2}-[A-Z0-9]{4})") == [
        "TCGA-OR-A5J2",
        "",
    ]


def test_extract_uses_first_group_of_several():
    assert ids(["S12-A"], extract=r"^S(\d+)-([A-Z])") == ["12"]


@pytest.mark.parametrize("options", [{}, {"remove": "-"}, TUMOUR])
def test_normalization_is_idempotent_on_its_output(options):
    raw = pd.Series(["TCGA-OR-A5J2-01A", " tcga-or-a5j2-01a "])
    once, _ = normalize_ids(raw, {k: v for k, v in options.items() if k != "sample_type"})
    twice, _ = normalize_ids(once, {k: v for k, v in options.items() if k != "sample_type"})
    assert once.tolist() == twice.tolist()
