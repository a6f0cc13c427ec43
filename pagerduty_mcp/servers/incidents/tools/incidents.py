"""Incidents themselves: list and read them, open one, and the changes a responder makes to one
(merge, snooze, tell stakeholders). Priorities are the reference data they use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import Field

from pagerduty_mcp.common import (
    TIME_FORMS,
    Envelope,
    IdList,
    Limit,
    Offset,
    Page,
    PagerDutyClient,
    Question,
    Scope,
    ToolFailure,
    add_to_app_view,
    apply_scope,
    check_order,
    drawn_in_app,
    fact,
    get_client,
    invalid,
    iso,
    paginate,
    parse_time,
    path,
    respond,
    tool,
)
from pagerduty_mcp.servers.incidents.asks import incident_facts, policy_facts, users_fact
from pagerduty_mcp.servers.incidents.board_facts import board_facts
from pagerduty_mcp.servers.incidents.models import IncidentDetail, IncidentSummary, Priority, StatusUpdate
from pagerduty_mcp.servers.incidents.params import Id, IncidentId, SortBy, Status, Urgency, incident_id_of
from pagerduty_mcp.servers.incidents.tools.custom_fields import incident_type_named

__all__ = [
    "create_incident",
    "create_status_update",
    "get_incident",
    "list_incidents",
    "list_priorities",
    "merge_incidents",
    "snooze_incident",
]

MAX_LIST_RANGE = timedelta(days=180)  # GET /incidents rejects a wider since/until window
_PRIORITY_SCAN = 1000  # incidents read at most to filter by priority, which PagerDuty cannot


# Declared: the board's escalation levels read /oncalls too (board_facts), but only for a host that
# draws the board, and without oncalls.read they are left out; the list itself needs no more.
@tool("List incidents", scopes=("incidents.read",))
def list_incidents(
    statuses: Annotated[list[Status] | None, Field(description="Default: triggered and acknowledged.")] = None,
    urgencies: Annotated[list[Urgency] | None, Field(description="Filter by urgency.")] = None,
    service_ids: Annotated[IdList | None, Field(description="Only these services.")] = None,
    team_ids: Annotated[IdList | None, Field(description="Only these teams (scope=all).")] = None,
    user_ids: Annotated[IdList | None, Field(description="Assigned to these users (scope=all).")] = None,
    priority_ids: Annotated[IdList | None, Field(description="Only these priorities (P1...).")] = None,
    since: Annotated[str | None, Field(description=f"Created after, {TIME_FORMS}.")] = None,
    until: Annotated[str | None, Field(description=f"Created before, {TIME_FORMS}.")] = None,
    date_range: Annotated[Literal["all"] | None, Field(description="all: any age (not with since/until).")] = None,
    sort_by: Annotated[SortBy, Field(description="Order.")] = "created_at:desc",
    scope: Annotated[Scope, Field(description="my_teams, assigned_to_me or all.")] = "all",
    limit: Limit = 25,
    offset: Offset = 0,
) -> Envelope:
    """Incidents, open ones by default, of any age unless since/until is given: "what is broken"."""
    client = get_client()
    since_at, until_at = parse_time(since, "since"), parse_time(until, "until")
    check_order(since_at, until_at)
    if date_range and (since_at or until_at):
        raise ToolFailure(
            "INVALID_PARAMETER",
            "date_range=all conflicts with since/until; pass one or the other.",
            {"parameters": ["date_range", "since", "until"]},
        )
    if since_at and (until_at or datetime.now(UTC)) - since_at > MAX_LIST_RANGE:
        raise invalid("since", "PagerDuty lists at most 6 months between since and until; use date_range=all instead")
    # An empty list is no filter, as if the parameter were left out.
    scoped = apply_scope(client, scope, team_ids or None, user_ids or None)
    chosen = list(dict.fromkeys(statuses or ["triggered", "acknowledged"]))
    params: dict[str, Any] = {"statuses[]": chosen, "sort_by": sort_by}
    if urgencies:
        params["urgencies[]"] = list(dict.fromkeys(urgencies))
    if service_ids:
        params["service_ids[]"] = service_ids
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
    if priority_ids:
        page = _scan_by_priority(client, params, set(priority_ids), limit, offset)
    else:
        page = paginate(client, "/incidents", "incidents", params, limit=limit, offset=offset)
    # An empty answer filtered by an unknown id is checked by the registry (toolkit.names), which
    # names the parameter and the server that lists valid ones.
    page.notes = scoped.notes + page.notes
    incidents = [IncidentSummary.from_api(i) for i in page.items]
    if drawn_in_app():  # the board shows teams and escalation levels; the model's answer stays as it was
        add_to_app_view(incidents=board_facts(client, page.items))
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
def get_incident(incident_id: IncidentId) -> Envelope:
    """One incident in detail: body, assignees, acknowledgers, responders, policy, teams, alert counts,
    priority, bridge, incident type, custom fields (where ticket links or metadata live, if anywhere)."""
    # include[]=body works on PagerDuty though the published spec omits it (PagerDuty/pagerduty-mcp-server#65).
    body = get_client().read(path("/incidents/{}", incident_id), {"include[]": ["body", "custom_fields"]})
    incident = IncidentDetail.from_api(body["incident"])
    return respond("incidents", [incident], f"Incident #{incident.number}: {incident.status}", untrusted=True)


@tool("List priorities")
def list_priorities() -> Envelope:
    """The account's incident priorities (P1, P2...), highest first: ids for priority_id."""
    client = get_client()
    # Priorities hardly ever change: read once per credential every few minutes.
    page = client.reference("priorities", lambda: paginate(client, "/priorities", "priorities", limit=100))
    priorities = [Priority.model_validate(p) for p in page.items]
    notes = [] if priorities else ["The account has no priorities (they may be turned off)."]
    return respond("priorities", priorities, f"{len(priorities)} priorities", page=page, notes=notes or None)


def _asks_before_opening(arguments: dict[str, Any]) -> Question | None:
    """Always: opening an incident pages the service's on-call, or the policy or users given."""
    if arguments.get("escalation_policy_id") and arguments.get("assignee_ids"):
        return None  # refused by the tool itself, before anything is sent
    client = get_client()
    service = client.read(path("/services/{}", arguments["service_id"]))["service"]
    facts = [fact("Service", str(service.get("name") or service["id"])), fact("Title", arguments["title"])]
    if arguments.get("urgency"):
        facts.append(fact("Urgency", arguments["urgency"]))
    if arguments.get("assignee_ids"):
        facts.append(users_fact(client, "Paged", arguments["assignee_ids"]))
    else:
        policy = arguments.get("escalation_policy_id") or (service.get("escalation_policy") or {}).get("id")
        facts += policy_facts(client, [policy] if policy else [])
    return Question("Open an incident. This pages people now.", tuple(facts))


@tool("Create incident", "create", confirm=_asks_before_opening)
def create_incident(
    title: Annotated[str, Field(min_length=1, max_length=1024, description="What is broken.")],
    service_id: Annotated[Id, Field(description="Service id or URL.")],
    urgency: Annotated[Urgency | None, Field(description="Default: the service's rule.")] = None,
    priority_id: Annotated[Id | None, Field(description="Priority, e.g. P1.")] = None,
    details: Annotated[str | None, Field(max_length=10000, description="Body text.")] = None,
    escalation_policy_id: Annotated[Id | None, Field(description="Page this policy.")] = None,
    assignee_ids: Annotated[IdList | None, Field(description="Or page these users.")] = None,
    incident_key: Annotated[str | None, Field(max_length=255, description="De-duplication key.")] = None,
    conference_url: Annotated[str | None, Field(description="Bridge URL.")] = None,
    conference_number: Annotated[str | None, Field(description="Bridge phone number.")] = None,
    incident_type: Annotated[str | None, Field(max_length=100, description="Incident type name or id.")] = None,
) -> Envelope:
    """Open an incident. This PAGES people (the service's on-call, or the policy/users given): only
    when asked. With incident_key, a repeat while the first is open pages nobody and names it."""
    client = get_client()
    if escalation_policy_id and assignee_ids:
        raise ToolFailure(
            "INVALID_PARAMETER",
            "Give escalation_policy_id or assignee_ids, not both.",
            {"parameters": ["escalation_policy_id", "assignee_ids"]},
        )
    client.read(path("/services/{}", service_id))  # an unknown service is SERVICE_NOT_FOUND, not a bad request
    incident: dict[str, Any] = {
        "type": "incident",
        "title": title.strip(),
        "service": {"id": service_id, "type": "service_reference"},
    }
    if urgency:
        incident["urgency"] = urgency
    if priority_id:
        incident["priority"] = {"id": priority_id, "type": "priority_reference"}
    if details:
        incident["body"] = {"type": "incident_body", "details": details}
    if escalation_policy_id:
        incident["escalation_policy"] = {"id": escalation_policy_id, "type": "escalation_policy_reference"}
    if assignee_ids:
        incident["assignments"] = [{"assignee": {"id": u, "type": "user_reference"}} for u in assignee_ids]
    if incident_key:
        incident["incident_key"] = incident_key
    bridge = {k: v for k, v in (("conference_url", conference_url), ("conference_number", conference_number)) if v}
    if bridge:
        incident["conference_bridge"] = bridge
    if incident_type:
        incident["incident_type"] = {"name": incident_type_named(client, incident_type)}
    try:
        created = client.write("POST", "/incidents", {"incident": incident}, needs_from=True)["incident"]
    except ToolFailure as failure:
        if incident_key and failure.code == "INVALID_PARAMETER":
            _raise_if_duplicate(client, service_id, incident_key, failure)
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


def _asks_before_merging(arguments: dict[str, Any]) -> Question:
    """Always: merging changes several incidents (those merged in resolve)."""
    client = get_client()
    sources = list(dict.fromkeys(arguments["source_incident_ids"]))
    facts = incident_facts(client, [arguments["incident_id"]], "Keeps incident")
    facts += incident_facts(client, sources, "Merges in and resolves incident")
    return Question(
        f"Merge {len(sources)} incident(s) into another: their alerts move to it and they resolve.", tuple(facts)
    )


@tool("Merge incidents", "update", confirm=_asks_before_merging)
def merge_incidents(
    incident_id: Annotated[Id, Field(description="Incident to keep: id, number or URL.")],
    source_incident_ids: Annotated[
        list[Id],
        Field(min_length=1, max_length=25, description="Incidents merged into it."),
    ],
) -> Envelope:
    """Merge duplicate incidents into one: their alerts move to it and they resolve."""
    client = get_client()
    target = incident_id_of(client, incident_id)
    sources = list(dict.fromkeys(incident_id_of(client, s) for s in source_incident_ids))
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
    minutes: Annotated[int, Field(ge=1, le=10080, description="Max a week.")],
) -> Envelope:
    """Snooze an acknowledged incident: it re-triggers and pages again after the given minutes."""
    client = get_client()
    ident = incident_id_of(client, incident_id)
    body = {"duration": minutes * 60}
    snoozed = client.write("POST", path("/incidents/{}/snooze", ident), body, needs_from=True)["incident"]
    found = IncidentDetail.from_api(snoozed)
    return respond("incidents", [found], f"Incident #{found.number} snoozed for {minutes} min", untrusted=True)


def _asks_before_telling_stakeholders(arguments: dict[str, Any]) -> Question:
    """Always: the update goes to the incident's stakeholders and subscribers."""
    facts = incident_facts(get_client(), [arguments["incident_id"]])
    if arguments.get("subject"):
        facts.append(fact("Subject", arguments["subject"]))
    facts.append(fact("Message", arguments["message"]))
    return Question("Send a status update to the incident's stakeholders and subscribers.", tuple(facts))


@tool("Create status update", "create", confirm=_asks_before_telling_stakeholders)
def create_status_update(
    incident_id: IncidentId,
    message: Annotated[str, Field(min_length=1, max_length=5000, description="The update.")],
    subject: Annotated[str | None, Field(max_length=300, description="Email subject.")] = None,
) -> Envelope:
    """Send a status update to an incident's subscribers (list_incident_subscribers)."""
    client = get_client()
    ident = incident_id_of(client, incident_id)
    body: dict[str, Any] = {"message": message}
    if subject:
        body["subject"] = subject
    update = client.write("POST", path("/incidents/{}/status_updates", ident), body, needs_from=True)
    found = StatusUpdate.from_api(update["status_update"])
    return respond("status_updates", [found], f"Status update sent on incident {ident}", untrusted=True)
