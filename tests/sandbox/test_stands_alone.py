"""The sandbox stands alone when it runs: loading it loads nothing of ``pagerduty_mcp.common`` and
no MCP, only PagerDuty's rules (``pagerduty_mcp.rules``) beside itself.

Python runs every package's ``__init__`` on the way to a module: ``import a.b.c`` runs ``a`` and
``a.b`` first. So a sandbox module that read one small file of ``common`` would load ``common``'s
front, and with it the toolkit, hosting and the ``mcp`` SDK. This follows the imports as Python
does (function-level ones included), from the graph ``lint-imports`` reads.
"""

from __future__ import annotations

import grimp
import pytest

pytestmark = [pytest.mark.unit]


def _loaded_by(graph: grimp.ImportGraph, start: str) -> set[str]:
    """Every module that loading ``start`` can load: what it imports, and each one's packages."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        parts = module.split(".")
        todo.extend(".".join(parts[:n]) for n in range(1, len(parts)))
        if module in graph.modules:
            todo.extend(graph.find_modules_directly_imported_by(module))
    return seen


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("pagerduty_mcp", include_external_packages=True, cache_dir=None)


def test_the_walk_follows_packages_and_imports(graph: grimp.ImportGraph) -> None:
    loaded = _loaded_by(graph, "pagerduty_mcp.common.pagerduty.config")
    assert {"pagerduty_mcp.common", "pagerduty_mcp.common.hosting.cli", "mcp"} <= loaded  # through common's front


def test_loading_the_sandbox_loads_neither_common_nor_mcp(graph: grimp.ImportGraph) -> None:
    sandbox = sorted(m for m in graph.modules if m == "pagerduty_mcp.sandbox" or m.startswith("pagerduty_mcp.sandbox."))
    loaded = set().union(*(_loaded_by(graph, module) for module in sandbox))
    assert "pagerduty_mcp.rules.scope_table" in loaded
    outside = sorted(
        m for m in loaded if m.startswith(("pagerduty_mcp.common", "pagerduty_mcp.servers", "mcp", "mcp_types"))
    )
    assert outside == []
