"""Figure sets draw what the analysis tables hold, under names that say what they show.

The patients are SYNTHETIC: two cohorts of 40 from ``markersurv.simulate.core`` with fixed
seeds (``simulated`` in test_analysis_degenerate).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from markersurv.analysis.cancer_type import ALL, analyse_cancer_type
from markersurv.analysis.groups import marker_groups
from markersurv.analysis.pooling import pooling_weights
from markersurv.config.settings import FigureSettings
from markersurv.config.study import Study
from markersurv.figures.cancer_type import CancerTypeFigures
from markersurv.figures.captions import CATALOG, FigureRecord, caption, figure_stem, study_labels
from markersurv.figures.legends import format_months
from markersurv.figures.rows import forest_rows
from markersurv.pipeline.report_entries import FigureCaptions, read_catalog, report_labels
from markersurv.plots.labels import Labels, format_p, p_equals
from markersurv.stats.cox.fit import fit_cox
from markersurv.stats.km import kaplan_meier
from markersurv.stats.zph import cox_zph
from tests.unit.test_analysis_degenerate import SETTINGS, simulated

FIGURES = FigureSettings.from_config({"figures": {"formats": ["png"]}})
STUDY = Study.from_config(
    {
        "markers": [{"id": "il6", "label": "IL-6"}, {"id": "pstat3", "label": "pSTAT3"}],
        "endpoints": [{"id": "os", "label": "Overall survival"}],
    }
)
EXPECTED = {
    "km_il6_os_median",
    "km_pstat3_os_median",
    "km_il6+pstat3_os_median",
    "forest_cohorts_il6_os",
    "forest_cohorts_pstat3_os",
    "spline_il6_os",
    "spline_pstat3_os",
    "schoenfeld_il6_os",
    "schoenfeld_pstat3_os",
    *(f"cutpoint_scan_{m}_os_cohort_{c}" for m in ("il6", "pstat3") for c in "ab"),
}


def draw(patients: pd.DataFrame, folder, cohort_labels=None) -> pd.DataFrame:
    tables = analyse_cancer_type(patients, SETTINGS)
    figures = CancerTypeFigures("NSCLC", patients, tables, SETTINGS, FIGURES, STUDY, cohort_labels)
    # no text of any figure is cut off at its edge and no tick labels overlap
    assert figures.draw_all(folder) == {}
    return read_catalog(folder)


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    folder = tmp_path_factory.mktemp("figures") / "NSCLC"
    patients = simulated()
    return patients, folder, draw(patients, folder)


def test_every_figure_is_listed_and_named_by_what_it_shows(drawn):
    _, folder, catalog = drawn
    pngs = {p.stem for p in folder.glob("*.png")}
    assert pngs == EXPECTED
    assert set(catalog.index) == pngs
    assert (folder / CATALOG).exists()


def test_adding_a_patient_changes_captions_not_file_names(drawn, tmp_path):
    patients, _, before = drawn
    extra = patients.iloc[[0]].assign(patient_id="cohort_a-extra")
    after = draw(pd.concat([patients, extra], ignore_index=True), tmp_path / "NSCLC")
    assert list(after.index) == list(before.index)
    km = "km_il6_os_median"
    assert int(after.loc[km, "n"]) == int(before.loc[km, "n"]) + 1
    assert f"n = {int(after.loc[km, 'n'])}," in after.loc[km, "caption"]


def test_counts_come_from_the_tables(drawn):
    patients, _, catalog = drawn
    tables = analyse_cancer_type(patients, SETTINGS)
    km = tables["km"]
    row = km[
        (km["cohort"] == ALL)
        & (km["marker"] == "il6")
        & (km["cut_method"] == "median")
        & (km["group"] == "all")
    ].iloc[0]
    assert int(catalog.loc["km_il6_os_median", "n"]) == row["n"] == len(patients)
    assert int(catalog.loc["km_il6_os_median", "events"]) == row["events"]
    cox = tables["cox"]
    continuous = cox[
        (cox["cohort"] == ALL) & (cox["model"] == "continuous") & (cox["term"] == "pstat3_z")
    ].iloc[0]
    assert int(catalog.loc["schoenfeld_pstat3_os", "events"]) == continuous["events"]


def test_km_curves_are_the_estimator_steps_of_each_group():
    patients = simulated()
    curves = analyse_cancer_type(patients, SETTINGS)["km_curve"]
    curves = curves[(curves["marker"] == "il6") & (curves["cut_method"] == "median")]
    assert set(curves["cohort"]) == {ALL}
    groups = marker_groups(patients, "il6", "median", {})
    for group in ("low", "high"):
        rows = patients[groups == group]
        expected = kaplan_meier(rows["os_time"].to_numpy(), rows["os_event"].to_numpy()).table()
        got = curves[curves["group"] == group]
        for column in ("time", "n_risk", "n_event", "n_censor", "surv", "lower", "upper"):
            np.testing.assert_array_equal(got[column].to_numpy(float), expected[column])


def test_ph_residuals_are_those_of_the_pooled_continuous_model():
    patients = simulated()
    tables = analyse_cancer_type(patients, SETTINGS)
    residuals = tables["ph_residuals"]
    residuals = residuals[residuals["term"] == "il6_z"]
    assert set(residuals["model"]) == {"continuous"} and set(residuals["cohort"]) == {ALL}
    x = patients[["il6_z"]]
    time, event = patients["os_time"].to_numpy(float), patients["os_event"].to_numpy(float)
    strata = patients["cohort"].to_numpy()
    fit = fit_cox(time, event, x, strata=strata, ties="efron")
    zph = cox_zph(time, event, x, fit.coef, strata=strata, transform="km", ties="efron")
    np.testing.assert_allclose(residuals["x"], zph.x, rtol=1e-12)
    np.testing.assert_allclose(residuals["residual"], zph.y["il6_z"], rtol=1e-10)
    smooth = tables["ph_smooth"]
    assert len(smooth[smooth["term"] == "il6_z"]) == 100


CONFIG = {
    "markers": [{"id": "il6", "label": "IL-6"}, {"id": "pstat3", "label": "pSTAT3"}],
    "endpoints": [{"id": "os", "label": "Overall survival"}],
}


def entry_labels(folder) -> dict[str, dict[str, str]]:
    """Each report entry's labels, as the workflow's report marker gives them: every PNG and
    the folder's figures.tsv."""
    figure_labels = report_labels(CONFIG)
    stems = [p.stem for p in sorted(folder.glob("*.png"))] + [CATALOG.removesuffix(".tsv")]
    return {stem: figure_labels(type("W", (), {"figure": stem}), [str(folder)]) for stem in stems}


def test_report_labels_name_each_figure_in_words_and_captions_read_the_catalog(drawn):
    _, folder, catalog = drawn
    labels = entry_labels(folder)
    n = int(catalog.loc["cutpoint_scan_il6_os_cohort_a", "n"])
    assert labels["cutpoint_scan_il6_os_cohort_a"] == {
        "kind": "Cutpoint scan (exploratory)",
        "cancer type": "NSCLC",
        "marker": "IL-6",
        "endpoint": "Overall survival",
        "split": "",
        "cohort": "cohort_a",
        "arm": "",
        "n": str(n),
        "events": "",
    }
    km = labels["km_il6+pstat3_os_median"]
    assert (km["kind"], km["marker"], km["split"]) == (
        "Kaplan-Meier, joint groups",
        "IL-6 x pSTAT3",
        "median split",
    )
    assert km["events"] == str(int(catalog.loc["km_il6+pstat3_os_median", "events"]))
    # every label is text (the report sorts them as strings) and tells entries apart
    assert all(isinstance(v, str) for entry in labels.values() for v in entry.values())
    assert len({tuple(e.values()) for e in labels.values()}) == len(labels)
    captions = FigureCaptions(str(folder))
    assert repr(captions) == f"FigureCaptions({str(folder)!r})"
    assert captions["km_il6_os_median"].startswith("Kaplan-Meier estimates of OS by IL-6")
    assert captions["figures"].startswith("The figures of this folder")


def report_toggles(entries: list[dict[str, str]]) -> list[str]:
    """The labels Snakemake's report (9.x) turns into a toggle: any label but the first
    whose defined values are exactly two, each on half of the entries."""
    order: list[str] = []
    for entry in entries:
        order += [k for k in entry if k not in order]
    toggles = []
    for label in order[1:]:
        values = [e[label] for e in entries if label in e]
        unique = set(values)
        if len(unique) == 2 and all(2 * values.count(v) == len(entries) for v in unique):
            toggles.append(label)
    return toggles


def test_no_report_label_becomes_a_toggle(drawn):
    _, folder, _ = drawn
    labels = entry_labels(folder)
    # the one-endpoint figure set: every endpoint label is the same; with the catalog entry
    # no label can split the entries in halves, whatever the figures
    assert report_toggles(list(labels.values())) == []
    figures = [e for stem, e in labels.items() if stem != "figures"][:12]
    halves = [{**e, "endpoint": "OS" if k % 2 else "PFS"} for k, e in enumerate(figures)]
    assert report_toggles(halves) == ["endpoint"]  # the rule the catalog entry defeats
    assert report_toggles([*halves, labels["figures"]]) == []


def test_long_cohort_names_fit_their_figures(tmp_path):
    names = {c: f"A cohort with a long name, {c}, from a study of many years" for c in "ab"}
    patients = simulated()
    labels = {f"cohort_{c}": name for c, name in names.items()}
    catalog = draw(patients, tmp_path / "NSCLC", labels)
    assert "cutpoint_scan_il6_os_cohort_a" in catalog.index


def test_long_marker_and_endpoint_names_are_wrapped_or_reported(tmp_path):
    study = Study.from_config(
        {
            "markers": [
                {"id": "il6", "label": "Interleukin-6, serum (electrochemiluminescence)"},
                {"id": "pstat3", "label": "Phospho-STAT3 (Tyr705), tumour nuclei"},
            ],
            "endpoints": [{"id": "os", "label": "Overall survival from diagnosis"}],
        }
    )
    patients = simulated()
    tables = analyse_cancer_type(patients, SETTINGS)
    figures = CancerTypeFigures("NSCLC", patients, tables, SETTINGS, FIGURES, study)
    problems = figures.draw_all(tmp_path / "NSCLC")
    # titles and axis labels wrap to fit; the joint-group Kaplan-Meier names four groups by
    # both markers, which such names cannot fit: that figure is reported, not passed as good
    assert set(problems) == {"km_il6+pstat3_os_median"}
    assert any("cut off at the edge" in p for p in problems["km_il6+pstat3_os_median"])


def test_forest_rows_print_cohort_names_and_keep_their_weights():
    cox = pd.DataFrame(
        {
            "cohort": ["oslo", "lyon"],
            **{c: [0.1, 0.2] for c in ("coef", "se", "hr", "hr_lower", "hr_upper", "p")},
            "n": [50, 60],
            "events": [20, 30],
        }
    )
    weights = pd.DataFrame({"study": ["oslo", "lyon"], "weight": [40.0, 60.0]})
    names = Labels(cohorts={"oslo": "Oslo lung 2015-2020"}).cohort
    rows = forest_rows(cox, "cohort", weights=weights, names=names)
    assert rows["label"].tolist() == ["Oslo lung 2015-2020", "lyon"]
    assert rows["weight"].tolist() == [40.0, 60.0]


def test_captions_escape_markup_characters(tmp_path):
    (tmp_path / CATALOG).write_text("figure\tcaption\nflow\tsee *this* and `that`_\n")
    assert FigureCaptions(str(tmp_path))["flow"] == r"see \*this\* and \`that\`\_"


def test_every_kind_has_a_caption_with_its_counts():
    kinds = [
        "km_median", "km_joint", "forest_cohorts", "forest_pancancer", "cutpoint_scan",
        "spline", "schoenfeld", "pancancer_map", "flow", "qc_distributions", "qc_lod",
        "qc_scales", "association",
    ]  # fmt: skip
    for kind in kinds:
        record = FigureRecord(
            "f", kind, marker="il6", endpoint="os", cut="median", cohort="a", n=17, events=5
        )
        text = caption(record, SETTINGS, study_labels(STUDY))
        assert text.endswith(".") and "{" not in text
        if kind in ("km_median", "forest_cohorts", "spline", "schoenfeld"):
            assert "n = 17, 5 events" in text
    with pytest.raises(ValueError, match="no caption"):
        caption(FigureRecord("f", "unknown"), SETTINGS, study_labels(STUDY))


def test_figure_stems_carry_no_counts():
    assert figure_stem("km", "il6&pstat3", "os", "median") == "km_il6+pstat3_os_median"
    assert figure_stem("flow") == "flow"
    assert not re.search(r"_\d+($|_)", figure_stem("forest_cohorts", "il6", "pfs"))


class Recorder:
    """Stands in for a figure folder: keeps each figure instead of saving it."""

    def __init__(self):
        self.figures = {}

    def save(self, fig, record):
        self.figures[record.figure] = fig


def figures_of(patients, figures=FIGURES):
    tables = analyse_cancer_type(patients, SETTINGS)
    tables["pooling_weights"] = pooling_weights(tables["cox"], tables["pooled"])
    return CancerTypeFigures("NSCLC", patients, tables, SETTINGS, figures, STUDY), tables


def axes_named(fig):
    return {ax.get_label(): ax for ax in fig.axes}


def test_cohort_forest_sizes_squares_by_the_pooling_weights_and_shows_the_primary_method():
    patients = simulated((40, 40, 40))
    drawer, tables = figures_of(patients)
    out = Recorder()
    drawer.forest(out, "os", "il6")
    fig = out.figures["forest_cohorts_il6_os"]
    weights = tables["pooling_weights"]
    weights = weights[
        (weights["scope"] == "NSCLC")
        & (weights["marker"] == "il6")
        & (weights["model"] == "continuous")
        & (weights["method"] == SETTINGS.meta_method)
    ]
    assert len(weights) == 3
    right = axes_named(fig)["forest_right"]
    printed = [t.get_text() for t in right.texts if t.get_text().endswith("%")]
    assert printed == [f"{w:.1f}%" for w in weights["weight"]]
    squares = [a for a in axes_named(fig)["forest"].get_lines() if a.get_gid() == "estimate"]
    sizes = np.array([s.get_markersize() for s in squares])
    assert list(np.argsort(sizes)) == list(np.argsort(weights["weight"].to_numpy()))
    left = axes_named(fig)["forest_left"]
    labels = [t.get_text() for t in left.texts]
    assert f"Pooled ({SETTINGS.meta_method})" in labels
    assert not [t for t in labels if t.startswith("Pooled (") and SETTINGS.meta_method not in t]
    pooled = tables["pooled"]
    primary = pooled[
        (pooled["marker"] == "il6")
        & (pooled["model"] == "continuous")
        & (pooled["method"] == SETTINGS.meta_method)
    ].iloc[0]
    assert format_p(primary["p"]) in [t.get_text() for t in right.texts]
    assert any("prediction interval" in t for t in labels)  # three cohorts


def test_two_cohorts_get_no_prediction_interval():
    drawer, _ = figures_of(simulated())
    out = Recorder()
    drawer.forest(out, "os", "il6")
    fig = out.figures["forest_cohorts_il6_os"]
    labels = [t.get_text() for t in axes_named(fig)["forest_left"].texts]
    assert not [t for t in labels if "prediction interval" in t]
    assert not [a for a in fig.axes[1].get_lines() if a.get_gid() == "prediction_interval"]


def km_legend(drawer, marker, method, kind=""):
    out = Recorder()
    drawer.km(out, "os", marker, method, kind=kind)
    (fig,) = out.figures.values()
    return axes_named(fig)["survival"].get_legend()


def test_km_legend_holds_each_groups_events_and_median_from_km_tsv():
    patients = simulated()
    drawer, tables = figures_of(patients)
    legend = km_legend(drawer, "il6", "median")
    km = tables["km"]
    km = km[(km["cohort"] == ALL) & (km["marker"] == "il6") & (km["cut_method"] == "median")]
    expected = [
        f"{g}: {int(r['events'])} events, median {format_months(float(r['median']))}"
        for g in ("low", "high")
        for _, r in km[km["group"] == g].iterrows()
    ]
    assert [t.get_text() for t in legend.get_texts()] == expected
    assert legend.get_title().get_text().endswith("Split at within-cohort medians")


def test_a_single_cohort_km_says_its_cutpoint_with_its_unit():
    patients = simulated((60,))
    drawer, tables = figures_of(patients)
    logrank = tables["logrank"]
    row = logrank[
        (logrank["cohort"] == "cohort_a")
        & (logrank["marker"] == "il6")
        & (logrank["cut_method"] == "median")
    ].iloc[0]
    title = km_legend(drawer, "il6", "median").get_title().get_text()
    assert title.endswith(f"Split at {row['cutpoint']:.3g} pg/mL")


def test_tertile_km_prints_the_trend_p_of_logrank_tsv():
    figures = FigureSettings.from_config(
        {"figures": {"formats": ["png"], "km_cut_methods": ["median", "tertile"]}}
    )
    drawer, tables = figures_of(simulated(), figures=figures)
    logrank = tables["logrank"]
    keys = (logrank["cohort"] == ALL) & (logrank["marker"] == "il6")
    trend = logrank[keys & (logrank["cut_method"] == "tertile") & (logrank["test"] == "trend")]
    k_group = logrank[keys & (logrank["cut_method"] == "tertile") & (logrank["test"] == "k_group")]
    title = km_legend(drawer, "il6", "tertile").get_title().get_text()
    assert title.split("\n") == [
        p_equals(float(k_group["p"].iloc[0]), "Log-rank p"),
        p_equals(float(trend["p"].iloc[0]), "Trend p"),
        "Split at within-cohort tertiles",
    ]


def test_spline_and_schoenfeld_figures_label_the_marker_and_read_their_p_from_cox_tsv():
    drawer, tables = figures_of(simulated())
    out = Recorder()
    drawer.spline(out, "os", "il6")
    drawer.schoenfeld(out, "os", "il6")
    spline = out.figures["spline_il6_os"].axes[0]
    cox = tables["cox"]
    nonlinearity = cox[
        (cox["cohort"] == ALL) & (cox["marker"] == "il6") & (cox["term"] == "nonlinearity")
    ]
    note = next(t for t in spline.texts if t.get_gid() == "spline_note").get_text()
    assert note.endswith(p_equals(float(nonlinearity["p"].iloc[0]), "Nonlinearity p"))
    assert spline.get_xlabel() == "IL-6 (SDs from the cohort mean)"
    schoenfeld = out.figures["schoenfeld_il6_os"].axes[0]
    assert schoenfeld.get_ylabel() == "Beta(t) for IL-6 (per SD)"
    assert schoenfeld.get_xlabel().startswith("Months")
    assert all(float(t.get_text()).is_integer() for t in schoenfeld.get_xticklabels())
