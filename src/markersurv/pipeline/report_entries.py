"""What the report shows of each figure: its labels and caption, read from the
``figures.tsv`` the figure step wrote beside the figures of a folder."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from markersurv.config.study import Study
from markersurv.figures.captions import CATALOG, study_labels
from markersurv.plots.labels import CUT_METHOD_LABELS
from markersurv.tables.contract import read_table

RST_SPECIAL = re.compile(r"([\\`*_|])")


def read_catalog(folder: str | Path) -> pd.DataFrame:
    """A folder's figures.tsv by figure; read once per version of the file, since the report
    asks for the labels and category of every figure of the folder in turn."""
    path = Path(folder) / CATALOG
    stat = path.stat()
    return _catalog(str(path), stat.st_mtime_ns, stat.st_size).copy()


@functools.lru_cache(maxsize=64)
def _catalog(path: str, _mtime_ns: int, _size: int) -> pd.DataFrame:
    return read_table("figures", path).set_index("figure")


# Each figure kind in words, the first label of a report entry (the report sorts by it).
KIND_WORDS = {
    "km": "Kaplan-Meier",
    "km_joint": "Kaplan-Meier, joint groups",
    "cuminc": "Cumulative incidence",
    "predictive": "Predictive subgroups",
    "forest_cohorts": "Forest plot, cohorts",
    "forest_pancancer": "Forest plot, cancer types",
    "cutpoint_scan": "Cutpoint scan (exploratory)",
    "spline": "Spline (nonlinearity)",
    "schoenfeld": "Proportional hazards (Schoenfeld)",
    "pancancer_map": "Pan-cancer map",
    "flow": "Patient flow",
    "qc_distributions": "QC: marker values",
    "qc_lod": "QC: detection limits",
    "qc_scales": "QC: units and scales",
    "association": "Marker association",
}
# The entry of a folder's figures.tsv: it has the first label only, so no other label can
# have two values each on half of the entries, which the report would turn into a toggle
# whose page fails for entries without a partner.
CATALOG_ENTRY = CATALOG.removesuffix(".tsv")
CATALOG_LABELS = {"kind": "Figure list (figures.tsv)"}
CATALOG_CAPTION = (
    "The figures of this folder: file name, what each shows (kind, cancer type, marker, "
    "endpoint, split, cohort, arm), n, events and caption."
)


# The report's categories, in the order of the analysis.
OVERVIEW = "1 Overview"
PATIENTS = "2 Patients and harmonization"
PAN_CANCER = "3 Pan-cancer"
CANCER_TYPES = "4 Cancer types"
# Summary figures that describe the patients and their harmonization, not associations.
PATIENT_KINDS = {"flow", "qc_distributions", "qc_lod", "qc_scales", "association"}


def summary_category(wildcards, output) -> str:
    """The category of a figure of the summary folder: patients and harmonization (flow, QC,
    marker association) or pan-cancer results (map, forests, the folder's figure list)."""
    if wildcards.figure == CATALOG_ENTRY:
        return PAN_CANCER
    kind = read_catalog(output[0]).loc[wildcards.figure, "kind"]
    return PATIENTS if kind in PATIENT_KINDS else PAN_CANCER


def kind_words(kind: str) -> str:
    """``km_median`` -> ``Kaplan-Meier``; a kind without words is printed as given."""
    if kind.startswith("km_") and kind != "km_joint":
        kind = "km"
    return KIND_WORDS.get(kind, kind)


def report_labels(config: dict) -> Callable:
    """The Snakemake labels function of figure folders, in the config's words."""
    labels = study_labels(Study.from_config(config))

    def figure_labels(wildcards, output) -> dict[str, str]:
        """The report labels of one figure of the folder ``output[0]``: kind, cancer type,
        marker, endpoint, split, cohort and arm in words, n and events, from the folder's
        figures.tsv ("" where a part does not apply)."""
        if wildcards.figure == CATALOG_ENTRY:
            return dict(CATALOG_LABELS)
        row = read_catalog(output[0]).loc[wildcards.figure]

        def text(column: str) -> str:
            value = row[column]
            return "" if pd.isna(value) else str(value)

        def count(column: str) -> str:
            return "" if pd.isna(row[column]) else str(int(row[column]))

        return {
            "kind": kind_words(text("kind")),
            "cancer type": text("cancer_type"),
            "marker": labels.marker(text("marker")) if text("marker") else "",
            "endpoint": labels.endpoint(text("endpoint"), short=False) if text("endpoint") else "",
            "split": CUT_METHOD_LABELS.get(text("cut"), text("cut")),
            "cohort": text("cohort"),
            "arm": text("arm"),
            "n": count("n"),
            "events": count("events"),
        }

    return figure_labels


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
            self._captions[CATALOG_ENTRY] = CATALOG_CAPTION
        return self._captions[figure]
