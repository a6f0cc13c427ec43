"""The pagerduty-people server: users, teams, schedules, on-call, escalation policies and on-call pay."""

from __future__ import annotations

from pagerduty_mcp.common import Area, build_app
from pagerduty_mcp.servers.people import CARD
from pagerduty_mcp.servers.people.apps import APPS
from pagerduty_mcp.servers.people.params import TIMES
from pagerduty_mcp.servers.people.prompts import register_extras
from pagerduty_mcp.servers.people.resources import register_resources
from pagerduty_mcp.servers.people.tools import TOOLS

__all__ = ["AREA", "app", "main"]

INSTRUCTIONS = (
    "PagerDuty people and on-call. An id, PagerDuty URL or exact name (or a user's email) works wherever "
    "an id is asked. "
    '"Who is on call (for a team or service), who is next": list_oncalls. '
    '"Me": get_user_data, or scope=assigned_to_me. Fairness: get_oncall_load; on-call pay: '
    "get_oncall_compensation; holes in cover: find_coverage_gaps. Cover a shift: create_schedule_override. " + TIMES
)

AREA = Area(
    name=CARD.name,
    summary=CARD.summary,
    instructions=INSTRUCTIONS,
    tools=TOOLS,
    finders=CARD.finders,
    extras=(register_resources, register_extras),
    apps=APPS,
)

app = build_app(AREA.command, [AREA])


def main() -> None:
    app()
