"""Cumulative incidence curves of the event of interest per marker group."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import pandas as pd
from matplotlib.axes import Axes

from markersurv.plots.checks import PlotDataError, require_columns, require_rows
from markersurv.plots.km import LINE_STYLES
from markersurv.plots.labels import AS_GIVEN, Labels
from markersurv.plots.theme import group_colours, new_figure, themed


def plot_cuminc(
    curves: Mapping[str, pd.DataFrame],
    *,
    title: str,
    notes: Sequence[str] = (),
    group_notes: Mapping[str, str] | None = None,
    xlabel: str = "Months",
    ylabel: str = "Cumulative incidence",
    show_ci: bool = True,
    labels: Labels = AS_GIVEN,
    ax: Axes | None = None,
) -> Axes:
    """Step curves of the cumulative incidence in each group, with pointwise bands.

    Parameters
    ----------
    curves : mapping of group label to pandas.DataFrame
        time, cif (and cif_lower, cif_upper for ``show_ci``) per group, from time 0, as
        cuminc.tsv holds them; drawn in mapping order, each with its group's colour and
        dash pattern.
    title : str
        Figure title (see ``labels.figure_title``).
    notes : sequence of str
        Lines of the legend title: the test, the model, the competing event.
    group_notes : mapping of group label to str, optional
        Text after a group's name in the legend (patients and events).
    show_ci : bool
        Shade each curve's pointwise confidence band (missing limits leave a gap).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure otherwise.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not curves:
        raise PlotDataError("curves is empty: expected at least one group")
    need = ["time", "cif", *(["cif_lower", "cif_upper"] if show_ci else [])]
    for label, curve in curves.items():
        require_columns(curve, need, f"cumulative incidence of group {label!r}")
        require_rows(curve, f"cumulative incidence of group {label!r}")
    colours = group_colours(list(curves))
    top = max(float(c[need[1:]].max().max()) for c in curves.values())
    end = max(float(c["time"].max()) for c in curves.values())
    with themed():
        if ax is None:
            ax = new_figure(6.5, 4.2).add_subplot(label="cumulative_incidence")
        for i, (label, curve) in enumerate(curves.items()):
            ordered = curve.sort_values("time", kind="mergesort")
            name = labels.group(label)
            if group_notes and group_notes.get(label):
                name += f": {group_notes[label]}"
            colour = colours[label]
            ax.step(
                ordered["time"],
                ordered["cif"],
                where="post",
                color=colour,
                ls=LINE_STYLES[i % len(LINE_STYLES)],
                lw=1.6,
                label=name,
            )
            if show_ci:
                ax.fill_between(
                    ordered["time"].to_numpy(dtype=float),
                    ordered["cif_lower"].to_numpy(dtype=float),
                    ordered["cif_upper"].to_numpy(dtype=float),
                    step="post",
                    color=colour,
                    alpha=0.15,
                    lw=0,
                )
        ax.set_xlim(-0.03 * end, end * 1.03)
        ax.set_ylim(0, min(1.0, max(top, 0.05) * 1.1))
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.figure.suptitle(
            "\n".join(textwrap.wrap(title, 75)), x=0.01, ha="left", fontsize=9.6, fontweight="bold"
        )
        ax.legend(
            title="\n".join(notes) if notes else None,
            loc="lower left",
            bbox_to_anchor=(0.0, 1.01),
            borderaxespad=0.0,
            alignment="left",
            handlelength=2.6,
            frameon=False,
        )
    return ax
