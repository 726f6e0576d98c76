"""Competing risks in the methods text and the REMARK checklist, in the config's words."""

from __future__ import annotations

import pandas as pd

from markersurv.config.settings import AnalysisSettings, with_defaults
from markersurv.reporting.competing import competing_frame, competing_section
from markersurv.reporting.methods import methods_paragraphs
from markersurv.reporting.remark import remark_html


def paragraphs(endpoints: list[dict]) -> dict[str, str]:
    config = with_defaults(
        {"markers": [{"id": "m1", "label": "Marker one"}], "endpoints": endpoints}
    )
    settings = AnalysisSettings.from_config(config)
    return dict(methods_paragraphs(config, settings, 2, True, {}))


def test_a_declared_competing_event_adds_a_competing_risks_paragraph():
    text = paragraphs(
        [
            {"id": "os", "label": "Overall survival"},
            {"id": "dfi", "label": "Disease-free interval", "competing": "death without relapse"},
        ]
    )["Competing risks"]
    assert text.startswith(
        "For Disease-free interval (competing event: death without relapse), the competing event"
    )
    for words in ("Aalen-Johansen", "Gray's test", "cause-specific Cox", "Fine-Gray", "crr"):
        assert words in text
    assert "Overall survival" not in text


def test_without_a_competing_event_there_is_no_such_paragraph():
    headings = list(paragraphs([{"id": "os", "label": "Overall survival"}]))
    assert "Competing risks" not in headings
    assert headings[-1] == "Software"


def test_remark_item_15_points_to_the_competing_risks_tables():
    page = remark_html(["M"], competing=True)
    assert "cuminc.tsv, competing.tsv" in page and "Gray&#x27;s test" in page
    assert "competing.tsv" not in remark_html(["M"])


def competing_table() -> pd.DataFrame:
    rows = []
    for cohort in ("all", "c1"):
        for marker in ("m1", "m2"):
            for model in ("fine_gray", "gray", "cause_specific"):
                rows.append(
                    {"cancer_type": "T", "cohort": cohort, "endpoint": "dfi", "marker": marker,
                     "model": model, "cut_method": "median", "term": f"{marker}_high", "n": 90,
                     "events": 30, "competing_events": 12, "statistic": 1.5, "hr": 1.2,
                     "hr_lower": 0.9, "hr_upper": 1.6, "p": 0.2, "status": "ok", "note": ""}
                )  # fmt: skip
    return pd.DataFrame(rows)


def test_the_report_shows_the_pooled_rows_of_the_primary_markers_in_model_order():
    config = {
        "markers": [{"id": "m1", "label": "Marker one"}, {"id": "m2", "label": "Marker two"}],
        "endpoints": [{"id": "dfi", "label": "DFI", "competing": "death"}],
        "analysis": {"primary": {"markers": ["m2"], "endpoints": ["dfi"], "model": "continuous"}},
    }
    settings = AnalysisSettings.from_config(config)
    frame = competing_frame(competing_table(), settings)
    assert set(frame["marker"]) == {"m2"}
    assert frame["model"].tolist() == ["gray", "cause_specific", "fine_gray"]
    html = competing_section(competing_table(), settings, lambda f: f"<table>{len(f)}</table>")
    assert html[0] == '<h2 id="competing">Competing risks</h2>' and html[-1] == "<table>3</table>"
    assert competing_section(pd.DataFrame(), settings, str) == []
