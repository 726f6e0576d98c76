"""Random small cohorts, written as CSV, TSV, Excel or Parquet, must either harmonize with
every source row accounted for exactly once, or stop with a located MarkersurvError.

The generator mixes what real exports contain: ids with formatting noise, markers with
detection-limit forms, decimal commas, units in cells and missing tokens, several event
codings, follow-up as durations or as dates (some impossible), repeated rows, title lines,
stray columns, assay tables long or as feature x sample matrices and, now and then,
garbage cells. Any other exception is a failure; cases that failed once are kept under
tests/corpus and replayed by ``test_replay_corpus``.

The examples are fixed (derandomized) so the suite is reproducible; to search for new
failures run with ``MARKERSURV_FUZZ_PROFILE=explore`` (random, 2000 examples).
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from markersurv.errors import HarmonizationError, MarkersurvError
from tests.helpers_cohort import check_ledger, harmonize_path, write_cohort

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
COHORT = "fz"

settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "explore",
    max_examples=2000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
PROFILE = os.environ.get("MARKERSURV_FUZZ_PROFILE", "ci")

MISSING = ["", "NA", "n/a", "#N/A", "-", "."]
GARBAGE = ["abc", "1e309", "inf", "?", "1,2,3", "12 mg/dL", "--", "0", "-1", "=A1", "NULL x"]
EVENTS = ["1", "0", "Dead", "Alive", "deceased", "living", "DEAD ", "yes", "no", 1, 0, 1.0]
CANCER_TYPES = ["BRCA", "breast cancer", "LUAD", "Lung adenocarcinoma", "colon cancer", "HNSCC"]
STAGES = ["I", "IIA", "Stage IIIB", "IV", "I/II NOS", "X", "0", "stage 2", 3, "Tis"]
IL6_UNITS = ["pg/mL", "ng/mL", "ng/L", "pmol/L"]
# formats that cannot read each other's dates, so a cell's first matching format is its own
DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y", "%d %b %Y"]
CELL_UNITS = ["pg/mL", "ng/mL", "pg/ml", "ng/L", "pM"]


@dataclass
class Case:
    """One generated cohort: its spec, its tables (header + rows) and how they are written."""

    spec: dict
    tables: dict[str, list[list]]
    formats: dict[str, dict] = field(default_factory=dict)
    records: dict[str, int] = field(default_factory=dict)  # data rows per table
    # 1-based row of the first record ('col 2' for a wide table, whose records are columns)
    first_row: dict[str, int | str] = field(default_factory=dict)


def number_text(value: float, decimal: str, thousands: str | None) -> str:
    text = (f"{value:,.3f}" if thousands else f"{value:.3f}").rstrip("0").rstrip(".")
    return text.translate({ord(","): thousands or "", ord("."): decimal})


@st.composite
def id_cell(draw, k: int):
    form = draw(st.sampled_from(["P{k}", "P{k:03d}", " p-{k} ", "P_{k}", "p{k}", "P-0{k}"]))
    return form.format(k=k)


@st.composite
def marker_cell(draw, decimal: str, thousands: str | None, typed: bool, garbage: float, lod: bool):
    kinds = ["number"] * 6 + ["lt", "lt_space", "missing", "unit", "unit_lt", "garbage"]
    kind = draw(st.sampled_from(kinds + ["token"] * (2 if lod else 0)))
    if kind == "garbage" and not lod and draw(st.floats(0, 1)) < garbage:
        kind = "token"  # a below-LOD token without a declared limit is an error too
    value = draw(st.floats(0.01, 5000, allow_nan=False).map(lambda x: round(x, 3)))
    if kind == "garbage" and draw(st.floats(0, 1)) < garbage:
        return draw(st.sampled_from(GARBAGE) | st.text(max_size=4))
    if kind == "number" or kind == "garbage":
        return value if typed and draw(st.booleans()) else number_text(value, decimal, thousands)
    if kind == "lt":
        return "<" + number_text(value, decimal, thousands)
    if kind == "lt_space":
        return "< " + number_text(value, decimal, thousands)
    if kind == "token":
        return draw(st.sampled_from(["ND", "n.d.", "below LOD", "<LOD", "BLQ"]))
    if kind == "missing":
        return draw(st.sampled_from(MISSING))
    unit = draw(st.sampled_from(CELL_UNITS))
    prefix = "<" if kind == "unit_lt" else ""
    space = draw(st.sampled_from(["", " "]))
    return f"{prefix}{number_text(value, decimal, thousands)}{space}{unit}"


@st.composite
def coded_cell(draw, codes: list, garbage: float, missing_rate: float = 0.1):
    roll = draw(st.floats(0, 1))
    if roll < garbage:
        return draw(st.sampled_from(["2", "maybe", "?", "Breats", "Stage 5", "x"]))
    if roll < garbage + missing_rate:
        return draw(st.sampled_from(MISSING))
    return draw(st.sampled_from(codes))


@st.composite
def time_cell(draw, decimal: str, typed: bool, garbage: float):
    roll = draw(st.floats(0, 1))
    if roll < garbage / 2:
        return draw(st.sampled_from(["-5", "12 months", "abc", "1e309"]))
    if roll < 0.1:
        return draw(st.sampled_from(MISSING))
    days = draw(st.integers(0, 4000))
    if typed and draw(st.booleans()):
        return days
    return str(days) if draw(st.booleans()) else f"{days}{decimal}5"


@st.composite
def date_cells(draw, formats: list[str], typed: bool, garbage: float):
    """Diagnosis, death and last-contact cells: an event, a censoring, an impossible
    sequence (death before diagnosis) or no follow-up."""
    diagnosis = draw(st.dates(datetime.date(1995, 1, 1), datetime.date(2020, 12, 31)))
    later = diagnosis + datetime.timedelta(days=draw(st.integers(0, 3000)))
    earlier = diagnosis - datetime.timedelta(days=draw(st.integers(1, 400)))
    kind = draw(st.sampled_from(["event", "event", "censored", "censored", "impossible", "none"]))
    death = {"event": later, "impossible": earlier}.get(kind)
    contact = later if kind == "censored" else None

    def cell(day):
        if day is None:
            return draw(st.sampled_from(MISSING))
        if draw(st.floats(0, 1)) < garbage:
            return draw(st.sampled_from(["31/02/2020", "soon", "2020-13-01", "12"]))
        if typed and draw(st.booleans()):
            return datetime.datetime(day.year, day.month, day.day)
        return day.strftime(draw(st.sampled_from(formats)))

    return [cell(diagnosis), cell(death), cell(contact)]


@st.composite
def table_layout(draw):
    """How a table is written: format, notation, typed cells, title line."""
    fmt = draw(st.sampled_from(["csv", "csv_eu", "tsv", "xlsx", "parquet"]))
    options: dict = {}
    write: dict = {"fmt": {"csv_eu": "csv"}.get(fmt, fmt)}
    decimal, thousands = ".", None
    if fmt == "csv_eu":
        decimal = ","
        options.update(delimiter=";", decimal=",")
        write["delimiter"] = ";"
        if draw(st.booleans()):
            thousands = "."
            options["thousands"] = "."
    elif fmt in ("csv", "tsv") and draw(st.booleans()):
        write["newline"] = draw(st.sampled_from(["\r\n", "\r"]))
    if fmt in ("csv", "tsv") and draw(st.booleans()):
        write["encoding"] = draw(st.sampled_from(["utf-8-sig", "utf-16", "latin-1"]))
        if write["encoding"] == "latin-1":
            options["encoding"] = "latin-1"
    title = fmt != "parquet" and draw(st.integers(0, 4)) == 0
    if title:
        options["header_row"] = 2
    typed = fmt == "xlsx"
    suffix = {"csv": "csv", "csv_eu": "csv", "tsv": "tsv", "xlsx": "xlsx", "parquet": "parquet"}
    return fmt, suffix[fmt], options, write, decimal, thousands, typed, title


@st.composite
# Complexity over the limit: a hypothesis strategy drawing one choice per messy feature of a cohort.
def cohorts(draw) -> Case:  # noqa: C901
    garbage = draw(st.sampled_from([0.0, 0.0, 0.0, 0.02, 0.1]))
    fmt, suffix, options, write, decimal, thousands, typed, title = draw(table_layout())
    n = draw(st.integers(0, 8))
    # distinct patients; repeats (identical or conflicting) come from with_repeats
    ks = draw(st.lists(st.integers(1, 12), min_size=n, max_size=n, unique=True))
    with_type = draw(st.booleans())
    with_stage = draw(st.booleans())
    unit = draw(st.sampled_from(IL6_UNITS))
    il6 = {"column": "il6", "unit": unit}
    if draw(st.booleans()):
        il6["lod"] = draw(st.sampled_from([0.5, 1.5, 0.002]))
    dated = draw(st.integers(0, 2)) == 0
    date_formats = draw(
        st.lists(st.sampled_from(DATE_FORMATS), min_size=1, max_size=2, unique=True)
    )
    header = ["pid", "il6", *(["dx", "dod", "lc"] if dated else ["os_time", "os_status"])]
    header += ["type"] * with_type + ["stage"] * with_stage
    extra = draw(st.sampled_from([None] * 6 + ["notes", "", "Name", "il6"]))
    if extra is not None and not (fmt == "parquet" and extra in ("", "il6")):
        header.append(extra)
    rows = []
    for k in ks:
        row = [
            draw(id_cell(k)),
            draw(marker_cell(decimal, thousands, typed, garbage, "lod" in il6)),
        ]
        if dated:
            row += draw(date_cells(date_formats, typed, garbage))
        else:
            row += [draw(time_cell(decimal, typed, garbage)), draw(coded_cell(EVENTS, garbage))]
        if with_type:
            row.append(draw(coded_cell(CANCER_TYPES, garbage)))
        if with_stage:
            row.append(draw(coded_cell(STAGES, garbage)))
        if len(row) < len(header):
            row.append(draw(st.sampled_from(["", "x", "note; with, marks", "é"])))
        rows.append(row)
    rows = draw(with_repeats(rows))
    if fmt == "parquet":
        rows = [["" if c is None else str(c) for c in r] for r in rows]
    table = [header, *rows]
    if title:
        table.insert(0, ["Export, study FZ"])
    time_unit = draw(st.sampled_from(["days", "months"]))
    if draw(st.integers(0, 3)) == 0:
        il6["lod_policy"] = draw(st.sampled_from(["half", "sqrt2", "exclude"]))
    normalizer = {"remove": "[-_ ]", "strip_leading_zeros": True}
    spec = {
        "id": COHORT,
        "description": "generated cohort",
        "provenance": "hypothesis",
        "tables": {
            "clinical": {
                "path": f"clinical.{suffix}",
                "id_column": "pid",
                "id_normalizer": normalizer,
                **options,
            }
        },
        "cancer_type": {"column": "type"} if with_type else {"constant": "BRCA"},
        "markers": {"il6": il6},
        "endpoints": {
            "os": {
                "time": {"column": "os_time", "unit": time_unit},
                "event": {"column": "os_status"},
            }
        },
    }
    if extra == "Name" and draw(st.booleans()):
        spec["identifiers"] = {"Name": "drop"}
    if with_stage:
        spec["stage"] = {"column": "stage"}
    if dated:
        spec["dates"] = {
            name: {"column": column, "format": date_formats}
            for name, column in (("diagnosis", "dx"), ("death", "dod"), ("last_contact", "lc"))
        }
        spec["endpoints"] = {"os": {"event_dates": ["death"]}}
    elif draw(st.integers(0, 3)) == 0:
        spec["endpoints"]["os"]["event"]["map"] = {"Dead": 1, "Alive": 0, "unknown": None}
    case = Case(spec, {"clinical": table}, {"clinical": write})
    case.records["clinical"] = len(rows)
    # Parquet has no header line: its records are numbered from 1
    case.first_row["clinical"] = 1 if fmt == "parquet" else 3 if title else 2
    if draw(st.booleans()):
        add_assay(draw, case, ks or [1], garbage)
    return case


@st.composite
def with_repeats(draw, rows: list[list]):
    """Identical repeats, conflicting repeats and blank rows, in random places."""
    out = list(rows)
    for _ in range(draw(st.integers(0, 2))):
        if not out:
            break
        i = draw(st.integers(0, len(out) - 1))
        copy = list(out[i])
        if draw(st.integers(0, 5)) == 0:
            copy[0 if len(copy) < 3 else 2] = "99"
        out.insert(draw(st.integers(0, len(out))), copy)
    if out and draw(st.integers(0, 5)) == 0:
        out.insert(draw(st.integers(0, len(out))), [""] * len(out[0]))
    return out


def add_assay(draw, case: Case, ks: list[int], garbage: float) -> None:
    fmt, suffix, options, write, decimal, thousands, typed, _ = draw(table_layout())
    replicates = draw(st.booleans())
    rows = []
    samples = draw(st.lists(st.sampled_from([*ks, 13, 14]), max_size=8, unique=True))
    if samples and replicates:
        samples += draw(st.lists(st.sampled_from(samples), max_size=2))
    for k in samples:
        score = draw(st.integers(0, 300))
        cell = draw(st.sampled_from([score, str(score), str(score), "", "NA"]))
        if draw(st.floats(0, 1)) < garbage:
            cell = draw(st.sampled_from(["301", "x", "-3", "1,5"]))
        rows.append([draw(id_cell(k)), cell if typed or not isinstance(cell, int) else str(cell)])
    if fmt == "parquet":
        rows = [[str(c) for c in r] for r in rows]
    options.pop("header_row", None)
    normalizer = {"remove": "[-_ ]", "strip_leading_zeros": True}
    if replicates:
        normalizer["replicates"] = "mean"
    table = {"path": f"assay.{suffix}", "id_normalizer": normalizer, **options}
    wide = fmt != "parquet" and draw(st.integers(0, 2)) == 0
    if wide:
        # a features x samples matrix, as molecular platforms export them
        table["orientation"] = "wide"
        case.tables["assay"] = [["feature", *[r[0] for r in rows]], ["h", *[r[1] for r in rows]]]
        case.first_row["assay"] = "col 2"
    else:
        table["id_column"] = "sample"
        case.tables["assay"] = [["sample", "h"], *rows]
        case.first_row["assay"] = 1 if fmt == "parquet" else 2
    case.spec["tables"]["assay"] = table
    case.spec["markers"]["pstat3"] = {"table": "assay", "column": "h", "scale": "h_score"}
    case.formats["assay"] = write
    case.records["assay"] = len(rows)


def check_case(folder: Path, case: Case) -> str:
    """Write, harmonize and check one case; returns 'ok' or the error class name."""
    spec_path = write_cohort(folder, case.spec, case.tables, case.formats)
    return check_outcome(spec_path, case.records, case.first_row)


def check_outcome(spec_path: Path, records: dict[str, int], first_row: dict[str, int]) -> str:
    try:
        result = harmonize_path(spec_path, markers=("il6", "pstat3"), endpoints=("os",))
    except MarkersurvError as error:
        check_error(error)
        return type(error).__name__
    check_ledger(result, records)
    for table, n in records.items():
        rows = result.exclusions.loc[result.exclusions["table"] == table, "source_row"]
        first = first_row[table]
        if isinstance(first, str):  # wide tables: records are columns, 'col 2' onwards
            start = int(first.split()[1])
            valid = {f"col {c}" for c in range(start, start + n)}
        else:
            valid = {str(r) for r in range(first, first + n)}
        assert set(rows) <= valid, (table, sorted(set(rows) - valid))
    json.dumps(result.flow)
    assert result.patients["os_time"].dropna().ge(0).all()
    assert set(result.patients["os_event"].dropna()) <= {0, 1}
    return "ok"


def check_error(error: MarkersurvError) -> None:
    """Every problem names cohort and file; value problems also name column and row."""
    assert error.problems
    for problem in error.problems:
        where = problem.where
        assert where.cohort == COHORT, problem
        assert where.file, problem
        if isinstance(error, HarmonizationError):
            assert where.column and where.row is not None, problem
        assert str(problem)


@settings(settings.get_profile(PROFILE))
@given(case=cohorts())
def test_generated_cohorts_harmonize_or_stop_with_a_located_error(tmp_path_factory, case):
    check_case(tmp_path_factory.mktemp("cohort"), case)


def corpus_cases() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if (p / "case.yaml").exists())


@pytest.mark.parametrize("folder", corpus_cases(), ids=lambda p: p.name)
def test_replay_corpus(tmp_path, folder):
    """Each saved case still gives its expected outcome, and the invariants hold."""
    shutil.copytree(folder, tmp_path / "case")
    meta = yaml.safe_load((folder / "case.yaml").read_text())
    outcome = check_outcome(tmp_path / "case" / "spec.yaml", meta["records"], meta["first_row"])
    assert outcome == meta["expected"]["outcome"], meta["found"]
    if "message" in meta["expected"]:
        with pytest.raises(MarkersurvError, match=meta["expected"]["message"]):
            harmonize_path(tmp_path / "case" / "spec.yaml")
    if "patients" in meta["expected"]:
        result = harmonize_path(tmp_path / "case" / "spec.yaml")
        assert len(result.patients) == meta["expected"]["patients"]
