"""The pagerduty-aiops server: alert grouping, event orchestration, change events, automation actions and
the Events API."""

from __future__ import annotations

from pagerduty_mcp.common import Area, build_app
from pagerduty_mcp.servers.aiops import CARD
from pagerduty_mcp.servers.aiops.tools import TOOLS

__all__ = ["AREA", "app", "main"]

INSTRUCTIONS = (
    "PagerDuty event intelligence: alert grouping, event orchestration routing, change events, automation "
    "actions and the Events API. "
    "Services, teams and orchestrations may be given by id, PagerDuty URL or exact name. "
    "Noise on a service: list_alert_grouping_settings and get_event_orchestration_service. "
    "Routing: get_event_orchestration_router (first matching rule wins); add rules with "
    "append_event_orchestration_router_rule, not a full replace. "
    "Runbooks: list_automation_actions, then invoke_automation_action on the incident. "
    "Routing keys are secrets: never repeat one, except a new orchestration's to the user who created it."
)

AREA = Area(
    name=CARD.name,
    summary=CARD.summary,
    instructions=INSTRUCTIONS,
    tools=TOOLS,
    finders=CARD.finders,
)

app = build_app(AREA.command, [AREA])


def main() -> None:
    app()
