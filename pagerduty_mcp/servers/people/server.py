"""The pagerduty-people server: users, teams, schedules, on-call and escalation policies."""

from __future__ import annotations

from pagerduty_mcp.common import Area, build_app
from pagerduty_mcp.servers.people.tools import READ_TOOLS, WRITE_TOOLS

__all__ = ["AREA", "app", "main"]

INSTRUCTIONS = (
    "PagerDuty people and on-call. Ids or PagerDuty URLs are accepted wherever an id is asked. "
    'For "who is on call" use list_oncalls; get_user_data tells who "me" is.'
)

AREA = Area(
    name="people",
    command="pagerduty-people",
    summary="users, teams, schedules, on-call and escalation policies",
    instructions=INSTRUCTIONS,
    read_tools=READ_TOOLS,
    write_tools=WRITE_TOOLS,
)

app = build_app(AREA.command, [AREA], help_text=f"PagerDuty MCP server for {AREA.summary}.")


def main() -> None:
    app()
