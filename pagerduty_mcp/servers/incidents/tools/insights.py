"""What PagerDuty knows around an incident: is it unusual, has it happened before, what else is going
on, and the account's response metrics (MTTA, MTTR) over a window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import Field

from pagerduty_mcp.common import (
    ANALYTICS_AT_ONCE,
    ANALYTICS_LONGEST,
    TIME_FORMS,
    Envelope,
    IdList,
    Page,
    PagerDutyClient,
    check_order,
    check_references_exist,
    failure_from_response,
    get_client,
    invalid,
    iso,
    join_rows,
    paginate,
    parse_time,
    path,
    pieces,
    respond,
    tool,
)
from pagerduty_mcp.servers.incidents.models import OutlierIncident, PastIncident, RelatedIncident, metrics_row
from pagerduty_mcp.servers.incidents.params import IncidentId, Urgency, incident_id_of

__all__ = ["get_incident_metrics", "get_outlier_incident", "get_past_incidents", "get_related_incidents"]


@tool("Get outlier incident")
def get_outlier_incident(
    incident_id: IncidentId,
    since: Annotated[str | None, Field(description=f"Count from, {TIME_FORMS}.")] = None,
) -> Envelope:
    """Is this incident unusual for its service? Category (rare, anomalous, frequent) and occurrences
    up to now."""
    client = get_client()
    ident = incident_id_of(client, incident_id)
    # PagerDuty's endpoint takes a start only: the window always ends now (the answer says both ends).
    start = parse_time(since, "since")
    params = {"since": iso(start)} if start else None
    outlier = client.read(path("/incidents/{}/outlier_incident", ident), params).get("outlier_incident") or {}
    if not outlier.get("incident"):
        return respond("outlier_incidents", [], f"No outlier data for incident {ident}")
    found = OutlierIncident.from_api(outlier)
    return respond("outlier_incidents", [found], f"Incident {ident} is {found.category}", untrusted=True)


@tool("Get past incidents")
def get_past_incidents(
    incident_id: IncidentId,
    limit: Annotated[int, Field(ge=1, le=50, description="Max results (1-50).")] = 5,
) -> Envelope:
    """Similar earlier incidents on the same service, most similar first: how was this fixed before?"""
    client = get_client()
    ident = incident_id_of(client, incident_id)
    body = client.read(path("/incidents/{}/past_incidents", ident), {"limit": limit, "total": "true"})
    past = [PastIncident.from_api(p) for p in body.get("past_incidents") or []]
    # PagerDuty gives the most similar first and no offset: more exist when its total is larger.
    reported = body.get("total")
    total = int(reported) if isinstance(reported, int | float) else None
    page = Page(body.get("past_incidents") or [], has_more=total is not None and total > len(past), total=total)
    if page.has_more and limit < 50:
        page.notes.append("The most similar come first; raise limit (max 50) for more.")
    return respond("past_incidents", past, f"{len(past)} past incident(s) like {ident}", page=page, untrusted=True)


@tool("Get related incidents")
def get_related_incidents(incident_id: IncidentId) -> Envelope:
    """Incidents around the same time that look related (dependencies, similar content)."""
    client = get_client()
    ident = incident_id_of(client, incident_id)
    body = client.read(path("/incidents/{}/related_incidents", ident), {"additional_details[]": ["incident"]})
    related = [RelatedIncident.from_api(r) for r in body.get("related_incidents") or []]
    return respond("related_incidents", related, f"{len(related)} incident(s) related to {ident}", untrusted=True)


_METRIC_PATHS = {"all": "all", "service": "services", "team": "teams"}
_ACCOUNT_FILTER_LIMIT = 1000  # teams (or services) taken as "the whole account" for a user token


# How rows of several pieces of a long window join: counts add up; each mean is weighted by what it
# is the mean of (time to acknowledge by the incidents acknowledged, the rest by incidents, uptime
# by time); percentiles cannot be joined.
_PIECE_SECONDS = "_piece_seconds"
_SUMS = (
    "total_incident_count",
    "total_incidents_acknowledged",
    "total_escalation_count",
    "total_incidents_manual_escalated",
    "total_incidents_timeout_escalated",
    "total_incidents_reassigned",
    "total_notifications",
    "total_interruptions",
    "total_off_hour_interruptions",
    "total_sleep_hour_interruptions",
    "total_business_hour_interruptions",
    "total_incidents_auto_resolved",
    "total_snoozed_seconds",
    "total_engaged_seconds",
)
_MEANS = {
    "mean_seconds_to_first_ack": "total_incidents_acknowledged",
    "mean_seconds_to_resolve": "total_incident_count",
    "mean_assignment_count": "total_incident_count",
    "mean_seconds_to_engage": "total_incident_count",
    "mean_seconds_to_mobilize": "total_incident_count",
    "mean_engaged_seconds": "total_incident_count",
    "mean_engaged_user_count": "total_incident_count",
    "up_time_pct": _PIECE_SECONDS,
}
_PERCENTILES = tuple(f"p{share}_seconds_to_{what}" for share in (50, 75, 90, 95) for what in ("first_ack", "resolve"))


def _metrics_key(row: dict[str, Any]) -> tuple[Any, ...]:
    return row.get("service_id"), row.get("team_id"), row.get("range_start")


@tool("Get incident metrics")
def get_incident_metrics(
    since: Annotated[str | None, Field(description=f"Start, {TIME_FORMS} (default 30d).")] = None,
    until: Annotated[str | None, Field(description=f"End, {TIME_FORMS} (default now).")] = None,
    group_by: Annotated[Literal["all", "service", "team"], Field(description="One row, or one per group.")] = "all",
    service_ids: Annotated[IdList | None, Field(description="Only these services.")] = None,
    team_ids: Annotated[IdList | None, Field(description="Only these teams.")] = None,
    urgency: Annotated[Urgency | None, Field(description="Only this urgency.")] = None,
    period: Annotated[Literal["day", "week", "month"] | None, Field(description="Also split by period.")] = None,
) -> Envelope:
    """MTTA, MTTR, incident and escalation counts over a window (PagerDuty Analytics); no service_ids
    or team_ids: whole account."""
    client = get_client()
    start, end = parse_time(since, "since"), parse_time(until, "until")
    until_at = end or datetime.now(UTC).replace(microsecond=0)
    since_at = start or until_at - timedelta(days=30)
    check_order(since_at, until_at)
    spans = pieces(since_at, until_at, ANALYTICS_AT_ONCE, longest=ANALYTICS_LONGEST)
    filters: dict[str, Any] = {}
    measured = "the services and teams given"
    if service_ids:
        filters["service_ids"] = service_ids
    if team_ids:
        filters["team_ids"] = team_ids
    if not service_ids and not team_ids:
        filters, measured = _whole_account(client, filters)
    if urgency:
        filters["urgency"] = urgency
    per_piece = []
    for piece_start, piece_end in spans:
        window = {"created_at_start": iso(piece_start), "created_at_end": iso(piece_end)}
        body: dict[str, Any] = {"filters": {**filters, **window}, "time_zone": "Etc/UTC"}
        if period:
            body["aggregate_unit"] = period
        response = client.request("POST", f"/analytics/metrics/incidents/{_METRIC_PATHS[group_by]}", json=body)
        if not response.is_success:
            raise failure_from_response(response)
        seconds = (piece_end - piece_start).total_seconds()
        per_piece.append([{**r, _PIECE_SECONDS: seconds} for r in response.json().get("data") or []])
    joined = join_rows(per_piece, _metrics_key, sums=_SUMS, means=_MEANS, unjoinable=_PERCENTILES)
    rows = [metrics_row(r) for r in joined]
    _check_filters_exist(rows, group_by, service_ids, team_ids)
    notes = []
    if len(spans) > 1 and any("mean_seconds_to_resolve" in r for r in joined):
        notes.append(
            f"Asked in {len(spans)} pieces of a year at most: mttr_seconds weights each piece by its incidents "
            "(PagerDuty does not say how many were resolved), so it is close, not exact."
        )
    if joined.dropped:
        notes.append("Percentiles of a row that spans several pieces cannot be joined, so they are left out.")
    return respond(
        "metrics",
        rows,
        f"Incident metrics by {group_by}; times in seconds",  # the window: metadata.window, said once
        measured=measured,
        notes=notes or None,
    )


def _whole_account(client: PagerDutyClient, filters: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The filters that measure the whole account, and what they measured.

    PagerDuty wants a team or service filter from a user token. Every incident is on a service, so
    all of the account's services are the whole account for any token, and asking for them takes no
    request to learn what kind of token this is. Past the bound: an account-level token needs no
    filter; a user token takes every team (or the first services)."""
    services = paginate(client, "/services", "services", limit=_ACCOUNT_FILTER_LIMIT, with_total=False)
    if services.items and not services.has_more:
        every = [str(s["id"]) for s in services.items]
        return {**filters, "service_ids": every}, f"whole account (all {len(every)} services)"
    if client.current_user() is None:
        return filters, "whole account"
    every, kind, more = _every_team_or_service(client)
    measured = f"whole account (all {len(every)} {kind}s)" if not more else f"the first {len(every)} {kind}s"
    return {**filters, f"{kind}_ids": every}, measured


def _every_team_or_service(client: PagerDutyClient) -> tuple[list[str], str, bool]:
    """Every team's id, or every service's where the account has no teams: the account as a filter
    (and whether some were left out, past the bound)."""
    for kind in ("team", "service"):
        page = paginate(client, f"/{kind}s", f"{kind}s", limit=_ACCOUNT_FILTER_LIMIT, with_total=False)
        if page.items:
            return [str(item["id"]) for item in page.items], kind, page.has_more
    raise invalid("team_ids", "the account has no teams or services to measure")


def _check_filters_exist(
    rows: list[dict[str, Any]], group_by: str, service_ids: list[str] | None, team_ids: list[str] | None
) -> None:
    """An unknown id is an error, even when the others have rows: PagerDuty just leaves it out."""
    seen = {row[group]["id"] for group in ("service", "team") for row in rows if group in row}
    unseen = {
        "service_ids": [i for i in service_ids or [] if group_by == "all" or i not in seen],
        "team_ids": [i for i in team_ids or [] if group_by == "all" or i not in seen],
    }
    if rows and any(unseen.values()):  # an empty answer is checked by the registry
        check_references_exist(unseen, ["service_ids", "team_ids"])
