"""The sandbox's floors hold in the code as well as in the imports: only the store reaches into its
tables, and routes reach the account only through the store's methods and the model's rules."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

import pagerduty_mcp.sandbox
from pagerduty_mcp.sandbox import Store

pytestmark = [pytest.mark.unit]

SANDBOX = Path(pagerduty_mcp.sandbox.__file__).parent


def _attributes(path: Path) -> list[tuple[int, str]]:
    """(line, name) of every ``something.name`` the module reads or writes."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return [(node.lineno, node.attr) for node in ast.walk(tree) if isinstance(node, ast.Attribute)]


def _where(paths: list[Path], names: set[str]) -> list[str]:
    return [
        f"{path.relative_to(SANDBOX)}:{line} .{name}"
        for path in paths
        for line, name in _attributes(path)
        if name in names
    ]


def test_only_the_store_reaches_into_its_tables() -> None:
    modules = [p for p in sorted(SANDBOX.rglob("*.py")) if p != SANDBOX / "model" / "store.py"]
    assert len(modules) > 50
    assert _where(modules, {"tables"}) == []


def test_routes_reach_the_account_through_the_store_methods_and_the_model() -> None:
    registers = {name for name in vars(Store(1, datetime(2026, 1, 1, tzinfo=UTC))) if not name.startswith("_")}
    assert {"tables", "memberships", "open_incidents", "tokens", "dependencies"} <= registers
    routes = sorted((SANDBOX / "routes").glob("*.py"))
    assert _where(routes, registers) == []
