"""What PagerDuty knows around an incident: is it unusual, has it happened before, what else is going
on, and the account's response metrics (MTTA, MTTR) over a window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import Field

from pagerduty_mcp.common import IdList, get_client, invalid, iso, parse_time, path, respond, tool
from pagerduty_mcp.common.pagerduty.errors import failure_from_response
from pagerduty_mcp.common.toolkit.times import check_order
from pagerduty_mcp.servers.incidents.models import OutlierIncident, PastIncident, RelatedIncident, metrics_row
from pagerduty_mcp.servers.incidents.params import IncidentId, Urgency, incident_id_of

__all__ = ["get_incident_metrics", "get_outlier_incident", "get_past_incidents", "get_related_incidents"]


@tool("Get outlier incident")
def get_outlier_incident(incident_id: IncidentId) -> dict:
    """Is this incident unusual for its service? Category (rare, anomalous, frequent) and occurrences."""
    client = get_client()
    ident = incident_id_of(client, incident_id)
    outlier = client.read(path("/incidents/{}/outlier_incident", ident)).get("outlier_incident") or {}
    if not outlier.get("incident"):
        return respond("outlier_incidents", [], f"No outlier data for incident {ident}")
    found = OutlierIncident.from_api(outlier)
    return respond("outlier_incidents", [found], f"Incident {ident} is {found.category}", untrusted=True)


@tool("Get past incidents")
def get_past_incidents(
    incident_id: IncidentId,
    limit: Annotated[int, Field(ge=1, le=50, description="Max results (1-50).")] = 5,
) -> dict:
    """Similar earlier incidents on the same service, most similar first: how was this fixed before?"""
    client = get_client()
    ident = incident_id_of(client, incident_id)
    body = client.read(path("/incidents/{}/past_incidents", ident), {"limit": limit})
    past = [PastIncident.from_api(p) for p in body.get("past_incidents") or []]
    return respond("past_incidents", past, f"{len(past)} past incident(s) like {ident}", untrusted=True)


@tool("Get related incidents")
def get_related_incidents(incident_id: IncidentId) -> dict:
    """Incidents happening around the same time that look related (dependencies, similar content)."""
    client = get_client()
    ident = incident_id_of(client, incident_id)
    body = client.read(path("/incidents/{}/related_incidents", ident), {"additional_details[]": ["incident"]})
    related = [RelatedIncident.from_api(r) for r in body.get("related_incidents") or []]
    return respond("related_incidents", related, f"{len(related)} incident(s) related to {ident}", untrusted=True)


_METRIC_PATHS = {"all": "all", "service": "services", "team": "teams"}


@tool("Get incident metrics")
def get_incident_metrics(
    since: Annotated[str | None, Field(description="Start, ISO 8601 (default: 30 days ago).")] = None,
    until: Annotated[str | None, Field(description="End, ISO 8601 (default: now).")] = None,
    group_by: Annotated[Literal["all", "service", "team"], Field(description="One row, or one per group.")] = "all",
    service_ids: Annotated[IdList | None, Field(description="Only these services.")] = None,
    team_ids: Annotated[IdList | None, Field(description="Only these teams.")] = None,
    urgency: Annotated[Urgency | None, Field(description="Only this urgency.")] = None,
    period: Annotated[Literal["day", "week", "month"] | None, Field(description="Also split by period.")] = None,
) -> dict:
    """MTTA, MTTR, incident counts and escalations over a window (PagerDuty Analytics)."""
    client = get_client()
    start, end = parse_time(since, "since"), parse_time(until, "until")
    until_at = end or datetime.now(UTC)
    since_at = start or until_at - timedelta(days=30)
    check_order(since_at, until_at)
    if until_at - since_at > timedelta(days=366):
        raise invalid("since", "the window can be at most a year")
    filters: dict[str, Any] = {"created_at_start": iso(since_at), "created_at_end": iso(until_at)}
    services, teams = service_ids, team_ids
    notes: list[str] = []
    if not services and not teams:
        me = client.current_user()
        if me is not None:  # PagerDuty requires a team or service filter with user tokens
            teams = [t["id"] for t in me.get("teams") or [] if t.get("id")]
            if not teams:
                raise invalid("team_ids", "PagerDuty needs team_ids or service_ids with a user token; give one.")
            notes.append(
                "User tokens need a team or service filter, so your teams were measured: pass team_ids to widen."
            )
    if services:
        filters["service_ids"] = services
    if teams:
        filters["team_ids"] = teams
    if urgency:
        filters["urgency"] = urgency
    body: dict[str, Any] = {"filters": filters, "time_zone": "Etc/UTC"}
    if period:
        body["aggregate_unit"] = period
    response = client.request("POST", f"/analytics/metrics/incidents/{_METRIC_PATHS[group_by]}", json=body)
    if not response.is_success:
        raise failure_from_response(response)
    rows = [metrics_row(r) for r in response.json().get("data") or []]
    return respond(
        "metrics",
        rows,
        f"Incident metrics {iso(since_at)} to {iso(until_at)} by {group_by}; times in seconds",
        notes=notes or None,
    )
