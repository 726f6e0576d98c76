"""The predictive analysis, delayed entry, non-proportional hazards and power in the methods
text and the report, each only where the config (or, for delayed entry, the data) has it,
and in the config's words."""

from __future__ import annotations

import re

import pandas as pd

from markersurv.config.settings import AnalysisSettings, with_defaults
from markersurv.reporting.methods import methods_paragraphs
from markersurv.reporting.predictive import COLUMNS, predictive_frame, predictive_section
from markersurv.reporting.remark import ITEMS, remark_html

MARKERS = [{"id": "m1", "label": "Marker one"}, {"id": "m2", "label": "Marker two"}]
ENDPOINTS = [{"id": "os", "label": "Overall survival"}, {"id": "pfs", "label": "PFS"}]
TREATMENT = {
    "label": "Adjuvant regimen",
    "levels": ["chemoradiation", "surgery alone", "brachytherapy"],
    "reference": "surgery alone",
}


def paragraphs(extra: dict | None = None, entry: list[str] | None = None) -> dict[str, str]:
    config = with_defaults({"markers": MARKERS, "endpoints": ENDPOINTS, **(extra or {})})
    settings = AnalysisSettings.from_config(config)
    return dict(methods_paragraphs(config, settings, 2, False, {}, entry))


def test_a_declared_treatment_adds_a_predictive_paragraph_in_its_words():
    text = paragraphs({"treatment": TREATMENT})["Predictive markers"]
    assert text.startswith("Whether Marker one and Marker two predict benefit from Adjuvant")
    assert "each arm (chemoradiation and brachytherapy)" in text
    assert "reference arm surgery alone" in text
    for words in ("interaction_p", "interaction_lr_p", "Data-chosen splits are not used"):
        assert words in text


def test_without_treatment_or_entry_there_are_no_such_paragraphs():
    headings = list(paragraphs())
    assert "Predictive markers" not in headings and "Delayed entry" not in headings
    assert headings[-1] == "Software"


def test_delayed_entry_is_described_for_the_endpoints_that_have_it():
    text = paragraphs(entry=["pfs"])["Delayed entry"]
    assert text.startswith("For PFS, some patients entered observation after the time origin")
    assert "Surv(entry, time, event)" in text and "exclusions ledger" in text
    assert "'not computed with delayed entry'" in text
    assert "Overall survival" not in text


def test_the_power_and_interval_settings_reach_the_text():
    texts = paragraphs(
        {"analysis": {"power": 0.9, "hr_interval_breaks": [6, 24], "rmst_horizon": 36}}
    )
    assert "with 90% power" in texts["Cox models"]
    assert "split at 6 and 24 months" in texts["Proportional hazards"]
    assert "up to 36 months" in texts["Proportional hazards"]


def predictive_table() -> pd.DataFrame:
    rows = []
    for cohort in ("all", "c1"):
        for marker in ("m1", "m2"):
            for group in ("low", "high", "high vs low"):
                rows.append(
                    {"cancer_type": "T", "cohort": cohort, "endpoint": "os", "marker": marker,
                     "treatment": "chemoradiation", "reference": "surgery alone",
                     "cut_method": "median", "group": group,
                     "estimate": "interaction" if group == "high vs low" else "treatment_hr",
                     "n": 90, "events": 30, "hr": 0.7, "hr_lower": 0.4, "hr_upper": 1.1,
                     "p": 0.1, "interaction_p": 0.04, "interaction_lr_p": 0.05,
                     "status": "ok", "note": ""}
                )  # fmt: skip
    return pd.DataFrame(rows)


def test_the_report_shows_the_pooled_predictive_rows_of_the_primary_markers():
    config = {
        "markers": MARKERS,
        "endpoints": ENDPOINTS,
        "treatment": TREATMENT,
        "analysis": {"primary": {"markers": ["m2"], "endpoints": ["os"], "model": "continuous"}},
    }
    settings = AnalysisSettings.from_config(config)
    frame = predictive_frame(predictive_table(), settings)
    assert list(frame.columns) == COLUMNS
    assert set(frame["marker"]) == {"m2"} and len(frame) == 3
    parts = predictive_section(predictive_table(), settings, lambda f: f"<table {len(f)}>")
    assert parts[0] == '<h2 id="predictive">Predictive analysis (secondary)</h2>'
    assert "benefit from Adjuvant regimen" in parts[1]
    assert "reference arm surgery alone" in parts[1]
    assert parts[2] == "<table 3>"


def test_no_treatment_means_no_predictive_section():
    settings = AnalysisSettings.from_config({"markers": MARKERS, "endpoints": ENDPOINTS})
    assert predictive_section(predictive_table(), settings, str) == []


def test_remark_points_to_the_predictive_and_delayed_entry_parts():
    how = {item: text for item, _, _, text in ITEMS}
    assert "delayed entry" in how[10]
    declared = remark_html(["M"], predictive=True)
    assert "predictive.tsv" in declared
    # item 3 (treatments received) points to the declared treatment's analysis
    assert re.search(r'<tr><td>3</td><td>[^<]*</td><td><a href="#predictive">', declared)
    # Without a declared treatment the checklist names no predictive analysis.
    page = remark_html(["M"])
    assert "predictive" not in page and "interaction" not in page
