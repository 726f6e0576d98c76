"""A synthetic cohort from its stated truth: the messy export files and the cohort spec.

The truth of one cohort (a mapping, as read from the truth file) says how to simulate it
(``simulate_core``) and how its export is messy (``export``). ``build_cohort`` returns the
file contents and the matching cohort spec; it never touches the disk. Export draws
(missing cells, spellings, planted rows) continue the cohort's generator after the
simulation, so one seed fixes every byte.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from markersurv import simulate_export as ex
from markersurv.errors import ConfigError, Location, Problem
from markersurv.simulate_core import PSTAT3_SCALES, CohortDesign, pstat3_on_scale
from markersurv.simulate_spec import DEFAULT_DELIMITER, cohort_spec, table_format

# Concentration of 1 unit in pg/mL, as in resources/vocab/marker_scales.yaml.
IL6_PG_PER_UNIT = {"pg/mL": 1.0, "ng/L": 1.0, "ng/mL": 1000.0, "pmol/L": 20.9}
DURATION_FIELDS = ("os_time", "os_event", "pfs_time", "pfs_event")
DATE_FIELDS = ("diagnosis_date", "last_contact_date", "death_date", "progression_date")
FIELDS = ("patient_id", "cancer_type", "age", "sex", "stage", "il6", "pstat3")
FIELDS += DURATION_FIELDS + DATE_FIELDS

COHORT_KEYS = frozenset(
    "description cancer_type n seed log_hr baseline censoring population export planted".split()
)
EXPORT_KEYS = frozenset(
    "dir id tables columns cancer_type sex stage il6 time dates events missing".split()
)
TABLE_KEYS = frozenset(
    "file fields sheet notes_sheet delimiter decimal encoding messy_ids unmatched_ids "
    "dropped_fraction shuffle".split()
)
PLANTED_KEYS = {"duplicate_row", "death_before_diagnosis"}


@dataclass(frozen=True)
class CohortTruth:
    """One cohort of the truth file: its simulation design and its export."""

    design: CohortDesign
    description: str
    export: Mapping[str, Any]
    planted: Mapping[str, Any]


def _unknown_keys(mapping, allowed, where, problems):
    if not isinstance(mapping, Mapping):
        problems.append(Problem("expected a mapping", where, found=repr(mapping)))
        return
    for key in sorted(set(mapping) - set(allowed), key=str):
        problems.append(Problem(f"unknown key {key!r}", where, expected=str(sorted(allowed))))


def parse_cohort(cohort_id: str, entry: Mapping[str, Any], source: str) -> CohortTruth:
    """Check one cohort entry of the truth file and build its design.

    Raises
    ------
    ConfigError
        Listing every unknown or missing key and every invalid value found.
    """
    where = Location(cohort=cohort_id, file=source)
    problems: list[Problem] = []
    _unknown_keys(entry, COHORT_KEYS, where, problems)
    missing = sorted(COHORT_KEYS - {"planted"} - set(entry or {}))
    if missing:
        problems.append(Problem(f"missing keys {missing}", where))
    if problems:
        raise ConfigError(*problems)
    export = entry["export"]
    _unknown_keys(export, EXPORT_KEYS, where, problems)
    tables = export.get("tables") or {}
    if not tables:
        problems.append(Problem("export needs at least one table", where))
    for name, table in tables.items():
        _unknown_keys(table, TABLE_KEYS, Location(cohort_id, source, f"tables.{name}"), problems)
        for field in table.get("fields", []):
            if field not in FIELDS:
                problems.append(
                    Problem(
                        f"unknown field {field!r} in table {name!r}",
                        where,
                        expected=", ".join(FIELDS),
                    )
                )
    planted = entry.get("planted") or {}
    _unknown_keys(planted, PLANTED_KEYS, where, problems)
    if ("dates" in export) == ("time" in export):
        problems.append(
            Problem("export needs exactly one of 'time' (durations) and 'dates'", where)
        )
    if missing_log_hr := {"il6", "pstat3", "age", "male", "late_stage"} - set(entry["log_hr"]):
        problems.append(
            Problem(f"log_hr must state every term; missing {sorted(missing_log_hr)}", where)
        )
    n = entry["n"]
    rows = [planted.get("duplicate_row", 1), *planted.get("death_before_diagnosis", [])]
    if not all(1 <= k <= n for k in rows):
        problems.append(Problem(f"planted patient numbers must be 1-{n}", where, found=str(rows)))
    extra = [k for t in tables.values() for k in t.get("unmatched_ids", [])]
    if any(k <= n for k in extra):
        problems.append(
            Problem(
                f"unmatched_ids must be above n = {n} (absent patients)", where, found=str(extra)
            )
        )
    if problems:
        raise ConfigError(*problems)
    try:
        design = CohortDesign(
            cohort_id=cohort_id,
            cancer_type=entry["cancer_type"],
            n=int(entry["n"]),
            seed=int(entry["seed"]),
            log_hr=dict(entry["log_hr"]),
            baseline=entry["baseline"],
            censoring=entry["censoring"],
            population=entry["population"],
            id_prefix=export["id"]["prefix"],
        )
    except (ValueError, TypeError, KeyError) as error:
        raise ConfigError.at(str(error), cohort=cohort_id, file=source) from error
    return CohortTruth(design, entry["description"], export, planted)


def _title(truth: CohortTruth, command: str) -> str:
    return (
        f"SYNTHETIC DATA - not real patients - cohort {truth.design.cohort_id} - seed "
        f"{truth.design.seed} - regenerate with: {command}"
    )


def _il6_cells(pg_per_ml: np.ndarray, export: Mapping, decimal_mark: str) -> list:
    spec = export["il6"]
    values = pg_per_ml / IL6_PG_PER_UNIT[spec["unit"]]
    return ex.below_detection_limit(
        values, spec["lod"], spec["below_lod"], spec["decimals"], decimal_mark
    )


def _canonical_cells(truth: CohortTruth, clean: pd.DataFrame, rng, decimal_mark) -> pd.DataFrame:
    export, n = truth.export, len(clean)
    cells: dict[str, list] = {
        "patient_id": ex.format_patient_ids(
            range(1, n + 1), export["id"]["prefix"], export["id"]["width"]
        ),
    }
    if "labels" in export["cancer_type"]:
        cells["cancer_type"] = ex.choose_labels(n, export["cancer_type"]["labels"], rng)
    cells["age"] = [int(a) for a in clean["age"]]
    cells["sex"] = ex.code_values(clean["sex"].astype(str), export["sex"])
    stage = export["stage"]
    cells["stage"] = ex.stage_labels(
        list(clean["stage"].astype(str)),
        stage["forms"],
        rng,
        nos_fraction=stage.get("nos_fraction", 0.0),
        unknown_fraction=stage.get("unknown_fraction", 0.0),
        unknown_token=stage.get("unknown_token", "unknown"),
    )
    cells["il6"] = _il6_cells(clean["il6"].to_numpy(), export, decimal_mark)
    cells["pstat3"] = [float(v) for v in clean["pstat3"]]
    if "time" in export:
        for endpoint in ("os", "pfs"):
            cells[f"{endpoint}_time"] = ex.durations(
                clean[f"{endpoint}_time"].to_numpy(),
                export["time"]["unit"],
                export["time"]["decimals"],
            )
            cells[f"{endpoint}_event"] = ex.code_values(
                clean[f"{endpoint}_event"], export["events"][endpoint]["codes"]
            )
    else:
        dates = export["dates"]
        cutoff = dt.date.fromisoformat(str(dates["cutoff"]))
        cells.update(ex.calendar_dates(clean, cutoff, dates["format"]))
    return pd.DataFrame(cells, dtype=object)


def _decimals(export: Mapping, scale: str) -> dict[str, int]:
    places = {
        "age": 0,
        "il6": export["il6"]["decimals"],
        "pstat3": PSTAT3_SCALES[scale].get("decimals", 0),
    }
    if "time" in export:
        places.update(os_time=export["time"]["decimals"], pfs_time=export["time"]["decimals"])
    return places


def _extra_assay_rows(truth, numbers, rng, decimal_mark) -> pd.DataFrame:
    pop = truth.design.population
    normals = rng.standard_normal((2, len(numbers)))
    il6 = np.exp2(pop.il6_log2_mean + pop.il6_log2_sd * normals[0])
    return pd.DataFrame(
        {
            "patient_id": list(numbers),
            "il6": _il6_cells(il6, truth.export, decimal_mark),
            "pstat3": [float(v) for v in pstat3_on_scale(normals[1], pop.pstat3_scale)],
        },
        dtype=object,
    )


def _secondary_table(truth, cells, table, rng, decimal_mark) -> pd.DataFrame:
    """A joined table (e.g. the assay file): some patients absent, extra ids, retyped ids."""
    fields = list(table["fields"])
    numbers = np.arange(1, len(cells) + 1)
    keep = rng.random(len(cells)) >= table.get("dropped_fraction", 0.0)
    part = cells.loc[keep, fields].reset_index(drop=True)
    part["patient_id"] = list(numbers[keep])
    extra = table.get("unmatched_ids", [])
    if extra:
        part = pd.concat(
            [part, _extra_assay_rows(truth, extra, rng, decimal_mark)[fields]], ignore_index=True
        )
    if table.get("shuffle", False):
        part = part.iloc[rng.permutation(len(part))].reset_index(drop=True)
    prefix = truth.export["id"]["prefix"]
    if table.get("messy_ids", False):
        part["patient_id"] = ex.messy_patient_ids(list(part["patient_id"]), prefix, rng)
    else:
        part["patient_id"] = ex.format_patient_ids(
            list(part["patient_id"]), prefix, truth.export["id"]["width"]
        )
    return part


def build_cohort(
    truth: CohortTruth, command: str, data_dir: str
) -> tuple[dict[str, bytes], dict[str, Any]]:
    """Simulate one cohort and export it: file contents by relative path, and its spec.

    Parameters
    ----------
    truth : CohortTruth
        The cohort entry of the truth file (``parse_cohort``).
    command : str
        The command that regenerates the demo, written into every file and the spec.
    data_dir : str
        Name of the data-folder placeholder for spec paths (``demo`` gives
        ``{demo}/<dir>/<file>``).
    """
    design, export, planted = truth.design, truth.export, truth.planted
    rng = np.random.default_rng(design.seed)
    clean = design.simulate(rng, latent=True)
    tables = export["tables"]
    primary = next(iter(tables))
    decimal_mark = tables[primary].get("decimal", ".")
    cells = _canonical_cells(truth, clean, rng, decimal_mark)
    date_format = export.get("dates", {}).get("format")
    if planted.get("death_before_diagnosis"):
        rows = [k - 1 for k in planted["death_before_diagnosis"]]
        cells = ex.death_before_diagnosis(cells, rows, date_format, rng)
    missing = export.get("missing", {})
    cells = ex.blank_cells(
        cells,
        missing.get("fractions", {}),
        missing.get("tokens", [""]),
        rng,
        groups={"pfs": ["pfs_time", "pfs_event"]},
    )
    columns = export["columns"]
    places = {
        columns[k]: v
        for k, v in _decimals(export, design.population.pstat3_scale).items()
        if k in columns
    }
    title = _title(truth, command)
    files: dict[str, bytes] = {}
    for name, table in tables.items():
        if name == primary:
            part = cells[list(table["fields"])]
            if "duplicate_row" in planted:
                part = ex.repeat_row(part, planted["duplicate_row"] - 1)
        else:
            part = _secondary_table(truth, cells, table, rng, table.get("decimal", "."))
        part = part.rename(columns=columns)
        path = f"{export['dir']}/{table['file']}"
        fmt = table_format(path)
        if fmt == "xlsx":
            files[path] = ex.render_xlsx(
                part,
                sheet=table["sheet"],
                notes_sheet=table["notes_sheet"],
                title_rows=[title, _xlsx_subtitle(export)],
                notes=_notes(truth, command),
                decimals=places,
            )
        else:
            files[path] = ex.render_delimited(
                part,
                delimiter=table.get("delimiter", DEFAULT_DELIMITER[fmt]),
                decimal_mark=table.get("decimal", "."),
                decimals=places,
                title=title,
                encoding=table.get("encoding", "utf-8"),
            )
    return files, cohort_spec(truth, command, data_dir)


def _xlsx_subtitle(export) -> str:
    il6 = export["il6"]
    return (
        f"Serum IL-6 in {il6['unit']} (detection limit {il6['lod']:g}); survival times in "
        f"{export['time']['unit'] if 'time' in export else 'dates'}"
    )


def _notes(truth: CohortTruth, command: str) -> list[list[str]]:
    design = truth.design
    lines = [
        ["SYNTHETIC DATA - not real patients"],
        ["cohort", design.cohort_id],
        ["description", truth.description],
        ["generator", command],
        ["seed", str(design.seed)],
        ["true log hazard ratios", ", ".join(f"{k} {v:g}" for k, v in design.log_hr.items())],
        [],
        ["column", "field"],
    ]
    return lines + [[column, field] for field, column in truth.export["columns"].items()]
