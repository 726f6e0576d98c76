"""Commented YAML for drafted cohort specs.

A draft is a tree of :class:`Node` objects: each key carries the comments that say what was
guessed and why, and the ``CHECK`` comments where a person must decide. The text is written
line by line (PyYAML cannot keep comments) and reads back with ``yaml.safe_load`` to the same
data as :func:`to_data`.
"""

from __future__ import annotations

import json
import math
import re
import textwrap
from dataclasses import dataclass, field, replace

WIDTH = 100
PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Words YAML 1.1 reads as booleans or null when unquoted.
RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


@dataclass
class Node:
    """One key of the draft: a scalar or list value, or child keys; with its comments."""

    key: str
    value: object = None
    children: list[Node] | None = None
    items: list[Node] | None = None  # a sequence of mappings (their own keys are unused)
    notes: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    commented: bool = False  # written as comment lines for a person to complete; not data

    def child(self, key: str) -> Node | None:
        return next((c for c in self.children or [] if c.key == key), None)


def mapping(key: str, children: list[Node | None], notes=(), checks=()) -> Node:
    """A mapping node; ``None`` children (fields not guessed) are left out."""
    return Node(
        key, children=[c for c in children if c is not None], notes=list(notes), checks=list(checks)
    )


def remark(topic: str, notes=(), checks=()) -> Node:
    """Comments about ``topic`` with no key of their own (e.g. a field that was not guessed)."""
    return Node(f"#{topic}", notes=list(notes), checks=list(checks))


def scalar(value: object) -> str:
    """One value in YAML flow syntax that ``yaml.safe_load`` reads back unchanged.

    >>> [scalar(v) for v in ["a: b", 1, 0.00001, True, None, [",", "\\t"]]]
    ['"a: b"', '1', '1.0e-05', 'true', 'null', '[",", "\\\\t"]']
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot write non-finite number {value!r}")
        text = repr(value)
        mantissa, _, exponent = text.partition("e")
        # PyYAML only reads a float whose mantissa has a dot.
        if exponent and "." not in mantissa:
            text = f"{mantissa}.0e{exponent}"
        return text
    if isinstance(value, list | tuple):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def key_text(key: str) -> str:
    if PLAIN_KEY.match(key) and key.lower() not in RESERVED:
        return key
    return json.dumps(key, ensure_ascii=False)


def comment_lines(text: str, indent: str) -> list[str]:
    width = max(40, WIDTH - len(indent) - 2)
    lines = textwrap.wrap(text, width=width, subsequent_indent="  ", break_on_hyphens=False)
    return [f"{indent}# {line}" for line in lines or [""]]


def render_node(node: Node, depth: int = 0) -> list[str]:
    indent = "  " * depth
    if node.commented:
        live = render_node(replace(node, commented=False), depth)
        return [
            line if line.lstrip().startswith("#") else f"{indent}# {line[len(indent) :]}"
            for line in live
        ]
    lines: list[str] = []
    for note in node.notes:
        lines += comment_lines(note, indent)
    for check in node.checks:
        lines += comment_lines(f"CHECK: {check}", indent)
    if node.key.startswith("#"):
        return lines
    if node.items is not None:
        lines.append(f"{indent}{key_text(node.key)}:")
        for item in node.items:
            lines += render_item(item, depth + 1)
        return lines
    if node.children is None:
        lines.append(f"{indent}{key_text(node.key)}: {scalar(node.value)}")
        return lines
    if not node.children:
        lines.append(f"{indent}{key_text(node.key)}: {{}}")
        return lines
    lines.append(f"{indent}{key_text(node.key)}:")
    for child in node.children:
        lines += render_node(child, depth + 1)
    return lines


def render_item(item: Node, depth: int) -> list[str]:
    """One mapping of a sequence: '- ' before its first key, comments kept above."""
    lines = []
    for note in item.notes:
        lines += comment_lines(note, "  " * depth)
    for check in item.checks:
        lines += comment_lines(f"CHECK: {check}", "  " * depth)
    body = [line for child in item.children or [] for line in render_node(child, depth + 1)]
    inner = "  " * (depth + 1)
    first = next(i for i, line in enumerate(body) if not line.startswith(f"{inner}#"))
    body[first] = "  " * depth + "- " + body[first][len(inner) :]
    return lines + body


def render(nodes: list[Node], header: list[str]) -> str:
    """The draft as YAML text, with a header comment and a blank line between top-level keys."""
    lines = [line for text in header for line in comment_lines(text, "")]
    for node in nodes:
        if node.children is not None or node.notes or node.checks:
            lines.append("")
        lines += render_node(node)
    return "\n".join(lines) + "\n"


def to_data(nodes: list[Node]) -> dict:
    """The plain data the YAML text holds."""
    data = {}
    for n in nodes:
        if n.key.startswith("#") or n.commented:
            continue
        if n.items is not None:
            data[n.key] = [to_data(item.children or []) for item in n.items]
        elif n.children is not None:
            data[n.key] = to_data(n.children)
        else:
            data[n.key] = list(n.value) if isinstance(n.value, tuple) else n.value
    return data


def checks_of(nodes: list[Node], prefix: str = "") -> list[tuple[str, str]]:
    """Every CHECK with the dotted key path it is attached to."""
    found = []
    for node in nodes:
        path = f"{prefix}{node.key.removeprefix('#')}"
        found += [(path, c) for c in node.checks]
        if node.children:
            found += checks_of(node.children, path + ".")
        for i, item in enumerate(node.items or []):
            found += [(f"{path}[{i}]", c) for c in item.checks]
            found += checks_of(item.children or [], f"{path}[{i}].")
    return found
