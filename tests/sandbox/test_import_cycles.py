"""No import circle inside the sandbox, between modules or between folders.

Every import counts: at the top of a module, inside a function, or under ``TYPE_CHECKING``
(grimp reads them all). ``.importlinter`` holds the floors; this finds any circle and names it.
"""

from __future__ import annotations

from collections.abc import Iterable

import grimp
import pytest

pytestmark = [pytest.mark.unit]

PACKAGE = "pagerduty_mcp.sandbox"


def _circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def _imports(modules: Iterable[str], graph: grimp.ImportGraph) -> dict[str, set[str]]:
    inside = set(modules)
    return {m: {i for i in graph.find_modules_directly_imported_by(m) if i in inside and i != m} for m in inside}


def _siblings(edges: dict[str, set[str]], package: str) -> dict[str, set[str]]:
    """The same imports between the children of ``package`` (its modules and its folders, each
    folder standing for everything in it)."""

    def child(module: str) -> str | None:
        if not module.startswith(package + "."):
            return None
        return package + "." + module[len(package) + 1 :].split(".")[0]

    out: dict[str, set[str]] = {}
    for source, targets in edges.items():
        for target in targets:
            a, b = child(source), child(target)
            if a is not None and b is not None and a != b:
                out.setdefault(a, set()).add(b)
    return out


@pytest.fixture(scope="module")
def sandbox_imports() -> dict[str, set[str]]:
    graph = grimp.build_graph("pagerduty_mcp")
    return _imports((m for m in graph.modules if m == PACKAGE or m.startswith(PACKAGE + ".")), graph)


def test_the_finder_finds_a_circle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circles(edges) == [["a", "b", "c"]]
    assert _circles({"a": {"b"}, "b": set()}) == []


def test_no_module_of_the_sandbox_imports_itself_back(sandbox_imports: dict[str, set[str]]) -> None:
    assert f"{PACKAGE}.core" in sandbox_imports  # the graph is the sandbox's, function-level imports included
    assert f"{PACKAGE}.routes" in sandbox_imports[f"{PACKAGE}.core"]
    assert _circles(sandbox_imports) == []


def test_no_folder_of_the_sandbox_imports_itself_back(sandbox_imports: dict[str, set[str]]) -> None:
    packages = sorted({m for m in sandbox_imports if any(o.startswith(m + ".") for o in sandbox_imports)})
    assert {PACKAGE, f"{PACKAGE}.model", f"{PACKAGE}.routes", f"{PACKAGE}.seed"} <= set(packages)
    circles = {package: _circles(_siblings(sandbox_imports, package)) for package in packages}
    assert circles == {package: [] for package in packages}
