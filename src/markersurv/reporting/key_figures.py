"""The key figures the narrative page carries, embedded in it: the patient-flow diagram, the
pan-cancer map and the pan-cancer forest plot of each primary marker and endpoint.

They are read from the summary figure folder (its PNGs and their captions in figures.tsv) and
written into the page as data URIs, so the page stays one self-contained file.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from html import escape
from pathlib import Path

from markersurv.config.settings import AnalysisSettings
from markersurv.figures.captions import CATALOG, figure_stem
from markersurv.tables.contract import read_table


@dataclass(frozen=True)
class KeyFigure:
    """One figure of the page: its file stem, caption and PNG bytes."""

    stem: str
    caption: str
    png: bytes

    def html(self) -> str:
        data = base64.b64encode(self.png).decode("ascii")
        return (
            f'<figure class="key" id="figure-{escape(self.stem)}">'
            f'<img src="data:image/png;base64,{data}" alt="{escape(self.caption)}">'
            f"<figcaption>{escape(self.caption)}</figcaption></figure>"
        )


def primary_forests(settings: AnalysisSettings) -> list[str]:
    """The pan-cancer forest plots of the primary markers and endpoints (the first marker and
    endpoint where no primary analysis is declared)."""
    primary = settings.primary or {}
    markers = primary.get("markers") or list(settings.markers[:1])
    endpoints = primary.get("endpoints") or list(settings.endpoints[:1])
    return [figure_stem("forest_pancancer", m, e) for e in endpoints for m in markers]


def key_figures(folder: str | Path, settings: AnalysisSettings) -> dict[str, list[KeyFigure]]:
    """The key figures found in the summary folder, by where the page shows them: ``flow``
    (the diagram) and ``results`` (the map, then the primary forests). A figure the run did
    not draw (a map of one cancer type, a forest with too few cancer types) is left out."""
    folder = Path(folder)
    captions = read_table("figures", folder / CATALOG).set_index("figure")["caption"]

    def found(stems: list[str]) -> list[KeyFigure]:
        return [
            KeyFigure(stem, str(captions[stem]), (folder / f"{stem}.png").read_bytes())
            for stem in stems
            if stem in captions.index and (folder / f"{stem}.png").exists()
        ]

    return {
        "flow": found(["flow"]),
        "results": found(["pancancer_map", *primary_forests(settings)]),
    }


STYLE = "figure.key{margin:1em 0}figure.key img{max-width:100%;height:auto}"
