"""Kaplan-Meier figure: numbers at risk read back from the figure, aligned to the x ticks."""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest

from markersurv.plots.checks import PlotDataError
from markersurv.plots.km import plot_km
from markersurv.plots.labels import AS_GIVEN
from markersurv.plots.theme import group_colour
from markersurv.stats.km import kaplan_meier

GROUPS = {
    2: ("low", "high"),
    3: ("T1", "T2", "T3"),
    4: ("il6_low&pstat3_low", "il6_low&pstat3_high", "il6_high&pstat3_low", "il6_high&pstat3_high"),
}
RANGES = {"0-60": np.arange(0.0, 61.0, 12.0), "0-250": np.arange(0.0, 251.0, 25.0)}


def km_inputs(labels, times, *, seed=7, n=120):
    """Curves and risk table of simulated groups with follow-up beyond the last risk time."""
    rng = np.random.default_rng(seed)
    horizon = float(times[-1])
    curves, risk = {}, []
    for i, label in enumerate(labels):
        event_time = rng.exponential(horizon * (0.4 + 0.3 * i), n)
        censor_time = rng.uniform(0.0, horizon * 1.3, n)
        time = np.round(np.minimum(event_time, censor_time), 2)
        km = kaplan_meier(time, (event_time <= censor_time).astype(int))
        curves[label] = km.table()
        risk.append(km.at_risk(times).assign(group=label))
    return curves, pd.concat(risk, ignore_index=True)


def axes_by_label(fig):
    return {ax.get_label(): ax for ax in fig.axes}


def printed_table(rax):
    """{(row, x): text} of the numbers printed in a risk-table axes."""
    return {
        (int(round(t.get_position()[1])), float(t.get_position()[0])): t.get_text()
        for t in rax.texts
    }


@pytest.mark.parametrize("n_groups", [2, 3, 4])
@pytest.mark.parametrize("time_range", ["0-60", "0-250"])
def test_numbers_at_risk_equal_the_table_and_sit_on_the_ticks(n_groups, time_range):
    labels, times = GROUPS[n_groups], RANGES[time_range]
    curves, risk = km_inputs(labels, times)
    fig = plot_km(
        curves,
        risk,
        title="BRCA: IL-6, OS (n = 480)",
        hr_text="HR 1.48 (1.17\u20131.86)",
        logrank_p=0.0123,
        risk_rows=("n_risk", "cum_events"),
    )
    axes = axes_by_label(fig)
    ax = axes["survival"]
    ticks = ax.get_xticks()
    np.testing.assert_array_equal(ticks, times)
    fig.canvas.draw()
    for row in ("n_risk", "cum_events"):
        rax = axes[f"risk_table:{row}"]
        assert [t.get_text() for t in rax.get_yticklabels()] == [AS_GIVEN.group(g) for g in labels]
        expected = {
            (labels.index(r.group), float(r.time)): str(int(getattr(r, row)))
            for r in risk.itertuples()
        }
        assert printed_table(rax) == expected
        for text in rax.texts:
            x = text.get_position()[0]
            assert x in set(ticks)
            # Same x on screen as the tick of the survival axes, not just in data units.
            shown = rax.transData.transform((x, 0))[0]
            tick = ax.transData.transform((x, 0))[0]
            assert shown == pytest.approx(tick, abs=0.01)
        # The table sits below the survival axes, inside the figure.
        assert rax.get_window_extent().y1 < ax.get_window_extent().y0
        renderer = fig.canvas.get_renderer()
        boxes = [t.get_window_extent(renderer) for t in rax.texts]
        assert all(b.x0 >= 0 and b.x1 <= fig.bbox.x1 for b in boxes)
        # Neighbouring numbers in a row never touch.
        for j in range(len(labels)):
            row_boxes = sorted(
                (
                    b
                    for b, t in zip(boxes, rax.texts, strict=True)
                    if round(t.get_position()[1]) == j
                ),
                key=lambda b: b.x0,
            )
            assert all(a.x1 < b.x0 for a, b in zip(row_boxes, row_boxes[1:], strict=False))


def test_group_labels_and_curves_share_their_colour():
    labels = GROUPS[4]
    curves, risk = km_inputs(labels, RANGES["0-60"])
    fig = plot_km(curves, risk, title="t")
    axes = axes_by_label(fig)
    steps = [
        line
        for line in axes["survival"].get_lines()
        if line.get_label() in {AS_GIVEN.group(g) for g in labels}
    ]
    assert [line.get_label() for line in steps] == [AS_GIVEN.group(g) for g in labels]
    for label, line, tick in zip(
        labels, steps, axes["risk_table:n_risk"].get_yticklabels(), strict=True
    ):
        assert mpl.colors.same_color(line.get_color(), group_colour(label))
        assert mpl.colors.same_color(tick.get_color(), group_colour(label))
    # The four joint groups get four different colours.
    assert len({group_colour(g) for g in labels}) == 4


def test_hazard_ratio_and_log_rank_p_are_printed_in_the_panel():
    curves, risk = km_inputs(GROUPS[2], RANGES["0-60"])
    fig = plot_km(curves, risk, title="t", hr_text="HR 1.48 (1.17\u20131.86)", logrank_p=0.00042)
    legend = axes_by_label(fig)["survival"].get_legend()
    assert legend.get_title().get_text() == "HR 1.48 (1.17\u20131.86)\nLog-rank p < 0.001"
    fig = plot_km(curves, risk, title="t", logrank_p=0.0123)
    legend = axes_by_label(fig)["survival"].get_legend()
    assert legend.get_title().get_text() == "Log-rank p = 0.012"


def test_censor_marks_and_confidence_bands():
    curves, risk = km_inputs(GROUPS[3], RANGES["0-60"])
    fig = plot_km(curves, risk, title="t", show_ci=True, show_censors=True)
    ax = axes_by_label(fig)["survival"]
    marks = [line for line in ax.get_lines() if line.get_marker() == "|"]
    assert len(marks) == 3
    for label, line in zip(GROUPS[3], marks, strict=True):
        table = curves[label]
        censored = table[table["n_censor"] > 0]
        np.testing.assert_array_equal(line.get_xdata(), censored["time"].to_numpy())
        np.testing.assert_array_equal(line.get_ydata(), censored["surv"].to_numpy())
    assert len(ax.collections) == 3
    fig = plot_km(curves, risk, title="t", show_ci=False, show_censors=False)
    ax = axes_by_label(fig)["survival"]
    assert not ax.collections
    assert not [line for line in ax.get_lines() if line.get_marker() == "|"]


def test_curves_start_at_one_and_follow_the_steps():
    curves, risk = km_inputs(GROUPS[2], RANGES["0-60"])
    ax = axes_by_label(plot_km(curves, risk, title="t"))["survival"]
    line = next(line for line in ax.get_lines() if line.get_label() == "low")
    assert line.get_xdata()[0] == 0.0 and line.get_ydata()[0] == 1.0
    np.testing.assert_array_equal(line.get_ydata()[1:], curves["low"]["surv"].to_numpy())
    assert line.get_drawstyle() == "steps-post"


def test_median_lines_drop_where_the_curve_reaches_one_half():
    time = np.array([2.0, 4.0, 6.0, 8.0])
    km = kaplan_meier(time, [1, 1, 1, 1])  # survival 0.75, 0.5 (flat until 6), 0.25, 0
    risk = km.at_risk([0.0, 4.0, 8.0]).assign(group="low")
    ax = axes_by_label(plot_km({"low": km.table()}, risk, title="t", show_median=True))["survival"]
    drops = [
        line
        for line in ax.get_lines()
        if line.get_linestyle() == "--"
        and len(line.get_xdata()) == 2
        and line.get_xdata()[0] == line.get_xdata()[1]
    ]
    # Exactly 0.5 from 4 to 6: R's rule takes the midpoint.
    assert [line.get_xdata()[0] for line in drops] == [5.0]


def test_small_counts_are_suppressed():
    curves, risk = km_inputs(GROUPS[2], RANGES["0-250"], n=40)
    fig = plot_km(curves, risk, title="t", suppress_below=10)
    texts = [t.get_text() for t in axes_by_label(fig)["risk_table:n_risk"].texts]
    assert "<10" in texts
    assert all(t == "<10" or int(t) >= 10 for t in texts)


def test_many_risk_times_are_thinned_with_the_ticks():
    times = np.arange(0.0, 241.0, 12.0)  # 21 times
    curves, risk = km_inputs(GROUPS[2], times)
    fig = plot_km(curves, risk, title="t", max_risk_columns=13)
    axes = axes_by_label(fig)
    shown = times[::2]
    np.testing.assert_array_equal(axes["survival"].get_xticks(), shown)
    kept = risk[risk["time"].isin(shown)]
    expected = {
        (GROUPS[2].index(r.group), float(r.time)): str(int(r.n_risk)) for r in kept.itertuples()
    }
    assert printed_table(axes["risk_table:n_risk"]) == expected


def test_a_missing_risk_row_is_an_error_naming_it():
    curves, risk = km_inputs(GROUPS[2], RANGES["0-60"])
    broken = risk[~((risk["group"] == "high") & (risk["time"] == 24.0))]
    with pytest.raises(PlotDataError, match=r"'high', 24\.0"):
        plot_km(curves, broken, title="t")


def test_plotting_leaves_the_callers_rcparams_alone():
    before = dict(mpl.rcParams)
    curves, risk = km_inputs(GROUPS[2], RANGES["0-60"])
    plot_km(curves, risk, title="t")
    assert dict(mpl.rcParams) == before


def test_time_axis_reaches_the_last_curve_time_and_no_further():
    """Follow-up beyond the last risk time: no curve is cut, and the axis ends with the data
    even when the risk table lists times nobody reaches."""
    curves, risk = km_inputs(GROUPS[2], RANGES["0-60"])
    last = max(float(c["time"].max()) for c in curves.values())
    assert last > 60  # the curves run past the last risk time
    beyond = risk[risk["time"] == 60].assign(time=last + 48.0, n_risk=0)
    fig = plot_km(curves, pd.concat([risk, beyond]), title="t")
    ax = axes_by_label(fig)["survival"]
    lo, hi = ax.get_xlim()
    assert hi >= last
    assert hi - last <= 0.05 * last, "axis runs on past the data"
    assert max(ax.get_xticks()) <= last
    assert lo < 0 <= min(ax.get_xticks())


def test_legend_gives_each_group_its_events_and_median_and_the_tests_and_split():
    curves, risk = km_inputs(GROUPS[3], RANGES["0-60"])
    notes = {"T1": "12 events, median 40.2 months", "T2": "20 events, median not reached"}
    fig = plot_km(
        curves,
        risk,
        title="t",
        logrank_p=0.02,
        trend_p=0.00031,
        split_text="Split at within-cohort tertiles",
        group_notes=notes,
    )
    legend = axes_by_label(fig)["survival"].get_legend()
    assert legend.get_title().get_text() == (
        "Log-rank p = 0.020\nTrend p < 0.001\nSplit at within-cohort tertiles"
    )
    assert [t.get_text() for t in legend.get_texts()] == [
        "T1: 12 events, median 40.2 months",
        "T2: 20 events, median not reached",
        "T3",
    ]


def test_each_curve_has_its_own_dash_pattern_and_the_legend_sits_clear_of_the_curves():
    curves, risk = km_inputs(GROUPS[4], RANGES["0-60"])
    fig = plot_km(curves, risk, title="BRCA: IL-6 x pSTAT3, OS (n = 480)", logrank_p=0.3)
    ax = axes_by_label(fig)["survival"]
    names = {AS_GIVEN.group(g) for g in GROUPS[4]}
    steps = [line for line in ax.get_lines() if line.get_label() in names]
    dashes = [(line.get_linestyle(), str(line._dash_pattern)) for line in steps]
    assert len(set(dashes)) == 4, "two curves share a dash pattern"
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legend_box = ax.get_legend().get_window_extent(renderer)
    assert legend_box.y0 >= ax.get_window_extent(renderer).y1 - 1, "legend over the curves"
    title_box = fig._suptitle.get_window_extent(renderer)
    assert legend_box.y1 <= title_box.y0 + 1, "legend over the title"
    assert legend_box.x1 <= fig.bbox.x1 and title_box.x1 <= fig.bbox.x1
