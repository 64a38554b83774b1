"""The package's layering: the plugin imports its helpers and none imports it back, no module
of conformance/ is part of an import cycle, and neither is any room of the house.

A cycle is where a module "needs" another that needs it: the two can only be read, tested and
changed together, and an import inside a function is how one gets papered over. Imports under
`if TYPE_CHECKING:` are for the type checker only and do not count.

The rooms are the package's top-level modules and each subpackage taken as a whole (report,
fuzz, reference, cases): two modules may each be free of cycles while their subpackages still
import one another (the fuzz plugin reading the options while the options read the fuzz
settings). With no cycle among the rooms, each room has a floor (`floors`): 0 for one that
imports no other room, else one above the highest floor it imports from; an import only ever
goes down. `python tests/test_layering.py` prints the floors.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "conformance"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    """Every module of the package (the cases included), by dotted name."""
    return {module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _top_level(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """The imports a module runs when it is imported (TYPE_CHECKING blocks excepted)."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If) and not _is_type_checking(node):
            yield from _top_level(node.body)
            yield from _top_level(node.orelse)
        elif isinstance(node, ast.Try):
            yield from _top_level(node.body)


def imported(node: ast.Import | ast.ImportFrom, known: Mapping[str, Path]) -> set[str]:
    """The package's modules an import statement loads, parent packages included."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif node.level == 0 and node.module:
        names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
    else:
        return set()  # the package uses absolute imports only
    found: set[str] = set()
    for name in names:
        parts = name.split(".")
        found |= {".".join(parts[:n]) for n in range(1, len(parts) + 1)} & set(known)
    return found


def import_graph(known: Mapping[str, Path], top_level_only: bool = True) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        nodes = (
            _top_level(tree.body)
            if top_level_only
            else (n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom))
        )
        # A package's own modules do not load it again: it is already loading (or loaded).
        parents = {name.rsplit(".", n)[0] for n in range(1, name.count(".") + 1)}
        graph[name] = {dep for node in nodes for dep in imported(node, known)} - {name, *parents}
    return graph


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def room(module: str) -> str:
    """A module's room: a top-level module is its own, a subpackage's module is the subpackage
    (conformance.report.hooks: conformance.report)."""
    return ".".join(module.split(".")[:2])


def room_graph(graph: Mapping[str, set[str]]) -> dict[str, set[str]]:
    """Which rooms import which: the module graph with each module taken to its room."""
    rooms: dict[str, set[str]] = {}
    for module, deps in graph.items():
        here = room(module)
        rooms.setdefault(here, set()).update(room(dep) for dep in deps if room(dep) != here)
    return rooms


def floors(rooms: Mapping[str, set[str]]) -> dict[str, int]:
    """Each room's floor: the longest chain of imports down to a room that imports no other
    (the room graph must have no cycle)."""

    @cache
    def floor(name: str) -> int:
        return 1 + max((floor(dep) for dep in rooms.get(name, ())), default=-1)

    return {name: floor(name) for name in rooms}


def test_cycle_check_finds_a_cycle_and_nothing_else() -> None:
    """The check below must be able to fail."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_type_checking_imports_and_function_imports_are_not_top_level() -> None:
    tree = ast.parse(
        "import os\nif TYPE_CHECKING:\n    import conformance.client\n"
        "def f():\n    import conformance.plugin\n"
    )
    assert [n.names[0].name for n in _top_level(tree.body)] == ["os"]  # type: ignore[union-attr]


def test_no_module_of_the_package_imports_the_plugin() -> None:
    """The plugin is the top: it imports its helpers, never the other way round (anywhere in
    a module, not only at its top)."""
    graph = import_graph(modules(), top_level_only=False)
    assert sorted(name for name, deps in graph.items() if "conformance.plugin" in deps) == []


def test_no_import_cycle_in_the_package() -> None:
    graph = import_graph(modules())
    assert len(graph) > 40  # the walk found the package
    assert cycles(graph) == []


def test_room_check_finds_a_cycle_no_module_is_part_of() -> None:
    """The check below must be able to fail: a top-level module imports a subpackage's module,
    and another of its modules imports the top-level one back."""
    graph = {
        "p.options": {"p.fuzz.settings"},
        "p.fuzz.settings": set(),
        "p.fuzz.plugin": {"p.options"},
        "p.run": {"p.options"},
    }
    assert cycles(graph) == []
    assert room_graph(graph) == {
        "p.options": {"p.fuzz"},
        "p.fuzz": {"p.options"},
        "p.run": {"p.options"},
    }
    assert cycles(room_graph(graph)) == [["p.fuzz", "p.options"]]
    acyclic = {**graph, "p.options": set()}
    assert floors(room_graph(acyclic)) == {"p.options": 0, "p.fuzz": 1, "p.run": 1}


def test_no_import_cycle_among_the_rooms_of_the_package() -> None:
    """Each top-level module of conformance/ and each subpackage as a whole: no import from a
    lower floor to a higher one."""
    rooms = room_graph(import_graph(modules()))
    assert {"conformance.report", "conformance.fuzz", "conformance.cases"} <= set(rooms)
    assert cycles(rooms) == []
    # The plugin's room imports from every floor and is under none but the cases'.
    above = {
        name for name, floor in floors(rooms).items() if floor > floors(rooms)["conformance.plugin"]
    }
    assert above <= {"conformance.cases"}


if __name__ == "__main__":
    by_floor: dict[int, list[str]] = {}
    for name, level in floors(room_graph(import_graph(modules()))).items():
        by_floor.setdefault(level, []).append(name.removeprefix("conformance."))
    for level in sorted(by_floor, reverse=True):
        print(level, " ".join(sorted(by_floor[level])))
