"""Pan-cancer map: hazard ratio by cancer type and marker-endpoint, with FDR and PH marks."""

from __future__ import annotations

import math
import textwrap

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from markersurv.plots.checks import PlotDataError, require_columns, require_rows
from markersurv.plots.labels import AS_GIVEN, Labels, format_number
from markersurv.plots.theme import DIVERGING_CMAP, NOT_ESTIMABLE_COLOUR, new_figure, themed

ENDPOINT_ORDER = ("os", "pfs", "pfi", "dss", "dfs", "dfi")
_HR_TICKS = (0.25, 0.33, 0.5, 0.67, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0)
_LIMIT_RANGE = (math.log(1.5), math.log(4.0))
PH_MARK = "\u2020"
_ROW = 0.4
# Column labels: characters per line of a marker name, and inches per character.
_LABEL_CHARS = 12
_INCH_PER_CHAR = 0.075


def q_mark(q: float, thresholds: tuple[float, float] = (0.05, 0.01)) -> str:
    """``**`` for q below the second threshold, ``*`` below the first, else nothing."""
    if q is None or not math.isfinite(q):
        return ""
    if q < thresholds[1]:
        return "**"
    if q < thresholds[0]:
        return "*"
    return ""


def _endpoint_key(endpoint: str) -> tuple[int, str]:
    return (ENDPOINT_ORDER.index(endpoint), "") if endpoint in ENDPOINT_ORDER else (99, endpoint)


def colour_limit(log_hr: np.ndarray, limit: float | None = None) -> float:
    """Symmetric colour limit: the largest finite |log HR|, kept within log 1.5 and log 4."""
    if limit is not None:
        return float(limit)
    finite = np.abs(log_hr[np.isfinite(log_hr)])
    largest = float(finite.max()) if finite.size else 0.0
    return float(np.clip(largest, *_LIMIT_RANGE))


def plot_pancancer_map(
    frame: pd.DataFrame,
    *,
    quantity: str = "Hazard ratio",
    model: str | None = None,
    ph_note: str = "proportional hazards questionable",
    limit: float | None = None,
    thresholds: tuple[float, float] = (0.05, 0.01),
    labels: Labels = AS_GIVEN,
) -> Figure:
    """Heatmap of HR on a log colour scale: cancer types as rows, marker-endpoint pairs as
    columns, each cell printing its HR.

    A diverging palette is centred at log HR 0 (HR = 1) with symmetric limits; cells with
    q below ``thresholds`` get ``*`` / ``**`` under the HR; cells flagged in ``ph_flag`` get
    a dagger; a row whose log HR is missing is drawn grey and hatched ("not estimable"); a
    cell without a row (not analysed) shows a dash. The title and the colour bar name the
    same ``quantity``; ``model`` says under the title how it was estimated.

    Parameters
    ----------
    frame : pandas.DataFrame
        cancer_type, marker, endpoint, log_hr, q and optionally ph_flag (bool): at most one
        row per cell.
    quantity : str
        What the cells show, e.g. ``"Hazard ratio per 1 SD"``.
    model : str, optional
        The model behind the estimates, printed under the title.
    ph_note : str
        What the dagger means, for the footnote (printed only when a cell is flagged).
    limit : float, optional
        Colour limit on the log HR scale (symmetric); by default the largest |log HR|
        within log 1.5 to log 4, larger values saturating.
    thresholds : (float, float)
        q-value thresholds for one and two stars.

    Returns
    -------
    matplotlib.figure.Figure
        Axes labelled ``map``; the cells are its ``QuadMesh``; texts with gid ``hr`` (the
        HR of a cell), ``mark`` (q stars) and ``ph_flag``; not-estimable cells rectangles
        with gid ``not_estimable``.
    """
    require_columns(frame, ["cancer_type", "marker", "endpoint", "log_hr", "q"], "pan-cancer map")
    require_rows(frame, "pan-cancer map")
    keys = ["cancer_type", "marker", "endpoint"]
    duplicated = frame.duplicated(keys)
    if duplicated.any():
        first = frame.loc[duplicated, keys].iloc[0].to_dict()
        raise PlotDataError(
            f"pan-cancer map needs one row per cancer type, marker and endpoint; {first} "
            "appears more than once (filter to one model, cut method and pooling method)"
        )
    rows = sorted(frame["cancer_type"].astype(str).unique())
    pairs = sorted(
        {(str(m), str(e)) for m, e in zip(frame["marker"], frame["endpoint"], strict=True)},
        key=lambda p: (p[0], _endpoint_key(p[1])),
    )
    log_hr = np.full((len(rows), len(pairs)), np.nan)
    q = np.full_like(log_hr, np.nan)
    flagged = np.zeros(log_hr.shape, dtype=bool)
    analysed = np.zeros(log_hr.shape, dtype=bool)
    row_index = {r: i for i, r in enumerate(rows)}
    col_index = {p: j for j, p in enumerate(pairs)}
    for record in frame.to_dict("records"):
        i = row_index[str(record["cancer_type"])]
        j = col_index[(str(record["marker"]), str(record["endpoint"]))]
        log_hr[i, j] = record["log_hr"]
        analysed[i, j] = True
        q[i, j] = record["q"]
        flagged[i, j] = bool(record.get("ph_flag", False)) and math.isfinite(record["log_hr"])
    m = colour_limit(log_hr, limit)
    norm = Normalize(vmin=-m, vmax=m)
    cmap = mpl.colormaps[DIVERGING_CMAP]

    # Column labels: the marker wrapped to a few words a line, then the endpoint; columns
    # widen for the longest line so that neighbouring labels never run together.
    heads = [
        f"{textwrap.fill(labels.marker(mk), _LABEL_CHARS)}\n{labels.endpoint(ep)}"
        for mk, ep in pairs
    ]
    longest = max((len(line) for head in heads for line in head.splitlines()), default=0)
    column = max(0.7, _INCH_PER_CHAR * longest + 0.15)
    with themed():
        fig = new_figure(2.8 + column * len(pairs), 1.9 + _ROW * len(rows))
        ax = fig.add_subplot(label="map")
        mesh = ax.pcolormesh(
            np.ma.masked_invalid(log_hr), cmap=cmap, norm=norm, edgecolors="white", linewidth=0.5
        )
        for i, j in zip(*np.nonzero(analysed & ~np.isfinite(log_hr)), strict=True):
            ax.add_patch(
                Rectangle(
                    (j, i),
                    1,
                    1,
                    facecolor=NOT_ESTIMABLE_COLOUR,
                    edgecolor="0.6",
                    hatch="////",
                    lw=0,
                    gid="not_estimable",
                )
            )
        for i, j in zip(*np.nonzero(~analysed), strict=True):
            ax.text(
                j + 0.5,
                i + 0.5,
                "\u2013",
                ha="center",
                va="center",
                color="0.55",
                gid="not_analysed",
            )
        for i, j in zip(*np.nonzero(np.isfinite(log_hr)), strict=True):
            r, g, b, _ = cmap(norm(log_hr[i, j]))
            ink = "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.5 else "black"
            cell = {"ha": "center", "va": "center", "color": ink}
            ax.text(j + 0.5, i + 0.4, format_number(math.exp(log_hr[i, j])), **cell, gid="hr")
            mark = q_mark(q[i, j], thresholds)
            if mark:
                ax.text(j + 0.5, i + 0.78, mark, **cell, fontweight="bold", gid="mark")
            if flagged[i, j]:
                ax.text(j + 0.93, i + 0.3, PH_MARK, **{**cell, "ha": "right"}, gid="ph_flag")
        ax.set_xlim(0, len(pairs))
        ax.set_ylim(len(rows), 0)
        ax.set_xticks(
            np.arange(len(pairs)) + 0.5,
            labels=heads,
        )
        ax.set_yticks(np.arange(len(rows)) + 0.5, labels=rows)
        ax.tick_params(length=0)
        ax.xaxis.tick_top()
        for spine in ax.spines.values():
            spine.set_visible(False)
        fig.suptitle(
            f"{quantity} by cancer type, marker and endpoint",
            fontsize=9.6,
            fontweight="bold",
        )
        if model:
            ax.set_title(model, fontsize=8, fontweight="normal", color="0.25")
        finite = log_hr[np.isfinite(log_hr)]
        extend = (
            "both"
            if finite.size and finite.min() < -m and finite.max() > m
            else "min"
            if finite.size and finite.min() < -m
            else "max"
            if finite.size and finite.max() > m
            else "neither"
        )
        bar = fig.colorbar(mesh, ax=ax, extend=extend, shrink=min(1.0, 2.6 / (_ROW * len(rows))))
        ticks = [t for t in _HR_TICKS if abs(math.log(t)) <= m + 1e-12]
        bar.set_ticks([math.log(t) for t in ticks], labels=[f"{t:g}" for t in ticks])
        bar.set_label(f"{quantity} (log scale)")
        bar.ax.minorticks_off()
        key = [f"* q < {thresholds[0]:g}   ** q < {thresholds[1]:g} (Benjamini-Hochberg)"]
        if flagged.any():
            key.append(f"{PH_MARK} {ph_note}")
        key.append("grey hatched: not estimable   \u2013 not analysed")
        fig.supxlabel("\n".join(key), fontsize=7)
    return fig
