"""The incidents area's app: the incident board, drawn from list_incidents."""

from __future__ import annotations

from pathlib import Path

from pagerduty_mcp.common import App
from pagerduty_mcp.servers.incidents.tools.bulk import manage_incidents
from pagerduty_mcp.servers.incidents.tools.incidents import list_incidents
from pagerduty_mcp.servers.incidents.tools.timeline import add_note_to_incident, list_log_entries

__all__ = ["APPS", "INCIDENT_BOARD"]

INCIDENT_BOARD = App(
    name="incident-board",
    title="Incident board",
    description=(
        "Open incidents grouped by service and urgency, with age, assignees and escalation level; filter by "
        "team; open one for its timeline; acknowledge, resolve, escalate, reassign or add a note (write tools)."
    ),
    draws=[list_incidents],
    calls=[list_log_entries, manage_incidents, add_note_to_incident],
    source=Path(__file__).parent,
)

APPS = [INCIDENT_BOARD]
