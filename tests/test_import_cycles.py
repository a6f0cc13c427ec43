"""No import circle anywhere in the package: between modules, or between the folders of any
package (the root's ``common``, ``sandbox``, ``servers`` and ``rules`` included), each folder
standing for everything in it.

Every import counts: at the top of a module, inside a function, or under ``TYPE_CHECKING`` (grimp
reads them all). ``.importlinter`` holds the floors and the same rule for CI (``acyclic``); this
finds any circle and names its members.
"""

from __future__ import annotations

from collections.abc import Iterable

import grimp
import pytest

pytestmark = [pytest.mark.unit]

PACKAGE = "pagerduty_mcp"


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
def package_imports() -> dict[str, set[str]]:
    graph = grimp.build_graph(PACKAGE, cache_dir=None)  # a stale cache once hid a fixed circle
    return _imports((m for m in graph.modules if m == PACKAGE or m.startswith(PACKAGE + ".")), graph)


def test_the_finder_finds_a_circle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circles(edges) == [["a", "b", "c"]]
    assert _circles({"a": {"b"}, "b": set()}) == []


def test_folders_stand_for_everything_in_them() -> None:
    edges = {"p.a.x": {"p.b.y"}, "p.b.z": {"p.a.w"}, "p.a.w": set(), "p.b.y": set()}
    assert _circles(edges) == []  # no module comes back to itself ...
    assert _circles(_siblings(edges, "p")) == [["p.a", "p.b"]]  # ... but folder a and folder b do


def test_the_graph_counts_every_kind_of_import(package_imports: dict[str, set[str]]) -> None:
    # Imports inside a function: the sandbox loads its routes when first served; the HTTP gate
    # loads its metrics only when it serves them.
    assert f"{PACKAGE}.sandbox.routes" in package_imports[f"{PACKAGE}.sandbox.core"]
    assert f"{PACKAGE}.common.hosting.metrics" in package_imports[f"{PACKAGE}.common.hosting.http"]


def test_no_module_imports_itself_back(package_imports: dict[str, set[str]]) -> None:
    assert _circles(package_imports) == []


def test_no_folder_imports_itself_back(package_imports: dict[str, set[str]]) -> None:
    packages = sorted({m for m in package_imports if any(o.startswith(m + ".") for o in package_imports)})
    assert {
        PACKAGE,
        f"{PACKAGE}.common",
        f"{PACKAGE}.common.hosting",
        f"{PACKAGE}.common.toolkit",
        f"{PACKAGE}.sandbox",
        f"{PACKAGE}.sandbox.model",
        f"{PACKAGE}.servers",
    } <= set(packages)
    circles = {package: _circles(_siblings(package_imports, package)) for package in packages}
    assert circles == {package: [] for package in packages}
