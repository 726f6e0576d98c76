"""The predictive forest figures of one cancer type: for each arm of the configured treatment
and each prespecified two-group split of a marker, the treatment hazard ratio within the
marker groups of the pooled analysis, from predictive.tsv."""

from __future__ import annotations

import re

from markersurv.analysis.collect import ALL
from markersurv.analysis.predictive import SPLITS
from markersurv.config.covariates import Treatment
from markersurv.figures.context import FigureContext
from markersurv.figures.folder import FigureFolder
from markersurv.plots.predictive import plot_predictive_forest


def arm_parts(treatment: Treatment) -> dict[str, str]:
    """The file-name part of each compared arm: its name in lower case with runs of other
    characters as ``-`` (``arm<k>`` by position when two arms would share a part)."""
    arms = treatment.levels[1:]
    parts = [re.sub(r"[^a-z0-9]+", "-", arm.lower()).strip("-") for arm in arms]
    if len(set(parts)) < len(parts) or not all(parts):
        parts = [f"arm{k}" for k in range(1, len(arms) + 1)]
    return dict(zip(arms, parts, strict=True))


def draw_predictive(figures: FigureContext, out: FigureFolder, endpoint: str, marker: str) -> None:
    """``predictive_<marker>_<endpoint>_<cut>_<arm>``: one forest per arm and split whose
    groups have treatment hazard ratios (none without a treatment)."""
    treatment = figures.settings.treatment
    rows = figures.table("predictive", cohort=ALL, endpoint=endpoint, marker=marker)
    if treatment is None or rows.empty:
        return
    for arm, part in arm_parts(treatment).items():
        for cut in SPLITS:
            shown = rows[(rows["treatment"] == arm) & (rows["cut_method"] == cut)]
            if shown.empty:
                continue
            overall = rows[(rows["treatment"] == arm) & (rows["group"] == "all")]
            fig = plot_predictive_forest(
                rows,
                labels=figures.labels,
                treatment=treatment,
                level=arm,
                cancer_type=figures.cancer_type,
                marker=marker,
                endpoint=endpoint,
                cut_method=cut,
                suppress_below=figures.figures.suppress_below,
            )
            counts = {} if overall.empty else overall.iloc[0][["n", "events"]].astype(int)
            record = figures.record(
                "predictive", marker, endpoint, cut=cut, arm=arm, stem_tail=part, **dict(counts)
            )
            out.save(fig, record)
