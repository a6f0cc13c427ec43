"""Tools of the incidents area: what is broken, who is on it, what happened so far."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from pagerduty_mcp.common import (
    Limit,
    Offset,
    Scope,
    apply_scope,
    get_client,
    id_or_url,
    iso,
    paginate,
    parse_time,
    path,
    resolve_id,
    resolve_ids,
    respond,
    tool,
)
from pagerduty_mcp.common.errors import invalid
from pagerduty_mcp.common.params import IdList
from pagerduty_mcp.servers.incidents.models import IncidentDetail, IncidentSummary

__all__ = ["READ_TOOLS", "WRITE_TOOLS"]

Status = Literal["triggered", "acknowledged", "resolved"]
Urgency = Literal["high", "low"]
IncidentId = Annotated[str, id_or_url("Incident id, number")]


@tool("List incidents")
def list_incidents(
    statuses: Annotated[list[Status] | None, Field(description="Default: triggered and acknowledged.")] = None,
    urgencies: Annotated[list[Urgency] | None, Field(description="Filter by urgency.")] = None,
    service_ids: Annotated[IdList | None, Field(description="Only these services.")] = None,
    team_ids: Annotated[IdList | None, Field(description="Only these teams (needs scope=all).")] = None,
    user_ids: Annotated[IdList | None, Field(description="Only assigned to these users.")] = None,
    since: Annotated[str | None, Field(description="Created after, ISO 8601.")] = None,
    until: Annotated[str | None, Field(description="Created before, ISO 8601.")] = None,
    scope: Annotated[Scope, Field(description="my_teams, assigned_to_me, or all.")] = "all",
    limit: Limit = 25,
    offset: Offset = 0,
) -> dict:
    """List incidents, newest first: open ones by default. Use for "what is broken right now"."""
    client = get_client()
    since_at, until_at = parse_time(since, "since"), parse_time(until, "until")
    if since_at and until_at and since_at >= until_at:
        raise invalid("since", "must be before until")
    scoped = apply_scope(client, scope, resolve_ids(team_ids, "team_ids"), resolve_ids(user_ids, "user_ids"))
    chosen = statuses or ["triggered", "acknowledged"]
    params: dict = {"statuses[]": chosen, "sort_by": "created_at:desc"}
    if urgencies:
        params["urgencies[]"] = urgencies
    if service_ids:
        params["service_ids[]"] = resolve_ids(service_ids, "service_ids")
    if scoped.team_ids:
        params["team_ids[]"] = scoped.team_ids
    if scoped.user_ids:
        params["user_ids[]"] = scoped.user_ids
    if since_at or until_at:
        if since_at:
            params["since"] = iso(since_at)
        if until_at:
            params["until"] = iso(until_at)
    elif "resolved" in chosen:
        params["date_range"] = "all"
    page = paginate(client, "/incidents", "incidents", params, limit=limit, offset=offset)
    page.notes = scoped.notes + page.notes
    incidents = [IncidentSummary.from_api(i) for i in page.items]
    return respond(
        "incidents", incidents, f"{len(incidents)} {'/'.join(chosen)} incident(s)", page=page, untrusted=True
    )


@tool("Get incident")
def get_incident(incident_id: IncidentId) -> dict:
    """One incident in detail: body, assignees, acknowledgers, policy, teams, alert counts, bridge."""
    ident = resolve_id(incident_id, "incident_id")
    include = [
        "acknowledgers",
        "assignees",
        "conference_bridge",
        "custom_fields",
        "escalation_policies",
        "teams",
    ]
    body = get_client().read(path("/incidents/{}", ident), {"include[]": include})
    incident = IncidentDetail.from_api(body["incident"])
    return respond("incidents", [incident], f"Incident #{incident.number}: {incident.status}", untrusted=True)


READ_TOOLS = [list_incidents, get_incident]
WRITE_TOOLS: list = []
