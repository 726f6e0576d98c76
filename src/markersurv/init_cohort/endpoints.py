"""Guess the endpoints of a drafted spec: time and status columns, or calendar dates.

Units come from the column names (days, weeks, months, years, in several languages), else from
the magnitude with a check; date formats from the values, with a check when day and month
cannot be told apart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from markersurv.harmonize.fields import MONTHS_PER_UNIT
from markersurv.init_cohort.fields import PLACEHOLDER, Context, coded_map
from markersurv.init_cohort.profile import ColumnProfile, has_phrase, quote_values
from markersurv.init_cohort.spec_yaml import Node, mapping, remark

UNIT_WORDS = {
    "days": {"days", "day", "d", "jours", "jour", "j", "tage", "dias"},
    "weeks": {"weeks", "week", "wk", "wks", "w", "semaines", "sem"},
    "months": {"months", "month", "mo", "mos", "mth", "mths", "m", "mois", "monate", "meses"},
    "years": {"years", "year", "yr", "yrs", "y", "ans", "annees", "jahre"},
}
TIME_WORDS = {
    "futime", "time", "duration", "survival", "survie", "followup", "follow", "fu", "tte", "length",
    "interval"
}  # fmt: skip
EVENT_WORDS = {
    "fustat", "delta", "status", "event", "events", "vital", "censor", "censored", "cens", "statut",
    "dead", "death", "died", "deces", "indicator", "flag", "outcome", "etat"
}  # fmt: skip
# Bare names of a follow-up time or status (R's survival data use futime and fustat).
GENERIC_WORDS = {
    "time", "futime", "status", "fustat", "event", "censor", "censored", "cens", "delta",
    "followup", "follow", "up", "fu", "lfu", "duration"
}  # fmt: skip
# Endpoint ids by the words naming them; the specific ones first, overall survival last.
ENDPOINT_NAMES = [
    ("pfs", [("pfs",), ("progression", "free"), ("sans", "progression"), ("progression",),
             ("prog",), ("ttp",)]),
    ("pfi", [("pfi",)]),
    ("dss", [("dss",), ("disease", "specific"), ("css",), ("cancer", "specific")]),
    ("dfi", [("dfi",)]),
    ("dfs", [("dfs",), ("disease", "free")]),
    ("rfs", [("rfs",), ("relapse",), ("recurrence",)]),
    ("efs", [("efs",), ("event", "free")]),
    ("os", [("os",), ("overall",), ("survie", "globale"), ("vital",), ("death",), ("dead",),
            ("died",), ("deces",), ("survival",), ("survie",)]),
]  # fmt: skip
# Names saying a status column is 1 (or yes) when censored.
CENSOR_WORDS = {"censor", "censored", "cens", "censoring"}
# The longest follow-up of a cohort, in months, that a time unit must give to be chosen from
# the values alone: more than 6 months, less than 40 years.
PLAUSIBLE_LONGEST_FOLLOWUP = (6.0, 480.0)
DATE_FORMATS = ("%d/%m/%Y", "%m/%d/%Y", "%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%Y/%m/%d")
ISO_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S")
DATE_ROLES = [
    ("birth", [("birth",), ("dob",), ("born",), ("naissance",)]),
    ("death", [("death",), ("died",), ("dod",), ("deces",)]),
    ("progression", [("progression",), ("prog",), ("pd",)]),
    ("recurrence", [("recurrence",), ("relapse",), ("rec",), ("recidive",)]),
    ("last_contact", [("last",), ("contact",), ("followup",), ("follow",), ("fu",), ("lfu",),
                      ("censor",), ("censoring",), ("seen",)]),
    ("diagnosis", [("diagnosis",), ("dx",), ("diag",), ("diagnostic",), ("surgery",),
                   ("entry",), ("enrolment",), ("enrollment",), ("inclusion",), ("baseline",),
                   ("start",)]),
]  # fmt: skip


# -- endpoints from durations ------------------------------------------------------------------
def endpoint_of(col: ColumnProfile) -> tuple[str | None, float]:
    """Endpoint id named by a column and how clearly (3: abbreviation, 2: phrase, 1: word;
    0.5: a bare 'time' or 'status' naming no endpoint, taken as overall survival)."""
    for endpoint, phrases in ENDPOINT_NAMES:
        for phrase in phrases:
            if has_phrase(col.tokens, phrase):
                strength = 3.0 if phrase == (endpoint,) else 2.0 if len(phrase) > 1 else 1.0
                return endpoint, strength
    units = set().union(*UNIT_WORDS.values())
    rest = {t for t in col.tokens if t not in units}
    if rest and rest <= GENERIC_WORDS:
        return "os", 0.5
    return None, 0.0


def unit_of(col: ColumnProfile) -> str | None:
    for unit, words in UNIT_WORDS.items():
        if set(col.tokens) & words:
            return unit
    return None


def units_fitting(top: float) -> list[str]:
    """Time units in which the longest follow-up would be plausible."""
    lo, hi = PLAUSIBLE_LONGEST_FOLLOWUP
    return [u for u in UNIT_WORDS if lo <= top * MONTHS_PER_UNIT[u] <= hi]


def time_unit(col: ColumnProfile) -> tuple[str, list[str], list[str]]:
    """The unit of a time column from its header, or from a range only one unit fits."""
    top, span = float(np.max(col.numbers)), col.describe_range()
    named, fitting = unit_of(col), units_fitting(top)
    if named and top * MONTHS_PER_UNIT[named] <= PLAUSIBLE_LONGEST_FOLLOWUP[1]:
        return named, [f"guessed: time column; unit {named} from the name; {span}"], []
    if named:
        years = top * MONTHS_PER_UNIT[named] / 12
        check = (
            f"the name says {named} but the longest time would be {years:.0f} years ({span}; "
            f"{', '.join(fitting) or 'no unit'} would fit): set the unit the study used"
        )
        return PLACEHOLDER, [], [check]
    if len(fitting) == 1:
        note = (
            f"guessed: time column; no unit in the name; {fitting[0]} is the only unit that "
            f"puts the longest follow-up within 6 months to 40 years ({span})"
        )
        return fitting[0], [note], []
    check = (
        f"no unit in the name, and {span} fit {' or '.join(fitting) or 'no unit'}: set the "
        "unit (days, weeks, months, years) the study used"
    )
    return PLACEHOLDER, [], [check]


def time_node(ctx: Context, col: ColumnProfile) -> Node:
    unit, notes, checks = time_unit(col)
    return ctx.ref("time", col, [Node("unit", unit, checks=checks)], notes)


def event_node(ctx: Context, col: ColumnProfile) -> Node:
    codes = ctx.vocab.codings["event"]
    seen = quote_values(sorted(col.shown[label] for label in col.labels if label in codes))
    node, checks = coded_map(col, codes, "event", "1 (event) or 0 (censored)", unclear(col))
    note = (
        f"guessed: status column; values {seen} match the event codings"
        if seen != "" and node is None
        else "guessed: status column by its name"
    )
    return ctx.ref("event", col, [node] if node else [], [note], checks)


def unclear(col: ColumnProfile) -> str | None:
    """Why no value of a status column can be read by the codings alone, or None."""
    numbers = {label for label in col.labels if label.lstrip("-").isdigit()}
    if numbers - {"0", "1"}:
        return (
            f"codes {quote_values(sorted(col.shown[n] for n in numbers))} are not 0/1 "
            "(1/2 may mean censored/event)"
        )
    if set(col.tokens) & CENSOR_WORDS:
        return f"the name {col.name!r} says censored, so its yes/1 may mean censored"
    return None


def candidates(ctx: Context, scored: list) -> tuple[ColumnProfile | None, list]:
    """The best column, or None and the columns that tie for it."""
    best = ctx.best(scored)
    if best is None:
        return None, []
    tied = [c for s, c in scored if s == best[0]]
    return (best[1], []) if len(tied) == 1 else (None, tied)


def undecided(ctx: Context, key: str, cols: list[ColumnProfile], endpoint: str) -> Node:
    """A time or status field whose column a person must choose among the candidates."""
    for col in cols:
        ctx.used.add((col.table, col.name))
    tables = {c.table for c in cols}
    named = quote_values(
        c.name if tables == {ctx.primary} else f"{c.table}: {c.name}" for c in cols
    )
    check = f"columns {named} could each be the {endpoint} {key}: set the column"
    children = [Node("column", PLACEHOLDER, checks=[check])]
    if key == "time":
        units = "; ".join(f"{c.name!r}: {time_unit(c)[0]}" for c in cols)
        then = f"set the unit of the chosen column (from its name or range: {units})"
        children.append(Node("unit", PLACEHOLDER, checks=[then]))
    return mapping(key, children)


def is_time(col: ColumnProfile) -> bool:
    if col.numeric_share < 0.9 or len(col.numbers) < 2 or col.numbers.min() < 0:
        return False
    if set(np.unique(col.numbers)) <= {0.0, 1.0}:
        return False
    return bool(unit_of(col) or set(col.tokens) & TIME_WORDS)


def is_event(ctx: Context, col: ColumnProfile, endpoint: str) -> bool:
    if not col.n or len(col.labels) > 6:
        return False
    codes = ctx.vocab.codings["event"]
    share = col.share_in(codes)
    named = bool(set(col.tokens) & EVENT_WORDS) or col.tokens == (endpoint,)
    words = any(not label.isdigit() for label in col.labels if label in codes)
    return (named and (share >= 0.5 or len(col.labels) <= 4)) or (share >= 0.9 and words)


def guess_duration_endpoints(ctx: Context) -> list[Node]:
    times: dict[str, list] = {}
    events: dict[str, list] = {}
    for col in ctx.columns():
        endpoint, strength = endpoint_of(col)
        if endpoint is None:
            continue
        if is_time(col):
            times.setdefault(endpoint, []).append((strength + bool(unit_of(col)), col))
        elif is_event(ctx, col, endpoint):
            events.setdefault(endpoint, []).append((strength, col))
    nodes = []
    for endpoint, _ in ENDPOINT_NAMES:
        if not times.get(endpoint) or not events.get(endpoint):
            continue
        nodes.append(duration_endpoint(ctx, endpoint, times[endpoint], events[endpoint]))
    return nodes


def duration_endpoint(ctx: Context, endpoint: str, times: list, events: list) -> Node:
    """One endpoint's time and status fields; a tie between columns is a CHECK."""
    time, tied_times = candidates(ctx, times)
    event, tied_events = candidates(ctx, events)
    checks = []
    if time is not None and event is not None:
        if max(endpoint_of(time)[1], endpoint_of(event)[1]) < 1:
            checks.append(
                f"{time.name!r} and {event.name!r} name no endpoint: overall survival "
                "assumed; rename the key (pfs, dss, ...) if they measure another endpoint"
            )
    children = [
        time_node(ctx, time) if time is not None else undecided(ctx, "time", tied_times, endpoint),
        event_node(ctx, event)
        if event is not None
        else undecided(ctx, "event", tied_events, endpoint),
    ]
    return mapping(endpoint, children, checks=checks)


# -- dates ------------------------------------------------------------------------------------
def date_formats(col: ColumnProfile) -> list[str]:
    """Candidate formats that read every non-missing cell of the column (ISO dates, as
    workbooks store them, always read)."""
    if not col.n or col.numeric_share > 0.5:
        return []
    text = pd.Series(col.text.unique())
    if not text.str.contains(r"\d[-/.]\d", regex=True).all():
        return []

    def reads(cells, fmt):
        return pd.to_datetime(cells, format=fmt, errors="coerce").notna().to_numpy()

    iso = reads(text, ISO_FORMATS[0]) | reads(text, ISO_FORMATS[1])
    if iso.all():
        return [ISO_FORMATS[0]]
    rest = text[~iso]
    return [fmt for fmt in DATE_FORMATS if reads(rest, fmt).all()]


def date_role(col: ColumnProfile) -> str | None:
    for role, phrases in DATE_ROLES:
        if any(has_phrase(col.tokens, p) for p in phrases):
            return role
    return None


def guess_dates(ctx: Context) -> tuple[dict[str, Node], list[str]]:
    """Date fields by role (birth, diagnosis, last_contact, death, progression, recurrence),
    and notes on date columns left out."""
    found: dict[str, tuple[ColumnProfile, list[str]]] = {}
    skipped = []
    for col in ctx.columns():
        formats = date_formats(col)
        if not formats:
            continue
        role = date_role(col)
        if role is None or role in found:
            skipped.append(col.name)
            continue
        found[role] = (col, formats)
    if not found:
        return {}, skipped
    # The columns of one table share a format: a day above 12 anywhere settles the order.
    by_table: dict[str, set] = {}
    for col, formats in found.values():
        by_table.setdefault(col.table, set(DATE_FORMATS)).intersection_update(formats)
    nodes = {}
    for role, (col, formats) in found.items():
        common = [f for f in formats if f in by_table[col.table]] or formats
        fmt, checks = common[0], []
        if {"%d/%m/%Y", "%m/%d/%Y"} <= set(common):
            checks.append(
                "every date reads both as day/month and month/day (no day above 12): set "
                "the format the export used (%d/%m/%Y or %m/%d/%Y)"
            )
            fmt = PLACEHOLDER
        why = (
            "dates with a day above 12 settle the order"
            if fmt in ("%d/%m/%Y", "%m/%d/%Y") and not checks
            else "every date reads so"
        )
        note = f"guessed: {role.replace('_', ' ')} date by its name"
        if fmt != PLACEHOLDER:
            note += f"; format {fmt} ({why})"
        nodes[role] = ctx.ref(role, col, [Node("format", fmt, checks=checks)], [note])
    return nodes, skipped


def date_endpoints(dates: dict[str, Node], taken: set[str]) -> list[Node]:
    """Endpoints from calendar dates, for those not given as durations."""
    wanted = [
        ("os", ["death"]),
        ("pfs", ["progression", "death"]),
        ("dfs", ["recurrence", "death"]),
    ]
    nodes = []
    for endpoint, events in wanted:
        if endpoint in taken or events[0] not in dates:
            continue
        use = [e for e in events if e in dates]
        note = (
            f"guessed: {endpoint} from dates: first of {', '.join(use)} after diagnosis; "
            "censored at last contact"
        )
        nodes.append(mapping(endpoint, [Node("event_dates", use)], [note]))
    return nodes


def guess_endpoints(ctx: Context, age: Node | None):
    """Endpoints (durations first, then dates), the ``dates`` node, the age node (from a birth
    date when no age column exists), and remarks on date columns left out."""
    endpoints = guess_duration_endpoints(ctx)
    dates, skipped = guess_dates(ctx)
    remarks: list[Node] = []
    birth = dates.pop("birth", None)
    roles = ("diagnosis", "last_contact", "death", "progression", "recurrence")
    date_nodes = [dates[r] for r in roles if r in dates]
    dates_node = None
    if date_nodes and "diagnosis" not in dates:
        columns = quote_values(n.child("column").value for n in date_nodes)
        remarks.append(
            remark(
                "dates",
                checks=[
                    f"date columns {columns} found but no diagnosis date: add `dates:` with a "
                    "diagnosis date to use them"
                ],
            )
        )
    elif date_nodes:
        checks = (
            []
            if "last_contact" in dates
            else ["no last-contact date: patients without an event have no follow-up time"]
        )
        dates_node = mapping("dates", date_nodes, checks=checks)
        endpoints += date_endpoints(dates, {e.key for e in endpoints})
        if birth is not None and (age is None or age.key.startswith("#")):
            birth.key = "birth_date"
            age = mapping("age", [birth], ["guessed: age from the birth and diagnosis dates"])
    if skipped:
        remarks.append(
            remark(
                "dates",
                [
                    f"not used: date columns {quote_values(skipped)} (role not recognised from the "
                    "name)"
                ],
            )
        )
    order = [e for e, _ in ENDPOINT_NAMES[-1:] + ENDPOINT_NAMES[:-1]]
    endpoints.sort(key=lambda e: order.index(e.key) if e.key in order else len(order))
    if not endpoints:
        endpoints = [
            mapping(
                "os",
                [
                    mapping("time", [Node("column", "CHECK"), Node("unit", "months")]),
                    mapping("event", [Node("column", "CHECK")]),
                ],
                checks=[
                    "no follow-up columns recognised: name the time and status columns, or "
                    "give dates"
                ],
            )
        ]
    return endpoints, dates_node, age, remarks
