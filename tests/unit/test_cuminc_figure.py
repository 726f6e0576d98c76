"""The cumulative incidence figure: drawn from cuminc.tsv and competing.tsv for endpoints
declared with a competing event, with the config's words. Patients are SYNTHETIC (the
two-cohort generator of tests/stats/test_competing_tables.py, seeds 21 and 22)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from markersurv.analysis.competing import competing_rows
from markersurv.config.settings import FigureSettings
from markersurv.config.study import Study
from markersurv.figures.cancer_type import CancerTypeFigures
from markersurv.figures.captions import FigureRecord, caption, study_labels
from markersurv.figures.competing import draw_cuminc
from markersurv.figures.folder import FigureFolder
from markersurv.pipeline.report_entries import read_catalog
from markersurv.plots.cuminc import plot_cuminc
from markersurv.plots.labels import p_equals
from tests.stats.test_competing_tables import SETTINGS, synthetic_patients

FIGURES = FigureSettings.from_config({"figures": {"formats": ["png"]}})
STUDY = Study.from_config(
    {
        "markers": [{"id": "il6", "label": "Serum marker X"}],
        "endpoints": [
            {"id": "dss", "label": "Death from the tumour", "competing": "death of other causes"}
        ],
    }
)


def tables(patients: pd.DataFrame) -> dict[str, pd.DataFrame]:
    keys = {"cancer_type": "SYN", "cohort": "all", "endpoint": "dss", "marker": "il6"}
    rows = competing_rows(patients, patients["cohort"].to_numpy(), "il6", "dss", SETTINGS)
    return {name: pd.DataFrame([{**keys, **r} for r in rows[name]]) for name in rows}


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    patients = synthetic_patients()
    result = tables(patients)
    figures = CancerTypeFigures("SYN", patients, result, SETTINGS, FIGURES, STUDY)
    folder = tmp_path_factory.mktemp("figures")
    out = FigureFolder(folder, SETTINGS, FIGURES, figures.labels)
    captured = {}

    def spy(curves, **kwargs):
        captured.update(kwargs, curves=curves)
        return plot_cuminc(curves, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("markersurv.figures.competing.plot_cuminc", spy)
        draw_cuminc(figures, out, "dss", "il6")
    out.write_catalog()
    return folder, result, captured


def test_the_figure_is_named_by_what_it_shows_and_captioned(drawn):
    folder, result, _ = drawn
    assert (folder / "cuminc_il6_dss_median.png").exists()
    catalog = read_catalog(folder)
    row = catalog.loc["cuminc_il6_dss_median"]
    assert row["kind"] == "cuminc" and row["cut"] == "median"
    assert "Cumulative incidence (Aalen-Johansen) of DSS by Serum marker X groups" in row["caption"]
    curves = result["cuminc"][result["cuminc"]["cut_method"] == "median"]
    assert row["n"] == curves.groupby("group")["n"].first().sum()


def test_the_legend_holds_the_competing_event_grays_p_and_the_fine_gray_ratio(drawn):
    _, result, captured = drawn
    competing = result["competing"].set_index(["model", "cut_method"])
    gray_p = competing.loc[("gray", "median"), "p"]
    notes = captured["notes"]
    assert notes[0] == "Competing event: death of other causes"
    assert p_equals(float(gray_p), "Gray's test p") in notes
    assert any(n.startswith("Fine-Gray subdistribution HR high vs low") for n in notes)
    assert "Serum marker X" in captured["title"] and "IL-6" not in captured["title"]
    assert captured["ylabel"] == "Cumulative incidence (Death from the tumour)"
    assert list(captured["curves"]) == ["low", "high"]


def test_no_figure_without_a_declared_competing_event(tmp_path):
    patients = synthetic_patients()
    study = Study.from_config(
        {
            "markers": [{"id": "il6", "label": "Serum marker X"}],
            "endpoints": [{"id": "dss", "label": "DSS"}],
        }
    )
    figures = CancerTypeFigures("SYN", patients, tables(patients), SETTINGS, FIGURES, study)
    out = FigureFolder(tmp_path, SETTINGS, FIGURES, study_labels(study))
    draw_cuminc(figures, out, "dss", "il6")
    assert out.records == []


def test_the_curves_are_drawn_as_steps_from_the_table(drawn):
    _, result, _ = drawn
    curve = result["cuminc"][
        (result["cuminc"]["cut_method"] == "median") & (result["cuminc"]["group"] == "high")
    ]
    ax = plot_cuminc({"high": curve}, title="t")
    (line,) = ax.get_lines()
    np.testing.assert_allclose(line.get_xdata(), curve["time"])
    np.testing.assert_allclose(line.get_ydata(), curve["cif"])


def test_the_caption_states_the_band_and_the_tests():
    record = FigureRecord("cuminc_il6_dss_median", "cuminc", "SYN", "il6", "dss", "median", n=3)
    text = caption(record, SETTINGS, study_labels(STUDY))
    assert "95% pointwise bands (log(-log) transform of cmprsk's variance)" in text
    assert "Gray's test p (stratified by cohort when pooled)" in text
