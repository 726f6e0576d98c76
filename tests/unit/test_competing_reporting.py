"""Competing risks in the methods text and the REMARK checklist, in the config's words."""

from __future__ import annotations

from markersurv.config.settings import AnalysisSettings, with_defaults
from markersurv.reporting.methods import methods_paragraphs
from markersurv.reporting.remark import ITEMS


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
    (how,) = [how for item, _, _, how in ITEMS if item == 15]
    assert "cuminc.tsv, competing.tsv" in how and "Gray's test" in how
