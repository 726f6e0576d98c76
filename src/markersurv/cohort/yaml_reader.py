"""YAML read safely and strictly, for cohort specs and the analysis config.

Safely: no tags, no code, and within size limits (bytes, and nodes once aliases are
expanded, so an alias bomb stops before it is built). Strictly: what a reader sees in the
file is what the program gets, so

- a key given twice in one mapping is an error naming both lines (YAML would let the last
  one win without a word);
- merge keys (``<<``) are refused: they bring settings in from elsewhere;
- no privacy setting arrives by indirection: an anchor or alias under one of
  :data:`PRIVACY_KEYS`, or an alias standing for a mapping that holds one, is refused.
  Anchors and aliases elsewhere (a shared ``id_normalizer``) are fine.

Every problem is reported at once, naming the file and the line; none echoes a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from markersurv.errors import CohortSpecError, Location, Problem

MAX_YAML_BYTES = 1_000_000
MAX_YAML_NODES = 200_000
MERGE_TAG = "tag:yaml.org,2002:merge"
ANY = "*"
# Key paths (ANY for any key) of settings that decide what is kept private: in a cohort spec
# the identifier columns, raw ids in outputs and the id column of each table (it is
# pseudonymized and not checked for identifiers); in the config the pseudonymization key's
# source, the small-count suppression of shared reports and the folders data may be read
# from.
PRIVACY_KEYS: tuple[tuple[str, ...], ...] = (
    ("identifiers",),
    ("allow_raw_ids",),
    ("tables", ANY, "id_column"),
    ("pseudonymization",),
    ("privacy",),
    ("data_dirs",),
)

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Indirection:
    """An anchor (``&name``) or alias (``*name``) and where it sits in the document."""

    kind: str  # "anchor" or "alias"
    name: str
    path: KeyPath
    line: int


class StrictLoader(yaml.SafeLoader):
    """The safe loader, recording every anchor and alias with its key path and line."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.indirections: list[Indirection] = []
        self.paths: list[KeyPath] = []

    def compose_node(self, parent, index):
        path: KeyPath = ()
        if parent is not None:
            base = self.paths[-1]
            if isinstance(index, int):
                path = (*base, index)
            elif isinstance(index, yaml.ScalarNode):
                path = (*base, index.value)
            elif index is not None:
                path = (*base, ANY)
            else:
                path = base  # a key: it stands where its mapping stands
        event = self.peek_event()
        if getattr(event, "anchor", None) is not None:
            kind = "alias" if isinstance(event, yaml.AliasEvent) else "anchor"
            line = event.start_mark.line + 1
            self.indirections.append(Indirection(kind, str(event.anchor), path, line))
        self.paths.append(path)
        try:
            return super().compose_node(parent, index)
        finally:
            self.paths.pop()


def read_yaml(path: str | Path, error: type = CohortSpecError) -> Any:
    """The document of a YAML file, read safely and strictly (see the module's docstring);
    ``error`` is the error class raised (a cohort spec's or the config's)."""
    path = Path(path)
    where = Location(file=str(path))
    if not path.is_file():
        raise error(
            Problem(
                "file not found" if not path.exists() else "not a file",
                where,
                hint="Check the path in the config's cohorts list",
            )
        )
    size = path.stat().st_size
    if size > MAX_YAML_BYTES:
        raise error(
            Problem(
                "the file is too large for a YAML spec",
                where,
                expected=f"at most {MAX_YAML_BYTES} bytes",
                found=f"{size} bytes",
                hint="A spec names its data files; it does not hold the data",
            )
        )
    try:
        loader = StrictLoader(path.read_text(encoding="utf-8"))
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            expanded_size(node, {}, set(), where, error)
            problems = strict_problems(node, loader, where)
            if problems:
                raise error(*problems)
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise error(Problem(f"not valid YAML: {exc}", where)) from None
    except RecursionError:
        raise error(
            Problem("the YAML is nested too deeply", where, hint="Check the file")
        ) from None


def expanded_size(node: yaml.Node, sizes: dict, open_nodes: set, where: Location, error) -> int:
    """Nodes in the document with every alias expanded (each shared node counted once per
    use); stops as soon as the limit is passed, and on an alias to the node holding it."""
    if id(node) in sizes:
        return sizes[id(node)]
    if id(node) in open_nodes:
        raise error(Problem("a YAML alias refers to the node that contains it", where))
    open_nodes.add(id(node))
    total = 1
    for child in children(node):
        total += expanded_size(child, sizes, open_nodes, where, error)
        if total > MAX_YAML_NODES:
            raise error(
                Problem(
                    "the YAML expands to too many values (aliases repeated within aliases?)",
                    where,
                    expected=f"at most {MAX_YAML_NODES} values once aliases are expanded",
                    hint="Write the values out, or use fewer nested aliases",
                )
            )
    open_nodes.discard(id(node))
    sizes[id(node)] = total
    return total


def children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def strict_problems(root: yaml.Node, loader: StrictLoader, where: Location) -> list[Problem]:
    """Keys given twice, merge keys, and anchors or aliases reaching a privacy setting."""
    problems = []
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue  # an alias: its mapping was checked where the anchor stands
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            problems += mapping_problems(node, loader, where)
        stack.extend(reversed(children(node)))
    problems += [
        indirection_problem(i, where)
        for i in loader.indirections
        if reaches_privacy_setting(i.path, alias=i.kind == "alias")
    ]
    return sorted(problems, key=first_line_of)


def first_line_of(problem: Problem) -> int:
    """The line a problem's message starts with ('line 8: ...', 'lines 4 and 5: ...')."""
    return int(problem.message.split(":")[0].split()[1])


def mapping_problems(node: yaml.MappingNode, loader: StrictLoader, where: Location) -> list:
    problems = []
    first_line: dict[Any, int] = {}
    for key, _ in node.value:
        line = key.start_mark.line + 1
        if key.tag == MERGE_TAG:
            problems.append(
                Problem(
                    f"line {line}: merge keys (`<<`) are not allowed",
                    where,
                    hint="Write the keys out where they apply, so that every setting is "
                    "visible where it takes effect",
                )
            )
            continue
        if not isinstance(key, yaml.ScalarNode):
            continue  # a mapping or list as a key: constructing the document refuses it
        name = loader.construct_object(key)
        if name in first_line:
            problems.append(
                Problem(
                    f"lines {first_line[name]} and {line}: key {str(key.value)[:80]!r} is "
                    "given twice in one mapping",
                    where,
                    hint="Keep one of them: YAML would silently use the last",
                )
            )
        else:
            first_line[name] = line
    return problems


def reaches_privacy_setting(path: KeyPath, alias: bool) -> bool:
    """Whether an anchor or alias at ``path`` sits under a privacy setting, or (an alias)
    stands for a mapping that holds one.

    >>> reaches_privacy_setting(("identifiers", "name"), alias=True)
    True
    >>> reaches_privacy_setting(("tables", "rppa", "id_normalizer"), alias=True)
    False
    >>> reaches_privacy_setting(("tables", "rppa"), alias=True)
    True
    >>> reaches_privacy_setting(("tables", "rppa"), alias=False)
    False
    """
    for keys in PRIVACY_KEYS:
        common = min(len(path), len(keys))
        if all(k in (ANY, p) for p, k in zip(path[:common], keys[:common], strict=True)):
            if len(path) >= len(keys) or alias:
                return True
    return False


def indirection_problem(indirection: Indirection, where: Location) -> Problem:
    at = ".".join(str(p) for p in indirection.path) or "the top level"
    return Problem(
        f"line {indirection.line}: {indirection.kind} {indirection.name!r} at {at} reaches "
        "a privacy setting",
        where,
        expected="privacy settings (identifiers, allow_raw_ids, id_column, "
        "pseudonymization, privacy, data_dirs) written out in place",
        hint="Write the setting's value out instead of the anchor or alias",
    )
