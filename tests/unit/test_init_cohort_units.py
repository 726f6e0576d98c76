"""``markersurv init-cohort`` never drafts a silently wrong spec: units, scales, time units,
status codings, marker columns and cancer types it cannot decide are written as ``CHECK``,
which ``markersurv validate`` refuses with the spec line; what it decides, it decides from the
header or from values only one choice fits.

Every table here is SYNTHETIC: made-up ids and values written by the tests, with headers as
messy as real exports (case, spaces, brackets, micro signs, Excel sheets).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from markersurv.cli import main
from markersurv.cohort.vocab import Vocabulary
from markersurv.config.schema import schema_problems
from markersurv.config.study import Marker
from markersurv.errors import ConfigError
from markersurv.harmonize.placeholders import is_placeholder_schema_problem, placeholder_paths
from markersurv.harmonize.validation import validate_spec
from markersurv.init_cohort.draft import Draft, declared_markers, draft_cohort_spec
from markersurv.init_cohort.units import written_unit

REPO = Path(__file__).resolve().parents[2]
VOCAB_DIR = REPO / "resources" / "vocab"
VOCAB = Vocabulary.load(VOCAB_DIR)
# The markers of the demo config, which the drafts look for.
MARKERS = declared_markers(str(REPO / "config" / "config.yaml"))
N = 40
IL6_EXPRESSION = Marker("il6", "IL-6", "expression", "tumour tissue", "log2")


def draft(tmp_path: Path, columns: dict, name: str = "breast_series.csv", **kwargs) -> Draft:
    """Draft a SYNTHETIC table of N patients (ids P1..) with the given columns; the draft must
    read back as its data and fit the schema wherever no CHECK stands."""
    frame = pd.DataFrame({"patient_id": [f"P{i + 1}" for i in range(N)], **columns})
    path = tmp_path / name
    if name.endswith(".xlsx"):
        frame.to_excel(path, index=False, sheet_name="data")
    else:
        frame.to_csv(path, index=False, sep="\t" if name.endswith(".tsv") else ",")
    kwargs.setdefault("markers", MARKERS)
    result = draft_cohort_spec([path], data_dirs={"data": str(tmp_path)}, vocab=VOCAB, **kwargs)
    assert yaml.safe_load(result.text) == result.spec
    paths = placeholder_paths(result.spec)
    problems = schema_problems(result.spec, "cohort", "draft")
    assert [p for p in problems if not is_placeholder_schema_problem(p, paths)] == []
    return result


def follow_up(seed: int = 0) -> dict:
    """SYNTHETIC overall survival in months with a 0/1 status."""
    rng = np.random.default_rng(seed)
    return {
        "os_months": np.round(rng.uniform(1, 100, N), 1),
        "os_status": [i % 2 for i in range(N)],
    }


def lognormal(median: float, seed: int = 1) -> np.ndarray:
    """Right-skewed SYNTHETIC concentrations around ``median``."""
    return np.round(median * np.random.default_rng(seed).lognormal(0.0, 0.8, N), 6)


def checks(result: Draft) -> dict[str, str]:
    return dict(result.checks)


# -- units from the header ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "header, median, unit",
    [
        ("IL-6 (pg/mL)", 5.0, "pg/mL"),
        ("il6 [PG/ML]", 5.0, "pg/mL"),
        ("IL 6 (ng / L)", 5.0, "ng/L"),
        ("IL6 ng/ml", 0.01, "ng/mL"),
        ("IL6 (µg/L)", 0.01, "ng/mL"),  # micro sign; 1 µg/L is 1 ng/mL
        ("IL6 (μg/L)", 0.01, "ng/mL"),  # Greek mu
        ("IL6_ug_per_L", 0.01, "ng/mL"),
        ("IL-6 pmol/l", 0.3, "pmol/L"),
        ("Interleukin-6 [pM]", 0.3, "pmol/L"),
        ("IL6", 5.0, "CHECK"),  # a magnitude fits pg/mL, ng/L and pmol/L alike
        ("IL6 (pg/L)", 5.0, "CHECK"),  # a unit the vocabulary lacks: not ng/L, 1000 times it
        ("IL-6 (pg/mL)", 0.01, "CHECK"),  # the header says pg/mL, the median says ng/mL
    ],
)
def test_concentration_units_from_the_header(tmp_path, header, median, unit):
    result = draft(tmp_path, {header: lognormal(median), **follow_up()})
    assert result.spec["markers"]["il6"] == {"column": header, "unit": unit}
    if unit == "CHECK":
        assert set(checks(result)) >= {"markers.il6.unit"}
    else:
        assert "markers.il6.unit" not in checks(result)


def test_a_header_unit_the_median_contradicts_names_the_unit_that_fits(tmp_path):
    result = draft(tmp_path, {"IL-6 (pg/mL)": lognormal(0.01), **follow_up()})
    check = checks(result)["markers.il6.unit"]
    assert "the header says pg/mL" in check and "fit ng/mL" in check


@pytest.mark.parametrize(
    "header, expected",
    [
        ("IL-6 (PG/ML)", ("pg/mL", 1e-9)),
        ("x [ug / l]", ("µg/L", 1e-6)),
        ("CA15-3 (U/ml)", ("U/mL", None)),
        ("CEA IU/mL", ("IU/mL", None)),
        ("M-spike g/dL", ("g/dL", 10.0)),
        ("crp mg/L", ("mg/L", 1e-3)),
        ("CD8 density (cells/mm²)", ("cells/mm²", None)),
        ("IL6 expression", None),
        ("glucose", None),
    ],
)
def test_units_written_in_headers(header, expected):
    found = written_unit(header)
    if expected is None:
        assert found is None
    else:
        assert found[0] == expected[0]
        assert found[1] == pytest.approx(expected[1]) if expected[1] else found[1] is None


# -- log-scale expression, not a concentration --------------------------------------------------
def log2_expression(seed: int = 4, shift: float = 0.0) -> np.ndarray:
    """SYNTHETIC microarray IL6 mRNA on a log2 scale: symmetric, with decimals."""
    return np.round(np.random.default_rng(seed).normal(shift, 1.5, N), 3)


def test_signed_log2_values_of_a_declared_expression_marker(tmp_path):
    result = draft(
        tmp_path, {"il6_expr": log2_expression(), **follow_up()}, markers=(IL6_EXPRESSION,)
    )
    assert result.spec["markers"]["il6"] == {"column": "il6_expr", "unit": "log2_ratio"}
    assert "markers.il6.unit" not in checks(result)
    assert "signed values, a log scale" in result.text


def test_log2_values_declared_a_concentration_are_check(tmp_path):
    result = draft(tmp_path, {"IL6": log2_expression(), **follow_up()})  # il6 a concentration
    assert result.spec["markers"]["il6"]["unit"] == "CHECK"
    assert "look log-transformed" in checks(result)["markers.il6.unit"]


def test_unsigned_log2_values_need_the_header_or_the_kind(tmp_path):
    values = {"IL6 log2": log2_expression(shift=8.0), **follow_up()}
    result = draft(tmp_path, values, markers=(IL6_EXPRESSION,))
    assert result.spec["markers"]["il6"] == {"column": "IL6 log2", "unit": "log2_ratio"}
    # 2-14 with decimals under a bare name, the marker a concentration: no unit fits them.
    result = draft(tmp_path, {"IL6": log2_expression(shift=8.0), **follow_up()})
    assert result.spec["markers"]["il6"]["unit"] == "CHECK"
    # A log header on a marker the config declares a concentration is not an mRNA ratio.
    result = draft(tmp_path, values)
    assert result.spec["markers"]["il6"] == {"column": "IL6 log2", "unit": "CHECK"}
    assert "declares 'il6' a concentration" in checks(result)["markers.il6.unit"]


# -- tissue scores --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "header, values, scale",
    [
        ("pSTAT3 (H-score)", [(7 * i) % 301 for i in range(N)], "h_score"),
        ("PSTAT3 HSCORE", [(7 * i) % 290 for i in range(N)], "h_score"),
        ("pSTAT3 (% positive nuclei)", [(3 * i) % 101 for i in range(N)], "percent_positive"),
        ("pSTAT3 Allred", [i % 9 for i in range(N)], "allred"),
        ("pSTAT3 IRS (0-12)", [i % 13 for i in range(N)], "intensity_x_proportion"),
        ("pSTAT3", [(7 * i) % 290 for i in range(N)], "h_score"),  # only H-score exceeds 100
        ("pSTAT3", [(3 * i) % 101 for i in range(N)], "CHECK"),  # percent or H-score
        ("pSTAT3 %", [round(((3 * i) % 101) / 100, 2) for i in range(N)], "CHECK"),  # fractions
        ("pSTAT3 fraction", [round(((3 * i) % 101) / 100, 2) for i in range(N)], "CHECK"),
        ("pSTAT3 (H-score)", [(7 * i) % 101 + 0.5 for i in range(N)], "h_score"),
        ("pSTAT3 (H-score)", [(9 * i) % 400 for i in range(N)], "CHECK"),  # above 300
    ],
)
def test_tissue_scales_from_header_and_range(tmp_path, header, values, scale):
    result = draft(tmp_path, {header: values, **follow_up()}, name="series.xlsx")
    assert result.spec["markers"]["pstat3"] == {"column": header, "scale": scale}
    assert ("markers.pstat3.scale" in checks(result)) == (scale == "CHECK")


def test_fractions_under_a_percent_header_say_proportions(tmp_path):
    values = [round(((3 * i) % 101) / 100, 2) for i in range(N)]
    result = draft(tmp_path, {"pSTAT3 %": values, **follow_up()})
    assert "proportions, not percent_positive" in checks(result)["markers.pstat3.scale"]


# -- markers the config declares ------------------------------------------------------------------
LIVER = Marker("cd8_density", "CD8+ density", "tissue_score", "tumour tissue", "cells/mm²")
MSPIKE = Marker("mspike", "M-spike", "concentration", "serum", "g/dL")


def test_a_declared_marker_outside_the_vocabulary_keeps_its_header_unit(tmp_path):
    """SYNTHETIC liver cohort with an IHC density the vocabulary has no scale for."""
    density = np.round(np.random.default_rng(2).gamma(2.0, 150.0, N), 1)
    result = draft(
        tmp_path,
        {"CD8 density (cells/mm²)": density, "Ki67": density / 10, **follow_up()},
        name="liver_cancer_cohort.csv",
        markers=(LIVER,),
    )
    assert result.spec["markers"] == {
        "cd8_density": {"column": "CD8 density (cells/mm²)", "scale": "cells/mm²"}
    }
    assert "marker_scales.yaml" in checks(result)["markers.cd8_density.scale"]
    assert result.spec["cancer_type"] == {"constant": "LIHC"}


def test_serum_m_spike_with_death_and_progression(tmp_path):
    """SYNTHETIC myeloma cohort: M-spike in g/dL, overall and progression-free survival."""
    rng = np.random.default_rng(6)
    columns = {
        "M-Spike [g/dL]": np.round(rng.gamma(2.0, 1.2, N), 2),
        "OS (months)": np.round(rng.uniform(2, 120, N), 1),
        "Death": ["yes" if i % 3 else "no" for i in range(N)],
        "PFS (months)": np.round(rng.uniform(1, 60, N), 1),
        "PFS status": [i % 2 for i in range(N)],
    }
    result = draft(tmp_path, columns, name="myeloma_serum.tsv", markers=(MSPIKE,))
    assert result.spec["markers"] == {"mspike": {"column": "M-Spike [g/dL]", "unit": "g/dL"}}
    assert result.spec["endpoints"] == {
        "os": {"time": {"column": "OS (months)", "unit": "months"}, "event": {"column": "Death"}},
        "pfs": {
            "time": {"column": "PFS (months)", "unit": "months"},
            "event": {"column": "PFS status"},
        },
    }
    assert not any(path.startswith("endpoints") for path in checks(result))


def test_a_header_that_names_no_declared_marker_is_check(tmp_path):
    result = draft(tmp_path, {"IL6 (pg/mL)": lognormal(5), **follow_up()}, markers=(MSPIKE,))
    assert result.spec["markers"] == {"mspike": {"column": "CHECK", "unit": "CHECK"}}
    assert (
        "no header names a marker of the config (mspike (M-spike))"
        in checks(result)["markers.mspike"]
    )


@pytest.mark.parametrize("header", ["IL6", "IL-6 (pg/mL)", "il6_expr", "Interleukin 6 pg/ml"])
def test_headers_naming_a_marker_match_it(tmp_path, header):
    result = draft(tmp_path, {header: lognormal(5), **follow_up()})
    assert result.spec["markers"]["il6"]["column"] == header


@pytest.mark.parametrize("header", ["IL-6R (pg/mL)", "IL6 receptor", "sIL6R", "IL6ST"])
def test_other_molecules_are_not_the_marker(tmp_path, header):
    result = draft(tmp_path, {header: lognormal(5), **follow_up()})
    assert result.spec["markers"]["il6"]["column"] == "CHECK"


def test_total_stat3_is_not_taken_for_pstat3(tmp_path):
    result = draft(tmp_path, {"STAT3 (H-score)": [(7 * i) % 290 for i in range(N)], **follow_up()})
    assert result.spec["markers"]["pstat3"] == {"column": "CHECK", "scale": "CHECK"}
    assert "without the phosphorylation" in checks(result)["markers.pstat3.column"]


def test_two_columns_naming_one_marker_are_check_with_both_named(tmp_path):
    columns = {"IL6_a (pg/mL)": lognormal(5), "IL6_b (pg/mL)": lognormal(6), **follow_up()}
    result = draft(tmp_path, columns)
    assert result.spec["markers"]["il6"] == {"column": "CHECK", "unit": "CHECK"}
    check = checks(result)["markers.il6.column"]
    assert "'IL6_a (pg/mL)'/'IL6_b (pg/mL)' could each be IL-6" in check


def test_markers_come_from_the_config_file(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"markers": [{"id": "mspike", "kind": "concentration"}]}))
    assert declared_markers(str(config)) == (
        Marker("mspike", "mspike", "concentration", None, None),
    )
    # nothing is assumed about markers: without them the draft says what to give
    with pytest.raises(ConfigError, match="no analysis config") as absent:
        declared_markers(str(tmp_path / "absent.yaml"))
    assert "--config PATH" in str(absent.value) and "absent.yaml" in str(absent.value)
    config.write_text(yaml.safe_dump({"endpoints": [{"id": "os"}]}))
    with pytest.raises(ConfigError, match="declares no markers"):
        declared_markers(str(config))


# -- time units ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "header, top, unit",
    [
        ("OS (days)", 3000, "days"),
        ("os_time_wks", 300, "weeks"),
        ("Survie globale (mois)", 90, "months"),
        ("OS [Years]", 9, "years"),
        ("os_time", 4000, "days"),  # only days put 4000 within 40 years
        ("os_time", 300, "CHECK"),  # days, weeks or months
        ("os_time", 9, "CHECK"),  # months or years
        ("OS months", 4000, "CHECK"),  # 333 years: the name is wrong or the values are
    ],
)
def test_time_units_from_names_or_unambiguous_ranges(tmp_path, header, top, unit):
    times = np.linspace(top / N, top, N).round(1)
    result = draft(tmp_path, {header: times, "os_status": [i % 2 for i in range(N)]})
    assert result.spec["endpoints"]["os"]["time"] == {"column": header, "unit": unit}
    assert ("endpoints.os.time.unit" in checks(result)) == (unit == "CHECK")


def test_ambiguous_time_unit_names_the_units_that_fit(tmp_path):
    times = np.linspace(5, 300, N).round(1)
    result = draft(tmp_path, {"os_time": times, "os_status": [i % 2 for i in range(N)]})
    assert "fit days or weeks or months" in checks(result)["endpoints.os.time.unit"]


def test_two_columns_that_could_be_the_os_time_are_check_with_both_named(tmp_path):
    days = np.linspace(30, 3000, N).round(0)
    columns = {"OS_days": days, "OS_months": (days / 30.4375).round(1), "OS_event": [1, 0] * 20}
    result = draft(tmp_path, columns)
    assert result.spec["endpoints"]["os"]["time"] == {"column": "CHECK", "unit": "CHECK"}
    check = checks(result)["endpoints.os.time.column"]
    assert "'OS_days'/'OS_months' could each be the os time" in check
    assert "'OS_days': days; 'OS_months': months" in checks(result)["endpoints.os.time.unit"]


# -- status codings -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "header, codes, expected",
    [
        ("os_status", (0, 1), None),
        ("vital_status", ("Alive", "Dead"), None),
        ("os_status", (1, 2), {"1": "CHECK", "2": "CHECK"}),  # R's 1 = censored, 2 = dead
        ("os_status", ("Alive", "Dead", "Lost"), {"Lost": "CHECK"}),
        ("os_censored", (0, 1), {"0": "CHECK", "1": "CHECK"}),  # 1 may mean censored
        ("os_status", ("oui", "non"), {"non": "CHECK", "oui": "CHECK"}),
    ],
)
def test_status_codings_not_clearly_event_or_censored_are_check(tmp_path, header, codes, expected):
    status = [codes[i % len(codes)] for i in range(N)]
    result = draft(tmp_path, {"os_months": np.linspace(1, 90, N).round(1), header: status})
    event = result.spec["endpoints"]["os"]["event"]
    assert event == (
        {"column": header} if expected is None else {"column": header, "map": expected}
    )
    assert ("endpoints.os.event.map" in checks(result)) == (expected is not None)


# -- cancer types ---------------------------------------------------------------------------------
def test_cancer_types_the_vocabulary_cannot_map_are_check(tmp_path):
    kinds = ["Breast invasive carcinoma", "mystery neoplasm"]
    result = draft(
        tmp_path,
        {"cancer type": [kinds[i % 2] for i in range(N)], **follow_up(), "IL6": lognormal(5)},
        name="site3.csv",
    )
    assert result.spec["cancer_type"] == {
        "column": "cancer type",
        "map": {"mystery neoplasm": "CHECK"},
    }
    result = draft(tmp_path, {**follow_up(), "IL6": lognormal(5)}, name="site3.csv")
    assert result.spec["cancer_type"] == {"constant": "CHECK"}


# -- identifiers ----------------------------------------------------------------------------------
def test_cells_of_identifier_columns_never_reach_the_draft(tmp_path):
    mails = [f"person{i}@clinic-example.org" for i in range(N)]
    names = [["Anna Schmidt", "Lars Nielsen", "Maria Rossi", "John Smith"][i % 4] for i in range(N)]
    columns = {
        "contact": mails,
        "referring": names,
        "notes": ["call +44 20 7946 0958" if i % 5 == 0 else "" for i in range(N)],
        "Patient name": ["[Withheld]" if i % 4 else "Nobody Known" for i in range(N)],
        "IL6 (pg/mL)": lognormal(5),
        "os_months": np.linspace(1, 90, N).round(1),
        "status": [["x1", "x2", "unknown"][i % 3] for i in range(N)],
    }
    result = draft(tmp_path, columns)
    for cells in (mails, names, ["0958", "7946", "Withheld", "Nobody"]):
        assert not any(cell in result.text for cell in cells)
    assert result.spec["identifiers"] == {
        "contact": "drop",
        "referring": "drop",
        "notes": "drop",
        "Patient name": "drop",
    }


# -- the draft and validate end to end ------------------------------------------------------------
def test_a_draft_with_check_fails_validate_naming_its_line_and_passes_once_answered(
    tmp_path, capsys
):
    """SYNTHETIC export: IL-6 without a unit, a 1/2 status coding, a time without a unit."""
    rng = np.random.default_rng(9)
    frame = pd.DataFrame(
        {
            "Patient ID": [f"S{i + 1:03d}" for i in range(N)],
            "IL6": lognormal(4),
            "OS time": np.round(rng.uniform(5, 300, N), 1),
            "OS status": [1 + i % 2 for i in range(N)],
        }
    )
    data = tmp_path / "gastric_cancer_site.csv"
    frame.to_csv(data, index=False)
    config = tmp_path / "config.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "vocabulary_dir": str(VOCAB_DIR),
                "markers": [{"id": "il6", "label": "IL-6", "kind": "concentration"}],
                "endpoints": [{"id": "os", "label": "Overall survival"}],
            }
        )
    )
    spec = tmp_path / "gastric_site.yaml"
    common = ["--config", str(config), "--data-dir", f"data={tmp_path}"]
    args = ["init-cohort", str(data), "--out", str(spec), "--vocabulary", str(VOCAB_DIR)]
    assert main([*args, *common]) == 0
    capsys.readouterr()
    text = spec.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert main(["validate", str(spec), *common]) == 1
    err = capsys.readouterr().err
    unit_line = next(i for i, line in enumerate(lines, 1) if line == '    unit: "CHECK"')
    assert f"markers.il6.unit (line {unit_line}): the CHECK placeholder" in err
    assert "endpoints.os.time.unit (line" in err and "endpoints.os.event.map.1 (line" in err
    assert "The draft says: no unit in the header" in err
    answers = {
        "provenance": "SYNTHETIC data written by the test",
        "markers.il6.unit": "pg/mL",
        "endpoints.os.time.unit": "days",
        "endpoints.os.event.map.1": 0,
        "endpoints.os.event.map.2": 1,
    }
    drafted = yaml.safe_load(text)
    assert sorted(placeholder_paths(drafted)) == sorted(answers)
    for dotted, value in answers.items():
        node = drafted
        *parents, last = dotted.split(".")
        for key in parents:
            node = node[key]
        node[last] = value
    spec.write_text(yaml.safe_dump(drafted, allow_unicode=True, sort_keys=False))
    assert main(["validate", str(spec), *common]) == 0
    assert f"ok: {N} patients" in capsys.readouterr().out


def test_a_table_without_an_id_column_asks_for_it(tmp_path):
    """SYNTHETIC table whose only candidate ids repeat: no column is taken as the id."""
    frame = pd.DataFrame(
        {"site": ["A", "B"] * (N // 2), "IL6 (pg/mL)": lognormal(5), **follow_up()}
    )
    path = tmp_path / "no_ids.csv"
    frame.to_csv(path, index=False)
    result = draft_cohort_spec([path], MARKERS, vocab=VOCAB)
    assert result.spec["tables"]["no_ids"]["id_column"] == "CHECK"
    assert (
        "set the column that identifies each patient" in checks(result)["tables.no_ids.id_column"]
    )


def test_cells_written_another_way_are_never_declared_missing(tmp_path, capsys):
    """SYNTHETIC IL-6 with a word, a value above the assay's range and a decimal comma."""
    cells = [f"{v:.2f}" for v in lognormal(5)]
    cells[3], cells[7], cells[11] = "haemolysed", ">500", "2,5"
    result = draft(tmp_path, {"IL6 (pg/mL)": cells, **follow_up()})
    assert result.spec["tables"]["breast_series"]["missing_tokens"] == ["haemolysed"]
    text = " ".join(c for p, c in result.checks if p.endswith("missing_tokens"))
    assert "'>500' in markers.il6 is not a number as written" in text
    assert "'2,5' in markers.il6 is not a number as written" in text


def test_each_column_goes_to_the_marker_it_names_most_fully(tmp_path):
    """SYNTHETIC cohort with serum IL-6 and tumour IL6 mRNA, declared as two markers."""
    markers = (
        Marker("il6", "IL-6", "concentration", "serum", "pg/mL"),
        Marker("il6_mrna", "IL6 mRNA", "expression", "tumour tissue", "log2"),
    )
    columns = {"IL6_mRNA": log2_expression(), "IL-6 (pg/mL)": lognormal(5), **follow_up()}
    result = draft(tmp_path, columns, markers=markers)
    assert result.spec["markers"] == {
        "il6": {"column": "IL-6 (pg/mL)", "unit": "pg/mL"},
        "il6_mrna": {"column": "IL6_mRNA", "unit": "CHECK"},  # no vocabulary entry
    }


def test_a_comma_that_may_group_thousands_or_mark_decimals_is_check(tmp_path):
    """SYNTHETIC semicolon export whose numbers all read as 1,234: 1234 or 1.234."""
    lines = ["pid;IL6 (pg/mL);os_months;os_status"]
    lines += [f"P{i};{i % 3 + 1},{100 + 7 * i};{3 * i + 1};{i % 2}" for i in range(N)]
    path = tmp_path / "comma.csv"
    path.write_text("\n".join(lines) + "\n")
    result = draft_cohort_spec([path], MARKERS, vocab=VOCAB)
    assert result.spec["tables"]["comma"]["thousands"] == "CHECK"
    assert "decimal: ','" in checks(result)["tables.comma.thousands"]
    assert "2,107" not in result.text  # no cell is quoted


def test_a_breast_microarray_set_needs_at_most_two_edits(tmp_path):
    """SYNTHETIC breast cancer microarray set: IL6 mRNA on a log2 scale, relapse-free and
    overall survival, exported as TSV with messy headers."""
    rng = np.random.default_rng(12)
    columns = {
        "Age (yrs)": rng.integers(30, 80, N),
        "ER status": ["pos" if i % 3 else "neg" for i in range(N)],
        "IL6 expression (log2)": log2_expression(seed=13),
        "RFS time (months)": np.round(rng.uniform(1, 150, N), 1),
        "RFS event": [i % 2 for i in range(N)],
        "OS time (months)": np.round(rng.uniform(1, 150, N), 1),
        "OS event": [(i + 1) % 2 for i in range(N)],
    }
    result = draft(tmp_path, columns, name="breast_cancer_set.tsv", markers=(IL6_EXPRESSION,))
    spec = result.spec
    assert spec["markers"] == {"il6": {"column": "IL6 expression (log2)", "unit": "log2_ratio"}}
    assert spec["cancer_type"] == {"constant": "BRCA"}
    assert spec["endpoints"]["os"]["time"] == {"column": "OS time (months)", "unit": "months"}
    assert spec["endpoints"]["rfs"]["event"] == {"column": "RFS event"}
    assert placeholder_paths(spec) == ["provenance"]
    spec["provenance"] = "SYNTHETIC data written by the test"
    path = tmp_path / "breast.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    config = {
        "markers": [{"id": "il6", "label": "IL-6", "kind": "expression"}],
        "endpoints": [{"id": "os", "label": "OS"}, {"id": "rfs", "label": "RFS"}],
        "data_dirs": {"data": str(tmp_path)},
        "vocabulary_dir": str(VOCAB_DIR),
    }
    assert validate_spec(str(path), config)["patients"] == N
