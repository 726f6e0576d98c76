"""The predictive subgroup forest plot, drawn from predictive rows of synthetic cohorts
(simulate_patients, seeds 1 and 2): a non-blank PNG, one square per marker group, the overall
diamond, the config's words in the figure's texts, and its place in a cancer type's figure
set with its caption."""

from __future__ import annotations

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

from markersurv.analysis.cancer_type import analyse_cancer_type
from markersurv.config.covariates import Treatment
from markersurv.config.settings import AnalysisSettings, FigureSettings
from markersurv.config.study import Study
from markersurv.figures.cancer_type import CancerTypeFigures
from markersurv.figures.predictive import arm_parts
from markersurv.pipeline.report_entries import read_catalog
from markersurv.plots.checks import PlotDataError
from markersurv.plots.labels import Labels
from markersurv.plots.predictive import plot_predictive_forest
from markersurv.plots.save import save_figure
from tests.unit.test_predictive import ARMS, CONFIG, cohorts, rows_of

LABELS = Labels({"pstat3": "Tumour marker"}, {"os": "Overall survival"})
FIGURE = dict(labels=LABELS, treatment=ARMS, level="chemoradiation", marker="pstat3")


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return rows_of(cohorts())


def texts(fig) -> list[str]:
    return [t.get_text() for t in fig.texts] + [
        t.get_text() for ax in fig.axes for t in [*ax.texts, ax.xaxis.label]
    ]


def by_gid(fig, gid):
    return [a for ax in fig.axes for a in ax.get_children() if a.get_gid() == gid]


def test_the_forest_draws_the_groups_the_overall_diamond_and_the_configs_words(rows, tmp_path):
    fig = plot_predictive_forest(rows, cancer_type="SIM", endpoint="os", **FIGURE)
    squares = by_gid(fig, "estimate")
    groups = rows[(rows["cut_method"] == "median") & rows["group"].isin(["low", "high"])]
    np.testing.assert_allclose(sorted(s.get_xdata()[0] for s in squares), sorted(groups["hr"]))
    assert len(by_gid(fig, "pooled")) == 1
    words = " | ".join(texts(fig))
    for expected in (
        "Tumour marker low",
        "Tumour marker high",
        "All patients",
        "Adjuvant regimen chemoradiation vs surgery alone",
        "median split",
        "interaction (median split) p",
        "interaction (per SD) p",
        "Hazard ratio, chemoradiation vs surgery alone",
    ):
        assert expected in words, expected
    (png,) = save_figure(fig, tmp_path / "predictive", formats=("png",), dpi=80)
    pixels = mpimg.imread(png)[..., :3]
    assert pixels.std() > 0.05 and (pixels < 0.5).mean() > 0.005


def test_a_group_that_is_not_estimable_is_printed_so(rows):
    changed = rows.copy()
    high = (changed["group"] == "high") & (changed["cut_method"] == "median")
    changed.loc[high, ["hr", "hr_lower", "hr_upper", "p"]] = np.nan
    changed.loc[high, "status"] = "not_estimable"
    fig = plot_predictive_forest(changed, cancer_type="SIM", endpoint="os", **FIGURE)
    assert "not estimable" in texts(fig)
    assert len(by_gid(fig, "estimate")) == 1


def test_the_figure_set_draws_one_forest_per_arm_and_split_with_its_caption(tmp_path):
    config = {**CONFIG, "treatment": {"label": ARMS.label, "levels": list(ARMS.levels)}}
    settings = AnalysisSettings.from_config(config)
    patients = cohorts()
    tables = analyse_cancer_type(patients, settings)
    figures = FigureSettings.from_config({"figures": {"formats": ["png"]}})
    study = Study.from_config(config)
    folder = tmp_path / "SIM"
    CancerTypeFigures("SIM", patients, tables, settings, figures, study).draw_all(folder)
    catalog = read_catalog(folder)
    predictive = catalog[catalog["kind"] == "predictive"]
    assert list(predictive.index) == ["predictive_pstat3_os_median_chemoradiation"]
    (png,) = folder.glob("predictive_*.png")
    assert png.stem == predictive.index[0]
    record = predictive.iloc[0]
    overall = tables["predictive"].query("cohort == 'all' and group == 'all'").iloc[0]
    assert (record["arm"], record["cut"]) == ("chemoradiation", "median")
    assert (record["n"], record["events"]) == (overall["n"], overall["events"])
    for expected in (
        "Predictive analysis (secondary)",
        "OS for Adjuvant regimen chemoradiation against surgery alone",
        "median split groups of Tumour marker",
        f"n = {overall['n']}, {overall['events']} events",
        "Efron ties",
        "95% Wald CI",
        "Tumour marker x Adjuvant regimen product term",
    ):
        assert expected in record["caption"], expected


def test_arms_are_named_in_file_names_by_their_words_or_their_place():
    assert arm_parts(Treatment("Arm", ("control", "IL-6R antibody + chemo"))) == {
        "IL-6R antibody + chemo": "il-6r-antibody-chemo"
    }
    assert arm_parts(Treatment("Arm", ("control", "A+B", "A B", "C"))) == {
        "A+B": "arm1",
        "A B": "arm2",
        "C": "arm3",
    }


def test_rows_without_the_split_are_refused(rows):
    with pytest.raises(PlotDataError, match="fixed groups"):
        plot_predictive_forest(rows, cancer_type="SIM", endpoint="os", cut_method="fixed", **FIGURE)
