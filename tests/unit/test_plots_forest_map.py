"""Forest plot and pan-cancer map: artists and texts read back from the figures."""

from __future__ import annotations

import math

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import QuadMesh
from matplotlib.patches import Polygon, Rectangle

from markersurv.plots.checks import PlotDataError
from markersurv.plots.forest import plot_forest
from markersurv.plots.heatmap import plot_pancancer_map
from markersurv.plots.labels import Labels
from markersurv.plots.theme import DIVERGING_CMAP

NAN = float("nan")


def cohort_rows() -> pd.DataFrame:
    """Per-cohort Cox estimates as cox.tsv holds them, one not estimable."""
    return pd.DataFrame(
        {
            "label": ["demo_brca_a", "demo_brca_b", "demo_crc_a", "demo_npc_a", "tiny_site"],
            "n": [311, 288, 216, 304, 12],
            "events": [150, 144, 138, 206, 2],
            "hr": [1.2104, 1.4611, 0.9512, 0.6234, NAN],
            "hr_lower": [1.0312, 1.2289, 0.8011, 0.5402, NAN],
            "hr_upper": [1.4108, 1.7397, 1.1298, 0.7194, NAN],
            "p": [0.0171, 0.00002, 0.5712, 0.0031, NAN],
            "q": [0.0342, 0.0001, 0.6123, 0.0093, NAN],
            "weight": [42.0, 38.5, 30.1, 55.2, NAN],
        }
    )


def pooled_rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "label": ["Pooled (REML)", "Pooled (DL)"],
            "hr": [1.0512, 1.0498],
            "hr_lower": [0.7721, 0.7802],
            "hr_upper": [1.4312, 1.4125],
            "pi_lower": [0.4104, NAN],
            "pi_upper": [2.6925, NAN],
            "p": [0.7512, 0.7488],
            "i2": [91.2, 90.7],
            "tau2": [0.0912, 0.0845],
            "q_p": [0.00001, 0.00001],
        }
    )


def by_gid(fig, gid):
    return [a for ax in fig.axes for a in ax.get_children() if a.get_gid() == gid]


def row_texts(ax, y) -> list[str]:
    return [t.get_text() for t in ax.texts if abs(t.get_position()[1] - y) < 1e-9]


def test_forest_draws_one_square_per_estimate_and_a_diamond_per_pooled_row():
    rows = cohort_rows()
    fig = plot_forest(rows, pooled_rows(), title="BRCA: IL-6 per SD, OS")
    squares = by_gid(fig, "estimate")
    assert len(squares) == 4  # the not-estimable row draws nothing
    assert sorted(float(s.get_ydata()[0]) for s in squares) == [0.0, 1.0, 2.0, 3.0]
    np.testing.assert_allclose(
        sorted(float(s.get_xdata()[0]) for s in squares), sorted(rows["hr"].dropna())
    )
    # Square area follows the weight: the heaviest row has the largest square.
    sizes = {float(s.get_ydata()[0]): s.get_markersize() for s in squares}
    assert max(sizes, key=sizes.get) == 3.0 and min(sizes, key=sizes.get) == 2.0
    assert len(by_gid(fig, "ci")) == 4
    diamonds = by_gid(fig, "pooled")
    assert len(diamonds) == 2 and all(isinstance(d, Polygon) for d in diamonds)
    xs = diamonds[0].get_xy()[:, 0]
    assert xs.min() == pytest.approx(0.7721) and xs.max() == pytest.approx(1.4312)
    intervals = by_gid(fig, "prediction_interval")
    assert len(intervals) == 1  # the DL row has no prediction interval
    np.testing.assert_allclose(intervals[0].get_xdata(), [0.4104, 2.6925])
    ax = next(a for a in fig.axes if a.get_label() == "forest")
    assert ax.get_xscale() == "log"
    assert any(list(line.get_xdata()) == [1, 1] for line in ax.get_lines()), (
        "reference line at HR = 1"
    )


def test_forest_text_columns_match_the_input_values():
    fig = plot_forest(cohort_rows(), pooled_rows(), title="t")
    axes = {a.get_label(): a for a in fig.axes}
    left, right = axes["forest_left"], axes["forest_right"]
    assert row_texts(left, 0) == ["demo_brca_a", "311", "150"]
    assert row_texts(right, 0) == ["1.21 (1.03\u20131.41)", "0.017", "0.034", "25.3%"]
    assert row_texts(right, 1) == ["1.46 (1.23\u20131.74)", "<0.001", "<0.001", "23.2%"]
    assert row_texts(right, 3) == ["0.62 (0.54\u20130.72)", "0.0031", "0.0093", "33.3%"]
    assert row_texts(right, 4) == ["not estimable", "NA", "NA"]
    assert row_texts(left, -1.1) == ["Cohort", "n", "Events"]
    assert row_texts(right, -1.1) == ["HR (95% CI)", "p", "q", "Weight"]
    pooled_y = 4 + 1.4
    assert row_texts(left, pooled_y)[0] == "Pooled (REML)"
    assert row_texts(right, pooled_y) == ["1.05 (0.77\u20131.43)", "0.75"]
    assert row_texts(right, pooled_y + 1) == ["(0.41\u20132.69)"]
    notes = [t.get_text() for t in fig.texts]
    assert "Pooled (REML): I\u00b2 = 91%, \u03c4\u00b2 = 0.091, heterogeneity p < 0.001" in notes


def test_forest_with_31_rows_grows_and_keeps_rows_apart():
    rng = np.random.default_rng(3)
    k = 31
    hr = np.exp(rng.normal(0, 0.3, k))
    spread = np.exp(rng.uniform(0.1, 1.2, k))
    rows = pd.DataFrame(
        {
            "label": [f"Cancer type {i:02d}" for i in range(k)],
            "n": rng.integers(30, 1100, k),
            "events": rng.integers(5, 300, k),
            "hr": hr,
            "hr_lower": hr / spread,
            "hr_upper": hr * spread,
            "p": rng.uniform(0, 1, k),
        }
    )
    small = plot_forest(rows.head(5), None, title="t")
    fig = plot_forest(rows, pooled_rows().head(1), title="Pan-cancer: pSTAT3 per SD, OS")
    assert fig.get_figheight() > small.get_figheight() + 0.2 * 26
    assert len(by_gid(fig, "estimate")) == k
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    cells = [t for t in by_gid(fig, "cell")]
    boxes = [t.get_window_extent(renderer) for t in cells]
    assert all(
        b.x0 >= 0 and b.y0 >= 0 and b.x1 <= fig.bbox.x1 and b.y1 <= fig.bbox.y1 for b in boxes
    )
    # No two printed cells overlap (rows apart, columns apart).
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)
    # Intervals beyond the axis end in an arrow, not off-axes lines.
    ax = next(a for a in fig.axes if a.get_label() == "forest")
    lo, hi = ax.get_xlim()
    for line in by_gid(fig, "ci"):
        assert min(line.get_xdata()) >= lo - 1e-12 and max(line.get_xdata()) <= hi + 1e-12


def pancancer_frame() -> pd.DataFrame:
    """Four cancer types x two markers x two endpoints, with every kind of cell."""
    records = []
    q_values = {"BRCA": 0.004, "CRC": 0.03, "HNSC": 0.2, "NPC": 0.0499}
    for ct, q in q_values.items():
        for marker, sign in (("il6", 1.0), ("pstat3", -1.0)):
            for endpoint, scale in (("os", 1.0), ("pfs", 0.5)):
                records.append(
                    {
                        "cancer_type": ct,
                        "marker": marker,
                        "endpoint": endpoint,
                        "log_hr": sign * scale * 0.4,
                        "q": q,
                    }
                )
    frame = pd.DataFrame(records)
    frame.loc[(frame.cancer_type == "HNSC") & (frame.marker == "pstat3"), "log_hr"] = NAN
    frame.loc[
        (frame.cancer_type == "CRC") & (frame.marker == "il6") & (frame.endpoint == "pfs"),
        ["log_hr", "q"],
    ] = [0.0, 0.9]
    drop = (frame.cancer_type == "NPC") & (frame.marker == "pstat3") & (frame.endpoint == "pfs")
    return frame[~drop].reset_index(drop=True)


def test_pancancer_map_marks_follow_the_q_thresholds():
    fig = plot_pancancer_map(pancancer_frame(), labels=Labels({"il6": "IL-6", "pstat3": "pSTAT3"}))
    ax = next(a for a in fig.axes if a.get_label() == "map")
    rows = [t.get_text() for t in ax.get_yticklabels()]
    cols = [t.get_text().replace("\n", " ") for t in ax.get_xticklabels()]
    assert rows == ["BRCA", "CRC", "HNSC", "NPC"]
    assert cols == ["IL-6 OS", "IL-6 PFS", "pSTAT3 OS", "pSTAT3 PFS"]
    marks = {
        (rows[int(t.get_position()[1])], cols[int(t.get_position()[0])]): t.get_text()
        for t in ax.texts
        if t.get_gid() == "mark"
    }
    expected = {}
    for col in cols:
        expected[("BRCA", col)] = "**"  # q = 0.004 < 0.01
        expected[("NPC", col)] = "*"  # q = 0.0499 < 0.05
        if col != "IL-6 PFS":
            expected[("CRC", col)] = "*"  # q = 0.03; its IL-6 PFS cell has q = 0.9
    del expected[("NPC", "pSTAT3 PFS")]  # not analysed
    assert marks == expected  # HNSC: q = 0.2, no marks; its pSTAT3 cells are not estimable
    hatched = [p for p in ax.patches if p.get_gid() == "not_estimable"]
    assert sorted((int(p.get_y()), int(p.get_x())) for p in hatched) == [(2, 2), (2, 3)]
    assert all(isinstance(p, Rectangle) and p.get_hatch() for p in hatched)
    dashes = [
        (int(t.get_position()[1]), int(t.get_position()[0]))
        for t in ax.texts
        if t.get_gid() == "not_analysed"
    ]
    assert dashes == [(3, 3)]


def test_pancancer_map_colour_scale_is_centred_at_hr_one():
    fig = plot_pancancer_map(pancancer_frame())
    ax = next(a for a in fig.axes if a.get_label() == "map")
    mesh = next(c for c in ax.collections if isinstance(c, QuadMesh))
    assert mesh.norm.vmin == -mesh.norm.vmax
    assert mesh.norm(0.0) == pytest.approx(0.5)
    # The cell with log HR 0 (CRC, IL-6 PFS) has the palette's middle colour.
    fig.canvas.draw()
    colours = mesh.get_facecolors().reshape(4, 4, 4)
    middle = mpl.colormaps[DIVERGING_CMAP](0.5)
    np.testing.assert_allclose(colours[1, 1], middle)
    # Equal and opposite log HRs get colours equally far from the middle.
    assert mesh.norm(0.4) - 0.5 == pytest.approx(0.5 - mesh.norm(-0.4))
    bar_labels = [t.get_text() for t in fig.axes[-1].get_yticklabels()]
    assert "1" in bar_labels


def test_pancancer_map_limit_is_symmetric_even_for_one_sided_data():
    frame = pancancer_frame().assign(log_hr=lambda f: f["log_hr"].abs())
    mesh = next(c for c in plot_pancancer_map(frame).axes[0].collections if isinstance(c, QuadMesh))
    assert mesh.norm.vmin == -mesh.norm.vmax == pytest.approx(-max(0.4, math.log(1.5)))


def test_pancancer_map_refuses_two_rows_for_one_cell():
    frame = pd.concat([pancancer_frame(), pancancer_frame().head(1)])
    with pytest.raises(PlotDataError, match="more than once"):
        plot_pancancer_map(frame)


def test_pancancer_map_prints_each_hr_and_names_one_quantity_in_title_and_colour_bar():
    frame = pancancer_frame()
    frame["ph_flag"] = (frame["cancer_type"] == "BRCA") & (frame["marker"] == "pstat3")
    fig = plot_pancancer_map(
        frame,
        quantity="Hazard ratio per 1 SD",
        model="Continuous marker; Cox model stratified by cohort",
        ph_note="proportional hazards questionable (cox.zph p < 0.05)",
    )
    ax = next(a for a in fig.axes if a.get_label() == "map")
    rows = [t.get_text() for t in ax.get_yticklabels()]
    cols = [t.get_text().replace("\n", " ") for t in ax.get_xticklabels()]
    printed = {
        (rows[int(t.get_position()[1])], cols[int(t.get_position()[0])]): t.get_text()
        for t in ax.texts
        if t.get_gid() == "hr"
    }
    estimable = frame.dropna(subset=["log_hr"])
    assert printed == {
        (r.cancer_type, f"{r.marker} {r.endpoint.upper()}"): f"{math.exp(r.log_hr):.2f}"
        for r in estimable.itertuples()
    }
    flags = sorted(
        (rows[int(t.get_position()[1])], cols[int(t.get_position()[0])])
        for t in ax.texts
        if t.get_gid() == "ph_flag"
    )
    assert flags == [("BRCA", "pstat3 OS"), ("BRCA", "pstat3 PFS")]
    assert fig._suptitle.get_text().startswith("Hazard ratio per 1 SD ")
    titles = [ax.get_title(loc=side) for side in ("left", "center", "right")]
    assert "Continuous marker; Cox model stratified by cohort" in titles
    assert fig.axes[-1].get_ylabel() == "Hazard ratio per 1 SD (log scale)"
    assert "\u2020 proportional hazards questionable (cox.zph p < 0.05)" in (
        fig._supxlabel.get_text()
    )
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for text in (fig._suptitle, fig._supxlabel, *ax.texts):
        box = text.get_window_extent(renderer)
        assert box.x0 >= 0 and box.x1 <= fig.bbox.x1, f"{text.get_text()!r} clipped"


def test_pancancer_map_without_flags_has_no_dagger_in_its_key():
    fig = plot_pancancer_map(pancancer_frame())
    assert "\u2020" not in fig._supxlabel.get_text()
    assert not [t for t in fig.axes[0].texts if t.get_gid() == "ph_flag"]


def test_forest_pooled_p_below_one_in_a_thousand_never_reads_p_equals():
    pooled = pooled_rows().assign(p=[0.0004, 0.0004])
    fig = plot_forest(cohort_rows(), pooled, title="t")
    texts = [t.get_text() for ax in fig.axes for t in ax.texts] + [t.get_text() for t in fig.texts]
    assert not [t for t in texts if "= <" in t]
    right = next(a for a in fig.axes if a.get_label() == "forest_right")
    assert row_texts(right, 4 + 1.4) == ["1.05 (0.77\u20131.43)", "<0.001"]
