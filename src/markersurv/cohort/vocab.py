"""Vocabularies from the resources folder: cancer types, stages, codings and marker scales.

They are data, not code: a new cancer type, stage form, event coding, unit or scoring system
is a new line in a file under ``resources/vocab``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd
import yaml

from markersurv.errors import ConfigError, Problem


def normalize_label(text: str) -> str:
    """Case-, space-, hyphen- and underscore-insensitive form used to match synonyms.

    >>> normalize_label(" Non-small cell_lung  CARCINOMA ")
    'nonsmallcelllungcarcinoma'
    """
    return re.sub(r"[\s_\-]+", "", str(text)).lower()


@dataclass(frozen=True)
class MarkerScale:
    """One unit or scoring system of a marker."""

    marker: str
    name: str
    factor: float | None
    transform: str
    minimum: float | None
    maximum: float | None
    canonical: str | None

    @property
    def converts(self) -> bool:
        """True for concentration units converted to the marker's canonical unit."""
        return self.factor is not None

    @property
    def output_scale(self) -> str:
        """The scale recorded in ``<marker>_scale`` after harmonization."""
        return self.canonical if self.converts else self.name


@dataclass(frozen=True)
class Vocabulary:
    """All vocabularies, loaded once from a folder."""

    folder: Path

    @classmethod
    def load(cls, folder: str | Path) -> Vocabulary:
        folder = Path(folder)
        missing = [
            n
            for n in ("cancer_types.tsv", "stages.tsv", "codings.yaml", "marker_scales.yaml")
            if not (folder / n).exists()
        ]
        if missing:
            raise ConfigError(
                Problem(
                    f"vocabulary folder {str(folder)!r} lacks {', '.join(missing)}",
                    hint="Point vocabulary_dir at the resources/vocab folder of markersurv",
                )
            )
        return cls(folder)

    @cached_property
    def cancer_types(self) -> pd.DataFrame:
        table = pd.read_csv(
            self.folder / "cancer_types.tsv",
            sep="\t",
            comment="#",
            dtype=str,
            keep_default_na=False,
        )
        return table.set_index("code", drop=False)

    @cached_property
    def cancer_type_index(self) -> dict[str, str]:
        """Normalized code, OncoTree code, label or synonym -> code."""
        index: dict[str, str] = {}
        for row in self.cancer_types.itertuples(index=False):
            names = [row.code, row.label, row.oncotree, *row.synonyms.split("|")]
            for name in names:
                if name:
                    index.setdefault(normalize_label(name), row.code)
        return index

    def cancer_type_label(self, code: str) -> str:
        return self.cancer_types.loc[code, "label"]

    @cached_property
    def stage_forms(self) -> dict[str, tuple[str | None, str | None]]:
        table = pd.read_csv(
            self.folder / "stages.tsv", sep="\t", comment="#", dtype=str, keep_default_na=False
        )
        return {
            normalize_label(r.raw): (
                None if r.stage == "NA" else r.stage,
                None if r.stage_group == "NA" else r.stage_group,
            )
            for r in table.itertuples(index=False)
        }

    @cached_property
    def codings(self) -> dict[str, dict[str, object]]:
        """Field -> normalized source value -> canonical value."""
        raw = yaml.safe_load((self.folder / "codings.yaml").read_text())
        return {
            field: {normalize_label(v): key for key, values in mapping.items() for v in values}
            for field, mapping in raw.items()
        }

    @cached_property
    def _scales(self) -> dict[str, dict[str, MarkerScale]]:
        raw = yaml.safe_load((self.folder / "marker_scales.yaml").read_text())
        scales: dict[str, dict[str, MarkerScale]] = {}
        for marker, entry in raw.items():
            by_name: dict[str, MarkerScale] = {}
            for name, s in entry["scales"].items():
                scale = MarkerScale(
                    marker,
                    name,
                    s.get("factor"),
                    s.get("transform", "identity"),
                    s.get("minimum"),
                    s.get("maximum"),
                    entry.get("canonical"),
                )
                for alias in [name, *s.get("synonyms", [])]:
                    by_name[normalize_label(alias)] = scale
            scales[marker] = by_name
        return scales

    def marker_scale(self, marker: str, name: str) -> MarkerScale | None:
        """The scale of ``marker`` called ``name`` (or a synonym), None when unknown."""
        return self._scales.get(marker, {}).get(normalize_label(name))

    def scale_names(self, marker: str) -> list[str]:
        return sorted({s.name for s in self._scales.get(marker, {}).values()})

    def markers(self) -> list[str]:
        return sorted(self._scales)
