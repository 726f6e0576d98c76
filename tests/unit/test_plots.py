"""Plot theme, labels, the single-panel figures and byte-reproducible saving."""

from __future__ import annotations

import math

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection

from markersurv.config.study import Study
from markersurv.figures.captions import study_labels
from markersurv.plots.association import plot_association
from markersurv.plots.cutpoint import plot_cutpoint_scan
from markersurv.plots.km import plot_km
from markersurv.plots.labels import (
    AS_GIVEN,
    Labels,
    format_count,
    format_p,
    format_ratio_ci,
    p_equals,
)
from markersurv.plots.ph import plot_schoenfeld
from markersurv.plots.save import save_figure
from markersurv.plots.spline import plot_spline
from markersurv.plots.theme import OKABE_ITO, category_colours, group_colour, group_colours
from markersurv.stats.km import kaplan_meier
from markersurv.stats.smooth import residual_smooth


def test_each_group_has_one_colour_everywhere():
    assert group_colour("low") == group_colour("Q1") == group_colour("T1") == OKABE_ITO["blue"]
    assert group_colour("high") == group_colour("Q4") == group_colour("T3")
    assert group_colour("il6_high&pstat3_high") == group_colour("high")
    quartiles = [group_colour(q) for q in ("Q1", "Q2", "Q3", "Q4")]
    assert len(set(quartiles)) == 4
    # Unknown labels get unused colours, known ones keep theirs.
    mixed = group_colours(["high", "responders", "low"])
    assert mixed["high"] == group_colour("high") and mixed["low"] == group_colour("low")
    assert mixed["responders"] not in {group_colour("high"), group_colour("low")}
    with pytest.raises(KeyError, match="no fixed colour"):
        group_colour("responders")


def test_cohort_colours_do_not_depend_on_the_order_given():
    a = category_colours(["site_c", "site_a", "site_b"])
    b = category_colours(["site_b", "site_c", "site_a", "site_a"])
    assert a == b and len(set(a.values())) == 3
    many = category_colours([f"site_{i:02d}" for i in range(12)])
    assert len(set(many.values())) == 12


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.0004, "<0.001"), (0.0123, "0.012"), (0.046, "0.046"), (0.5, "0.50"), (float("nan"), "NA")],
)
def test_p_values_print_with_two_significant_digits(value, text):
    assert format_p(value) == text


def test_labels_and_titles():
    assert format_ratio_ci(1.4793, 1.174, 1.8639) == "1.48 (1.17\u20131.86)"
    assert format_ratio_ci(float("nan"), 1.0, 2.0) == "not estimable"
    assert [format_count(v, 10) for v in (0, 9, 10, 254)] == ["<10", "<10", "10", "254"]
    assert format_count(7) == "7"
    assert p_equals(0.0004, "Log-rank p") == "Log-rank p < 0.001"
    labels = Labels({"il6": "IL-6", "pstat3": "pSTAT3"}, {"os": "Overall survival"})
    assert labels.group("il6_low&pstat3_high") == "IL-6 low, pSTAT3 high"
    assert (
        labels.figure_title("BRCA", "il6", "os", 599, detail="median split")
        == "BRCA: IL-6, OS, median split (n = 599)"
    )
    assert labels.marker("il6&pstat3") == "IL-6 x pSTAT3"
    assert labels.endpoint("os", short=False) == "Overall survival"


def test_undeclared_markers_are_printed_as_given():
    # Nothing is assumed from a marker's id: without a declared label the id is printed.
    assert AS_GIVEN.marker("il6") == "il6"
    assert AS_GIVEN.group("il6_low&crp_high") == "il6 low, crp high"
    assert AS_GIVEN.figure_title("LIHC", "crp", "dss") == "LIHC: crp, DSS"


def scan_frame() -> pd.DataFrame:
    cut = np.round(np.linspace(1.7, 15.6, 80), 2)
    return pd.DataFrame({"cutpoint": cut, "statistic": 4.2 - 0.05 * (cut - 9.26) ** 2})


def test_cutpoint_scan_draws_the_statistic_and_marks_the_choice():
    scan = scan_frame()
    ax = plot_cutpoint_scan(
        scan.sample(frac=1.0, random_state=1),
        9.2587,
        "maxstat p = 0.0011 (Lausen-Schumacher)",
        title="BRCA, site_b: IL-6, OS (n = 288)",
    )
    curve = ax.get_lines()[0]
    np.testing.assert_array_equal(curve.get_xdata(), scan["cutpoint"])
    np.testing.assert_array_equal(curve.get_ydata(), scan["statistic"])
    assert any(list(line.get_xdata()) == [9.2587, 9.2587] for line in ax.get_lines())
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["Chosen cutpoint: 9.259\nmaxstat p = 0.0011 (Lausen-Schumacher)"]
    # The note sits on the side away from a cutpoint in the right half.
    assert ax.texts[0].get_position()[0] < 0.5


def spline_frame() -> pd.DataFrame:
    x = np.linspace(-1.7, 1.8, 50)
    log_hr = -0.6 * x + 0.1 * x**2
    se = 0.12 + 0.1 * np.abs(x)
    return pd.DataFrame(
        {
            "x": x,
            "hr": np.exp(log_hr),
            "hr_lower": np.exp(log_hr - 1.96 * se),
            "hr_upper": np.exp(log_hr + 1.96 * se),
        }
    )


def test_spline_plot_has_log_axis_band_reference_and_rug():
    curve = spline_frame()
    rug = np.random.default_rng(5).normal(0, 1, 300)
    ax = plot_spline(curve, rug, title="NPC: pSTAT3, OS (n = 308)", reference=-0.1)
    assert ax.get_yscale() == "log"
    assert any(list(line.get_ydata()) == [1.0, 1.0] for line in ax.get_lines())
    band = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(band) == 1
    hr_line = next(line for line in ax.get_lines() if line.get_label() == "Hazard ratio")
    np.testing.assert_array_equal(hr_line.get_ydata(), curve["hr"])
    rug_line = next(line for line in ax.get_lines() if line.get_gid() == "rug")
    np.testing.assert_array_equal(rug_line.get_xdata(), rug)
    low, high = ax.get_ylim()
    assert low < curve["hr_lower"].min() and high > curve["hr_upper"].max()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "1" in labels and all("10^" not in t for t in labels)


def test_schoenfeld_plot_shows_residuals_smooth_and_test_p():
    rng = np.random.default_rng(9)
    x = np.sort(rng.uniform(0, 0.7, 150))
    y = 0.3 + rng.normal(0, 0.8, 150)
    y[3] = np.nan
    residuals = pd.DataFrame({"x": x, "residual": y})
    ax = plot_schoenfeld(
        residuals,
        residual_smooth(x, y),
        term="IL-6 (per SD)",
        p=0.1356,
        transform_label="1 - Kaplan-Meier",
        title="BRCA: IL-6, OS (n = 599)",
        coef=0.3,
    )
    points = ax.get_lines()[0]
    assert len(points.get_xdata()) == 149
    assert [t.get_text() for t in ax.texts] == ["PH test p = 0.14"]
    assert any(list(line.get_ydata()) == [0.3, 0.3] for line in ax.get_lines())
    smooth = next(line for line in ax.get_lines() if line.get_label().startswith("Spline"))
    assert len(smooth.get_xdata()) == 100
    assert ax.get_ylabel() == "Beta(t) for IL-6 (per SD)"


def association_inputs():
    rng = np.random.default_rng(4)
    frames, stats = [], []
    for ct, rho in (("BRCA", 0.06), ("CRC", 0.17), ("HNSC", -0.1), ("NPC", 0.0), ("NSCLC", 0.02)):
        n = 80
        il6 = rng.normal(size=n)
        pstat3 = rho * il6 + math.sqrt(1 - rho**2) * rng.normal(size=n)
        frames.append(
            pd.DataFrame(
                {"cohort": f"{ct.lower()}_a", "cancer_type": ct, "il6_z": il6, "pstat3_z": pstat3}
            )
        )
        stats.append(
            {"cancer_type": ct, "rho": rho, "lower": rho - 0.21, "upper": rho + 0.21, "n": n}
        )
    return pd.concat(frames, ignore_index=True), pd.DataFrame(stats)


def test_association_panels_carry_the_correlation():
    frame, stats = association_inputs()
    fig = plot_association(
        frame,
        stats,
        title="IL-6 and pSTAT3",
        x="il6_z",
        y="pstat3_z",
        xlabel="IL-6 (z score)",
        ylabel="pSTAT3 (z score)",
    )
    panels = {ax.get_label(): ax for ax in fig.axes if ax.get_label().startswith("association:")}
    assert sorted(panels) == [f"association:{ct}" for ct in stats["cancer_type"]]
    assert (
        panels["association:CRC"].get_title(loc="left")
        == "CRC (n = 80)\n\u03c1 = 0.17 (\u22120.04 to 0.38)"
    )
    assert panels["association:HNSC"].get_title(loc="left") == (
        "HNSC (n = 80)\n\u03c1 = \u22120.10 (\u22120.31 to 0.11)"
    )
    for ct, ax in panels.items():
        offsets = ax.collections[0].get_offsets()
        part = frame[frame["cancer_type"] == ct.split(":")[1]]
        np.testing.assert_array_equal(offsets[:, 0], part["il6_z"])
    # Shared, symmetric axes.
    limits = {ax.get_xlim() for ax in panels.values()} | {ax.get_ylim() for ax in panels.values()}
    assert len(limits) == 1
    low, high = limits.pop()
    assert low == pytest.approx(-high)


def small_km_figure():
    rng = np.random.default_rng(21)
    curves, risk = {}, []
    for i, label in enumerate(("low", "high")):
        t = np.round(rng.exponential(40 + 20 * i, 60), 1)
        e = rng.integers(0, 2, 60)
        km = kaplan_meier(t, e)
        curves[label] = km.table()
        risk.append(km.at_risk([0, 12, 24, 36, 48, 60]).assign(group=label))
    return plot_km(
        curves,
        pd.concat(risk),
        title="BRCA: IL-6, OS (n = 120)",
        hr_text="HR 1.21 (0.80\u20131.83)",
        logrank_p=0.37,
        show_ci=True,
    )


def test_saved_figures_are_byte_identical(tmp_path):
    first = save_figure(small_km_figure(), tmp_path / "one" / "km", dpi=100)
    # A different svg.hashsalt in the caller's settings must not leak into the files.
    with mpl.rc_context({"svg.hashsalt": None}):
        second = save_figure(small_km_figure(), tmp_path / "two" / "km", dpi=100)
    assert [p.name for p in first] == ["km.png", "km.svg", "km.pdf"]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    svg = first[1].read_text()
    assert "<dc:date>" not in svg and "Matplotlib" not in svg
    pdf = first[2].read_bytes()
    assert b"CreationDate" not in pdf and b"Producer" not in pdf
    assert b"Software" not in first[0].read_bytes()[:400]
    # Written atomically: nothing but the three figures in the folder.
    assert sorted(p.name for p in (tmp_path / "one").iterdir()) == ["km.pdf", "km.png", "km.svg"]


def test_save_refuses_unknown_formats(tmp_path):
    with pytest.raises(ValueError, match="'tiff'"):
        save_figure(small_km_figure(), tmp_path / "km", formats=("png", "tiff"))
    assert not list(tmp_path.iterdir())


def test_apply_theme_sets_the_package_look_globally():
    from markersurv.plots.theme import apply_theme, theme_rc

    with mpl.rc_context():
        apply_theme()
        assert mpl.rcParams["font.sans-serif"] == ["DejaVu Sans"]
        assert mpl.rcParams["axes.spines.top"] is False
        assert mpl.rcParams["font.size"] == theme_rc()["font.size"]


def test_schoenfeld_ticks_are_round_times_placed_on_the_transformed_axis():
    rng = np.random.default_rng(11)
    time = np.sort(rng.uniform(1.0, 130.0, 120))
    x = 1 - np.exp(-time / 60)  # monotone in time, as 1 - KM is
    residuals = pd.DataFrame({"x": x, "residual": rng.normal(0, 1, 120), "time": time})
    ax = plot_schoenfeld(
        residuals,
        residual_smooth(x, residuals["residual"].to_numpy()),
        term="IL-6 (log2 pg/mL, per SD)",
        p=0.3,
        transform_label="1 - Kaplan-Meier",
        title="t",
    )
    labels = [t.get_text() for t in ax.get_xticklabels()]
    ticks = np.array([float(v) for v in labels])
    assert len(ticks) >= 3 and np.all(ticks == np.round(ticks))
    assert ticks.min() >= time.min() and ticks.max() <= time.max()
    np.testing.assert_allclose(ax.get_xticks(), np.interp(ticks, time, x))
    assert ax.get_xlabel() == "Months (axis spaced as 1 - Kaplan-Meier)"


def test_spline_plot_says_its_reference_and_nonlinearity_p():
    ax = plot_spline(spline_frame(), np.zeros(0), title="t", nonlinearity_p=0.00042)
    note = next(t for t in ax.texts if t.get_gid() == "spline_note")
    assert note.get_text() == "HR relative to the median\nNonlinearity p < 0.001"


def test_marker_labels_carry_their_scale_where_the_config_declares_a_unit():
    study = Study.from_config(
        {
            "markers": [
                {"id": "il6", "label": "IL-6", "kind": "concentration", "unit": "pg/mL"},
                {"id": "pstat3", "label": "pSTAT3", "kind": "tissue_score", "unit": "H-score"},
                {"id": "crp", "label": "CRP", "kind": "concentration"},
            ],
            "endpoints": [{"id": "os", "label": "Overall survival"}],
        }
    )
    labels = study_labels(study)
    assert labels.per_sd("il6") == "IL-6 (log2 pg/mL, per SD)"
    assert labels.per_sd("pstat3") == "pSTAT3 (H-score, per SD)"
    assert labels.per_sd("crp") == "CRP (per SD)"
    assert labels.standardized("il6") == "IL-6 (log2 pg/mL, SDs from the cohort mean)"


def test_schoenfeld_ticks_never_crowd_where_the_transform_compresses_late_times():
    time = np.linspace(1.0, 60.0, 200)
    x = 1 - np.exp(-time / 8)  # late times squeezed together near 1
    residuals = pd.DataFrame({"x": x, "residual": np.zeros(200), "time": time})
    ax = plot_schoenfeld(
        residuals,
        residual_smooth(x, np.linspace(-1, 1, 200)),
        term="t",
        p=0.3,
        transform_label="1 - Kaplan-Meier",
        title="t",
    )
    positions = np.sort(ax.get_xticks())
    assert np.all(np.diff(positions) >= 0.07 * (x.max() - x.min()) - 1e-12)
