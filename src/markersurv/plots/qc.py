"""Harmonization QC: marker values before and after, detection-limit fractions, scales."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from markersurv.plots.checks import PlotDataError, require_columns, require_rows
from markersurv.plots.labels import AS_GIVEN, Labels, format_count, scale_label
from markersurv.plots.theme import category_colours, new_figure, themed

_GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0
BELOW_LOD_COLOUR = "0.35"


def _jitter(n: int, width: float = 0.7) -> np.ndarray:
    """Evenly spread vertical offsets (golden-ratio sequence): no random numbers involved."""
    return ((np.arange(n) * _GOLDEN) % 1.0 - 0.5) * width


def _use_log(values: np.ndarray, log_scale: bool) -> bool:
    finite = values[np.isfinite(values)]
    return log_scale and finite.size > 0 and bool((finite > 0).all())


def log_ticks(lo: float, hi: float) -> list[float]:
    """1-2-5 ticks per decade for a short log range, decades only for a long one."""
    decades = np.log10(hi / lo)
    subs = (1.0,) if decades > 2.5 else (1.0, 2.0, 5.0) if decades > 0.8 else (1.0, 1.5, 2, 3, 5, 7)
    powers = np.arange(np.floor(np.log10(lo)), np.ceil(np.log10(hi)) + 1)
    ticks = sorted({float(f"{s * 10.0**p:.6g}") for p in powers for s in subs})
    return [t for t in ticks if lo <= t <= hi]


def _log_axis(ax, values: np.ndarray) -> None:
    """Log x axis over the range of ``values`` with plain-number tick labels."""
    finite = values[np.isfinite(values) & (values > 0)]
    lo, hi = float(finite.min()) / 1.25, float(finite.max()) * 1.25
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    ax.xaxis.set_major_locator(FixedLocator(log_ticks(lo, hi)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    ax.xaxis.set_minor_locator(NullLocator())


def _strip(ax, x: np.ndarray, below: np.ndarray, colour: str, log_range) -> None:
    y = _jitter(x.size)
    ax.plot(x[~below], y[~below], ls="none", marker="o", ms=3, mew=0, alpha=0.55, color=colour)
    ax.plot(
        x[below],
        y[below],
        ls="none",
        marker="v",
        ms=3.5,
        mfc="none",
        mew=0.7,
        color=BELOW_LOD_COLOUR,
        gid="below_lod",
    )
    if log_range is not None:
        _log_axis(ax, log_range)
    ax.set_ylim(-0.5, 0.5)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="x", labelsize=7.5)


def plot_marker_distributions(
    values: pd.DataFrame,
    marker: str,
    *,
    source_units: Mapping[str, str] | None = None,
    cohort_order: Sequence[str] | None = None,
    log_scale: bool = False,
    labels: Labels = AS_GIVEN,
) -> Figure:
    """Values of one marker per cohort, as recorded (left) and harmonized (right).

    One row per cohort; every patient is a point (spread vertically without randomness);
    values below the detection limit are open grey triangles: on the left at the recorded
    limit, on the right at the imputed value. Harmonized panels of the same unit or scoring
    system share their x axis, so harmonization can be judged by eye. Concentrations are
    best drawn on a log scale (``log_scale``).

    Parameters
    ----------
    values : pandas.DataFrame
        cohort, cancer_type, marker, scale, source_value, value, below_lod
        (harmonized/qc/marker_values.parquet).
    marker : str
        Id of the marker to draw.
    source_units : mapping of cohort to str, optional
        Unit or scoring system as recorded, for the left panels' labels.
    cohort_order : sequence of str, optional
        All cohorts of the run, so that each keeps its colour across figures.
    log_scale : bool, optional
        Log x axis (where every value is positive); linear otherwise.
    labels : Labels
        Words for the marker (the config's labels).

    Returns
    -------
    matplotlib.figure.Figure
        Axes labelled ``source:<cohort>`` and ``harmonized:<cohort>``.
    """
    require_columns(
        values,
        ["cohort", "cancer_type", "marker", "scale", "source_value", "value", "below_lod"],
        "marker values",
    )
    data = values[values["marker"] == marker]
    if not len(data):
        raise PlotDataError(
            f"no values of marker {marker!r}; found markers {sorted(values['marker'].unique())}"
        )
    cohorts = (
        data[["cancer_type", "cohort"]].drop_duplicates().sort_values(["cancer_type", "cohort"])
    )
    colours = category_colours(cohort_order or values["cohort"].unique())
    units = dict(source_units or {})
    with themed():
        fig = new_figure(7.5, 0.9 + 0.95 * len(cohorts))
        grid = fig.add_gridspec(len(cohorts), 2)
        shared: dict[str, object] = {}
        for i, (cancer_type, cohort) in enumerate(cohorts.itertuples(index=False)):
            rows = data[(data["cohort"] == cohort) & (data["cancer_type"] == cancer_type)]
            below = rows["below_lod"].to_numpy(dtype=bool)
            scale = str(rows["scale"].iloc[0])
            source = rows["source_value"].to_numpy(dtype=float)
            harmonized = rows["value"].to_numpy(dtype=float)
            ax_s = fig.add_subplot(grid[i, 0], label=f"source:{cohort}")
            _strip(
                ax_s,
                source,
                below,
                colours[cohort],
                source if _use_log(source, log_scale) else None,
            )
            ax_h = fig.add_subplot(
                grid[i, 1], label=f"harmonized:{cohort}", sharex=shared.get(scale)
            )
            shared.setdefault(scale, ax_h)
            same_scale = data.loc[data["scale"].astype(str) == scale, "value"].to_numpy(float)
            _strip(
                ax_h,
                harmonized,
                below,
                colours[cohort],
                same_scale if _use_log(same_scale, log_scale) else None,
            )
            ax_s.set_ylabel(
                f"{cohort}\n{cancer_type}, n = {len(rows)}\n{format_count(below.sum())} below LOD",
                rotation=0,
                ha="right",
                va="center",
                fontsize=7.5,
            )
            ax_s.set_xlabel(units.get(cohort, "as recorded"), fontsize=7, labelpad=1)
            ax_h.set_xlabel(scale_label(scale), fontsize=7, labelpad=1)
            if i == 0:
                ax_s.set_title("As recorded (source unit)", fontsize=8.5)
                ax_h.set_title("Harmonized", fontsize=8.5)
        handles = [
            Line2D([], [], ls="none", marker="o", ms=4, color="0.3", label="measured"),
            Line2D(
                [],
                [],
                ls="none",
                marker="v",
                ms=4,
                mfc="none",
                color=BELOW_LOD_COLOUR,
                label="below detection limit (left: limit; right: imputed value)",
            ),
        ]
        fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=7.5)
        fig.suptitle(
            f"{labels.marker(marker)}: values per cohort before and after harmonization",
            fontsize=9.6,
            fontweight="bold",
            x=0.02,
            ha="left",
        )
    return fig


def plot_lod_fractions(
    qc: pd.DataFrame, *, cohort_order: Sequence[str] | None = None, labels: Labels = AS_GIVEN
) -> Figure:
    """Fraction of values below the detection limit per cohort, one panel per marker.

    Markers that never have a value below a detection limit are left out (when all markers
    are such, all are drawn). Bars are labelled ``below/n (percent)``.

    Parameters
    ----------
    qc : pandas.DataFrame
        cohort, cancer_type, marker, scale, n, n_below_lod, fraction_below_lod
        (harmonized/qc/marker_qc.tsv).
    cohort_order : sequence of str, optional
        All cohorts of the run, for stable colours.

    Returns
    -------
    matplotlib.figure.Figure
        Axes labelled ``lod:<marker>``; bar labels are texts with gid ``lod_label``.
    """
    require_columns(
        qc,
        ["cohort", "cancer_type", "marker", "scale", "n", "n_below_lod", "fraction_below_lod"],
        "marker QC table",
    )
    require_rows(qc, "marker QC table")
    markers = [
        m for m in dict.fromkeys(qc["marker"]) if qc.loc[qc["marker"] == m, "n_below_lod"].sum() > 0
    ]
    markers = markers or list(dict.fromkeys(qc["marker"]))
    colours = category_colours(cohort_order or qc["cohort"].unique())
    cohorts = qc[["cancer_type", "cohort"]].drop_duplicates().sort_values(["cancer_type", "cohort"])
    row_names = [f"{c} ({t})" for t, c in cohorts.itertuples(index=False)]
    with themed():
        fig = new_figure(2.2 + 3.0 * len(markers), 1.1 + 0.28 * len(cohorts))
        axes = fig.subplots(1, len(markers), sharey=True, squeeze=False)[0]
        for ax, m in zip(axes, markers, strict=True):
            ax.set_label(f"lod:{m}")
            part = qc[qc["marker"] == m].set_index(["cancer_type", "cohort"])
            top = 0.0
            for i, key in enumerate(cohorts.itertuples(index=False)):
                if tuple(key) not in part.index:
                    continue
                row = part.loc[tuple(key)]
                percent = 100.0 * float(row["fraction_below_lod"])
                top = max(top, percent)
                ax.barh(i, percent, height=0.65, color=colours[key.cohort])
                ax.text(
                    percent,
                    i,
                    f" {int(row['n_below_lod'])}/{int(row['n'])} ({percent:.1f}%)",
                    ha="left",
                    va="center",
                    fontsize=7,
                    gid="lod_label",
                )
            ax.set_xlim(0, max(top, 1.0) * 1.6)
            ax.set_title(labels.marker(m))
            ax.set_xlabel("Below detection limit (%)")
        axes[0].set_yticks(range(len(row_names)), labels=row_names)
        axes[0].set_ylim(len(row_names) - 0.5, -0.5)
        fig.suptitle(
            "Values below the detection limit", fontsize=9.6, fontweight="bold", x=0.02, ha="left"
        )
    return fig


def plot_scales(
    qc: pd.DataFrame, *, markers: Sequence[str] | None = None, labels: Labels = AS_GIVEN
) -> Figure:
    """Unit or scoring system of each marker in each cohort (e.g. an IHC score).

    Parameters
    ----------
    qc : pandas.DataFrame
        cohort, cancer_type, marker, scale, n (harmonized/qc/marker_qc.tsv).
    markers : sequence of str, optional
        Markers to show (columns), by default all in the table.

    Returns
    -------
    matplotlib.figure.Figure
        Axes labelled ``scales``; one text per cell with gid ``scale``.
    """
    require_columns(qc, ["cohort", "cancer_type", "marker", "scale", "n"], "marker QC table")
    require_rows(qc, "marker QC table")
    markers = list(markers or dict.fromkeys(qc["marker"]))
    cohorts = qc[["cancer_type", "cohort"]].drop_duplicates().sort_values(["cancer_type", "cohort"])
    # Tints tell scales apart within a marker's column; across columns they mean nothing.
    tints = {
        m: category_colours(qc.loc[qc["marker"] == m, "scale"].astype(str).unique())
        for m in markers
    }
    with themed():
        fig = new_figure(2.4 + 2.3 * len(markers), 1.0 + 0.34 * len(cohorts))
        ax = fig.add_subplot(label="scales")
        for i, (cancer_type, cohort) in enumerate(cohorts.itertuples(index=False)):
            for j, m in enumerate(markers):
                hit = qc[
                    (qc["cohort"] == cohort)
                    & (qc["cancer_type"] == cancer_type)
                    & (qc["marker"] == m)
                ]
                if not len(hit):
                    ax.text(
                        j,
                        i,
                        "not measured",
                        ha="center",
                        va="center",
                        fontsize=7.5,
                        color="0.5",
                        gid="scale",
                    )
                    continue
                scale = str(hit["scale"].iloc[0])
                recorded = sorted(
                    {str(u) for u in hit.get("source_unit", pd.Series(dtype=str)).dropna()}
                    - {scale}
                )
                as_recorded = (
                    f"\nrecorded in {' or '.join(scale_label(u) for u in recorded)}"
                    if recorded
                    else ""
                )
                ax.add_patch(
                    Rectangle(
                        (j - 0.48, i - 0.42),
                        0.96,
                        0.84,
                        facecolor=tints[m][scale],
                        alpha=0.22,
                        lw=0,
                    )
                )
                ax.text(
                    j,
                    i,
                    f"{scale_label(scale)}{as_recorded}\nn = {int(hit['n'].sum())}",
                    ha="center",
                    va="center",
                    fontsize=7.5,
                    gid="scale",
                )
        ax.set_xlim(-0.5, len(markers) - 0.5)
        ax.set_ylim(len(cohorts) - 0.5, -0.5)
        ax.set_xticks(range(len(markers)), labels=[labels.marker(m) for m in markers])
        ax.xaxis.tick_top()
        ax.set_yticks(
            range(len(cohorts)), labels=[f"{c} ({t})" for t, c in cohorts.itertuples(index=False)]
        )
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_title("Marker unit or scoring system per cohort, after harmonization", pad=18)
    return fig
