"""Harmonize one cohort: source tables in, canonical patient rows and a ledger out.

The order of steps fixes which reason a record is excluded for: blank rows, blank ids,
sample types, duplicates and replicates (per table), patients absent from the primary table,
then per patient a missing cancer type, impossible date sequences, no marker value and no
follow-up. Anything that cannot be harmonized without guessing stops the cohort with a
:class:`~markersurv.errors.HarmonizationError` naming cohort, file, column and row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from markersurv.cohort.references import check_columns, field_references
from markersurv.cohort.spec import CohortSpec
from markersurv.cohort.vocab import Vocabulary
from markersurv.errors import HarmonizationError, Location, Problem
from markersurv.harmonize import fields
from markersurv.harmonize.ids import normalize_ids
from markersurv.harmonize.ledger import Ledger, build_flow
from markersurv.harmonize.privacy.identifiers import apply_identifier_policy
from markersurv.harmonize.privacy.pseudonyms import pseudonymize
from markersurv.harmonize.standardize import standardize_markers
from markersurv.ingest.readers import FILE, ROW, SAMPLE, field_columns, read_table

ID = "__id__"
REC = "__rec__"  # position of a record in its table as read
DATE_FIELDS = ("diagnosis", "last_contact", "death", "progression", "recurrence")


@dataclass(frozen=True)
class Settings:
    """What the analysis config asks of harmonization."""

    markers: tuple[str, ...]
    endpoints: tuple[str, ...]
    lod_policy: str = "half"
    key: bytes = b""


@dataclass
class HarmonizedCohort:
    patients: pd.DataFrame
    exclusions: pd.DataFrame
    flow: dict
    marker_qc: pd.DataFrame


def patient_columns(settings: Settings) -> list[str]:
    """Column order of the canonical patient table."""
    columns = ["cohort", "patient_id", "cancer_type", "cancer_type_label"]
    for m in settings.markers:
        columns += [m, f"{m}_scale", f"{m}_below_lod", f"{m}_z"]
    for e in settings.endpoints:
        columns += [f"{e}_time", f"{e}_event"]
    return columns + ["age", "sex", "stage", "stage_group"]


def source_columns(frame: pd.DataFrame) -> list[str]:
    """The columns of a read table as the file has them (no bookkeeping columns)."""
    return [c for c in field_columns(frame) if c != REC]


def blank_rows(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Rows whose every cell is empty or whitespace (checked column by column, on the rows
    still blank so far, since most rows are ruled out by their first cell)."""
    blank = pd.Series(True, index=frame.index)
    for column in columns:
        rows = blank[blank].index
        if rows.empty:
            break
        cells = frame.loc[rows, column]
        empty = cells.isna() | (cells.astype(str).str.strip() == "")
        blank[rows[~empty.to_numpy()]] = False
    return blank


class CohortHarmonizer:
    """Runs the steps for one cohort; one instance per call of :func:`harmonize_cohort`."""

    def __init__(self, spec: CohortSpec, vocab: Vocabulary, settings: Settings):
        self.spec = spec
        self.vocab = vocab
        self.settings = settings
        self.ledger = Ledger(spec.id, self.public_ids)
        self.counts: dict[str, dict] = {}
        self.problems: list = []

    def public_ids(self, ids: pd.Series) -> pd.Series:
        """Ids as they may appear in outputs: keyed-hash pseudonyms unless the spec allows raw."""
        if self.spec.allow_raw_ids:
            return ids
        return pseudonymize(ids, self.spec.id, self.settings.key)

    # -- reading and per-table steps -------------------------------------------------------
    def where(self, table: str, column: str | None = None) -> dict:
        shown = self.spec.where(table, column)
        shown.pop("row")
        return shown

    def read(self, name: str) -> pd.DataFrame:
        frame = read_table(self.spec, name)
        frame[REC] = np.arange(len(frame))
        self.counts[name] = {
            "files": sorted(set(frame[FILE])) if len(frame) else [self.spec.tables[name].pattern],
            "records": len(frame),
        }
        return apply_identifier_policy(frame, self.spec, name)

    def drop_unusable(self, name: str, frame: pd.DataFrame) -> pd.DataFrame:
        """Blank rows, blank ids and excluded sample types go to the ledger."""
        blank = blank_rows(frame, source_columns(frame))
        self.ledger.exclude(name, frame[blank], "blank_row", "row holds no values")
        frame = frame[~blank]
        options = self.spec.tables[name].options
        raw_ids = (
            frame[SAMPLE] if options.get("orientation") == "wide" else frame[options["id_column"]]
        )
        ids, codes = normalize_ids(raw_ids, options.get("id_normalizer", {}))
        frame = frame.assign(**{ID: ids.to_numpy()})
        missing = (frame[ID] == "").to_numpy()
        written = raw_ids.notna() & (raw_ids.astype(str).str.strip() != "")
        detail = np.where(
            written.to_numpy()[missing],
            "id does not match the id_normalizer's extract pattern",
            "patient id is blank",
        )
        self.ledger.exclude(name, frame[missing], "missing_id", detail)
        frame, codes = frame[~missing], None if codes is None else codes[~missing]
        if codes is not None:
            low, high = options["id_normalizer"]["sample_type"]["keep"]
            keep = codes.between(low, high).to_numpy()
            dropped = frame[~keep]
            detail = [
                f"sample type {c:02.0f} outside {low:02d}-{high:02d}"
                if np.isfinite(c)
                else "sample type code unreadable"
                for c in codes[~keep]
            ]
            self.ledger.exclude(name, dropped, "sample_type_excluded", detail)
            frame = frame[keep]
        return frame

    def deduplicate(self, name: str, frame: pd.DataFrame, parsed: pd.DataFrame) -> pd.DataFrame:
        """One row per patient: exact repeats go to the ledger, replicates are averaged."""
        value_columns = [c for c in parsed.columns if c not in (ID, REC, ROW, FILE)]
        repeated = parsed.duplicated(subset=[ID, *value_columns], keep="first").to_numpy()
        self.ledger.exclude(
            name,
            frame[repeated],
            "duplicate_row",
            "exact repeat of an earlier row",
            parsed[ID][repeated],
            parsed["cancer_type"][repeated].fillna("") if "cancer_type" in parsed else None,
        )
        parsed, frame = parsed[~repeated], frame[~repeated]
        clash = parsed.duplicated(subset=[ID], keep=False).to_numpy()
        if not clash.any():
            return parsed
        policy = self.spec.tables[name].options.get("id_normalizer", {}).get("replicates", "error")
        group = parsed[clash]
        numeric = [
            c
            for c in value_columns
            if pd.api.types.is_float_dtype(parsed[c]) and not c.endswith("_below_lod")
        ]
        others = [c for c in value_columns if c not in numeric]
        if policy == "mean" and not group.groupby(ID)[others].nunique(dropna=False).gt(1).any(
            axis=None
        ):
            merged = group.groupby(ID, sort=False).agg(
                {
                    **{c: "mean" for c in numeric},
                    **{c: "first" for c in others},
                    REC: "first",
                    ROW: "first",
                    FILE: "first",
                }
            )
            for c in [c for c in others if c.endswith("_below_lod")]:
                merged[c] = group.groupby(ID, sort=False)[c].all()
            extra = group.duplicated(subset=[ID], keep="first").to_numpy()
            counts = group.groupby(ID)[ID].transform("size")[extra]
            self.ledger.exclude(
                name,
                frame[clash][extra],
                "replicate_merged",
                [f"averaged with {n - 1} other row(s) of this patient" for n in counts],
                group[ID][extra],
            )
            return pd.concat([parsed[~clash], merged.reset_index()], ignore_index=True)
        first_id = group[ID].iloc[0]
        rows = group[group[ID] == first_id]
        differing = sorted(
            {
                self.source_columns.get(c.removesuffix("_below_lod").removesuffix("_source"), c)
                for c in value_columns
                if rows[c].nunique(dropna=False) > 1
            }
        )
        raise HarmonizationError(
            Problem(
                f"the same patient appears in {len(rows)} rows with conflicting values "
                f"({len(set(group[ID]))} patient(s) affected)",
                Location(
                    **{
                        **self.where(name, ", ".join(differing)),
                        "file": ", ".join(dict.fromkeys(rows[FILE])),
                    },
                    row=", ".join(rows[ROW]),
                ),
                expected="one row per patient, or identical repeats",
                found=f"rows {', '.join(rows[ROW])} differ in {differing}",
                hint="Remove the wrong row, or, for assay replicates, set "
                "`id_normalizer: {replicates: mean}` on this table",
            )
        )

    # -- field parsing ------------------------------------------------------------------------
    def parse_table_fields(self, name: str, frame: pd.DataFrame, refs) -> pd.DataFrame:
        """Parsed values of every field read from this table, aligned with ``frame``."""
        spec, missing = self.spec, self.spec.missing_tokens
        table_opts = spec.tables[name].options
        tokens = (*missing, *table_opts.get("missing_tokens", []))
        out = pd.DataFrame(
            {
                ID: frame[ID].to_numpy(),
                REC: frame[REC].to_numpy(),
                ROW: frame[ROW].to_numpy(),
                FILE: frame[FILE].to_numpy(),
            },
            index=frame.index,
        )
        for ref in refs:
            try:
                out = out.assign(**self.parse_field(ref, frame, table_opts, tokens))
            except HarmonizationError as error:
                # Keep going so that one pass reports every field's problem.
                self.problems.extend(error.problems)
        return out

    def parse_field(self, ref, frame: pd.DataFrame, table_opts: dict, tokens) -> dict:
        """Parsed column(s) of one field reference, by parsed-column name."""
        where = self.where(ref.table, ref.column)
        cells = frame[[ref.column, ROW, FILE]]
        kind, declared, vocab = ref.kind, ref.declared, self.vocab
        if kind == "cancer_type":
            return {
                "cancer_type": fields.cancer_type_codes(
                    cells, ref.column, where, declared.value_map, vocab, tokens
                )
            }
        if kind in ("sex", "event"):
            return {
                ref.key: fields.coded_values(
                    cells,
                    ref.column,
                    where,
                    declared.value_map,
                    vocab.codings[kind],
                    tokens,
                    ref.key,
                )
            }
        if kind == "stage":
            stage, group = fields.stage_values(
                cells, ref.column, where, declared.value_map, vocab, tokens
            )
            return {"stage": stage, "stage_group": group}
        if kind == "age":
            return {
                "age": fields.numeric_values(
                    cells, ref.column, where, table_opts, tokens, "age in years", 0, 120
                )
            }
        if kind == "date":
            return {ref.key: fields.date_values(cells, ref.column, where, declared.formats, tokens)}
        if kind == "duration":
            return {
                ref.key: fields.duration_months(
                    cells, ref.column, where, table_opts, declared.unit, tokens
                )
            }
        value, below, source = fields.marker_values(
            cells,
            ref.column,
            where,
            table_opts,
            declared.value_map,
            declared.lod,
            ref.scale,
            vocab,
            declared.lod_policy or self.settings.lod_policy,
            tokens,
            declared.below_lod_tokens,
        )
        return {ref.key: value, f"{ref.key}_below_lod": below, f"{ref.key}_source": source}

    # -- patient-level steps -----------------------------------------------------------------
    def endpoints_from_dates(
        self, data: pd.DataFrame, patients_frame: pd.DataFrame
    ) -> tuple[pd.DataFrame, np.ndarray]:
        """Durations in months from dates; rows with impossible sequences flagged."""
        diagnosis = data.get("date:diagnosis")
        impossible = np.zeros(len(data), dtype=bool)
        if diagnosis is None:
            return data, impossible
        dated = [
            c
            for c in data.columns
            if c.startswith("date:") and c not in ("date:diagnosis", "date:birth")
        ]
        for column in dated:
            impossible |= (data[column] < diagnosis).fillna(False).to_numpy()
        for endpoint, declared in self.spec.endpoints.items():
            if not declared.from_dates:
                continue
            event_dates = data[
                [f"date:{d}" for d in declared.event_dates if f"date:{d}" in data]
            ].min(axis=1)
            censor = data.get("date:last_contact", pd.Series(pd.NaT, index=data.index))
            end = event_dates.fillna(censor)
            data[f"{endpoint}_time"] = (end - diagnosis).dt.days / fields.DAYS_PER_MONTH
            data[f"{endpoint}_event"] = np.where(
                end.isna(), np.nan, event_dates.notna().astype(float)
            )
            status = f"{endpoint}_event_status"
            if status in data:
                claimed = (pd.to_numeric(data[status], errors="coerce") == 1) & event_dates.isna()
                if claimed.any():
                    first = data[claimed].iloc[0]
                    table = self.spec.table_of(declared.event)
                    raise HarmonizationError.at(
                        f"{endpoint} status says event but no event date is given in "
                        f"{int(claimed.sum())} row(s)"
                        + ("" if table == self.spec.primary else f" (status in table {table!r})"),
                        row=first[ROW],
                        expected=f"one of the dates {list(declared.event_dates)}",
                        found="all empty",
                        hint="Add the date or correct the status",
                        **{
                            **self.where(self.spec.primary, declared.event.column),
                            "file": first[FILE],
                        },
                    )
        return data, impossible

    def choose_marker_sources(self, data: pd.DataFrame) -> pd.DataFrame:
        """First non-missing source of each marker, with its scale recorded."""
        n = len(data)
        for marker in self.settings.markers:
            value, source = np.full(n, np.nan), np.full(n, np.nan)
            below, taken = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
            scale = np.full(n, None, dtype=object)
            for key, scale_name in self.marker_keys.get(marker, []):
                flagged = (
                    data[f"{key}_below_lod"].astype("boolean").fillna(False).to_numpy(dtype=bool)
                )
                take = (data[key].notna().to_numpy() | flagged) & ~taken
                value[take] = data[key].to_numpy(dtype=float)[take]
                source[take] = data[f"{key}_source"].to_numpy(dtype=float)[take]
                below[take] = flagged[take]
                scale[take] = scale_name
                taken |= take
            data[marker], data[f"{marker}_source"] = value, source
            data[f"{marker}_below_lod"], data[f"{marker}_scale"] = below, scale
        return data

    def run(self) -> HarmonizedCohort:
        spec, settings = self.spec, self.settings
        refs = field_references(spec, self.vocab)
        tables = {name: self.read(name) for name in spec.tables}
        # Columns are checked before any is used, so a misspelt id column is a located error.
        check_columns(spec, {n: source_columns(t) for n, t in tables.items()}, refs)
        tables = {name: self.drop_unusable(name, frame) for name, frame in tables.items()}
        self.source_columns = {r.key: r.column for r in refs}
        self.source_columns.update({"stage_group": self.source_columns.get("stage", "")})
        self.marker_keys: dict[str, list[tuple[str, str]]] = {}
        for ref in refs:
            if ref.kind == "marker":
                self.marker_keys.setdefault(ref.marker, []).append(
                    (ref.key, ref.scale.output_scale)
                )
        values = {
            name: self.parse_table_fields(name, frame, [r for r in refs if r.table == name])
            for name, frame in tables.items()
        }
        if self.problems:
            raise HarmonizationError(*self.problems)
        parsed = {name: self.deduplicate(name, tables[name], v) for name, v in values.items()}

        primary = spec.primary
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
        data = data.reset_index(drop=True)
        if spec.cancer_type.constant is not None:
            data["cancer_type"] = self.constant_cancer_type()
        data, impossible = self.endpoints_from_dates(data, tables[primary])
        data = self.choose_marker_sources(data)
        if spec.age is not None and spec.age.birth_date is not None:
            age = (data["date:diagnosis"] - data["date:birth"]).dt.days / 365.25
            data["age"] = age

        ids = data[ID]
        primary_rows = tables[primary].set_index(REC)
        cancer = data["cancer_type"].fillna("")
        steps = [
            ("missing_cancer_type", data["cancer_type"].isna().to_numpy(), "cancer type missing"),
            ("impossible_date_sequence", impossible, "a date before the diagnosis date"),
            (
                "no_marker_value",
                ~np.column_stack(
                    [data[m].notna() | data[f"{m}_below_lod"] for m in settings.markers]
                ).any(axis=1),
                "none of " + ", ".join(settings.markers) + " measured",
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
        data = data[keep].reset_index(drop=True)
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
        out["age"] = data.get("age", np.nan)
        out["sex"] = data.get("sex", np.nan)
        out["stage"] = data.get("stage", np.nan)
        out["stage_group"] = data.get("stage_group", np.nan)
        out = standardize_markers(out, settings.markers, self.vocab, self.where(self.spec.primary))
        return (
            out[patient_columns(settings)]
            .sort_values(["cancer_type", "patient_id"], kind="mergesort")
            .reset_index(drop=True)
        )

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
