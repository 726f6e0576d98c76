"""The truth file's cohort entries: checked, and turned into simulation designs.

A cohort's truth says how to simulate it (:mod:`markersurv.simulate.core`) and how its
export is messy (:mod:`markersurv.simulate.export`); this module checks an entry and holds
it as a :class:`CohortTruth`, which both the export writer and the spec writer read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from markersurv.errors import ConfigError, Location, Problem
from markersurv.simulate.core import CohortDesign

DURATION_FIELDS = ("os_time", "os_event", "pfs_time", "pfs_event")
DATE_FIELDS = ("diagnosis_date", "last_contact_date", "death_date", "progression_date")
FIELDS: tuple[str, ...] = (
    "patient_id",
    "cancer_type",
    "age",
    "sex",
    "stage",
    "il6",
    "pstat3",
    "treatment",
    "entry",
    "dss_cause",
)
FIELDS += DURATION_FIELDS + DATE_FIELDS

COHORT_KEYS = frozenset(
    "description cancer_type n seed log_hr baseline censoring population export planted "
    "treatment truncation competing label".split()
)
OPTIONAL_COHORT_KEYS = {"planted", "treatment", "truncation", "competing", "label"}
EXPORT_KEYS = frozenset(
    "dir id tables columns cancer_type sex stage il6 time dates events missing".split()
)
TABLE_KEYS = frozenset(
    "file fields sheet notes_sheet delimiter decimal encoding messy_ids unmatched_ids "
    "dropped_fraction shuffle".split()
)
PLANTED_KEYS = {"duplicate_row", "death_before_diagnosis"}
# Designs a cohort may state, each exported as a table field exactly when stated:
# (field, truth key, whether it needs `time` durations, what to give).
OPTIONAL_DESIGNS = (
    (
        "treatment",
        "treatment",
        False,
        "a treatment is exported exactly when the cohort states one: give both "
        "`treatment` (its arms and effects) and a table field `treatment`, or neither",
    ),
    (
        "entry",
        "truncation",
        True,
        "delayed entry is exported exactly when the cohort states a truncation, as a "
        "duration: give `truncation` (entry_max_months), a table field `entry` and "
        "`time` durations, or neither",
    ),
    (
        "dss_cause",
        "competing",
        True,
        "death from another cause is exported exactly when the cohort states one, "
        "with durations: give `competing` (median_months, log_hr), a table field "
        "`dss_cause` and `time` durations, or neither",
    ),
)


@dataclass(frozen=True)
class CohortTruth:
    """One cohort of the truth file: its simulation design and its export."""

    design: CohortDesign
    description: str
    export: Mapping[str, Any]
    planted: Mapping[str, Any]
    label: str = ""  # the cohort's name in figures; its id where the truth gives none


def _unknown_keys(mapping, allowed, where, problems):
    if not isinstance(mapping, Mapping):
        problems.append(Problem("expected a mapping", where, found=repr(mapping)))
        return
    for key in sorted(set(mapping) - set(allowed), key=str):
        problems.append(Problem(f"unknown key {key!r}", where, expected=str(sorted(allowed))))


# Complexity over the limit: one check per key of a cohort's truth, each with its own message.
def parse_cohort(cohort_id: str, entry: Mapping[str, Any], source: str) -> CohortTruth:  # noqa: C901
    """Check one cohort entry of the truth file and build its design.

    Raises
    ------
    ConfigError
        Listing every unknown or missing key and every invalid value found.
    """
    where = Location(cohort=cohort_id, file=source)
    problems: list[Problem] = []
    _unknown_keys(entry, COHORT_KEYS, where, problems)
    missing = sorted(COHORT_KEYS - OPTIONAL_COHORT_KEYS - set(entry or {}))
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
    fields_written = {f for t in tables.values() for f in t.get("fields", [])}
    for field, key, durations, message in OPTIONAL_DESIGNS:
        written = field in fields_written
        if written != (key in entry) or (durations and written and "time" not in export):
            problems.append(Problem(message, where))
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
            treatment=entry.get("treatment"),
            truncation=entry.get("truncation"),
            competing=entry.get("competing"),
        )
    except (ValueError, TypeError, KeyError) as error:
        raise ConfigError.at(str(error), cohort=cohort_id, file=source) from error
    return CohortTruth(design, entry["description"], export, planted, entry.get("label", ""))
