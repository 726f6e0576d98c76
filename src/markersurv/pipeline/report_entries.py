"""What the report shows of each figure: its labels and caption, read from the
``figures.tsv`` the figure step wrote beside the figures of a folder."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from markersurv.figures.captions import CATALOG
from markersurv.tables.contract import read_table

# The report's sortable columns of a figure entry, from its figures.tsv row.
LABEL_COLUMNS = ("kind", "cancer_type", "marker", "endpoint", "cut", "cohort", "n", "events")
RST_SPECIAL = re.compile(r"([\\`*_|])")


def read_catalog(folder: str | Path) -> pd.DataFrame:
    return read_table("figures", Path(folder) / CATALOG).set_index("figure")


def figure_labels(wildcards, output) -> dict[str, str]:
    """Report labels of one figure of the folder ``output[0]`` (a Snakemake labels function)."""
    row = read_catalog(output[0]).loc[wildcards.figure]
    # The first label is the figure's own name, so that no two entries share their labels
    # (the report merges entries with equal labels); every value is text, as the report
    # sorts labels as text.
    labels = {"figure": str(wildcards.figure)}
    return labels | {column: label_value(column, row[column]) for column in LABEL_COLUMNS}


def label_value(column: str, value) -> str:
    if pd.isna(value):
        return ""
    return str(int(value)) if column in ("n", "events") else str(value)


class FigureCaptions:
    """Captions of the figures of a folder, for a report caption template:
    ``{{ snakemake.params.captions[snakemake.wildcards.figure] }}``.

    The folder is read when a caption is first asked for (when the report is made, after
    the figures exist), with reStructuredText markup characters escaped.
    """

    def __init__(self, folder: str):
        self.folder = folder
        self._captions: dict[str, str] | None = None

    def __repr__(self) -> str:
        return f"FigureCaptions({self.folder!r})"

    def __getitem__(self, figure: str) -> str:
        if self._captions is None:
            captions = read_catalog(self.folder)["caption"]
            self._captions = {k: RST_SPECIAL.sub(r"\\\1", v) for k, v in captions.items()}
        return self._captions[figure]
