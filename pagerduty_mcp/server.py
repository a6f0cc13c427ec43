"""``pagerduty-mcp``: all areas in one server, narrowed with ``--toolsets``; and ``AREAS``.

``AREAS`` is the one list of product areas. The catalogue, the docs, the bench, the tests and
their markers all derive from it. An area is the package ``pagerduty_mcp.servers.<name>``, whose
``server`` module declares ``AREA``; adding one is its folder and one name below.
"""

from __future__ import annotations

import importlib

from pagerduty_mcp.common import Area, build_app

__all__ = ["AREAS", "app", "area_module", "main"]

AREAS: tuple[Area, ...] = tuple(
    importlib.import_module(f"pagerduty_mcp.servers.{name}.server").AREA
    for name in ("incidents", "services", "people", "aiops")
)


def area_module(name: str) -> str:
    """The module that ``python -m`` runs for an area's server (``mcp``: the combined one)."""
    return "pagerduty_mcp" if name == "mcp" else f"pagerduty_mcp.servers.{name}"


app = build_app(
    "pagerduty-mcp",
    AREAS,
    help_text=f"PagerDuty MCP server with every area ({', '.join(a.name for a in AREAS)}); narrow it with --toolsets.",
)


def main() -> None:
    app()
