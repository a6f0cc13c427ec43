"""The incidents area's resources: an incident to attach (``pagerduty://incidents/{incident}``),
the caller's open incidents to pick from in ``resources/list``, and incident completions.

An incident resource is what a responder reads first: the incident in detail, its alerts, its
notes and its timeline (key events), from the same tool functions a model would call, in one JSON
envelope. ``{incident}`` takes what ``incident_id`` takes: an id, a number, or the incident's
PagerDuty URL (URL-encoded in the URI).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp_types import Annotations, Resource

from pagerduty_mcp.common import (
    Source,
    ToolFilter,
    bundle,
    cached_list,
    clean_text,
    dump,
    matching,
    register_resource,
    register_resource_list,
    resolve_variable,
)
from pagerduty_mcp.servers.incidents.tools.alerts import list_alerts_from_incident
from pagerduty_mcp.servers.incidents.tools.incidents import get_incident, list_incidents
from pagerduty_mcp.servers.incidents.tools.timeline import list_incident_notes, list_log_entries

__all__ = ["INCIDENTS", "INCIDENT_URI", "incident_resource", "register_resources"]

INCIDENT_URI = "pagerduty://incidents/{incident}"
SECTION_LIMIT = 25  # alerts and timeline entries in a resource; the tools page on
_COMPLETION_SCAN = 200  # newest incidents offered while typing
_OPEN = ("triggered", "acknowledged")


def incident_resource(incident: str) -> str:
    """An incident as a responder reads it: detail, alerts, notes, timeline."""
    main = get_incident(resolve_variable(incident, "incident_id", "incident"))
    ident = main["incidents"][0]["id"]
    return dump(
        bundle(
            main,
            [
                ("alerts", "list_alerts_from_incident", lambda: list_alerts_from_incident(ident, limit=SECTION_LIMIT)),
                ("notes", "list_incident_notes", lambda: list_incident_notes(ident)),
                (
                    "log_entries",
                    "list_log_entries",
                    lambda: list_log_entries(ident, overview=True, limit=SECTION_LIMIT),
                ),
            ],
        )
    )


def _incident_values(typed: str, context: Mapping[str, str]) -> list[str]:
    """Incident numbers (and ids, once typed) by prefix: open ones first, newest first."""
    rows = cached_list(
        "/incidents", "incidents", {"date_range": "all", "sort_by": "created_at:desc"}, limit=_COMPLETION_SCAN
    )
    ordered = sorted(rows, key=lambda row: row.get("status") not in _OPEN)  # stable: newest first within each
    numbers = [(str(row["incident_number"]), [str(row["incident_number"])]) for row in ordered]
    ids = [(str(row["id"]), [str(row["id"])]) for row in ordered] if typed.strip() else []
    return matching(typed, [*numbers, *ids])


# Where an incident argument's completions come from: PagerDuty's incident list, so only where
# list_incidents is.
INCIDENTS = Source(_incident_values, finder="list_incidents")


def _open_incidents(offset: int, limit: int) -> tuple[list[Resource], int | None]:
    """A page of the caller's open incidents (their teams'; any for a token without a user),
    newest first, as resources a host's picker shows."""
    envelope = list_incidents(scope="my_teams", limit=limit, offset=offset)
    offered = [_offer(incident) for incident in envelope["incidents"]]
    meta = envelope["metadata"]
    return offered, meta.get("next_offset") if meta.get("has_more") else None


def _offer(incident: dict[str, Any]) -> Resource:
    status = incident.get("status") or "resolved"  # a resolved row says so by its resolved_at
    label = f"#{incident['number']} [{status}, {incident['urgency']}] {incident['title']}"
    who = ", ".join(a["name"] for a in incident.get("assignees", []) if a.get("name")) or "unassigned"
    service = incident.get("service") or "no service"
    return Resource(
        uri=f"pagerduty://incidents/{incident['number']}",
        name=clean_text(label, 200),
        title=clean_text(label, 200),
        description=clean_text(f"{service}; {who}; opened {incident['created_at']}", 300),
        mime_type="application/json",
        annotations=Annotations(
            audience=["user", "assistant"],
            # A list row says when it was opened and resolved, not when it was last acknowledged.
            last_modified=incident.get("resolved_at") or incident["created_at"],
        ),
    )


def register_resources(server: MCPServer, flt: ToolFilter) -> None:
    """The incident template (where every tool it reads is served) and the open incidents in
    ``resources/list`` (where list_incidents is too)."""
    register_resource(
        server,
        flt,
        incident_resource,
        reads=(get_incident, list_alerts_from_incident, list_incident_notes, list_log_entries),
        uri=INCIDENT_URI,
        name="incident",
        title="PagerDuty incident",
        description="An incident with its alerts, notes and timeline. {incident}: its number, id or PagerDuty URL "
        "(URL-encoded).",
        completions={"incident": INCIDENTS},
    )
    register_resource_list(
        server, flt, _open_incidents, reads=(list_incidents,), template=INCIDENT_URI, name="incidents"
    )
