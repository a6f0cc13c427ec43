"""Incidents and their lifecycle: opened on a service, assigned by its escalation policy,
acknowledged, resolved, with the log entries, alerts and notes each step leaves; and how the API
lists and shows them."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pagerduty_mcp.sandbox.model.alerts import alerts_of, recount_alerts
from pagerduty_mcp.sandbox.model.escalation_policies import escalation_targets
from pagerduty_mcp.sandbox.model.incident_types import field_values, incident_type_of
from pagerduty_mcp.sandbox.model.log_entries import add_log_entry
from pagerduty_mcp.sandbox.model.store import HTML_BASE, Store, public
from pagerduty_mcp.sandbox.protocol import bad_request, format_time

__all__ = [
    "DETAIL_INCLUDES",
    "INCLUDES",
    "STATUSES",
    "URGENCIES",
    "add_note",
    "annotate",
    "by_id_or_number",
    "create_from_request",
    "create_incident",
    "detail",
    "existing",
    "listed",
    "notes_of",
    "ref_id",
    "retimed",
    "set_incident_status",
    "shown",
    "sort_order",
    "touch",
    "window",
]

STATUSES = ("triggered", "acknowledged", "resolved")
URGENCIES = ("high", "low")
INCLUDES = (
    "acknowledgers",
    "agents",
    "assignees",
    "conference_bridge",
    "escalation_policies",
    "first_trigger_log_entries",
    "priorities",
    "services",
    "teams",
    "users",
)
# The detail endpoint also takes include[]=custom_fields (the list endpoint does not), and
# include[]=body, which the spec's Incident.body describes but its include[] enum omits.
DETAIL_INCLUDES = (*INCLUDES, "custom_fields", "body")
SORT_FIELDS = ("incident_number", "created_at", "resolved_at", "urgency")
MAX_RANGE = timedelta(days=180)
DEFAULT_RANGE = timedelta(days=30)
MAX_NOTE = 25000
_SORT_KEYS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "created_at": lambda i: i["_created"],
    "resolved_at": lambda i: (i["_resolved"] is None, i["_resolved"] or i["_created"]),
    "urgency": lambda i: i["urgency"] == "low",
    "incident_number": lambda i: i["incident_number"],
}


def create_incident(
    store: Store,
    service_id: str,
    title: str,
    at: datetime,
    urgency: str = "high",
    *,
    body_details: str | None = None,
    incident_key: str | None = None,
    priority_id: str | None = None,
    escalation_policy_id: str | None = None,
    assignee_ids: list[str] | None = None,
    agent: dict[str, Any] | None = None,
    channel: dict[str, Any] | None = None,
    conference_bridge: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Open a triggered incident on a service, assigned by its escalation policy's first level
    (or to ``assignee_ids``), with trigger and assign log entries."""
    service = store.get("services", service_id)
    policy_id = escalation_policy_id or service["escalation_policy"]["id"]
    policy = store.get("escalation_policies", policy_id)
    number = store.take_incident_number()
    ident = store.new_id()
    assignees = assignee_ids if assignee_ids else escalation_targets(store, policy_id, 1, at)
    incident: dict[str, Any] = {
        "id": ident,
        "type": "incident",
        "summary": f"[#{number}] {title}",
        "self": f"{store.api_base}/incidents/{ident}",
        "html_url": f"{HTML_BASE}/incidents/{ident}",
        "incident_number": number,
        "title": title,
        "description": title,
        "created_at": format_time(at),
        "updated_at": format_time(at),
        "status": "triggered",
        "incident_key": incident_key or ident.lower() + "-key",
        "service": store.ref(service),
        "assignments": [{"at": format_time(at), "assignee": store.ref_to("users", u)} for u in assignees],
        "assigned_via": "escalation_policy" if not assignee_ids else "direct_assignment",
        "last_status_change_at": format_time(at),
        "resolved_at": None,
        "first_trigger_log_entry": None,
        "alert_counts": {"all": 0, "triggered": 0, "resolved": 0},
        "is_mergeable": True,
        "escalation_policy": store.ref(policy),
        "teams": list(service.get("teams", [])),
        "pending_actions": [],
        "acknowledgements": [],
        "alert_grouping": None,
        "last_status_change_by": store.ref(service),
        "priority": store.ref(store.get("priorities", priority_id)) if priority_id else None,
        "resolve_reason": None,
        "conference_bridge": conference_bridge,
        "incidents_responders": [],
        "responder_requests": [],
        "urgency": urgency,
        # Incident.body is only shown with include[]=body
        "_body": {"type": "incident_body", "details": body_details or ""},
        "_created": at,
        "_updated": at,
        "_resolved": None,
        "_log": [],
        "_alerts": [],
        "_notes": [],
        "_service_id": service_id,
        "_escalation_level": 1,
    }
    store.put("incidents", incident)
    store.index_incident(incident)
    via = (channel or {}).get("type", "api")
    trigger = add_log_entry(
        store,
        incident,
        "trigger",
        at,
        agent or store.ref(service),
        f"Triggered through the {via} channel",
        channel=channel or {"type": "api"},
    )
    incident["first_trigger_log_entry"] = store.ref(trigger)
    if assignees:
        add_log_entry(
            store,
            incident,
            "assign",
            at,
            store.ref(service),
            "Assigned to " + ", ".join(store.get("users", u)["name"] for u in assignees),
            assignees=[store.ref_to("users", u) for u in assignees],
        )
    store.emit("incident_created", incident=incident)
    return incident


def set_incident_status(
    store: Store, incident: dict[str, Any], status: str, at: datetime, agent: dict[str, Any] | None
) -> None:
    """Acknowledge or resolve, with the log entry, times and acknowledgement the API shows."""
    if status == incident["status"]:
        return
    incident["status"] = status
    incident["last_status_change_at"] = format_time(at)
    incident["last_status_change_by"] = agent or incident["service"]
    incident["updated_at"] = format_time(at)
    incident["_updated"] = at
    if status == "acknowledged":
        incident["acknowledgements"].append({"at": format_time(at), "acknowledger": agent})
        add_log_entry(store, incident, "acknowledge", at, agent, "Acknowledged", acknowledgement_timeout=None)
    elif status == "resolved":
        store.mark_closed(incident)
        incident["resolved_at"] = format_time(at)
        incident["_resolved"] = at
        incident["assignments"] = []
        incident["pending_actions"] = []
        add_log_entry(store, incident, "resolve", at, agent, "Resolved")
        for alert in alerts_of(store, incident):
            if alert["status"] != "resolved":
                alert["status"] = "resolved"
                alert["resolved_at"] = format_time(at)
        recount_alerts(store, incident)
    elif status == "triggered":
        incident["acknowledgements"] = []
    store.emit("incident_status", incident=incident, status=status, at=at)


def add_note(store: Store, incident: dict[str, Any], content: str, at: datetime, user_id: str) -> dict[str, Any]:
    user = store.get("users", user_id)
    note = {
        "id": store.new_id(),
        "type": "note",
        "user": store.ref(user),
        "channel": {"summary": "The PagerDuty website or APIs"},
        "content": content,
        "created_at": format_time(at),
        "_incident_id": incident["id"],
    }
    store.put("notes", note)
    incident["_notes"].append(note["id"])
    add_log_entry(store, incident, "annotate", at, store.ref(user), "Note added", channel={"type": "note"})
    return note


def touch(incident: dict[str, Any], at: datetime) -> None:
    incident["updated_at"] = format_time(at)
    incident["_updated"] = at


def notes_of(store: Store, incident: dict[str, Any]) -> list[dict[str, Any]]:
    return [store.get("notes", n) for n in incident["_notes"]]


def annotate(store: Store, incident: dict[str, Any], content: Any, at: datetime, user_id: str) -> dict[str, Any]:
    """A note a user adds through the API (400 when empty or too long)."""
    if not isinstance(content, str) or not content.strip():
        raise bad_request(errors=["note.content is required"])
    if len(content) > MAX_NOTE:
        raise bad_request(errors=["note.content may be at most 25,000 characters"])
    note = add_note(store, incident, content, at, user_id)
    touch(incident, at)
    return note


# -- finding and showing ----------------------------------------------------------------------------
def by_id_or_number(store: Store, ident: str) -> dict[str, Any]:
    """PagerDuty accepts an incident's id or its number in ``/incidents/{id}``."""
    if ident.isdigit():
        found = store.incident_by_number(int(ident))
        if found is not None:
            return found
    return store.get("incidents", ident)


def shown(store: Store, incident: dict[str, Any], includes: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    """The incident as the API shows it, with ``include[]`` expansions."""
    out = public(incident)
    if not includes:
        return out

    def full(kind: str, reference: dict[str, Any] | None) -> dict[str, Any] | None:
        if reference is None:
            return None
        found = store.find(kind, reference["id"])
        return public(found) if found is not None else reference

    if "services" in includes:
        out["service"] = full("services", incident["service"])
    if "escalation_policies" in includes:
        out["escalation_policy"] = full("escalation_policies", incident["escalation_policy"])
    if "teams" in includes:
        out["teams"] = [full("teams", t) for t in incident["teams"]]
    if "priorities" in includes and incident["priority"]:
        out["priority"] = full("priorities", incident["priority"])
    if "assignees" in includes or "users" in includes:
        out["assignments"] = [{**a, "assignee": full("users", a["assignee"])} for a in incident["assignments"]]
    if "acknowledgers" in includes or "users" in includes:
        out["acknowledgements"] = [
            {
                **a,
                "acknowledger": full("users", a["acknowledger"])
                if a["acknowledger"]["type"].startswith("user")
                else a["acknowledger"],
            }
            for a in incident["acknowledgements"]
        ]
    if "first_trigger_log_entries" in includes and incident["first_trigger_log_entry"]:
        entry = store.find("log_entries", incident["first_trigger_log_entry"]["id"])
        if entry is not None:
            out["first_trigger_log_entry"] = public(entry)
    return out


def detail(store: Store, incident: dict[str, Any], includes: list[str]) -> dict[str, Any]:
    """What ``GET /incidents/{id}`` shows: the incident, its body and custom fields when asked, its type."""
    out = shown(store, incident, includes)
    if "body" in includes:
        out["body"] = dict(incident["_body"])
    if "custom_fields" in includes:
        out["custom_fields"] = field_values(store, incident)
    kind = incident_type_of(store, incident)
    if kind is not None:
        out["incident_type"] = {"name": kind["name"]}
    return out


def retimed(store: Store, item: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    """A shown incident with its times written in ``zone`` (``time_zone=`` on the list)."""
    for key in ("created_at", "updated_at", "last_status_change_at", "resolved_at"):
        if item.get(key):
            source = store.get("incidents", item["id"])
            moment = {
                "created_at": source["_created"],
                "updated_at": source["_updated"],
                "resolved_at": source["_resolved"],
            }.get(key)
            if moment is not None:
                item[key] = format_time(moment, zone)
    return item


# -- listing ---------------------------------------------------------------------------------------
def sort_order(spec: list[str]) -> list[tuple[str, bool]]:
    """``sort_by``'s fields and whether each is descending (400 beyond the API's choices)."""
    keys = []
    for item in spec:
        field, _, direction = item.partition(":")
        if field not in SORT_FIELDS or direction not in ("", "asc", "desc"):
            raise bad_request(errors=[f"sort_by {item!r}: fields are {', '.join(SORT_FIELDS)}, directions asc or desc"])
        keys.append((field, direction == "desc"))
    if len(keys) > 2:
        raise bad_request(errors=["sort_by takes at most two fields"])
    return keys


def window(since: datetime | None, until: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    """PagerDuty's defaults: the last month when neither is given, a month either side of the
    one given; at most six months."""
    if since is None and until is None:
        since, until = now - DEFAULT_RANGE, now
    elif since is None:
        assert until is not None
        since = until - DEFAULT_RANGE
    elif until is None:
        until = max(now, since)
    if until < since:
        raise bad_request(errors=["until must be after since"])
    if until - since > MAX_RANGE:
        raise bad_request(errors=["The range between since and until cannot exceed 6 months"])
    return since, until


def _open_incidents(
    store: Store, service_ids: set[str], since: datetime | None, until: datetime | None
) -> list[dict[str, Any]]:
    found = store.open_incidents_in(service_ids or None)
    if since is not None and until is not None:
        found = [i for i in found if since <= i["_created"] < until]
    found.sort(key=lambda i: (i["_created"], i["incident_number"]))  # the history's own order
    return found


def listed(
    store: Store,
    since: datetime | None,
    until: datetime | None,
    *,
    statuses: set[str],
    urgencies: set[str],
    service_ids: set[str],
    team_ids: set[str],
    user_ids: set[str],
    priority_ids: set[str],
    incident_key: str | None,
    sort: list[tuple[str, bool]],
) -> Sequence[dict[str, Any]]:
    """The incidents ``GET /incidents`` pages through, filtered and ordered."""
    if user_ids and not statuses:
        statuses = {"triggered", "acknowledged"}  # resolved incidents have no assignees
    found: Sequence[dict[str, Any]]
    if statuses and "resolved" not in statuses:
        # open incidents only: start from the per-service index instead of the whole history
        found = _open_incidents(store, service_ids, since, until)
    else:
        found = store.incidents(since, until)
    if statuses:
        found = [i for i in found if i["status"] in statuses]
    if urgencies:
        found = [i for i in found if i["urgency"] in urgencies]
    if service_ids:
        found = [i for i in found if i["_service_id"] in service_ids]
    if team_ids:
        found = [i for i in found if any(t["id"] in team_ids for t in i["teams"])]
    if user_ids:
        found = [i for i in found if any(a["assignee"]["id"] in user_ids for a in i["assignments"])]
    if priority_ids:
        found = [i for i in found if i["priority"] is not None and i["priority"]["id"] in priority_ids]
    if incident_key:
        found = [i for i in found if i["incident_key"] == incident_key]
    if sort:
        ordered = list(found)
        for field, descending in reversed(sort):
            ordered.sort(key=_SORT_KEYS[field], reverse=descending)
        found = ordered
    return found


# -- opening one through the API -------------------------------------------------------------------
def ref_id(value: Any, what: str) -> str:
    """The id of a reference object in a request body (400 otherwise)."""
    if not isinstance(value, dict) or not isinstance(value.get("id"), str) or not value["id"]:
        raise bad_request(errors=[f"{what} must be a reference object with an id"])
    return str(value["id"])


def existing(store: Store, kind: str, ident: str, what: str) -> dict[str, Any]:
    """An object a request body names, or 400 (not 404: the path was fine, the body was not)."""
    found = store.find(kind, ident)
    if found is None:
        raise bad_request(errors=[f"{what} {ident} not found"])
    return found


def create_from_request(
    store: Store, body: dict[str, Any], user: dict[str, Any], at: datetime
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """An incident from ``POST /incidents``'s ``incident`` (400 on bad input), and its type when named."""
    if body.get("type") != "incident":
        raise bad_request(errors=['incident.type must be "incident"'])
    title = body.get("title")
    if not isinstance(title, str) or not title.strip():
        raise bad_request(errors=["incident.title is required"])
    service = existing(store, "services", ref_id(body.get("service"), "incident.service"), "Service")
    rule = service.get("incident_urgency_rule") or {}
    urgency = body.get("urgency") or (rule.get("urgency") if rule.get("type") == "constant" else "high") or "high"
    if urgency not in URGENCIES:
        raise bad_request(errors=["incident.urgency must be high or low"])
    priority_id = None
    if body.get("priority") is not None:
        priority_id = existing(store, "priorities", ref_id(body["priority"], "incident.priority"), "Priority")["id"]
    if body.get("assignments") and body.get("escalation_policy"):
        raise bad_request(errors=["Specify either assignments or an escalation_policy, not both"])
    policy_id = None
    if body.get("escalation_policy") is not None:
        ref = ref_id(body["escalation_policy"], "incident.escalation_policy")
        policy_id = existing(store, "escalation_policies", ref, "Escalation policy")["id"]
    assignees = [
        existing(store, "users", ref_id(a.get("assignee") if isinstance(a, dict) else None, "assignee"), "User")["id"]
        for a in body.get("assignments") or []
    ]
    key = body.get("incident_key")
    if key is not None:
        open_one = store.incident_with_key(service["id"], str(key))
        if open_one is not None and open_one["status"] != "resolved":
            raise bad_request(errors=["Open incident with matching dedup key already exists on this service"])
    details = (body.get("body") or {}).get("details")
    if details is not None and not isinstance(details, str):
        details = json.dumps(details)
    bridge = body.get("conference_bridge")
    kind = None
    if body.get("incident_type") is not None:
        named = body["incident_type"]
        if not isinstance(named, dict) or not isinstance(named.get("name"), str):
            raise bad_request(errors=["incident.incident_type must be an object with a name"])
        kind = next((t for t in store.all("incident_types") if t["name"] == named["name"]), None)
        if kind is None:
            raise bad_request(errors=[f"Incident type {named['name']!r} not found"])
    incident = create_incident(
        store,
        service["id"],
        title.strip(),
        at,
        urgency,
        body_details=details,
        incident_key=str(key) if key is not None else None,
        priority_id=priority_id,
        escalation_policy_id=policy_id,
        assignee_ids=assignees or None,
        agent=store.ref(user),
        channel={"type": "api"},
        conference_bridge=bridge if isinstance(bridge, dict) else None,
    )
    if kind is not None:
        incident["_incident_type"] = kind["id"]
    return incident, kind
