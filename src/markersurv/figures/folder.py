"""A folder of figures: each saved in its formats, and listed with its caption."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from markersurv.config.settings import AnalysisSettings, FigureSettings
from markersurv.figures.captions import CATALOG, FigureRecord, catalog_frame
from markersurv.plots.labels import Labels
from markersurv.plots.save import save_figure
from markersurv.tables.contract import write_table


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

    def save(self, fig: Figure, record: FigureRecord) -> None:
        if any(r.figure == record.figure for r in self.records):
            raise ValueError(f"two figures of one folder are named {record.figure!r}")
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
