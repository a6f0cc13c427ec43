"""``pagerduty-mcp``: all four areas in one server, narrowed with ``--toolsets``."""

from __future__ import annotations

from pagerduty_mcp.common import build_app
from pagerduty_mcp.servers.aiops.server import AREA as AIOPS
from pagerduty_mcp.servers.incidents.server import AREA as INCIDENTS
from pagerduty_mcp.servers.people.server import AREA as PEOPLE
from pagerduty_mcp.servers.services.server import AREA as SERVICES

__all__ = ["AREAS", "app", "main"]

AREAS = (INCIDENTS, SERVICES, PEOPLE, AIOPS)

app = build_app(
    "pagerduty-mcp",
    AREAS,
    help_text="PagerDuty MCP server with every area (incidents, services, people, aiops); narrow it with --toolsets.",
)


def main() -> None:
    app()
