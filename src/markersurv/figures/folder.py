"""A folder of figures: each saved in its formats, and listed with its caption."""

from __future__ import annotations

import logging
from pathlib import Path

from matplotlib.figure import Figure

from markersurv.config.settings import AnalysisSettings, FigureSettings
from markersurv.figures.captions import CATALOG, FigureRecord, catalog_frame
from markersurv.plots.labels import Labels
from markersurv.plots.layout import fit_texts, freeze_layout, layout_problems
from markersurv.plots.save import save_figure
from markersurv.plots.theme import themed
from markersurv.tables.contract import write_table

log = logging.getLogger("markersurv")


class FigureFolder:
    """Saves figures into ``target`` and remembers what each shows."""

    def __init__(
        self, target: Path, settings: AnalysisSettings, figures: FigureSettings, labels: Labels
    ):
        self.target = target
        self.settings = settings
        self.figures = figures
        self.labels = labels
        self.records: list[FigureRecord] = []
        # Layout defects found in saved figures (text cut off, tick labels overlapping).
        self.problems: dict[str, list[str]] = {}

    def save(self, fig: Figure, record: FigureRecord) -> None:
        if any(r.figure == record.figure for r in self.records):
            raise ValueError(f"two figures of one folder are named {record.figure!r}")
        with themed():
            fit_texts(fig)
            problems = layout_problems(fig, laid_out=True)
            freeze_layout(fig)
        if problems:
            self.problems[record.figure] = problems
            log.warning("figure %s: %s", record.figure, "; ".join(problems))
        save_figure(
            fig,
            self.target / record.figure,
            self.figures.formats_for(record.kind),
            dpi=self.figures.dpi,
        )
        self.records.append(record)

    def write_catalog(self) -> None:
        """``figures.tsv``: every figure of the folder with its labels and caption."""
        write_table(
            "figures",
            catalog_frame(self.records, self.settings, self.labels),
            self.target / CATALOG,
        )
