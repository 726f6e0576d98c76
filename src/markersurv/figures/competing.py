"""The cumulative incidence figure of one cancer type, marker and endpoint declared with a
competing event (pooled analysis, median split), from cuminc.tsv and competing.tsv."""

from __future__ import annotations

import numpy as np

from markersurv.analysis.collect import ALL
from markersurv.figures.context import FigureContext
from markersurv.figures.folder import FigureFolder
from markersurv.figures.rows import first_row
from markersurv.plots.cuminc import plot_cuminc
from markersurv.plots.labels import format_count, format_ratio_ci, p_equals

CUT = "median"


def competing_event(figures: FigureContext, endpoint: str) -> str | None:
    """The competing event of ``endpoint`` in the config's words (None if none declared)."""
    declared = {e.id: e.competing for e in figures.study.endpoints}
    return declared.get(endpoint)


def draw_cuminc(figures: FigureContext, out: FigureFolder, endpoint: str, marker: str) -> None:
    """``cuminc_<marker>_<endpoint>_median``: the event of interest's cumulative incidence in
    the low and high groups, with Gray's p and the Fine-Gray hazard ratio in the legend."""
    competing = competing_event(figures, endpoint)
    keys = {"cohort": ALL, "endpoint": endpoint, "marker": marker, "cut_method": CUT}
    steps = figures.table("cuminc", **keys)
    if competing is None or steps.empty:
        return
    order = list(dict.fromkeys(steps["group"]))
    curves = {g: steps[steps["group"] == g].reset_index(drop=True) for g in order}
    suppress = figures.figures.suppress_below
    notes_by_group = {
        g: f"n = {format_count(c['n'].iloc[0], suppress)}, "
        f"{format_count(c['events'].iloc[0], suppress)} events"
        for g, c in curves.items()
    }
    rows = figures.table("competing", **keys)
    notes = [f"Competing event: {competing}"]
    gray = first_row(rows, model="gray")
    if gray is not None and np.isfinite(gray["p"]):
        notes.append(p_equals(float(gray["p"]), "Gray's test p"))
    fine_gray = first_row(rows, model="fine_gray")
    if fine_gray is not None and np.isfinite(fine_gray["hr"]):
        ratio = format_ratio_ci(fine_gray["hr"], fine_gray["hr_lower"], fine_gray["hr_upper"])
        notes.append(f"Fine-Gray subdistribution HR high vs low {ratio}")
    n = int(sum(int(c["n"].iloc[0]) for c in curves.values()))
    events = int(sum(int(c["events"].iloc[0]) for c in curves.values()))
    labels = figures.labels
    ax = plot_cuminc(
        curves,
        title=labels.figure_title(
            figures.cancer_type, marker, endpoint, n, detail="cumulative incidence, median split"
        ),
        notes=notes,
        group_notes=notes_by_group,
        ylabel=f"Cumulative incidence ({labels.endpoint(endpoint, short=False)})",
        labels=labels,
    )
    out.save(ax.figure, figures.record("cuminc", marker, endpoint, cut=CUT, n=n, events=events))
