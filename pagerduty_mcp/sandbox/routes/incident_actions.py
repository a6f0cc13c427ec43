"""Incident writes: create, bulk manage, notes, responders, merge, snooze, status updates, alerts.

PagerDuty applies a bulk ``PUT /incidents`` as a whole: an unknown id or an invalid change
rejects the request and nothing is changed, which is what the sandbox does too.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from pagerduty_mcp.sandbox.model import incidents
from pagerduty_mcp.sandbox.model.alerts import recount_alerts
from pagerduty_mcp.sandbox.model.escalation_policies import escalation_targets
from pagerduty_mcp.sandbox.model.incidents import add_note, set_incident_status
from pagerduty_mcp.sandbox.model.log_entries import add_log_entry
from pagerduty_mcp.sandbox.model.store import Store, public
from pagerduty_mcp.sandbox.protocol import (
    CODE_INVALID_INPUT,
    CODE_NOT_FOUND,
    ApiError,
    Reply,
    bad_request,
    format_time,
    not_found,
)
from pagerduty_mcp.sandbox.router import Context, route
from pagerduty_mcp.sandbox.routes.incident_records import alerts_of
from pagerduty_mcp.sandbox.routes.incidents import incident_by_id_or_number, render_incident

__all__ = ["MAX_BULK_INCIDENTS"]

MAX_BULK_INCIDENTS = 250
_STATUSES = ("triggered", "acknowledged", "resolved")
_URGENCIES = ("high", "low")


def _body(ctx: Context) -> dict[str, Any]:
    data = ctx.req.json()
    if not isinstance(data, dict):
        raise bad_request(errors=["The request body must be a JSON object"])
    return data


def _ref_id(value: Any, what: str) -> str:
    if not isinstance(value, dict) or not isinstance(value.get("id"), str) or not value["id"]:
        raise bad_request(errors=[f"{what} must be a reference object with an id"])
    return str(value["id"])


def _existing(state: Store, kind: str, ident: str, what: str) -> dict[str, Any]:
    found = state.find(kind, ident)
    if found is None:
        raise bad_request(errors=[f"{what} {ident} not found"])
    return found


def _touch(incident: dict[str, Any], at: datetime) -> None:
    incident["updated_at"] = format_time(at)
    incident["_updated"] = at


# -- create ---------------------------------------------------------------------------------------
@route("POST", "/incidents")
def create_incident(ctx: Context) -> Reply:
    state = ctx.store
    user = ctx.acting_user()
    body = ctx.req.entity("incident")
    if body.get("type") != "incident":
        raise bad_request(errors=['incident.type must be "incident"'])
    title = body.get("title")
    if not isinstance(title, str) or not title.strip():
        raise bad_request(errors=["incident.title is required"])
    service = _existing(state, "services", _ref_id(body.get("service"), "incident.service"), "Service")
    rule = service.get("incident_urgency_rule") or {}
    urgency = body.get("urgency") or (rule.get("urgency") if rule.get("type") == "constant" else "high") or "high"
    if urgency not in _URGENCIES:
        raise bad_request(errors=["incident.urgency must be high or low"])
    priority_id = None
    if body.get("priority") is not None:
        priority_id = _existing(state, "priorities", _ref_id(body["priority"], "incident.priority"), "Priority")["id"]
    if body.get("assignments") and body.get("escalation_policy"):
        raise bad_request(errors=["Specify either assignments or an escalation_policy, not both"])
    policy_id = None
    if body.get("escalation_policy") is not None:
        ref = _ref_id(body["escalation_policy"], "incident.escalation_policy")
        policy_id = _existing(state, "escalation_policies", ref, "Escalation policy")["id"]
    assignees = [
        _existing(state, "users", _ref_id(a.get("assignee") if isinstance(a, dict) else None, "assignee"), "User")["id"]
        for a in body.get("assignments") or []
    ]
    key = body.get("incident_key")
    if key is not None:
        existing = state.incident_keys.get((service["id"], str(key)))
        if existing is not None and state.get("incidents", existing)["status"] != "resolved":
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
        kind = next((t for t in state.all("incident_types") if t["name"] == named["name"]), None)
        if kind is None:
            raise bad_request(errors=[f"Incident type {named['name']!r} not found"])
    incident = incidents.create_incident(
        state,
        service["id"],
        title.strip(),
        ctx.now,
        urgency,
        body_details=details,
        incident_key=str(key) if key is not None else None,
        priority_id=priority_id,
        escalation_policy_id=policy_id,
        assignee_ids=assignees or None,
        agent=state.ref(user),
        channel={"type": "api"},
        conference_bridge=bridge if isinstance(bridge, dict) else None,
    )
    out = render_incident(state, incident)
    if kind is not None:
        incident["_incident_type"] = kind["id"]
        out["incident_type"] = {"name": kind["name"]}
    return Reply({"incident": out}, status=201)


# -- bulk manage ----------------------------------------------------------------------------------
def _check_change(state: Store, incident: dict[str, Any], item: dict[str, Any]) -> None:
    """Reject an invalid change before anything is applied (PagerDuty's updates are all-or-nothing)."""
    where = f"Incident {incident['id']}"
    status = item.get("status")
    if status is not None and status not in _STATUSES:
        raise bad_request(errors=[f"{where}: status must be one of {list(_STATUSES)}"])
    if item.get("urgency") is not None and item["urgency"] not in _URGENCIES:
        raise bad_request(errors=[f"{where}: urgency must be high or low"])
    if "title" in item and (not isinstance(item["title"], str) or not item["title"].strip()):
        raise bad_request(errors=[f"{where}: title must be a non-empty string"])
    priority = item.get("priority")
    if isinstance(priority, str):
        if not any(p["name"] == priority for p in state.all("priorities")):
            raise bad_request(errors=[f"{where}: no priority named {priority!r}"])
    elif priority is not None:
        _existing(state, "priorities", _ref_id(priority, "priority"), "Priority")
    if item.get("assignments") and item.get("escalation_policy"):
        raise bad_request(errors=[f"{where}: specify either assignments or an escalation_policy, not both"])
    for assignment in item.get("assignments") or []:
        _existing(state, "users", _ref_id((assignment or {}).get("assignee"), "assignee"), "User")
    policy = incident["escalation_policy"]
    if item.get("escalation_policy") is not None:
        policy = _existing(state, "escalation_policies", _ref_id(item["escalation_policy"], "escalation_policy"), "EP")
    reassigning = item.get("assignments") or item.get("escalation_policy") or item.get("escalation_level")
    reopening = status in ("triggered", "acknowledged")
    if reassigning and incident["status"] == "resolved" and not reopening:
        raise bad_request(errors=[f"{where} is resolved, so it cannot be reassigned or escalated"])
    level = item.get("escalation_level")
    if level is not None:
        rules = state.get("escalation_policies", policy["id"])["escalation_rules"]
        if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= len(rules):
            raise bad_request(errors=[f"{where}: escalation_level must be between 1 and {len(rules)}"])


def _assign(
    state: Store, incident: dict[str, Any], user_ids: list[str], at: datetime, agent: dict[str, Any], kind: str
) -> None:
    incident["assignments"] = [{"at": format_time(at), "assignee": state.ref_to("users", u)} for u in user_ids]
    names = ", ".join(state.get("users", u)["name"] for u in user_ids) or "nobody"
    summary = (
        f"Escalated to level {incident['_escalation_level']}: {names}"
        if kind == "escalate"
        else f"Reassigned to {names}"
    )
    add_log_entry(state, incident, kind, at, agent, summary, assignees=[state.ref_to("users", u) for u in user_ids])
    if incident["status"] == "acknowledged":  # a new assignee has to acknowledge again
        incident["status"] = "triggered"
        incident["acknowledgements"] = []
        incident["last_status_change_at"] = format_time(at)


def _reopen(state: Store, incident: dict[str, Any], at: datetime, agent: dict[str, Any]) -> None:
    incident["status"] = "triggered"
    incident["resolved_at"] = None
    incident["_resolved"] = None
    incident["resolve_reason"] = None
    incident["acknowledgements"] = []
    incident["last_status_change_at"] = format_time(at)
    incident["last_status_change_by"] = agent
    incident["_escalation_level"] = 1
    state.open_incidents.setdefault(incident["_service_id"], {})[incident["id"]] = None
    add_log_entry(state, incident, "trigger", at, agent, "Reopened", channel={"type": "api"})


def _apply_change(
    state: Store, incident: dict[str, Any], item: dict[str, Any], at: datetime, user: dict[str, Any]
) -> None:
    agent = state.ref(user)
    assert agent is not None
    status = item.get("status")
    if status in ("triggered", "acknowledged") and incident["status"] == "resolved":
        _reopen(state, incident, at, agent)
        if not (item.get("assignments") or item.get("escalation_policy")):
            _assign(
                state,
                incident,
                escalation_targets(state, incident["escalation_policy"]["id"], 1, at),
                at,
                agent,
                "assign",
            )
    if "title" in item:
        incident["title"] = item["title"].strip()
        incident["description"] = incident["title"]
        incident["summary"] = f"[#{incident['incident_number']}] {incident['title']}"
    if item.get("urgency") and item["urgency"] != incident["urgency"]:
        incident["urgency"] = item["urgency"]
        add_log_entry(state, incident, "urgency_change", at, agent, f"Urgency changed to {item['urgency']}")
    priority = item.get("priority")
    if isinstance(priority, str):
        incident["priority"] = state.ref(next(p for p in state.all("priorities") if p["name"] == priority))
    elif priority is not None:
        incident["priority"] = state.ref_to("priorities", priority["id"])
    if item.get("escalation_policy") is not None:
        policy = state.get("escalation_policies", item["escalation_policy"]["id"])
        incident["escalation_policy"] = state.ref(policy)
        incident["assigned_via"] = "escalation_policy"
        incident["_escalation_level"] = item.get("escalation_level") or 1
        targets = escalation_targets(state, policy["id"], incident["_escalation_level"], at)
        _assign(state, incident, targets, at, agent, "assign")
    elif item.get("assignments"):
        incident["assigned_via"] = "direct_assignment"
        _assign(state, incident, [a["assignee"]["id"] for a in item["assignments"]], at, agent, "assign")
    elif item.get("escalation_level") is not None:
        incident["_escalation_level"] = item["escalation_level"]
        incident["assigned_via"] = "escalation_policy"
        targets = escalation_targets(state, incident["escalation_policy"]["id"], item["escalation_level"], at)
        _assign(state, incident, targets, at, agent, "escalate")
    if status in ("acknowledged", "resolved"):
        set_incident_status(state, incident, status, at, agent)
        if status == "resolved" and item.get("resolution"):
            resolve_entry = state.tables["log_entries"][incident["_log"][-1]]
            if resolve_entry["type"] == "resolve_log_entry":
                resolve_entry["note"] = str(item["resolution"])
    if isinstance(item.get("conference_bridge"), dict):
        incident["conference_bridge"] = item["conference_bridge"]
    _touch(incident, at)


@route("PUT", "/incidents")
def manage_incidents(ctx: Context) -> dict[str, Any]:
    state = ctx.store
    user = ctx.acting_user()
    items = _body(ctx).get("incidents")
    if not isinstance(items, list) or not items:
        raise bad_request(errors=["incidents must be a non-empty array"])
    if len(items) > MAX_BULK_INCIDENTS:
        raise ApiError(
            413,
            "Request Entity Too Large",
            CODE_INVALID_INPUT,
            [f"At most {MAX_BULK_INCIDENTS} incidents may be updated at a time"],
        )
    targets: list[tuple[dict[str, Any], dict[str, Any]]] = []
    missing: list[str] = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise bad_request(errors=["each incident must be an object with an id"])
        if item.get("type") not in ("incident", "incident_reference"):
            raise bad_request(errors=[f"Incident {item['id']}: type must be incident or incident_reference"])
        incident = state.find("incidents", item["id"])
        if incident is None:
            missing.append(item["id"])
        else:
            targets.append((incident, item))
    if missing:
        raise ApiError(404, "Not Found", CODE_NOT_FOUND, [f"Incident {i} not found" for i in missing])
    for incident, item in targets:
        _check_change(state, incident, item)
    at = ctx.now
    for incident, item in targets:
        _apply_change(state, incident, item, at, user)
    rendered = [render_incident(state, incident) for incident, _ in targets]
    return {"incidents": rendered, "limit": len(rendered), "offset": 0, "more": False, "total": None}


# -- notes, responders, status updates ------------------------------------------------------------
@route("POST", "/incidents/{id}/notes")
def create_note(ctx: Context) -> Reply:
    user = ctx.acting_user()
    incident = incident_by_id_or_number(ctx.store, ctx.params["id"])
    content = ctx.req.entity("note").get("content")
    if not isinstance(content, str) or not content.strip():
        raise bad_request(errors=["note.content is required"])
    if len(content) > 25000:
        raise bad_request(errors=["note.content may be at most 25,000 characters"])
    note = add_note(ctx.store, incident, content, ctx.now, user["id"])
    _touch(incident, ctx.now)
    return Reply({"note": public(note)}, status=201)


@route("POST", "/incidents/{id}/responder_requests")
def create_responder_request(ctx: Context) -> dict[str, Any]:
    state = ctx.store
    incident = incident_by_id_or_number(state, ctx.params["id"])
    body = _body(ctx)
    requester = _existing(state, "users", str(body.get("requester_id") or ""), "Requester user")
    message = body.get("message")
    if not isinstance(message, str) or not message.strip():
        raise bad_request(errors=["message is required"])
    raw_targets = body.get("responder_request_targets")
    if not isinstance(raw_targets, list) or not raw_targets:
        raise bad_request(errors=["responder_request_targets must be a non-empty array"])
    if incident["status"] == "resolved":
        raise bad_request(errors=["Responders cannot be added to a resolved incident"])
    at = ctx.now
    targets = []
    for raw in raw_targets:
        target = (raw or {}).get("responder_request_target") if isinstance(raw, dict) else None
        ident = _ref_id(target, "responder_request_target")
        kind = str((target or {}).get("type", ""))
        if kind.startswith("user"):
            user = _existing(state, "users", ident, "User")
            users, policy = [user["id"]], None
        elif kind.startswith("escalation_policy"):
            policy = _existing(state, "escalation_policies", ident, "Escalation policy")
            users = escalation_targets(state, policy["id"], 1, at)
        else:
            raise bad_request(
                errors=["responder_request_target.type must be user_reference or escalation_policy_reference"]
            )
        responders = []
        for user_id in users:
            responder = {
                "state": "pending",
                "user": state.ref_to("users", user_id),
                "incident": state.ref(incident),
                "updated_at": format_time(at),
                "message": message,
                "requester": state.ref(requester),
                "requested_at": format_time(at),
                "escalation_policy_requests": [policy["name"]] if policy else [],
            }
            incident["incidents_responders"].append(responder)
            responders.append(responder)
            add_log_entry(
                state,
                incident,
                "notify",
                at,
                state.ref(requester),
                f"Requested {state.get('users', user_id)['name']} as a responder",
                user=state.ref_to("users", user_id),
            )
        named = policy or state.get("users", ident)
        targets.append(
            {
                "type": "escalation_policy" if policy else "user",
                "id": ident,
                "summary": named.get("summary") or named.get("name"),
                "incident_responders": responders,
            }
        )
    request = {
        "id": state.new_id(),
        "incident": state.ref(incident),
        "requester": state.ref(requester),
        "requested_at": format_time(at),
        "message": message,
        "responder_request_targets": targets,
    }
    incident["responder_requests"].append(
        {k: request[k] for k in ("incident", "requester", "requested_at", "message", "responder_request_targets")}
    )
    _touch(incident, at)
    return {"responder_request": request}


@route("POST", "/incidents/{id}/status_updates")
def create_status_update(ctx: Context) -> dict[str, Any]:
    state = ctx.store
    user = ctx.acting_user()
    incident = incident_by_id_or_number(state, ctx.params["id"])
    body = _body(ctx)
    message = body.get("message")
    if not isinstance(message, str) or not message.strip():
        raise bad_request(errors=["message is required"])
    update = {
        "id": state.new_id(),
        "message": message,
        "created_at": format_time(ctx.now),
        "sender": state.ref(user),
        "subject": body.get("subject") or f"Status update on incident #{incident['incident_number']}",
        "html_message": body.get("html_message") or message,
    }
    incident.setdefault("_status_updates", []).append(update)
    add_log_entry(
        state,
        incident,
        "annotate",
        ctx.now,
        state.ref(user),
        f"Status update: {message}",
        channel={"type": "status_update"},
    )
    _touch(incident, ctx.now)
    return {"status_update": update}


# -- merge, snooze, alerts ------------------------------------------------------------------------
def _move_alert(state: Store, alert: dict[str, Any], source: dict[str, Any], target: dict[str, Any]) -> None:
    source["_alerts"].remove(alert["id"])
    target["_alerts"].append(alert["id"])
    alert["incident"] = state.ref(target)
    alert["_incident_id"] = target["id"]
    alert["self"] = f"{state.api_base}/incidents/{target['id']}/alerts/{alert['id']}"


@route("PUT", "/incidents/{id}/merge")
def merge_incidents(ctx: Context) -> dict[str, Any]:
    state = ctx.store
    user = ctx.acting_user()
    target = incident_by_id_or_number(state, ctx.params["id"])
    sources = _body(ctx).get("source_incidents")
    if not isinstance(sources, list) or not sources:
        raise bad_request(errors=["source_incidents must be a non-empty array"])
    if target["status"] == "resolved":
        raise bad_request(errors=["Incidents cannot be merged into a resolved incident"])
    found = []
    for source in sources:
        ident = _ref_id(source, "source_incidents[]")
        incident = state.find("incidents", ident)
        if incident is None:
            raise not_found("incident", ident)
        if incident["id"] == target["id"]:
            raise bad_request(errors=["An incident cannot be merged into itself"])
        found.append(incident)
    at = ctx.now
    agent = state.ref(user)
    for source in found:
        for alert in alerts_of(state, source):
            _move_alert(state, alert, source, target)
        recount_alerts(state, source)
        set_incident_status(state, source, "resolved", at, agent)
        source["resolve_reason"] = {"type": "merge_resolve_reason", "incident": state.ref(target)}
        source["is_mergeable"] = False
        _touch(source, at)
    recount_alerts(state, target)
    _touch(target, at)
    return {"incident": state.ref(target)}


@route("POST", "/incidents/{id}/snooze")
def snooze_incident(ctx: Context) -> Reply:
    state = ctx.store
    user = ctx.acting_user()
    incident = incident_by_id_or_number(state, ctx.params["id"])
    duration = _body(ctx).get("duration")
    if not isinstance(duration, int) or isinstance(duration, bool) or duration < 1:
        raise bad_request(errors=["duration must be a positive number of seconds"])
    if incident["status"] != "acknowledged":
        raise bad_request(errors=["Only acknowledged incidents can be snoozed"])
    at = ctx.now
    until = at + timedelta(seconds=duration)
    incident["pending_actions"] = [a for a in incident["pending_actions"] if a.get("type") != "unacknowledge"]
    incident["pending_actions"].append({"type": "unacknowledge", "at": format_time(until)})
    add_log_entry(state, incident, "snooze", at, state.ref(user), f"Snoozed until {format_time(until)}")
    _touch(incident, at)
    return Reply({"incident": render_incident(state, incident)}, status=201)


@route("PUT", "/incidents/{id}/alerts")
def manage_alerts(ctx: Context) -> dict[str, Any]:
    state = ctx.store
    user = ctx.acting_user()
    incident = incident_by_id_or_number(state, ctx.params["id"])
    items = _body(ctx).get("alerts")
    if not isinstance(items, list) or not items:
        raise bad_request(errors=["alerts must be a non-empty array"])
    if len(items) > MAX_BULK_INCIDENTS:
        raise ApiError(413, "Request Entity Too Large", CODE_INVALID_INPUT, ["At most 250 alerts at a time"])
    plans = []
    for item in items:
        ident = _ref_id(item, "alerts[]")
        alert = state.find("alerts", ident)
        if alert is None or alert["_incident_id"] != incident["id"]:
            raise not_found("alert", ident)
        status = item.get("status")
        if status is not None and status not in ("resolved", "triggered"):
            raise bad_request(errors=[f"Alert {ident}: status must be resolved or triggered"])
        destination = None
        if item.get("incident") is not None:
            destination = _existing(state, "incidents", _ref_id(item["incident"], "alert.incident"), "Incident")
            if destination["status"] == "resolved":
                raise bad_request(errors=[f"Alert {ident}: cannot move an alert to a resolved incident"])
        plans.append((alert, status, destination))
    at = ctx.now
    agent = state.ref(user)
    for alert, status, destination in plans:
        if status == "resolved" and alert["status"] != "resolved":
            alert["status"] = "resolved"
            alert["resolved_at"] = format_time(at)
        if destination is not None and destination["id"] != incident["id"]:
            _move_alert(state, alert, incident, destination)
            recount_alerts(state, destination)
            _touch(destination, at)
    recount_alerts(state, incident)
    # An incident whose alerts are all resolved or moved away resolves, as in PagerDuty.
    if incident["status"] != "resolved" and not any(a["status"] == "triggered" for a in alerts_of(state, incident)):
        set_incident_status(state, incident, "resolved", at, agent)
    _touch(incident, at)
    updated = [public(alert) for alert, _, _ in plans]
    return {"alerts": updated, "limit": len(updated), "offset": 0, "more": False, "total": None}
