"""The library's layout: packages in stage order, no import cycles, small modules.

A package may import only packages below it in ``STAGES`` (and the top-level ``errors``);
``cli`` may import anything. Imports inside functions count: they are still dependencies.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[2] / "src" / "markersurv"

# Lowest first: each package may import the ones before it.
STAGES = (
    "tables",
    "config",
    "cohort",
    "ingest",
    "harmonize",
    "stats",
    "analysis",
    "plots",
    "figures",
    "reporting",
    "simulate",
    "init_cohort",
    "pipeline",
)
TOP_LEVEL = {"__init__", "cli", "errors"}
# "About 400 lines": a module a reader can hold in mind at once.
MAX_LINES = 420
# Modules over the limit, each with the reason it is one module.
LONG_MODULES: dict[str, str] = {}


def module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every markersurv module a file imports, at module level or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "markersurv":
                found |= {f"markersurv.{alias.name}" for alias in node.names}
            elif node.module.startswith("markersurv."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("markersurv.")}
    return found


def existing(name: str, modules: set[str]) -> str:
    """``name`` itself if it is a module, else the module that defines it (its parent)."""
    return name if name in modules else name.rpartition(".")[0]


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in SOURCE.rglob("*.py")}
    modules = set(files)
    return {
        name: {existing(m, modules) for m in imported_modules(path)} - {name}
        for name, path in files.items()
    }


def package_of(module: str) -> str:
    return module.split(".")[1] if "." in module else module


def test_top_level_holds_only_the_cli_and_errors():
    flat = {p.stem for p in SOURCE.glob("*.py")}
    assert flat <= TOP_LEVEL, f"flat modules outside a package: {sorted(flat - TOP_LEVEL)}"
    packages = {p.name for p in SOURCE.iterdir() if (p / "__init__.py").exists()}
    assert packages - {"schemas"} == set(STAGES)


def test_packages_import_only_packages_below_them(graph):
    rank = {name: i for i, name in enumerate(STAGES)}
    upward = []
    for module, imports in graph.items():
        here = package_of(module)
        if here not in rank:
            continue
        for target in imports:
            there = package_of(target)
            if there in rank and rank[there] > rank[here]:
                upward.append(f"{module} imports {target}")
    assert not upward, "imports against the stage order:\n" + "\n".join(sorted(upward))


# Drawing stays apart from estimating: figures read the analysis tables, plots draw what
# they are given (DESIGN: "figures draw, never compute").
NO_STATS = ("figures", "plots")


def test_figures_and_plots_compute_nothing(graph):
    found = sorted(
        f"{module} imports {target}"
        for module, imports in graph.items()
        if package_of(module) in NO_STATS
        for target in imports
        if package_of(target) == "stats"
    )
    assert not found, "drawing code that computes statistics:\n" + "\n".join(found)
    scipy = sorted(
        str(path.relative_to(SOURCE))
        for package in NO_STATS
        for path in (SOURCE / package).rglob("*.py")
        if "scipy" in path.read_text()
    )
    assert not scipy, f"drawing code that imports scipy: {scipy}"


def test_no_import_cycles(graph):
    cycles = []
    state: dict[str, int] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_modules_are_small_or_say_why():
    long = {
        str(p.relative_to(SOURCE)): len(p.read_text().splitlines())
        for p in SOURCE.rglob("*.py")
        if len(p.read_text().splitlines()) > MAX_LINES
    }
    unexplained = {path: n for path, n in long.items() if path not in LONG_MODULES}
    assert not unexplained, f"modules over {MAX_LINES} lines without a stated reason: {unexplained}"
    stale = set(LONG_MODULES) - set(long)
    assert not stale, f"listed as long but no longer are: {sorted(stale)}"


def test_the_checks_see_a_violation(tmp_path):
    """The import reader finds imports inside functions and `from markersurv import x`."""
    source = tmp_path / "m.py"
    source.write_text(
        "from markersurv import errors\n"
        "def f():\n"
        "    from markersurv.stats.km import kaplan_meier\n"
        "    import markersurv.plots.theme\n"
    )
    assert imported_modules(source) == {
        "markersurv.errors",
        "markersurv.stats.km",
        "markersurv.plots.theme",
    }
