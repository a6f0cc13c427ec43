"""Tools of the incidents area: what is broken, who is on it, what changed, what happened so far,
and the usual changes a responder makes (acknowledge, reassign, escalate, note, resolve)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal, TypeVar

from pydantic import Field

from pagerduty_mcp.common import (
    ID_PATTERN,
    Limit,
    Offset,
    PagerDutyClient,
    Scope,
    ToolFailure,
    apply_scope,
    check_cancelled,
    get_client,
    iso,
    paginate,
    parse_time,
    path,
    record_changed,
    report_progress,
    resolve_id,
    resolve_ids,
    respond,
    split_by_kind,
    tool,
)
from pagerduty_mcp.common.pagerduty.errors import failure_from_exception, failure_from_response, invalid, not_found
from pagerduty_mcp.common.pagerduty.pagination import Page
from pagerduty_mcp.common.toolkit.filters import check_filter_ids
from pagerduty_mcp.common.toolkit.ids import IdList
from pagerduty_mcp.servers.incidents.models import (
    AlertDetail,
    AlertSummary,
    ChangeEvent,
    IncidentDetail,
    IncidentSummary,
    LogEntry,
    Note,
    OutlierIncident,
    PastIncident,
    Priority,
    RelatedIncident,
    StatusUpdate,
    Workflow,
    metrics_row,
)

__all__ = ["READ_TOOLS", "WRITE_TOOLS", "incident_id_of"]

T = TypeVar("T")

Status = Literal["triggered", "acknowledged", "resolved"]
Urgency = Literal["high", "low"]
SortBy = Literal["created_at:desc", "created_at:asc", "resolved_at:desc", "urgency:desc", "incident_number:desc"]
IncidentId = Annotated[str, Field(pattern=ID_PATTERN, description="Incident id, number or PagerDuty URL.")]
Since = Annotated[str | None, Field(description="Start, ISO 8601.")]
Until = Annotated[str | None, Field(description="End, ISO 8601.")]

MAX_BULK = 250  # PUT /incidents takes at most 250 incidents (413 beyond)
# Incidents per PUT of a bulk change: the steps of its progress, and where a cancel may stop it.
BULK_BATCH = 25
_FAN_OUT = 4  # concurrent requests when one call needs several
MAX_LIST_RANGE = timedelta(days=180)  # GET /incidents rejects a wider since/until window
_PRIORITY_SCAN = 1000  # incidents read at most to filter by priority, which PagerDuty cannot


# -- shared helpers -------------------------------------------------------------------------------
def _fan_out(work: Callable[[str], T], keys: list[str]) -> list[tuple[str, T | ToolFailure]]:
    """Run ``work`` for each key a few at a time; failures come back as values, in order."""

    def attempt(key: str) -> T | ToolFailure:
        try:
            return work(key)
        except Exception as exc:
            failure = failure_from_exception(exc)
            if failure is None:
                raise
            return failure

    if len(keys) <= 1:
        return [(k, attempt(k)) for k in keys]
    context = copy_context()
    with ThreadPoolExecutor(max_workers=min(_FAN_OUT, len(keys))) as pool:
        futures = [pool.submit(context.copy().run, attempt, k) for k in keys]
        return [(k, f.result()) for k, f in zip(keys, futures, strict=True)]


def incident_id_of(client: PagerDutyClient, value: str, parameter: str = "incident_id") -> str:
    """The incident id in ``value`` (an id or URL); a number is looked up, so writes always get the id."""
    ident = resolve_id(value, parameter)
    if ident.isdigit():
        return str(client.read(path("/incidents/{}", ident))["incident"]["id"])
    return ident


def _window(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    since_at, until_at = parse_time(since, "since"), parse_time(until, "until")
    if since_at and until_at and since_at >= until_at:
        raise invalid("since", "must be before until")
    return since_at, until_at


def _failure_details(failures: dict[str, ToolFailure]) -> list[dict[str, str]]:
    return [{"id": key, "code": f.code, "reason": f.message} for key, f in failures.items()]


# -- reads: incidents -------------------------------------------------------------------------------
@tool("List incidents")
def list_incidents(
    statuses: Annotated[list[Status] | None, Field(description="Default: triggered and acknowledged.")] = None,
    urgencies: Annotated[list[Urgency] | None, Field(description="Filter by urgency.")] = None,
    service_ids: Annotated[IdList | None, Field(description="Only these services.")] = None,
    team_ids: Annotated[IdList | None, Field(description="Only these teams (scope=all).")] = None,
    user_ids: Annotated[IdList | None, Field(description="Only assigned to these users (scope=all).")] = None,
    priority_ids: Annotated[IdList | None, Field(description="Only these priorities (list_priorities).")] = None,
    since: Annotated[str | None, Field(description="Created after, ISO 8601.")] = None,
    until: Annotated[str | None, Field(description="Created before, ISO 8601.")] = None,
    date_range: Annotated[Literal["all"] | None, Field(description="all: any age (not with since/until).")] = None,
    sort_by: Annotated[SortBy, Field(description="Order.")] = "created_at:desc",
    scope: Annotated[Scope, Field(description="my_teams, assigned_to_me or all.")] = "all",
    limit: Limit = 25,
    offset: Offset = 0,
) -> dict:
    """List incidents, open ones by default, of any age unless since/until is given. Use for "what is broken"."""
    client = get_client()
    since_at, until_at = _window(since, until)
    if date_range and (since_at or until_at):
        raise ToolFailure(
            "INVALID_PARAMETER",
            "date_range=all conflicts with since/until; pass one or the other.",
            {"parameters": ["date_range", "since", "until"]},
        )
    if since_at and (until_at or datetime.now(UTC)) - since_at > MAX_LIST_RANGE:
        raise invalid("since", "PagerDuty lists at most 6 months between since and until; use date_range=all instead")
    scoped = apply_scope(client, scope, resolve_ids(team_ids, "team_ids"), resolve_ids(user_ids, "user_ids"))
    chosen = list(dict.fromkeys(statuses or ["triggered", "acknowledged"]))
    params: dict[str, Any] = {"statuses[]": chosen, "sort_by": sort_by}
    if urgencies:
        params["urgencies[]"] = list(dict.fromkeys(urgencies))
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
    else:
        params["date_range"] = "all"
    priorities = resolve_ids(priority_ids, "priority_ids")
    if priorities:
        page = _scan_by_priority(client, params, set(priorities), limit, offset)
    else:
        page = paginate(client, "/incidents", "incidents", params, limit=limit, offset=offset)
    page.notes = scoped.notes + page.notes
    check_filter_ids(
        client,
        page.items,
        {
            "service_ids": params.get("service_ids[]"),
            "team_ids": params.get("team_ids[]") if scope == "all" else None,
            "user_ids": params.get("user_ids[]") if scope == "all" else None,
        },
    )
    incidents = [IncidentSummary.from_api(i) for i in page.items]
    return respond(
        "incidents", incidents, f"{len(incidents)} {'/'.join(chosen)} incident(s)", page=page, untrusted=True
    )


def _scan_by_priority(
    client: PagerDutyClient, params: dict[str, Any], priorities: set[str], limit: int, offset: int
) -> Page:
    """PagerDuty's list has no priority filter: read pages and keep matches, up to a bounded scan."""
    found: list[dict[str, Any]] = []
    position = offset
    more = True
    while more and len(found) < limit and position - offset < _PRIORITY_SCAN:
        body = client.read("/incidents", {**params, "limit": 100, "offset": position})
        batch = body.get("incidents") or []
        more = bool(body.get("more")) and bool(batch)
        for index, incident in enumerate(batch):
            if (incident.get("priority") or {}).get("id") in priorities:
                found.append(incident)
                if len(found) == limit:
                    more = more or index + 1 < len(batch)
                    position += index + 1
                    break
        else:
            position += len(batch)
    notes = []
    if more and len(found) < limit:
        notes.append(f"Priority is filtered here, not by PagerDuty: scanned up to offset {position}; continue there.")
    return Page(found, has_more=more, next_offset=position if more else None, notes=notes)


@tool("Get incident")
def get_incident(incident_id: IncidentId) -> dict:
    """One incident in detail: body, assignees, acknowledgers, responders, policy, teams, alert counts,
    priority, conference bridge and custom fields."""
    ident = resolve_id(incident_id, "incident_id")
    # include[]=body works on PagerDuty though the published spec omits it (PagerDuty/pagerduty-mcp-server#65).
    body = get_client().read(path("/incidents/{}", ident), {"include[]": ["body", "custom_fields"]})
    incident = IncidentDetail.from_api(body["incident"])
    return respond("incidents", [incident], f"Incident #{incident.number}: {incident.status}", untrusted=True)


@tool("List incident notes")
def list_incident_notes(incident_id: IncidentId) -> dict:
    """Notes responders left on an incident, oldest first."""
    client = get_client()
    ident = incident_id_of(client, incident_id)
    notes = [Note.from_api(n) for n in client.read(path("/incidents/{}/notes", ident)).get("notes") or []]
    return respond("notes", notes, f"{len(notes)} note(s) on incident {ident}", untrusted=True)


@tool("List alerts of an incident")
def list_alerts_from_incident(
    incident_id: IncidentId,
    statuses: Annotated[list[Literal["triggered", "resolved"]] | None, Field(description="Filter by status.")] = None,
    limit: Limit = 25,
    offset: Offset = 0,
) -> dict:
    """The alerts grouped into an incident, with short, sanitised body details."""
    client = get_client()
    ident = incident_id_of(client, incident_id)
    params: dict[str, Any] = {"statuses[]": list(dict.fromkeys(statuses))} if statuses else {}
    page = paginate(client, path("/incidents/{}/alerts", ident), "alerts", params, limit=limit, offset=offset)
    alerts = [AlertSummary.from_api(a) for a in page.items]
    return respond("alerts", alerts, f"{len(alerts)} alert(s) of incident {ident}", page=page, untrusted=True)


@tool("Get alert of an incident")
def get_alert_from_incident(
    incident_id: IncidentId,
    alert_id: Annotated[str, Field(pattern=ID_PATTERN, description="Alert id (list_alerts_from_incident).")],
) -> dict:
    """One alert with its full (sanitised, cut) body details."""
    client = get_client()
    ident = incident_id_of(client, incident_id)
    alert_ident = resolve_id(alert_id, "alert_id")
    try:
        alert = client.read(path("/incidents/{}/alerts/{}", ident, alert_ident))["alert"]
    except ToolFailure as failure:
        if failure.code != "ALERT_NOT_FOUND":
            raise
        client.read(path("/incidents/{}", ident))  # INCIDENT_NOT_FOUND when the incident is the unknown one
        raise not_found("alert", alert_ident, "list_alerts_from_incident lists the incident's alerts") from failure
    return respond("alerts", [AlertDetail.from_api(alert)], f"Alert of incident {ident}", untrusted=True)


@tool("List log entries")
def list_log_entries(
    # A plain str with an empty default: for ``str | None`` the SDK would turn the text "null" into None
    # and silently answer with the whole account's log.
    incident_id: Annotated[
        str, Field(pattern=ID_PATTERN, description="Incident id, number or URL: its timeline.")
    ] = "",
    since: Since = None,
    until: Until = None,
    overview: Annotated[bool, Field(description="Key events only (no notifications).")] = True,
    team_ids: Annotated[IdList | None, Field(description="Account log only: these teams.")] = None,
    limit: Limit = 25,
    offset: Offset = 0,
) -> dict:
    """An incident's timeline (newest first) when incident_id is given; otherwise the account's log."""
    client = get_client()
    since_at, until_at = _window(since, until)
    params: dict[str, Any] = {"is_overview": "true" if overview else "false"}
    if since_at:
        params["since"] = iso(since_at)
    if until_at:
        params["until"] = iso(until_at)
    if incident_id:
        if team_ids:
            raise ToolFailure(
                "INVALID_PARAMETER",
                "team_ids filters the account log; leave it out when incident_id is given.",
                {"parameters": ["incident_id", "team_ids"]},
            )
        ident = incident_id_of(client, incident_id)
        url, what = path("/incidents/{}/log_entries", ident), f"incident {ident}"
    else:
        url, what = "/log_entries", "the account"
        if team_ids:
            params["team_ids[]"] = resolve_ids(team_ids, "team_ids")
    page = paginate(client, url, "log_entries", params, limit=limit, offset=offset)
    entries = [LogEntry.from_api(e, with_incident=not incident_id) for e in page.items]
    return respond("log_entries", entries, f"{len(entries)} log entries of {what}", page=page, untrusted=True)


@tool("Get log entry")
def get_log_entry(
    log_entry_id: Annotated[str, Field(pattern=ID_PATTERN, description="Log entry id (list_log_entries).")],
) -> dict:
    """One log entry in full, with its incident."""
    ident = resolve_id(log_entry_id, "log_entry_id")
    entry = get_client().read(path("/log_entries/{}", ident))["log_entry"]
    return respond("log_entries", [LogEntry.from_api(entry, with_incident=True)], "Log entry", untrusted=True)


# -- reads: insights ------------------------------------------------------------------------------
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


@tool("List changes before an incident")
def list_incident_change_events(
    incident_id: IncidentId,
    limit: Annotated[int, Field(ge=1, le=100, description="Max results (1-100).")] = 10,
) -> dict:
    """Deploys and config changes that may have caused an incident: "what changed before this broke"."""
    client = get_client()
    ident = incident_id_of(client, incident_id)
    body = client.read(path("/incidents/{}/related_change_events", ident), {"limit": limit})
    events = [ChangeEvent.from_api(e) for e in body.get("change_events") or []]
    return respond("change_events", events, f"{len(events)} change(s) related to {ident}", untrusted=True)


# -- reads: reference data and analytics ------------------------------------------------------------
@tool("List priorities")
def list_priorities() -> dict:
    """The account's incident priorities (P1, P2...), highest first: ids for priority_id."""
    client = get_client()
    # Priorities hardly ever change: read once per credential every few minutes.
    page = client.reference("priorities", lambda: paginate(client, "/priorities", "priorities", limit=100))
    priorities = [Priority.model_validate(p) for p in page.items]
    notes = [] if priorities else ["The account has no priorities (they may be turned off)."]
    return respond("priorities", priorities, f"{len(priorities)} priorities", page=page, notes=notes or None)


@tool("List incident workflows")
def list_incident_workflows(
    query: Annotated[str | None, Field(description="Name contains.")] = None,
    limit: Limit = 25,
    offset: Offset = 0,
) -> dict:
    """Incident workflows that can be started on an incident (start_incident_workflow)."""
    client = get_client()
    params = {"query": query} if query else {}
    page = paginate(client, "/incident_workflows", "incident_workflows", params, limit=limit, offset=offset)
    workflows = [Workflow.from_api(w) for w in page.items]
    return respond("incident_workflows", workflows, f"{len(workflows)} workflow(s)", page=page)


@tool("Get incident workflow")
def get_incident_workflow(
    workflow_id: Annotated[str, Field(pattern=ID_PATTERN, description="Workflow id or PagerDuty URL.")],
) -> dict:
    """One incident workflow with its steps."""
    ident = resolve_id(workflow_id, "workflow_id")
    workflow = get_client().read(path("/incident_workflows/{}", ident))["incident_workflow"]
    found = Workflow.from_api(workflow)
    return respond("incident_workflows", [found], f"Workflow {found.name}")


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
    since_at, until_at = _window(since, until)
    until_at = until_at or datetime.now(UTC)
    since_at = since_at or until_at - timedelta(days=30)
    if since_at >= until_at:
        raise invalid("since", "must be before until")
    if until_at - since_at > timedelta(days=366):
        raise invalid("since", "the window can be at most a year")
    filters: dict[str, Any] = {"created_at_start": iso(since_at), "created_at_end": iso(until_at)}
    services, teams = resolve_ids(service_ids, "service_ids"), resolve_ids(team_ids, "team_ids")
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


# -- writes -----------------------------------------------------------------------------------------
@tool("Create incident", "create")
def create_incident(
    title: Annotated[str, Field(min_length=1, max_length=1024, description="What is broken.")],
    service_id: Annotated[str, Field(pattern=ID_PATTERN, description="Service id or URL.")],
    urgency: Annotated[Urgency | None, Field(description="Default: the service's rule.")] = None,
    priority_id: Annotated[str | None, Field(pattern=ID_PATTERN, description="list_priorities id.")] = None,
    details: Annotated[str | None, Field(max_length=10000, description="Body text.")] = None,
    escalation_policy_id: Annotated[str | None, Field(pattern=ID_PATTERN, description="Page this policy.")] = None,
    assignee_ids: Annotated[IdList | None, Field(description="Or page these users.")] = None,
    incident_key: Annotated[str | None, Field(max_length=255, description="De-duplication key.")] = None,
    conference_url: Annotated[str | None, Field(description="Bridge URL.")] = None,
    conference_number: Annotated[str | None, Field(description="Bridge phone number.")] = None,
) -> dict:
    """Open an incident. This PAGES people (the service's on-call, or the policy/users given): only
    when asked. With incident_key, a repeat while the first is open pages nobody and names it."""
    client = get_client()
    if escalation_policy_id and assignee_ids:
        raise ToolFailure(
            "INVALID_PARAMETER",
            "Give escalation_policy_id or assignee_ids, not both.",
            {"parameters": ["escalation_policy_id", "assignee_ids"]},
        )
    service = resolve_id(service_id, "service_id")
    client.read(path("/services/{}", service))  # an unknown service is SERVICE_NOT_FOUND, not a bad request
    incident: dict[str, Any] = {
        "type": "incident",
        "title": title.strip(),
        "service": {"id": service, "type": "service_reference"},
    }
    if urgency:
        incident["urgency"] = urgency
    if priority_id:
        incident["priority"] = {"id": resolve_id(priority_id, "priority_id"), "type": "priority_reference"}
    if details:
        incident["body"] = {"type": "incident_body", "details": details}
    if escalation_policy_id:
        incident["escalation_policy"] = {
            "id": resolve_id(escalation_policy_id, "escalation_policy_id"),
            "type": "escalation_policy_reference",
        }
    if assignee_ids:
        incident["assignments"] = [
            {"assignee": {"id": u, "type": "user_reference"}} for u in resolve_ids(assignee_ids, "assignee_ids") or []
        ]
    if incident_key:
        incident["incident_key"] = incident_key
    bridge = {k: v for k, v in (("conference_url", conference_url), ("conference_number", conference_number)) if v}
    if bridge:
        incident["conference_bridge"] = bridge
    try:
        created = client.write("POST", "/incidents", {"incident": incident}, needs_from=True)["incident"]
    except ToolFailure as failure:
        if incident_key and failure.code == "INVALID_PARAMETER":
            _raise_if_duplicate(client, service, incident_key, failure)
        raise
    found = IncidentDetail.from_api(created)
    return respond("incidents", [found], f"Created incident #{found.number}; paging has started", untrusted=True)


def _raise_if_duplicate(client: PagerDutyClient, service: str, key: str, failure: ToolFailure) -> None:
    """Name the open incident that an ``incident_key`` collided with, so the model can act on it."""
    params = {"incident_key": key, "statuses[]": ["triggered", "acknowledged"], "service_ids[]": [service]}
    existing = client.read("/incidents", params).get("incidents") or []
    if existing:
        first = existing[0]
        raise ToolFailure(
            "CONFLICT",
            f"Incident #{first.get('incident_number')} ({first['id']}) is already open with incident_key "
            f"{key!r}; nobody was paged again. Update it with manage_incidents or add_note_to_incident.",
            {"incident_id": first["id"]},
        ) from failure


BulkIds = Annotated[
    list[Annotated[str, Field(pattern=ID_PATTERN)]],
    Field(min_length=1, max_length=MAX_BULK, description="Incident ids, numbers or URLs (max 250)."),
]


@tool("Manage incidents", "update")
def manage_incidents(
    incident_ids: BulkIds,
    status: Annotated[Status | None, Field(description="acknowledged, resolved, or triggered (reopen).")] = None,
    urgency: Annotated[Urgency | None, Field(description="New urgency.")] = None,
    priority_id: Annotated[str | None, Field(pattern=ID_PATTERN, description="list_priorities id.")] = None,
    assignee_ids: Annotated[IdList | None, Field(description="Reassign to these users.")] = None,
    escalation_policy_id: Annotated[
        str | None, Field(pattern=ID_PATTERN, description="Or reassign to this policy.")
    ] = None,
    escalation_level: Annotated[int | None, Field(ge=1, le=20, description="Escalate to this level.")] = None,
    title: Annotated[str | None, Field(min_length=1, max_length=1024, description="New title.")] = None,
    resolution_note: Annotated[str | None, Field(max_length=25000, description="Note added on resolve.")] = None,
) -> dict:
    """Change incidents together in one request: acknowledge, resolve, reassign, escalate, urgency,
    priority, title. Says exactly which ids succeeded and which failed, and why."""
    change: dict[str, Any] = {}
    if status:
        change["status"] = status
    if urgency:
        change["urgency"] = urgency
    if priority_id:
        change["priority"] = {"id": resolve_id(priority_id, "priority_id"), "type": "priority_reference"}
    if assignee_ids and escalation_policy_id:
        raise ToolFailure(
            "INVALID_PARAMETER",
            "Give assignee_ids or escalation_policy_id, not both.",
            {"parameters": ["assignee_ids", "escalation_policy_id"]},
        )
    if assignee_ids:
        users = resolve_ids(assignee_ids, "assignee_ids") or []
        change["assignments"] = [{"assignee": {"id": u, "type": "user_reference"}} for u in users]
    if escalation_policy_id:
        policy = resolve_id(escalation_policy_id, "escalation_policy_id")
        change["escalation_policy"] = {"id": policy, "type": "escalation_policy_reference"}
    if escalation_level is not None:
        change["escalation_level"] = escalation_level
    if title is not None:
        if not title.strip():
            raise invalid("title", "must not be blank")
        change["title"] = title.strip()
    if resolution_note is not None and status != "resolved":
        raise invalid("resolution_note", "is added only when resolving; pass status=resolved too")
    if not change:
        raise invalid(
            "status",
            "nothing to change: give status, urgency, priority_id, assignee_ids, escalation_policy_id, "
            "escalation_level or title",
        )
    client = get_client()
    failures: dict[str, ToolFailure] = {}
    ids = _bulk_ids(client, incident_ids, failures)
    updated = _bulk_update(client, ids, change, failures) if ids else {}
    note_failures: dict[str, ToolFailure] = {}
    if resolution_note and updated:
        note = {"note": {"content": resolution_note}}
        for ident, outcome in _fan_out(
            lambda i: client.write("POST", path("/incidents/{}/notes", i), note, needs_from=True), list(updated)
        ):
            if isinstance(outcome, ToolFailure):
                note_failures[ident] = outcome
    incidents = [IncidentSummary.from_api(updated[i]) for i in ids if i in updated]
    if failures or note_failures:
        raise _bulk_failure(incidents, failures, note_failures)
    return respond("incidents", incidents, f"Updated {len(incidents)} incident(s)", untrusted=True)


def _bulk_ids(client: PagerDutyClient, values: list[str], failures: dict[str, ToolFailure]) -> list[str]:
    """Ids from ids, URLs and numbers (numbers are looked up); what cannot be resolved is a failure."""
    ids: list[str] = []
    numbers: list[str] = []
    for value in values:
        try:
            ident = resolve_id(value, "incident_ids")
        except ToolFailure as failure:
            failures[value] = failure
            continue
        (numbers if ident.isdigit() else ids).append(ident)
    for number, outcome in _fan_out(lambda n: incident_id_of(client, n, "incident_ids"), numbers):
        if isinstance(outcome, ToolFailure):
            failures[number] = outcome
        else:
            ids.append(outcome)
    return list(dict.fromkeys(ids))


# Failures that reject the whole batch because of one item: nothing was changed, so each id may be
# sent alone to learn which fail. Anything else (auth, rate limit, unknown outcome) is not retried.
_ITEM_CODES = ("INVALID_PARAMETER", "CONFLICT")


def _bulk_update(
    client: PagerDutyClient, ids: list[str], change: dict[str, Any], failures: dict[str, ToolFailure]
) -> dict[str, dict[str, Any]]:
    """Batch by batch, with progress; a cancel stops between batches, never inside one."""
    updated: dict[str, dict[str, Any]] = {}
    report_progress(0, len(ids), f"Updating {len(ids)} incident(s)")
    for start in range(0, len(ids), BULK_BATCH):
        check_cancelled()
        batch = ids[start : start + BULK_BATCH]
        done = _update_batch(client, batch, change, failures)
        updated.update(done)
        record_changed(i for i in batch if i in done)
        report_progress(start + len(batch), len(ids), f"{len(updated)} of {len(ids)} incident(s) updated")
    return updated


def _update_batch(
    client: PagerDutyClient, ids: list[str], change: dict[str, Any], failures: dict[str, ToolFailure]
) -> dict[str, dict[str, Any]]:
    def send(batch: list[str]) -> dict[str, dict[str, Any]]:
        items = [{"id": i, "type": "incident_reference", **change} for i in batch]
        body = client.write("PUT", "/incidents", {"incidents": items}, needs_from=True)
        return {i["id"]: i for i in body.get("incidents") or [] if i.get("id") in batch}

    try:
        updated = send(ids)
    except ToolFailure as failure:
        if failure.code == "WRITE_OUTCOME_UNKNOWN":  # the batch may or may not have been applied
            failures.update(dict.fromkeys(ids, failure))
            return {}
        per_item = failure.code in _ITEM_CODES or failure.code.endswith("_NOT_FOUND")
        if not per_item:
            raise
        if len(ids) == 1:
            failures[ids[0]] = failure
            return {}
        updated = {}
        for ident, outcome in _fan_out(lambda i: send([i]), ids):
            if isinstance(outcome, ToolFailure):
                failures[ident] = outcome
            else:
                updated.update(outcome)
    for ident in ids:
        if ident not in updated and ident not in failures:
            failures[ident] = ToolFailure(
                "WRITE_OUTCOME_UNKNOWN", "PagerDuty did not list this incident as updated; check it with get_incident."
            )
    return updated


def _bulk_failure(
    incidents: list[IncidentSummary], failures: dict[str, ToolFailure], note_failures: dict[str, ToolFailure]
) -> ToolFailure:
    done = [i.id for i in incidents]
    parts = []
    if done:
        parts.append(f"Updated {len(done)} incident(s): {', '.join(done)}.")
    unknown = {k: f for k, f in failures.items() if f.code == "WRITE_OUTCOME_UNKNOWN"}
    refused = {k: f for k, f in failures.items() if k not in unknown}
    if refused:
        listed = "; ".join(f"{k}: {f.message.rstrip('.')}" for k, f in list(refused.items())[:10])
        parts.append(f"{len(refused)} refused and left as they were: {listed}.")
    if unknown:
        parts.append(
            f"For {', '.join(list(unknown)[:20])} the outcome is unknown (PagerDuty failed mid-request): "
            "check them with get_incident before retrying."
        )
    if note_failures:
        parts.append(
            f"The resolution note could not be added to {', '.join(note_failures)} (they are resolved); "
            "add it with add_note_to_incident."
        )
    codes = {f.code for f in failures.values()}
    code = codes.pop() if not done and len(codes) == 1 and not note_failures else "PARTIAL_FAILURE"
    details: dict[str, Any] = {"succeeded": done, "failed": _failure_details(failures)}
    if note_failures:
        details["note_failed"] = _failure_details(note_failures)
    return ToolFailure(code, " ".join(parts), details)


def _requester_id(client: PagerDutyClient) -> str:
    """The user who asks for help: the token's user, or the user with the configured email."""
    me = client.current_user()
    if me is not None:
        return str(me["id"])
    email = client.from_email()
    users = client.read("/users", {"query": email}).get("users") or []
    for user in users:
        if str(user.get("email", "")).lower() == email.lower():
            return str(user["id"])
    raise ToolFailure(
        "FROM_EMAIL_REQUIRED", f"No PagerDuty user has the email in PAGERDUTY_USER_EMAIL ({email}); set it to a user's."
    )


@tool("Add responders", "create")
def add_responders(
    incident_id: IncidentId,
    message: Annotated[str, Field(min_length=1, max_length=1000, description="Why their help is needed.")],
    user_ids: Annotated[IdList | None, Field(description="Users to page.")] = None,
    escalation_policy_ids: Annotated[IdList | None, Field(description="Policies whose on-call to page.")] = None,
) -> dict:
    """Page more people onto an incident (users and/or escalation policies) with a message."""
    users = resolve_ids(user_ids, "user_ids") or []
    policies = resolve_ids(escalation_policy_ids, "escalation_policy_ids") or []
    if not users and not policies:
        raise invalid("user_ids", "give user_ids or escalation_policy_ids (or both)")
    client = get_client()
    ident = incident_id_of(client, incident_id)
    targets = [{"responder_request_target": {"id": u, "type": "user_reference"}} for u in users] + [
        {"responder_request_target": {"id": p, "type": "escalation_policy_reference"}} for p in policies
    ]
    body = {"requester_id": _requester_id(client), "message": message, "responder_request_targets": targets}
    request = client.write("POST", path("/incidents/{}/responder_requests", ident), body)["responder_request"]
    paged = [
        {"id": r["user"]["id"], "name": r["user"].get("summary"), "state": r.get("state")}
        for target in request.get("responder_request_targets") or []
        for r in target.get("incident_responders") or []
        if (r.get("user") or {}).get("id")
    ]
    return respond("responders", paged, f"Requested {len(paged)} responder(s) on incident {ident}")


@tool("Add note to incident", "create")
def add_note_to_incident(
    incident_id: IncidentId,
    note: Annotated[str, Field(min_length=1, max_length=25000, description="The note text.")],
) -> dict:
    """Add a note to an incident's timeline (findings, actions taken, hand-over)."""
    client = get_client()
    ident = incident_id_of(client, incident_id)
    created = client.write("POST", path("/incidents/{}/notes", ident), {"note": {"content": note}}, needs_from=True)
    return respond("notes", [Note.from_api(created["note"])], f"Note added to incident {ident}", untrusted=True)


@tool("Merge incidents", "update")
def merge_incidents(
    incident_id: Annotated[str, Field(pattern=ID_PATTERN, description="Incident to keep: id, number or URL.")],
    source_incident_ids: Annotated[
        list[Annotated[str, Field(pattern=ID_PATTERN)]],
        Field(min_length=1, max_length=25, description="Incidents merged into it (they resolve)."),
    ],
) -> dict:
    """Merge duplicate incidents into one: their alerts move to it and they resolve."""
    client = get_client()
    target = incident_id_of(client, incident_id)
    sources = list(dict.fromkeys(incident_id_of(client, s, "source_incident_ids") for s in source_incident_ids))
    if target in sources:
        raise invalid("source_incident_ids", "must not contain the incident they merge into")
    body = {"source_incidents": [{"id": s, "type": "incident_reference"} for s in sources]}
    merged = client.write("PUT", path("/incidents/{}/merge", target), body, needs_from=True)["incident"]
    if "alert_counts" not in merged:  # PagerDuty may answer with a reference only
        merged = client.read(path("/incidents/{}", target))["incident"]
    found = IncidentDetail.from_api(merged)
    return respond("incidents", [found], f"Merged {len(sources)} incident(s) into #{found.number}", untrusted=True)


@tool("Snooze incident", "update")
def snooze_incident(
    incident_id: IncidentId,
    minutes: Annotated[int, Field(ge=1, le=10080, description="Snooze for this long (max a week).")],
) -> dict:
    """Snooze an acknowledged incident: it re-triggers and pages again after the given minutes."""
    client = get_client()
    ident = incident_id_of(client, incident_id)
    body = {"duration": minutes * 60}
    snoozed = client.write("POST", path("/incidents/{}/snooze", ident), body, needs_from=True)["incident"]
    found = IncidentDetail.from_api(snoozed)
    return respond("incidents", [found], f"Incident #{found.number} snoozed for {minutes} min", untrusted=True)


@tool("Create status update", "create")
def create_status_update(
    incident_id: IncidentId,
    message: Annotated[str, Field(min_length=1, max_length=5000, description="Update for stakeholders.")],
    subject: Annotated[str | None, Field(max_length=300, description="Email subject.")] = None,
) -> dict:
    """Send a status update to an incident's stakeholders and subscribers."""
    client = get_client()
    ident = incident_id_of(client, incident_id)
    body: dict[str, Any] = {"message": message}
    if subject:
        body["subject"] = subject
    update = client.write("POST", path("/incidents/{}/status_updates", ident), body, needs_from=True)
    found = StatusUpdate.from_api(update["status_update"])
    return respond("status_updates", [found], f"Status update sent on incident {ident}", untrusted=True)


@tool("Manage alerts", "update")
def manage_alerts(
    incident_id: IncidentId,
    alert_ids: Annotated[
        list[Annotated[str, Field(pattern=ID_PATTERN)]],
        Field(min_length=1, max_length=MAX_BULK, description="Alert ids (list_alerts_from_incident)."),
    ],
    action: Annotated[Literal["resolve", "move"], Field(description="resolve, or move to another incident.")],
    target_incident_id: Annotated[
        str | None, Field(pattern=ID_PATTERN, description="With move: the incident to move them to.")
    ] = None,
) -> dict:
    """Resolve alerts of an incident, or move them to another incident. An incident left with no
    open alerts resolves."""
    if action == "move" and not target_incident_id:
        raise invalid("target_incident_id", "is required with action=move")
    if action == "resolve" and target_incident_id:
        raise ToolFailure(
            "INVALID_PARAMETER",
            "target_incident_id applies only to action=move.",
            {"parameters": ["action", "target_incident_id"]},
        )
    client = get_client()
    ident = incident_id_of(client, incident_id)
    alerts = list(dict.fromkeys(resolve_id(a, "alert_ids") for a in alert_ids))
    item: dict[str, Any] = {"status": "resolved"}
    if target_incident_id:
        target = incident_id_of(client, target_incident_id, "target_incident_id")
        item = {"incident": {"id": target, "type": "incident_reference"}}
    body = {"alerts": [{"id": a, "type": "alert", **item} for a in alerts]}
    try:
        changed = client.write("PUT", path("/incidents/{}/alerts", ident), body, needs_from=True).get("alerts") or []
    except ToolFailure as failure:
        if failure.code != "INCIDENT_NOT_FOUND":
            raise
        client.read(path("/incidents/{}", ident))  # the incident exists, so an alert id is the unknown one
        raise ToolFailure(
            "ALERT_NOT_FOUND",
            f"Not every alert_id is an alert of incident {ident}; list_alerts_from_incident lists them. "
            f"Nothing was changed.{failure.message.partition('.')[2]}",
        ) from failure
    found = [AlertSummary.from_api(a) for a in changed]
    verb = "Resolved" if action == "resolve" else "Moved"
    return respond("alerts", found, f"{verb} {len(found)} alert(s) of incident {ident}", untrusted=True)


@tool("Start incident workflow", "create")
def start_incident_workflow(
    workflow_id: Annotated[str, Field(pattern=ID_PATTERN, description="Workflow id (list_incident_workflows).")],
    incident_id: IncidentId,
) -> dict:
    """Run an incident workflow (e.g. open a bridge, notify stakeholders) on an incident."""
    client = get_client()
    workflow = resolve_id(workflow_id, "workflow_id")
    # Read the incident first: an unknown one is INCIDENT_NOT_FOUND (the API would say "bad request").
    ident = str(client.read(path("/incidents/{}", resolve_id(incident_id, "incident_id")))["incident"]["id"])
    body = {"incident_workflow_instance": {"incident": {"id": ident, "type": "incident_reference"}}}
    instance = client.write("POST", path("/incident_workflows/{}/instances", workflow), body)
    started = instance.get("incident_workflow_instance") or {}
    item = {"id": started.get("id"), "workflow_id": workflow, "incident_id": ident}
    return respond("workflow_instances", [item], f"Started workflow {workflow} on incident {ident}")


# The area's one list of tools; which are reads and which writes follows from each @tool's kind.
TOOLS = [
    list_incidents,
    get_incident,
    list_incident_notes,
    list_alerts_from_incident,
    get_alert_from_incident,
    list_log_entries,
    get_log_entry,
    get_outlier_incident,
    get_past_incidents,
    get_related_incidents,
    list_incident_change_events,
    list_priorities,
    list_incident_workflows,
    get_incident_workflow,
    get_incident_metrics,
    create_incident,
    manage_incidents,
    add_responders,
    add_note_to_incident,
    merge_incidents,
    snooze_incident,
    create_status_update,
    manage_alerts,
    start_incident_workflow,
]
READ_TOOLS, WRITE_TOOLS = split_by_kind(TOOLS)
