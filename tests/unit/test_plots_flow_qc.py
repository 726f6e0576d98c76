"""Patient-flow diagram and harmonization QC figures, read back from their artists."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from markersurv.plots.checks import PlotDataError
from markersurv.plots.flow import plot_flow
from markersurv.plots.labels import Labels
from markersurv.plots.qc import plot_lod_fractions, plot_marker_distributions, plot_scales

# A count: digits not glued to a word, a hyphen or a decimal point ("IL-6" and "pSTAT3"
# hold no counts); "2 cohorts" counts cohorts, not patients.
COUNT = re.compile(r"(?<![\w.\-])(\d+)(?![\w.])(?! cohorts?\b)")


def type_stats(records, excluded, il6, il6_lod, pstat3, os_n, os_events, cohorts=None):
    stats = {
        "records": records,
        "included": records - sum(excluded.values()),
        "excluded": excluded,
        "with_marker": {"il6": il6, "pstat3": pstat3},
        "below_lod": {"il6": il6_lod, "pstat3": 0},
        "endpoints": {"os": {"n": os_n, "events": os_events}},
    }
    if cohorts:
        stats = {"cohorts": cohorts, **stats}
    return stats


def flow_fixture() -> dict:
    """flow.json of two cohorts (one with an assay table), two cancer types."""
    brca_a = type_stats(320, {}, 311, 23, 312, 320, 153)
    brca_b = type_stats(300, {"impossible_date_sequence": 2}, 288, 13, 290, 298, 149)
    nsclc_b = type_stats(240, {"no_marker_value": 8}, 225, 7, 219, 232, 188)
    return {
        "cohorts": [
            {
                "cohort": "site_a",
                "synthetic": True,
                "tables": {"clinical": {"records": 320, "included": 320, "excluded": {}}},
                "patients": 320,
                "by_cancer_type": {"BRCA": brca_a},
            },
            {
                "cohort": "site_b",
                "synthetic": True,
                "tables": {
                    "clinical": {
                        "records": 540,
                        "included": 530,
                        "excluded": {"impossible_date_sequence": 2, "no_marker_value": 8},
                    },
                    "assay": {
                        "records": 234,
                        "included": 233,
                        "excluded": {"not_in_primary_table": 1},
                    },
                },
                "patients": 530,
                "by_cancer_type": {"BRCA": brca_b, "NSCLC": nsclc_b},
            },
        ],
        "by_cancer_type": {
            "BRCA": type_stats(
                620,
                {"impossible_date_sequence": 2},
                599,
                36,
                602,
                618,
                302,
                cohorts=["site_a", "site_b"],
            ),
            "NSCLC": type_stats(
                240, {"no_marker_value": 8}, 225, 7, 219, 232, 188, cohorts=["site_b"]
            ),
        },
        "patients": 850,
        "records": 1094,
        "excluded": 11,
        "reasons": {
            "impossible_date_sequence": "an event or last contact dated before diagnosis",
            "no_marker_value": "no marker value measured",
            "not_in_primary_table": "patient absent from the cohort's primary (clinical) table",
        },
    }


def total_counts(flow: dict) -> set[int]:
    numbers = {flow["records"], flow["patients"], flow["excluded"]}
    for stats in flow["by_cancer_type"].values():
        numbers |= {stats["records"], stats["included"], *stats["excluded"].values()}
        numbers |= {*stats["with_marker"].values(), *stats["below_lod"].values()}
        numbers |= {v for e in stats["endpoints"].values() for v in e.values()}
    return numbers


def figure_counts(fig) -> set[int]:
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    return {int(m) for text in texts for m in COUNT.findall(text)}


def test_flow_prints_every_total_of_flow_json():
    flow = flow_fixture()
    printed = figure_counts(plot_flow(flow))
    missing = total_counts(flow) - printed
    assert not missing, f"totals not in the figure: {sorted(missing)}"
    # The per-cohort steps are there too: records per table, exclusions, patients included.
    assert {320, 540, 234, 530, 1, 11} <= printed


def test_flow_suppresses_small_counts():
    fig = plot_flow(flow_fixture(), suppress_below=10)
    printed = figure_counts(fig)
    assert printed and min(printed) >= 10
    texts = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert "<10" in texts
    assert "no marker value: <10" in texts


def test_flow_boxes_hold_their_text_and_do_not_overlap():
    fig = plot_flow(flow_fixture())
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    boxes = [p.get_window_extent(renderer) for p in ax.patches if p.get_gid() == "flow_box"]
    # Source, included and analysed per cohort, site_b's exclusions, one per cancer type.
    assert len(boxes) == 2 * 3 + 1 + 2
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)
    for text in (t for t in ax.texts if t.get_gid() == "flow_text"):
        extent = text.get_window_extent(renderer)
        assert any(
            b.x0 <= extent.x0 and extent.x1 <= b.x1 and b.y0 <= extent.y0 and extent.y1 <= b.y1
            for b in boxes
        ), f"text outside every box: {text.get_text()!r}"


def test_flow_needs_its_totals():
    flow = flow_fixture()
    del flow["patients"]
    with pytest.raises(PlotDataError, match="'patients'"):
        plot_flow(flow)


def marker_values() -> pd.DataFrame:
    """marker_values.parquet of two cohorts: IL-6 in pg/mL and ng/mL, pSTAT3 on two scales."""
    rng = np.random.default_rng(11)
    parts = []
    for cohort, factor, lod, score_scale, top in (
        ("site_a", 1.0, 1.5, "h_score", 300),
        ("site_b", 1000.0, 0.002, "allred", 8),
    ):
        n = 60
        source = np.round(np.exp(rng.normal(1.5, 0.9, n)) / factor, 4)
        below = source < lod
        source[below] = lod
        value = np.where(below, lod * factor / 2, source * factor)
        parts.append(
            pd.DataFrame(
                {
                    "cohort": cohort,
                    "cancer_type": "BRCA",
                    "marker": "il6",
                    "scale": "pg/mL",
                    "source_value": source,
                    "value": value,
                    "below_lod": below,
                }
            )
        )
        score = rng.integers(0, top + 1, n).astype(float)
        parts.append(
            pd.DataFrame(
                {
                    "cohort": cohort,
                    "cancer_type": "BRCA",
                    "marker": "pstat3",
                    "scale": score_scale,
                    "source_value": score,
                    "value": score,
                    "below_lod": False,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def test_marker_distributions_show_each_cohort_before_and_after():
    values = marker_values()
    fig = plot_marker_distributions(values, "il6", source_units={"site_b": "ng/mL"}, log_scale=True)
    axes = {ax.get_label(): ax for ax in fig.axes}
    assert sorted(axes) == sorted(
        ["source:site_a", "harmonized:site_a", "source:site_b", "harmonized:site_b"]
    )
    for cohort in ("site_a", "site_b"):
        rows = values[(values.cohort == cohort) & (values.marker == "il6")]
        for side, column in (("source", "source_value"), ("harmonized", "value")):
            ax = axes[f"{side}:{cohort}"]
            assert ax.get_xscale() == "log"
            below = next(line for line in ax.get_lines() if line.get_gid() == "below_lod")
            assert len(below.get_xdata()) == int(rows["below_lod"].sum()) > 0
            np.testing.assert_array_equal(
                np.sort(below.get_xdata()), np.sort(rows.loc[rows.below_lod, column])
            )
    assert axes["source:site_b"].get_xlabel() == "ng/mL"
    # Harmonized IL-6 panels share one axis; recorded ones keep their own units.
    assert (
        axes["harmonized:site_a"]
        .get_shared_x_axes()
        .joined(axes["harmonized:site_a"], axes["harmonized:site_b"])
    )
    assert (
        not axes["source:site_a"]
        .get_shared_x_axes()
        .joined(axes["source:site_a"], axes["source:site_b"])
    )


def test_pstat3_distributions_keep_each_scoring_system_apart():
    fig = plot_marker_distributions(marker_values(), "pstat3")
    axes = {ax.get_label(): ax for ax in fig.axes}
    assert axes["harmonized:site_a"].get_xscale() == "linear"
    assert axes["harmonized:site_a"].get_xlabel() == "H-score (0-300)"
    assert axes["harmonized:site_b"].get_xlabel() == "Allred score (0-8)"
    assert (
        not axes["harmonized:site_a"]
        .get_shared_x_axes()
        .joined(axes["harmonized:site_a"], axes["harmonized:site_b"])
    )
    with pytest.raises(PlotDataError, match="'cd8'"):
        plot_marker_distributions(marker_values(), "cd8")


def qc_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cohort": ["site_a", "site_a", "site_b", "site_b"],
            "cancer_type": ["BRCA"] * 4,
            "marker": ["il6", "pstat3", "il6", "pstat3"],
            "scale": ["pg/mL", "h_score", "pg/mL", "allred"],
            "source_unit": ["ng/mL", "h_score", "pg/mL", "allred"],
            "n": [311, 312, 288, 290],
            "n_below_lod": [23, 0, 13, 0],
            "fraction_below_lod": [23 / 311, 0.0, 13 / 288, 0.0],
        }
    )


def test_lod_fractions_label_each_bar_with_counts_and_percent():
    fig = plot_lod_fractions(qc_table())
    assert [ax.get_label() for ax in fig.axes] == ["lod:il6"]  # pSTAT3 never below a limit
    ax = fig.axes[0]
    labels = [t.get_text().strip() for t in ax.texts if t.get_gid() == "lod_label"]
    assert labels == ["23/311 (7.4%)", "13/288 (4.5%)"]
    widths = sorted(p.get_width() for p in ax.patches)
    np.testing.assert_allclose(widths, sorted([100 * 23 / 311, 100 * 13 / 288]))


def test_scales_show_the_scoring_system_of_each_cohort():
    fig = plot_scales(qc_table(), labels=Labels({"il6": "IL-6", "pstat3": "pSTAT3"}))
    ax = fig.axes[0]
    cells = sorted(t.get_text() for t in ax.texts if t.get_gid() == "scale")
    assert cells == sorted(
        [
            "pg/mL\nrecorded in ng/mL\nn = 311",
            "H-score (0-300)\nn = 312",
            "pg/mL\nn = 288",
            "Allred score (0-8)\nn = 290",
        ]
    )
    assert [t.get_text() for t in ax.get_xticklabels()] == ["IL-6", "pSTAT3"]
