"""``pagerduty-mcp``: all areas in one server, narrowed with ``--toolsets``; and ``AREAS``.

``AREAS`` are the product areas, loaded from the one list of their names
(``pagerduty_mcp.servers.AREA_NAMES``). The catalogue, the docs, the bench, the tests and their
markers all derive from it. An area is the package ``pagerduty_mcp.servers.<name>``, whose
``server`` module declares ``AREA``; adding one is its folder and its name in that list.
"""

from __future__ import annotations

from pagerduty_mcp.common import Area, build_app
from pagerduty_mcp.servers import load_areas

__all__ = ["AREAS", "app", "area_module", "main"]

AREAS: tuple[Area, ...] = load_areas()


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
