"""The findings page speaks of the markers the config declares, in its words."""

from __future__ import annotations

import re

from markersurv.config.study import Study
from markersurv.reporting.findings import LITERATURE, markers_text

IL6_WORDS = re.compile(r"IL-?6|pSTAT3|STAT3|serum", re.IGNORECASE)


def study(markers: list[dict]) -> Study:
    return Study.from_config(
        {"markers": markers, "endpoints": [{"id": "os", "label": "Overall survival"}]}
    )


def test_markers_are_described_by_the_config_only():
    text = markers_text(
        study(
            [
                {
                    "id": "crp",
                    "label": "CRP",
                    "kind": "concentration",
                    "sample": "plasma",
                    "unit": "mg/L",
                },
                {"id": "ki67", "label": "Ki-67", "kind": "tissue_score"},
            ]
        )
    )
    assert text.startswith("Plasma CRP (mg/L) and Ki-67, each standardized within cancer type")
    assert not IL6_WORDS.search(text)


def test_one_marker_reads_as_one():
    text = markers_text(study([{"id": "m", "label": "Marker M", "kind": "other"}]))
    assert text.startswith("Marker M, standardized within cancer type")


def test_the_literature_table_is_found_from_the_installed_module():
    # The page failed at the end of `make tcga` when this path pointed one level too high.
    assert LITERATURE.is_file()
    assert LITERATURE.parent.parent.name == "resources"
