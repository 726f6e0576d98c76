"""Direct identifiers in drafted tables: columns named like one (a name, a birth date, an
e-mail) or whose cells hold one (e-mail addresses, national ids, phone numbers, personal
names). The draft drops them when read and never quotes their cells."""

from __future__ import annotations

from markersurv.harmonize.privacy.content import content_kind
from markersurv.harmonize.privacy.identifiers import looks_like_identifier
from markersurv.ingest.readers import field_columns
from markersurv.init_cohort.ids import TableIds
from markersurv.init_cohort.sniff import SniffedTable
from markersurv.init_cohort.spec_yaml import Node, mapping


def identifier_columns(tables: dict[str, SniffedTable]) -> dict[str, dict[str, str]]:
    """Columns whose cells hold direct identifiers (e-mail addresses, national ids, phone
    numbers, personal names), by table: column -> what they hold. Nothing the draft writes
    quotes their cells."""
    found: dict[str, dict[str, str]] = {}
    for name, table in tables.items():
        if table.wide:
            continue
        for column in field_columns(table.frame):
            kind = content_kind(table.frame[column])
            if kind is not None:
                found.setdefault(name, {})[column] = kind
    return found


def identifier_node(
    tables: dict[str, SniffedTable], ids: TableIds, age: Node | None, by_content: dict
) -> Node | None:
    """Direct identifiers are dropped when read; a birth date used for age is kept."""
    birth = age.child("birth_date") if age is not None else None
    kept = birth.child("column").value if birth is not None else None
    entries: dict[str, Node] = {}
    for name, table in tables.items():
        if table.wide:
            continue
        for column in field_columns(table.frame):
            if column == ids.columns[name] or column in entries:
                continue
            if column in by_content.get(name, {}):
                entries[column] = Node(
                    column,
                    "drop",
                    notes=[
                        f"guessed: the cells hold {by_content[name][column]}, direct "
                        "identifiers; dropped when read"
                    ],
                )
            elif column == kept:
                entries[column] = Node(
                    column,
                    "keep",
                    notes=["guessed: the birth date gives age; it is never written to outputs"],
                )
            elif looks_like_identifier(column):
                entries[column] = Node(
                    column,
                    "drop",
                    notes=["guessed: the name suggests a direct identifier; dropped when read"],
                )
    return mapping("identifiers", list(entries.values())) if entries else None
