"""``CHECK`` placeholders in a cohort spec, found with the line of the spec file they are on.

``markersurv init-cohort`` writes ``CHECK`` where it cannot decide (a unit, a scoring
system, an event code, a date order) with a ``# CHECK:`` comment saying what to check.
``markersurv validate`` refuses a spec while one is left, naming its key path
(``markers.il6.unit``) and line, before the schema check: a placeholder may stand where the
schema allows only a few words (a time unit).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from markersurv.errors import Location, Problem

PLACEHOLDER = "CHECK"


def key_lines(path: str | Path) -> dict[str, int]:
    """Dotted key path (``markers.il6.sources[0].unit``) -> 1-based line of its key.

    Call after :func:`markersurv.cohort.spec.read_yaml` has checked the file's size and
    aliases; this composes the same text again for the position of every key."""
    text = Path(path).read_text(encoding="utf-8")
    lines: dict[str, int] = {}
    walk(yaml.compose(text, Loader=yaml.SafeLoader), "", None, lines)
    return lines


def walk(node: yaml.Node | None, path: str, line: int | None, lines: dict[str, int]) -> None:
    if path:
        lines.setdefault(path, line)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = f"{path}.{key.value}" if path else str(key.value)
            walk(value, child, key.start_mark.line + 1, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            walk(item, f"{path}[{i}]", item.start_mark.line + 1, lines)


def placeholder_paths(data, path: str = "") -> list[str]:
    """Dotted key paths whose value is the ``CHECK`` placeholder."""
    if isinstance(data, dict):
        return [
            p for k, v in data.items() for p in placeholder_paths(v, f"{path}.{k}" if path else k)
        ]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in placeholder_paths(v, f"{path}[{i}]")]
    return [path] if data == PLACEHOLDER else []


def check_comment(text_lines: list[str], line: int) -> str | None:
    """The ``# CHECK:`` comment in the block of comments right above ``line`` (1-based)."""
    block: list[str] = []
    for i in range(line - 2, -1, -1):
        stripped = text_lines[i].strip()
        if not stripped.startswith("#"):
            break
        block.insert(0, stripped)
    for i, comment in enumerate(block):
        if comment.startswith("# CHECK:"):
            words = [comment.removeprefix("# CHECK:").strip()]
            for follow in block[i + 1 :]:
                if not follow.startswith("#   "):  # comment_lines indents continued lines
                    break
                words.append(follow.removeprefix("#").strip())
            return " ".join(words)
    return None


def parent_path(key: str) -> str:
    """'markers.il6.unit' -> 'markers.il6'; 'a.sources[0]' -> 'a.sources'."""
    cut = max(key.rfind("."), key.rfind("["))
    return key[:cut] if cut > 0 else ""


def placeholder_problems(path: str | Path, data, cohort: str | None) -> list[Problem]:
    """One problem per ``CHECK`` left in the spec at ``path`` (whose parsed YAML is ``data``)."""
    found = placeholder_paths(data)
    if not found:
        return []
    lines = key_lines(path)
    text_lines = Path(path).read_text(encoding="utf-8").splitlines()
    problems = []
    for key in found:
        line = lines.get(key)
        # init-cohort writes the comment above the key, or above the field that holds it.
        owners = [k for k in (key, parent_path(key)) if k in lines]
        comment = next(
            (c for k in owners if (c := check_comment(text_lines, lines[k])) is not None), None
        )
        where = f" (line {line})" if line else ""
        problems.append(
            Problem(
                f"{key}{where}: the CHECK placeholder written by init-cohort is still there",
                Location(cohort=cohort, file=str(path)),
                expected="a decided value",
                found=PLACEHOLDER,
                hint=(f"The draft says: {comment}. " if comment else "")
                + "Replace CHECK with the value the study used",
            )
        )
    return problems


def is_placeholder_schema_problem(problem: Problem, paths: list[str]) -> bool:
    """A schema problem about a placeholder (already reported as such): at its key, or a
    choice of forms (``oneOf``) failing above it because of it."""
    keys = [p.replace(".", "/").replace("[", "/").replace("]", "") for p in paths]
    for key in keys:
        if problem.message.startswith(f"at {key}:"):
            return True
        ancestors = key.split("/")[:-1]
        for i in range(1, len(ancestors) + 1):
            above = "/".join(ancestors[:i])
            if problem.message.startswith(f"at {above}:") and problem.message.endswith(
                "is not valid under any of the given schemas"
            ):
                return True
    return False
