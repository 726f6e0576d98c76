"""Harmonize one cohort: source tables in, canonical patient rows and a ledger out.

The order of steps fixes which reason a record is excluded for: blank rows, blank ids,
sample types, duplicates and replicates (per table, :mod:`~markersurv.harmonize.records`),
patients absent from the primary table, then per patient a missing cancer type, impossible
date sequences and no follow-up (a patient without any marker value stays in the patient
table: its markers are missing values, not a reason for exclusion). Fields are parsed by
:mod:`~markersurv.harmonize.field_parsing`, endpoints from dates derived by
:mod:`~markersurv.harmonize.endpoints`. Anything that cannot be harmonized without guessing
stops the cohort with a :class:`~markersurv.errors.HarmonizationError` naming cohort, file,
column and row.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from markersurv.cohort.references import FieldRef, check_columns, field_references
from markersurv.cohort.spec import CohortSpec
from markersurv.cohort.vocab import Vocabulary
from markersurv.config.covariates import Covariate, Treatment
from markersurv.errors import HarmonizationError, Location, Problem
from markersurv.harmonize import fields
from markersurv.harmonize.endpoints import endpoints_from_dates
from markersurv.harmonize.field_parsing import parse_table_fields
from markersurv.harmonize.ledger import Ledger, build_flow
from markersurv.harmonize.privacy.identifiers import apply_identifier_policy
from markersurv.harmonize.privacy.pseudonyms import pseudonymize
from markersurv.harmonize.records import (
    ID,
    REC,
    drop_unusable,
    located,
    mapped_columns_only,
    one_row_per_patient,
    source_columns,
)
from markersurv.harmonize.standardize import standardize_markers
from markersurv.harmonize.timeline import impossible_rows
from markersurv.ingest.readers import FILE, ROW, read_table


@dataclass(frozen=True)
class Settings:
    """What the analysis config asks of harmonization."""

    markers: tuple[str, ...]
    endpoints: tuple[str, ...]
    lod_policy: str = "half"
    key: bytes = b""
    # The covariates the config declares beyond the built-in ones, and the treatment.
    covariates: tuple[Covariate, ...] = ()
    treatment: Treatment | None = None
    # Endpoints with a declared competing event (their ``<endpoint>_cause`` column).
    competing: tuple[str, ...] = ()

    def analysed(self, refs: list[FieldRef]) -> list[FieldRef]:
        """``refs`` without the covariates and treatment the config does not declare, and
        with the declared levels of those it does (validate reports the others)."""
        levels: dict[tuple[str, str], tuple[str, ...] | None] = {
            ("covariate", c.id): c.levels or None for c in self.covariates
        }
        if self.treatment is not None:
            levels["treatment", "treatment"] = self.treatment.levels
        return [
            replace(ref, levels=levels[ref.kind, ref.key])
            if ref.kind in ("covariate", "treatment")
            else ref
            for ref in refs
            if ref.kind not in ("covariate", "treatment") or (ref.kind, ref.key) in levels
        ]


@dataclass
class HarmonizedCohort:
    patients: pd.DataFrame
    exclusions: pd.DataFrame
    flow: dict
    marker_qc: pd.DataFrame


def patient_columns(settings: Settings, entry: bool = False) -> list[str]:
    """Column order of the canonical patient table (with ``<endpoint>_entry`` for a cohort
    with delayed entry)."""
    columns = ["cohort", "patient_id", "cancer_type", "cancer_type_label"]
    for m in settings.markers:
        columns += [m, f"{m}_scale", f"{m}_below_lod", f"{m}_z"]
    for e in settings.endpoints:
        columns += [f"{e}_time", f"{e}_event"]
        columns += [f"{e}_cause"] if e in settings.competing else []
        columns += [f"{e}_entry"] if entry else []
    columns += ["age", "sex", "stage", "stage_group", *(c.id for c in settings.covariates)]
    return columns + (["treatment"] if settings.treatment is not None else [])


class CohortHarmonizer:
    """Runs the steps for one cohort; one instance per call of :func:`harmonize_cohort`."""

    def __init__(self, spec: CohortSpec, vocab: Vocabulary, settings: Settings):
        self.spec = spec
        self.vocab = vocab
        self.settings = settings
        self.ledger = Ledger(spec.id, self.public_ids)
        self.counts: dict[str, dict] = {}

    def public_ids(self, ids: pd.Series) -> pd.Series:
        """Ids as they may appear in outputs: keyed-hash pseudonyms unless the spec allows raw."""
        if self.spec.allow_raw_ids:
            return ids
        return pseudonymize(ids, self.spec.id, self.settings.key)

    def run(self) -> HarmonizedCohort:
        """The steps in their order (see the module docstring)."""
        spec = self.spec
        refs = self.settings.analysed(field_references(spec, self.vocab))
        tables = {name: self.read(name) for name in spec.tables}
        # Columns are checked before any is used, so a misspelt id column is a located error.
        check_columns(spec, {n: source_columns(t) for n, t in tables.items()}, refs)
        for name, frame in tables.items():
            tables[name], sample_types = drop_unusable(spec, self.ledger, name, frame)
            if sample_types is not None:
                self.counts[name]["sample_types"] = sample_types
        tables = {
            name: mapped_columns_only(
                spec, name, frame, {r.column for r in refs if r.table == name}
            )
            for name, frame in tables.items()
        }
        parsed = self.parse_tables(tables, refs)
        data = self.join_tables(tables, parsed)
        data, impossible = self.derive_fields(data, refs)
        data = self.exclude_patients(data, impossible, tables[spec.primary])
        return self.outputs(data)

    def read(self, name: str) -> pd.DataFrame:
        """One table's records numbered as read, declared identifier columns dropped."""
        frame = read_table(self.spec, name)
        frame[REC] = np.arange(len(frame))
        self.counts[name] = {
            "files": sorted(set(frame[FILE])) if len(frame) else [self.spec.tables[name].pattern],
            "records": len(frame),
        }
        return apply_identifier_policy(frame, self.spec, name)

    def parse_tables(
        self, tables: dict[str, pd.DataFrame], refs: list[FieldRef]
    ) -> dict[str, pd.DataFrame]:
        """Every field of every table parsed (all problems reported at once), then one row
        per patient in each table."""
        spec = self.spec
        source_names = {r.key: r.column for r in refs}
        source_names.update({"stage_group": source_names.get("stage", "")})
        values: dict[str, pd.DataFrame] = {}
        problems: list[Problem] = []
        for name, frame in tables.items():
            table_refs = [r for r in refs if r.table == name]
            values[name], found = parse_table_fields(
                spec, self.vocab, self.settings.lod_policy, name, frame, table_refs
            )
            problems += found
        if problems:
            raise HarmonizationError(*problems)
        return {
            name: one_row_per_patient(spec, self.ledger, name, tables[name], v, source_names)
            for name, v in values.items()
        }

    def join_tables(
        self, tables: dict[str, pd.DataFrame], parsed: dict[str, pd.DataFrame]
    ) -> pd.DataFrame:
        """The other tables joined to the primary one; their patients absent from it go to
        the ledger."""
        spec, primary = self.spec, self.spec.primary
        data = parsed[primary].set_index(ID, drop=False)
        for name in list(spec.tables)[1:]:
            other = parsed[name].set_index(ID)
            absent = ~other.index.isin(data.index)
            rows = tables[name].set_index(REC).loc[other[REC][absent]]
            self.ledger.exclude(
                name,
                rows,
                "not_in_primary_table",
                "no row for this patient in the primary table",
                other.index[absent],
            )
            joined = other.drop(columns=[REC, ROW, FILE])[~absent]
            data = data.join(joined, how="left")
        return data.reset_index(drop=True)

    def derive_fields(
        self, data: pd.DataFrame, refs: list[FieldRef]
    ) -> tuple[pd.DataFrame, np.ndarray]:
        """A constant cancer type, endpoints from dates, each marker from its sources and age
        from the birth date; rows with a date before the diagnosis flagged."""
        spec = self.spec
        if spec.cancer_type.constant is not None:
            data["cancer_type"] = self.constant_cancer_type()
        data, impossible = endpoints_from_dates(spec, data)
        data = self.choose_marker_sources(data, refs)
        if spec.age is not None and spec.age.birth_date is not None:
            age = (data["date:diagnosis"] - data["date:birth"]).dt.days / 365.25
            data["age"] = age
        return data, impossible

    def choose_marker_sources(self, data: pd.DataFrame, refs: list[FieldRef]) -> pd.DataFrame:
        """First non-missing source of each marker, with its scale after harmonization and
        the unit or scale it was recorded in."""
        marker_keys: dict[str, list[tuple[str, str, str]]] = {}
        for ref in refs:
            if ref.kind == "marker":
                marker_keys.setdefault(ref.marker, []).append(
                    (ref.key, ref.scale.output_scale, ref.scale.name)
                )
        n = len(data)
        for marker in self.settings.markers:
            value, source = np.full(n, np.nan), np.full(n, np.nan)
            below, taken = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
            scale, recorded = np.full(n, None, dtype=object), np.full(n, None, dtype=object)
            for key, scale_name, source_unit in marker_keys.get(marker, []):
                flagged = (
                    data[f"{key}_below_lod"].astype("boolean").fillna(False).to_numpy(dtype=bool)
                )
                take = (data[key].notna().to_numpy() | flagged) & ~taken
                value[take] = data[key].to_numpy(dtype=float)[take]
                source[take] = data[f"{key}_source"].to_numpy(dtype=float)[take]
                below[take] = flagged[take]
                scale[take] = scale_name
                recorded[take] = source_unit
                taken |= take
            data[marker], data[f"{marker}_source"] = value, source
            data[f"{marker}_below_lod"], data[f"{marker}_scale"] = below, scale
            data[f"{marker}_source_unit"] = recorded
        return data

    def exclude_patients(
        self, data: pd.DataFrame, impossible: np.ndarray, primary_frame: pd.DataFrame
    ) -> pd.DataFrame:
        """Patients without a cancer type, with impossible dates or without follow-up go to
        the ledger, for the first of these reasons. A patient without a marker value stays:
        the clinical models use every patient with follow-up, and each marker's analyses
        the patients with that marker."""
        settings, primary = self.settings, self.spec.primary
        ids = data[ID]
        primary_rows = primary_frame.set_index(REC)
        cancer = data["cancer_type"].fillna("")
        steps = [
            ("missing_cancer_type", data["cancer_type"].isna().to_numpy(), "cancer type missing"),
            ("impossible_date_sequence", impossible, "a date before the diagnosis date"),
            *((i.reason, i.mask, i.detail) for i in impossible_rows(self.spec, data)),
            (
                "entry_after_follow_up",
                entry_after_follow_up(data, settings.endpoints),
                "entry at or after the end of follow-up",
            ),
            (
                "no_follow_up",
                ~np.column_stack(
                    [
                        data.get(f"{e}_time", pd.Series(np.nan, index=data.index)).notna()
                        & data.get(f"{e}_event", pd.Series(np.nan, index=data.index)).notna()
                        for e in settings.endpoints
                    ]
                ).any(axis=1),
                "no endpoint with both time and status",
            ),
        ]
        keep = np.ones(len(data), dtype=bool)
        for reason, mask, detail in steps:
            hit = mask & keep
            self.ledger.exclude(
                primary, primary_rows.loc[data[REC][hit]], reason, detail, ids[hit], cancer[hit]
            )
            keep &= ~mask
        return data[keep].reset_index(drop=True)

    def outputs(self, data: pd.DataFrame) -> HarmonizedCohort:
        """The patient table, the ledger's exclusions, the flow counts and the marker QC."""
        spec, settings = self.spec, self.settings
        patient_ids = self.public_ids(data[ID])
        patients = self.canonical_table(data, patient_ids)
        exclusions = self.ledger.frame()
        if spec.cancer_type.constant is not None:
            # Every row of a single-type cohort has that type, also rows dropped before the
            # type was attached (blank rows, duplicates), so the flow per type adds up.
            exclusions["cancer_type"] = exclusions["cancer_type"].replace(
                "", self.constant_cancer_type()
            )
        flow = build_flow(
            spec.id,
            spec.synthetic,
            self.counts,
            exclusions,
            patients,
            list(settings.markers),
            list(settings.endpoints),
        )
        flow["label"] = spec.label
        qc = self.marker_qc(data, patients)
        return HarmonizedCohort(patients, exclusions, flow, qc)

    def constant_cancer_type(self) -> str:
        """The spec's constant cancer type as a code (field_references checked it exists)."""
        value = self.spec.cancer_type.constant
        return self.vocab.cancer_type_index[fields.normalize_label(value)]

    def canonical_table(self, data: pd.DataFrame, patient_ids: pd.Series) -> pd.DataFrame:
        settings = self.settings
        out = pd.DataFrame(
            {"cohort": self.spec.id, "patient_id": patient_ids.to_numpy()}, index=data.index
        )
        out["cancer_type"] = data["cancer_type"].astype(str)
        labels = {c: self.vocab.cancer_type_label(c) for c in out["cancer_type"].unique()}
        out["cancer_type_label"] = out["cancer_type"].map(labels)
        for m in settings.markers:
            out[m] = data[m].astype(float)
            out[f"{m}_scale"] = data[f"{m}_scale"]
            out[f"{m}_below_lod"] = data[f"{m}_below_lod"].astype(bool)
        for e in settings.endpoints:
            out[f"{e}_time"] = data.get(f"{e}_time", np.nan)
            out[f"{e}_event"] = pd.array(
                data.get(f"{e}_event", pd.Series(np.nan, index=data.index)).astype(float),
                dtype="Int8",
            )
            incomplete = out[f"{e}_time"].isna() | out[f"{e}_event"].isna()
            out.loc[incomplete, [f"{e}_time", f"{e}_event"]] = [np.nan, pd.NA]
            if e in settings.competing:
                out[f"{e}_cause"] = self.competing_cause(data, out, e)
            if "entry_time" in data:
                out[f"{e}_entry"] = data["entry_time"].where(out[f"{e}_time"].notna())
        out["age"] = data.get("age", np.nan)
        out["sex"] = data.get("sex", np.nan)
        out["stage"] = data.get("stage", np.nan)
        out["stage_group"] = data.get("stage_group", np.nan)
        for covariate in settings.covariates:
            out[covariate.id] = data.get(covariate.id, np.nan)
            if covariate.type == "continuous":
                out[covariate.id] = out[covariate.id].astype(float)
        if settings.treatment is not None:
            out["treatment"] = data.get("treatment", np.nan)
        out = standardize_markers(
            out, settings.markers, self.vocab, located(self.spec, self.spec.primary)
        )
        return (
            out[patient_columns(settings, entry="entry_time" in data)]
            .sort_values(["cancer_type", "patient_id"], kind="mergesort")
            .reset_index(drop=True)
        )

    def competing_cause(self, data: pd.DataFrame, out: pd.DataFrame, endpoint: str) -> pd.Series:
        """What ended follow-up: 0 censored, 1 the event of interest, 2 a competing event (the
        event column then says censored); missing where the endpoint is, or where a censored
        patient's competing-event column is."""
        source = data.get(f"{endpoint}_competing", pd.Series(np.nan, index=data.index))
        competing = pd.array(source.astype(float), dtype="Int8")
        event = out[f"{endpoint}_event"]
        both = ((competing == 1) & (event == 1)).fillna(False).to_numpy(dtype=bool)
        if both.any():
            raise HarmonizationError(
                Problem(
                    f"endpoint {endpoint}: {int(both.sum())} patient(s) have both the event "
                    "and a competing event",
                    Location(cohort=self.spec.id, file=self.spec.source),
                    hint=f"Check the map of endpoints.{endpoint}.competing: the event of "
                    "interest must map to 0 there",
                )
            )
        ended_by_competing = (competing == 1).fillna(False).to_numpy(dtype=bool)
        cause = pd.array(np.where(ended_by_competing, 2, 0), dtype="Int8")
        cause[competing.isna()] = pd.NA
        cause[(event == 1).fillna(False).to_numpy(dtype=bool)] = 1
        cause[event.isna().to_numpy()] = pd.NA
        return pd.Series(cause, index=out.index)

    def marker_qc(self, data: pd.DataFrame, patients: pd.DataFrame) -> pd.DataFrame:
        parts = []
        for m in self.settings.markers:
            have = data[m].notna() | data[f"{m}_below_lod"]
            parts.append(
                pd.DataFrame(
                    {
                        "cohort": self.spec.id,
                        "cancer_type": data["cancer_type"][have].to_numpy(),
                        "marker": m,
                        "scale": data[f"{m}_scale"][have].to_numpy(),
                        "source_unit": data[f"{m}_source_unit"][have].to_numpy(),
                        "source_value": data[f"{m}_source"][have].to_numpy(),
                        "value": data[m][have].to_numpy(),
                        "below_lod": data[f"{m}_below_lod"][have].to_numpy(),
                    }
                )
            )
        return (
            pd.concat(parts, ignore_index=True)
            .sort_values(["cancer_type", "marker", "value"], kind="mergesort")
            .reset_index(drop=True)
        )


def harmonize_cohort(spec: CohortSpec, vocab: Vocabulary, settings: Settings) -> HarmonizedCohort:
    """Harmonize one cohort (see the module docstring for the order of steps)."""
    return CohortHarmonizer(spec, vocab, settings).run()


def entry_after_follow_up(data: pd.DataFrame, endpoints) -> np.ndarray:
    """Rows whose delayed entry is at or after the end of follow-up of an endpoint: the
    patient was never observed at risk for it."""
    if "entry_time" not in data:
        return np.zeros(len(data), dtype=bool)
    entry = data["entry_time"]
    late = [(entry >= data[f"{e}_time"]).fillna(False) for e in endpoints if f"{e}_time" in data]
    return np.column_stack(late).any(axis=1) if late else np.zeros(len(data), dtype=bool)
