"""Report text: REMARK checklist, escaping of data strings, cautions, Table 1."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from markersurv.config.settings import AnalysisSettings
from markersurv.config.study import Study
from markersurv.reporting.cautions import cautions
from markersurv.reporting.marker_subsets import clinical_in_both, subset_characteristics
from markersurv.reporting.narrative import (
    frame_html,
    narrative_html,
    nonproportional_html,
    results_frame,
)
from markersurv.reporting.remark import ITEMS, remark_html
from markersurv.reporting.table_one import journal_tables, suppress_small_counts, table_one

CONFIG = {
    "markers": [{"id": "il6", "label": "IL-6"}, {"id": "pstat3", "label": "pSTAT3"}],
    "endpoints": [{"id": "os", "label": "OS"}],
}


def flow(cohort="c<script>x</script>", config=CONFIG):
    return {
        "cohorts": [
            {
                "cohort": cohort,
                "synthetic": True,
                "tables": {"t": {"records": 3, "included": 2, "excluded": {"duplicate_row": 1}}},
            }
        ],
        "by_cancer_type": {
            "BRCA": {
                "cohorts": [cohort],
                "records": 3,
                "included": 2,
                "with_marker": {m["id"]: 2 for m in config["markers"]},
                "endpoints": {e["id"]: {"n": 2, "events": 1} for e in config["endpoints"]},
            }
        },
        "records": 3,
        "patients": 2,
        "excluded": 1,
        "reasons": {},
    }


def test_remark_checklist_has_twenty_items_each_answered():
    assert [item for item, *_ in ITEMS] == list(range(1, 21))
    html = remark_html(["IL-6", "pSTAT3"])
    assert html.count("<tr>") == 21  # header row + 20 items
    anchors = set(re.findall(r'href="#([^"]+)"', html))
    page = page_of(CONFIG)
    for anchor in anchors:
        assert f'id="{anchor}"' in page, anchor


def page_of(config, table_one=None, conversions=None, settings_config=None) -> str:
    return narrative_html(
        config,
        AnalysisSettings.from_config(settings_config or config),
        flow(config=config),
        pd.DataFrame() if table_one is None else table_one,
        pd.DataFrame(),
        {},
        conversions or {},
    )


def test_the_flow_says_which_sample_types_were_used():
    sampled = flow(cohort="tcga")
    sampled["cohorts"][0]["tables"]["rppa"] = {
        "records": 9,
        "included": 6,
        "excluded": {"sample_type_excluded": 3},
        "sample_types": {
            "keep": [1, 9],
            "kept": {"01": 5, "06": 1},
            "excluded": {"11": 3},
            "labels": {"01": "Primary solid tumour", "11": "Solid tissue normal"},
        },
    }
    settings = AnalysisSettings.from_config(CONFIG)
    page = narrative_html(CONFIG, settings, sampled, pd.DataFrame(), pd.DataFrame(), {}, {})
    section = page[page.index('id="sample-types"') : page.index('id="table-one"')]
    assert "tcga kept sample-type codes 01-09" in section
    rows = re.findall(r"<tr><td>tcga</td><td>rppa</td>(.*?)</tr>", section)
    assert rows == [
        "<td>01</td><td>Primary solid tumour</td><td>5</td><td>yes</td>",
        "<td>06</td><td>-</td><td>1</td><td>yes</td>",
        "<td>11</td><td>Solid tissue normal</td><td>3</td><td>no</td>",
    ]
    item_4 = re.search(r"<tr><td>4</td>.*?</tr>", page).group(0)
    assert 'href="#sample-types"' in item_4
    # a run whose ids carry no sample type has no such section and leaves item 4 to authors
    plain = page_of(CONFIG)
    assert 'id="sample-types"' not in plain
    assert "supplied by authors" in re.search(r"<tr><td>4</td>.*?</tr>", plain).group(0)


def test_strings_from_data_are_escaped():
    injected = pd.DataFrame(
        {
            "cancer_type": "BRCA",
            "cohort": "all",
            "variable": ["patients", "sex"],
            "level": ["", "<img src=x onerror=alert(1)>"],
            "value": ["2", "1 (50%)"],
            "missing": ["", "0"],
        }
    )
    page = page_of(CONFIG, table_one=injected)
    assert "<script>x</script>" not in page
    assert "&lt;script&gt;" in page
    assert "<img src=x" not in page
    assert "SYNTHETIC" in page


def test_frame_html_formats_missing_and_floats():
    html = frame_html(pd.DataFrame({"a": [0.123456, np.nan], "b": ["x&y", "z"]}))
    assert "0.123" in html and "NA" in html and "x&amp;y" in html


def test_cautions_name_ph_violations_and_heterogeneity():
    settings = AnalysisSettings.from_config(CONFIG)
    cox = pd.DataFrame(
        {
            "cancer_type": ["BRCA"],
            "cohort": ["all"],
            "endpoint": ["os"],
            "marker": ["il6"],
            "model": ["continuous"],
            "status": ["warning"],
            "note": ["proportional hazards violated for this term (p = 0.01)"],
        }
    )
    pooled = pd.DataFrame(
        {
            "scope": ["pan-cancer"],
            "marker": ["il6"],
            "endpoint": ["os"],
            "model": ["continuous"],
            "method": ["REML"],
            "i2": [80.0],
        }
    )
    notes = cautions({"cox": cox, "pooled": pooled}, settings)
    assert any("BRCA il6 os" in n for n in notes)
    assert any("I2 = 80%" in n for n in notes)


def test_table_one_counts_and_missing():
    patients = pd.DataFrame(
        {
            "cohort": ["a", "a", "b"],
            "cancer_type": ["BRCA"] * 3,
            "age": [50.0, np.nan, 70.0],
            "sex": ["female", "female", None],
            "stage": ["I", None, "III"],
            "stage_group": ["early", "early", "late"],
            "il6": [1.0, 2.0, np.nan],
            "il6_scale": ["pg/mL", "pg/mL", None],
            "il6_below_lod": [False, True, False],
            "os_time": [10.0, 20.0, 30.0],
            "os_event": [1, 0, 1],
        }
    )
    study = Study.from_config(
        {
            "markers": [{"id": "il6", "label": "IL-6"}],
            "endpoints": [{"id": "os", "label": "Overall survival"}],
        }
    )
    table = table_one(patients, study)
    everyone = table[table["cohort"] == "all"].set_index(["variable", "level"])
    assert everyone.loc[("patients", ""), "value"] == "3"
    assert everyone.loc[("age, years", "median (IQR)"), "missing"] == "1"
    assert everyone.loc[("sex", "male"), "missing"] == "1"
    assert everyone.loc[("IL-6", "not measured"), "missing"] == "1"
    assert everyone.loc[("Overall survival", "events"), "value"] == "2 (67%)"
    assert "il6" not in set(table["variable"]) and "os" not in set(table["variable"])


def test_table_one_as_journals_print_it():
    patients = pd.DataFrame(
        {
            "cohort": ["a", "a", "b", "c"],
            "cancer_type": ["BRCA"] * 3 + ["CRC"],
            "age": [50.0, np.nan, 70.0, 60.0],
            "sex": ["female", "female", None, "male"],
            "stage": ["I", None, "III", "II"],
            "stage_group": ["early", "early", "late", "early"],
            "il6": [1.0, 2.0, np.nan, 3.0],
            "il6_scale": ["pg/mL", "pg/mL", None, "pg/mL"],
            "il6_below_lod": [False, True, False, False],
            "os_time": [10.0, 20.0, 30.0, 40.0],
            "os_event": [1, 0, 1, 0],
            "treatment": [None, None, None, "surgery"],
        }
    )
    config = {
        "markers": [{"id": "il6", "label": "IL-6"}],
        "endpoints": [{"id": "os", "label": "Overall survival"}],
        "treatment": {"label": "Arm", "levels": ["surgery", "surgery + drug"]},
    }
    tables = journal_tables(table_one(patients, Study.from_config(config)))
    brca, crc = tables["BRCA"], tables["CRC"]
    # one column per cohort and one for both, each headed by its n; no repeated blocks
    assert list(brca.columns) == [
        "characteristic", "level", "All cohorts (n = 3)", "a (n = 2)", "b (n = 1)"
    ]  # fmt: skip
    assert list(crc.columns) == ["characteristic", "level", "c (n = 1)"]
    sex = brca.index[brca["characteristic"] == "sex"][0]
    assert brca.loc[sex, "level"] == "female" and brca.loc[sex + 1, "level"] == "male"
    assert brca.loc[sex + 2].tolist() == ["", "missing", "1", "0", "1"]
    assert brca.loc[sex, "All cohorts (n = 3)"] == "2 (67%)"
    not_measured = brca[brca["level"] == "not measured"].iloc[0].tolist()
    assert not_measured == ["", "not measured", "1", "0", "1"]
    # the treatment no BRCA patient has is not a BRCA row; CRC records it
    assert "Arm" not in set(brca["characteristic"]) and "Arm" in set(crc["characteristic"])
    assert brca["characteristic"].tolist().count("IL-6") == 1


def test_small_counts_hidden_in_the_flow_tables_when_asked():
    config = {**CONFIG, "privacy": {"suppress_counts_below": 5}}
    page = page_of(config, settings_config=CONFIG)
    assert "duplicate_row: &lt;5" in page
    flow_table = page[page.index('id="flow"') : page.index('id="table-one"')]
    assert "<td>&lt;5</td>" in flow_table
    assert "<td>2</td>" not in flow_table and "<td>3</td>" not in flow_table


OTHER_MARKERS = {
    "markers": [
        {"id": "crp", "label": "CRP", "kind": "concentration", "sample": "serum", "unit": "mg/L"},
        {"id": "ki67", "label": "Ki-67", "kind": "tissue_score", "sample": "tumour tissue"},
    ],
    "endpoints": [{"id": "dss", "label": "Disease-specific survival"}],
}
IL6_WORDS = re.compile(r"IL-?6|pSTAT3|STAT3|JAK", re.IGNORECASE)


def test_the_report_speaks_of_the_configured_markers_only():
    page = page_of(OTHER_MARKERS, conversions={"crp": ["mg/dL x 10"]})
    assert not IL6_WORDS.search(page), IL6_WORDS.search(page)
    assert "Serum CRP was converted to mg/L (mg/dL x 10)." in page
    assert "Tumour tissue Ki-67 was kept on the scale or platform each cohort recorded." in page
    assert "the CRP x Ki-67 interaction" in page
    assert '<h2 id="association">CRP and Ki-67</h2>' in page
    assert "CRP vs Ki-67 association" in page
    assert "For CRP (in mg/L), the hazard ratio per doubling of the concentration" in page


def test_one_marker_has_no_interaction_or_association_and_no_assumed_sample():
    config = {
        "markers": [{"id": "ki67", "label": "Ki-67", "kind": "tissue_score"}],
        "endpoints": [{"id": "os", "label": "Overall survival"}],
    }
    page = page_of(config)
    assert "interaction" not in page
    assert 'id="association"' not in page and 'href="#association"' not in page
    assert "serum" not in page.lower() and "converted to" not in page
    assert "per doubling" not in page
    assert "Ki-67 was kept on the scale or platform each cohort recorded." in page


DECLARED = {
    **OTHER_MARKERS,
    "covariates": [
        {"id": "hpv", "label": "HPV status", "type": "categorical",
         "levels": ["positive", "negative"], "reference": "negative"},
        {"id": "ebv_dna", "label": "Plasma EBV DNA", "type": "continuous", "unit": "copies/mL"},
    ],
    "treatment": {"label": "Arm", "levels": ["control", "tocilizumab"]},
    "analysis": {
        "covariates": ["age", "stage"],
        "covariates_by_cancer_type": {"HNSC": ["age", "hpv"], "NPC": ["stage_group", "ebv_dna"]},
    },
}  # fmt: skip


def test_the_methods_name_each_covariate_set_in_words():
    page = page_of(DECLARED)
    assert (
        "the marker adjusted for age (per year), stage (II, III, IV vs I) (age (per year), "
        "HPV status (positive vs negative) in HNSC; stage group (late vs early), Plasma EBV "
        "DNA (per copies/mL) in NPC)"
    ) in page
    assert "stage_group" not in page


def test_table_one_describes_declared_covariates_and_the_treatment():
    patients = pd.DataFrame(
        {
            "cohort": ["a"] * 4,
            "cancer_type": ["HNSC"] * 4,
            "age": [50.0, 60.0, 70.0, 80.0],
            "sex": ["female", "male", "male", "male"],
            "stage": ["I", "II", "III", "IV"],
            "stage_group": ["early", "early", "late", "late"],
            "crp": [1.0, 2.0, 3.0, 4.0],
            "crp_scale": ["mg/L"] * 4,
            "crp_below_lod": [False] * 4,
            "ki67": [np.nan] * 4,
            "ki67_scale": [None] * 4,
            "ki67_below_lod": [False] * 4,
            "dss_time": [10.0, 20.0, 30.0, 40.0],
            "dss_event": [1, 0, 1, 0],
            "hpv": ["positive", "negative", None, "positive"],
            "ebv_dna": [100.0, np.nan, 300.0, 500.0],
            "treatment": ["control", "tocilizumab", "control", "control"],
        }
    )
    rows = table_one(patients, Study.from_config(DECLARED))
    rows = rows[rows["cohort"] == "all"].set_index(["variable", "level"])
    assert rows.loc[("HPV status", "negative"), "value"] == "1 (25%)"
    assert rows.loc[("HPV status", "positive"), ["value", "missing"]].tolist() == ["2 (50%)", "1"]
    assert rows.loc[("Plasma EBV DNA, copies/mL", "median (IQR)"), "missing"] == "1"
    assert rows.loc[("Arm", "control"), "value"] == "3 (75%)"
    assert rows.loc[("Arm", "tocilizumab"), ["value", "missing"]].tolist() == ["1 (25%)", "0"]
    hidden = suppress_small_counts(rows.reset_index(), 2).set_index(["variable", "level"])
    assert hidden.loc[("Arm", "tocilizumab"), "value"] == "<2"
    assert hidden.loc[("HPV status", "positive"), "value"] == "2 (50%)"


def test_patients_with_and_without_a_marker_are_compared_side_by_side():
    patients = pd.DataFrame(
        {
            "cohort": ["a"] * 4,
            "cancer_type": ["BRCA"] * 4,
            "age": [40.0, 50.0, 60.0, 70.0],
            "sex": ["female"] * 4,
            "stage": ["I", "II", "III", "IV"],
            "stage_group": ["early", "early", "late", "late"],
            "il6": [1.0, 2.0, np.nan, np.nan],
            "il6_scale": ["pg/mL", "pg/mL", None, None],
            "il6_below_lod": [False, False, False, True],
            "os_time": [10.0, 20.0, 30.0, 40.0],
            "os_event": [1, 0, 1, 0],
        }
    )
    config = {
        "markers": [{"id": "il6", "label": "IL-6"}],
        "endpoints": [{"id": "os", "label": "Overall survival"}],
    }
    table = subset_characteristics(patients, Study.from_config(config)).set_index(
        ["variable", "level"]
    )
    # Below the detection limit counts as measured: three with IL-6, one without.
    assert table.loc[("patients", ""), ["measured", "not measured"]].tolist() == ["3", "1"]
    assert table.loc[("stage", "III"), "not measured"] == "1 (100%)"
    assert "IL-6" not in set(table.index.get_level_values("variable"))
    assert list(table.index[:3]) == [("patients", ""), ("age, years", "median (IQR)"),
                                     ("sex", "female")]  # fmt: skip
    hidden = subset_characteristics(patients, Study.from_config(config), below=2)
    assert hidden.set_index(["variable", "level"]).loc[("patients", ""), "not measured"] == "<2"


def test_clinical_hazard_ratios_on_both_populations():
    row = {"cancer_type": "BRCA", "cohort": "all", "endpoint": "os", "model": "clinical",
           "term": "age", "hr_lower": 1.0, "hr_upper": 1.1, "status": "ok"}  # fmt: skip
    cox = pd.DataFrame(
        [
            {**row, "marker": "none", "hr": 1.05, "n": 400},
            {**row, "marker": "il6", "hr": 1.02, "n": 150},
            {**row, "marker": "il6", "cohort": "a", "hr": 9.0, "n": 10},
        ]
    )
    config = {
        "markers": [{"id": "il6", "label": "IL-6"}],
        "endpoints": [{"id": "os", "label": "Overall survival"}],
    }
    both = clinical_in_both(cox, Study.from_config(config))
    assert both.columns.tolist() == [
        "cancer_type", "endpoint", "term", "all with follow-up", "with IL-6"
    ]  # fmt: skip
    assert both.iloc[0].tolist() == [
        "BRCA", "Overall survival", "age", "1.05 (1.00-1.10), n 400", "1.02 (1.00-1.10), n 150"
    ]  # fmt: skip
    page = page_of(config)
    assert 'id="marker-subsets"' in page
    assert "every patient with follow-up for the endpoint, measured or not" in page


def test_endpoint_definitions_and_data_source_cautions_reach_the_report():
    config = {
        "markers": [{"id": "il6", "label": "IL-6"}],
        "endpoints": [
            {
                "id": "dss",
                "label": "Disease-specific survival",
                "definition": "death with tumour",
                "competing": "death from other causes",
                "cautions": [{"note": "approximated (CDR notes)", "except_cancer_types": ["PAAD"]}],
            }
        ],
    }
    page = page_of(config)
    assert (
        "Disease-specific survival (dss; death with tumour; competing event: death from "
        "other causes, censored)"
    ) in page
    row = {"cohort": "all", "endpoint": "dss", "marker": "il6", "model": "continuous",
           "family": "continuous", "term": "il6_z", "n": 50, "events": 20, "hr": 1.2,
           "hr_lower": 1.0, "hr_upper": 1.4, "p": 0.04, "q": 0.04, "ph_p": 0.5,
           "min_detectable_hr": 1.6, "status": "ok"}  # fmt: skip
    cox = pd.DataFrame([{**row, "cancer_type": "BRCA"}, {**row, "cancer_type": "PAAD"}])
    frame = results_frame(cox, Study.from_config(config)).set_index("cancer_type")
    assert frame.loc["BRCA", "caution"] == "approximated (CDR notes)"
    assert frame.loc["PAAD", "caution"] == ""
    assert "min_detectable_hr" in frame.columns


def test_the_methods_name_the_declared_primary_analysis():
    assert "No primary analysis was declared" in page_of(CONFIG)
    declared = {
        **CONFIG,
        "analysis": {"primary": {"markers": ["il6"], "endpoints": ["os"], "model": "adjusted"}},
    }
    page = page_of(declared)
    assert "the adjusted model of IL-6 for OS, pooled within each cancer type" in page
    assert "never a naive p or a q-value" in page


def test_hazard_ratios_in_intervals_and_rmst_stand_beside_a_flagged_result():
    row = {"cancer_type": "BRCA", "cohort": "all", "endpoint": "os", "marker": "il6",
           "model": "continuous", "family": "continuous", "cut_method": "none",
           "term": "il6_z", "n": 50, "events": 20, "hr": 1.2, "hr_lower": 1.0,
           "hr_upper": 1.4, "p": 0.04, "q": 0.04, "ph_p": 0.001, "min_detectable_hr": 1.6,
           "status": "warning"}  # fmt: skip
    cox = pd.DataFrame([row, {**row, "cancer_type": "NSCLC", "ph_p": 0.6, "status": "ok"}])
    beside = pd.DataFrame(
        [
            {"cancer_type": t, "cohort": "all", "endpoint": "os", "marker": "il6",
             "model": "interval_hr", "start": 0.0, "end": 12.0, "n": 50, "events": 12,
             "estimate": 2.1, "lower": 1.2, "upper": 3.5, "p": 0.01, "status": "ok"}
            for t in ("BRCA", "NSCLC")
        ]
    )  # fmt: skip
    settings = AnalysisSettings.from_config(CONFIG)
    html = "\n".join(nonproportional_html(cox, beside, settings))
    assert 'id="nonproportional"' in html
    assert "BRCA" in html and "NSCLC" not in html
    assert nonproportional_html(cox.assign(ph_p=0.5), beside, settings) == []
