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
from typing import Any

import numpy as np
import pandas as pd

from markersurv.simulate import export as ex
from markersurv.simulate.competing import OtherCauseDeath
from markersurv.simulate.pstat3_scales import PSTAT3_SCALES, pstat3_on_scale
from markersurv.simulate.spec import DEFAULT_DELIMITER, cohort_spec, table_format
from markersurv.simulate.treatment import TreatmentEffect
from markersurv.simulate.truncation import Truncation
from markersurv.simulate.truth import CohortTruth

# Concentration of 1 unit in pg/mL, as in resources/vocab/marker_scales.yaml.
IL6_PG_PER_UNIT = {"pg/mL": 1.0, "ng/L": 1.0, "ng/mL": 1000.0, "pmol/L": 20.9}


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
    if "treatment" in clean.columns:
        cells["treatment"] = list(clean["treatment"].astype(str))
    if "entry" in clean.columns:
        cells["entry"] = ex.durations(
            clean["entry"].to_numpy(), export["time"]["unit"], export["time"]["decimals"]
        )
    if "dss_cause" in clean.columns:
        cells["dss_cause"] = [int(c) for c in clean["dss_cause"]]
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
        places.update({f: export["time"]["decimals"] for f in ("os_time", "pfs_time", "entry")})
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
        f"{export['columns']['il6']}: detection limit {il6['lod']:g} {il6['unit']}; "
        "survival times in "
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
        *_treatment_notes(design.treatment),
        *_truncation_notes(design.truncation),
        *_competing_notes(design.competing),
        [],
        ["column", "field"],
    ]
    return lines + [[column, field] for field, column in truth.export["columns"].items()]


def _treatment_notes(treatment: TreatmentEffect | None) -> list[list[str]]:
    if treatment is None:
        return []
    interaction = ", ".join(f"{m} {b:g}" for m, b in treatment.interaction.items()) or "none"
    return [
        ["treatment arms", f"{treatment.levels[0]} (reference), {treatment.levels[1]}"],
        ["true treatment log hazard ratio at the marker means", f"{treatment.log_hr:g}"],
        ["true marker x treatment log hazard ratios per SD", interaction],
    ]


def _truncation_notes(truncation: Truncation | None) -> list[list[str]]:
    if truncation is None:
        return []
    return [
        [
            "delayed entry",
            f"uniform on 0-{truncation.entry_max_months:g} months after diagnosis; only "
            "patients seen at entry are exported",
        ]
    ]


def _competing_notes(competing: OtherCauseDeath | None) -> list[list[str]]:
    if competing is None:
        return []
    effects = ", ".join(f"{k} {v:g}" for k, v in competing.log_hr.items()) or "none"
    return [
        [
            "death from another cause",
            f"median {competing.median_months:g} months for the reference patient; the true "
            "log hazard ratios above are those of death from the cancer (dss_cause 1)",
        ],
        ["true log hazard ratios of death from another cause (dss_cause 2)", effects],
    ]
