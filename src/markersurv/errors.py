"""Typed errors whose messages say what was expected, what was found, where, and what to do."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class Location:
    """Where a problem sits: cohort, file, column and row (1-based, as a spreadsheet shows it)."""

    cohort: str | None = None
    file: str | None = None
    column: str | None = None
    row: int | str | None = None

    def describe(self) -> str:
        parts = []
        if self.cohort is not None:
            parts.append(f"cohort {self.cohort!r}")
        if self.file is not None:
            parts.append(f"file {self.file!r}")
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        return ", ".join(parts)


@dataclass
class Problem:
    """One problem found in a cohort spec or its data."""

    message: str
    where: Location = field(default_factory=Location)
    expected: str | None = None
    found: str | None = None
    hint: str | None = None

    def __str__(self) -> str:
        text = self.message
        where = self.where.describe()
        if where:
            text = f"{where}: {text}"
        if self.expected is not None:
            text += f"; expected {self.expected}"
        if self.found is not None:
            text += f"; found {self.found}"
        if self.hint is not None:
            text += f". {self.hint}"
        return text


class MarkersurvError(Exception):
    """Base of every error markersurv raises on purpose."""

    def __init__(self, *problems: Problem):
        if not problems:
            raise ValueError("an error needs at least one problem")
        self.problems = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{len(self.problems)} problems:"]
        lines += [f"  {i}. {p}" for i, p in enumerate(self.problems, 1)]
        return "\n".join(lines)

    @classmethod
    def at(cls, message: str, *, expected=None, found=None, hint=None, **where) -> MarkersurvError:
        """Build an error for one problem at one location (cohort=, file=, column=, row=)."""
        return cls(Problem(message, Location(**where), expected, found, hint))


class ConfigError(MarkersurvError):
    """The analysis config is invalid."""


class CohortSpecError(MarkersurvError):
    """A cohort spec is invalid or does not match its data files."""


class InputFileError(MarkersurvError):
    """A data file cannot be read as declared (missing, corrupt, wrong sheet or encoding)."""


class OutputError(MarkersurvError):
    """An output cannot be written (the disk is full, the folder is read-only)."""


class HarmonizationError(MarkersurvError):
    """A value in a data file cannot be harmonized (unknown code, impossible value, conflict)."""


def closest(name: str, options: Iterable[str], n: int = 3) -> list[str]:
    """The options closest to ``name``, best first (for 'did you mean' hints).

    >>> closest("IL6_pgml", ["IL6 pg/mL", "age", "IL6_pg_ml"])
    ['IL6_pg_ml', 'IL6 pg/mL']
    """
    options = [str(o) for o in options]
    lowered = {o.lower(): o for o in options}
    hits = difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=0.5)
    return [lowered[h] for h in hits]


def did_you_mean(name: str, options: Iterable[str]) -> str:
    """A hint sentence naming the closest options, or listing a few when none is close."""
    options = [str(o) for o in options]
    near = closest(name, options)
    if near:
        return "Closest: " + ", ".join(repr(o) for o in near)
    shown = ", ".join(repr(o) for o in options[:12])
    more = f" (and {len(options) - 12} more)" if len(options) > 12 else ""
    return f"Available: {shown}{more}"
