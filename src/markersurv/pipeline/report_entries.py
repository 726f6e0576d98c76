"""What the report shows of each figure: its labels and caption, read from the
``figures.tsv`` the figure step wrote beside the figures of a folder."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from markersurv.figures.captions import CATALOG
from markersurv.tables.contract import read_table

RST_SPECIAL = re.compile(r"([\\`*_|])")


def read_catalog(folder: str | Path) -> pd.DataFrame:
    return read_table("figures", Path(folder) / CATALOG).set_index("figure")


def figure_labels(wildcards, output) -> dict[str, str]:
    """The report label of one figure of the folder ``output[0]`` (a Snakemake labels
    function): its name, with its n and events from the folder's figures.tsv.

    One label only: the report turns any further label with two values, each on half of a
    category's entries, into a toggle, and its page fails for entries without a partner.
    """
    row = read_catalog(output[0]).loc[wildcards.figure]
    counts = [f"{name} {int(row[name])}" for name in ("n", "events") if not pd.isna(row[name])]
    text = str(wildcards.figure) + (f" ({', '.join(counts)})" if counts else "")
    return {"figure": text}


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
