"""What responders do to open incidents: bulk changes (status, urgency, priority, reassignment,
escalation), responder requests, status updates, merges, snoozes, and managing alerts.

PagerDuty applies a bulk ``PUT /incidents`` as a whole: an unknown id or an invalid change rejects
the request and nothing is changed, which is what the sandbox does too.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pagerduty_mcp.sandbox.model.alerts import alerts_of, move_alert, recount_alerts
from pagerduty_mcp.sandbox.model.escalation_policies import escalation_targets
from pagerduty_mcp.sandbox.model.incidents import STATUSES, URGENCIES, existing, ref_id, set_incident_status, touch
from pagerduty_mcp.sandbox.model.log_entries import add_log_entry
from pagerduty_mcp.sandbox.model.store import Store
from pagerduty_mcp.sandbox.protocol import (
    CODE_INVALID_INPUT,
    CODE_NOT_FOUND,
    ApiError,
    bad_request,
    format_time,
    not_found,
)

__all__ = [
    "MAX_BULK",
    "cancel_responders",
    "manage",
    "manage_alerts",
    "merge",
    "post_status_update",
    "request_responders",
    "snooze",
]

MAX_BULK = 250


# -- bulk manage ----------------------------------------------------------------------------------
def _check_change(store: Store, incident: dict[str, Any], item: dict[str, Any]) -> None:
    """Reject an invalid change before anything is applied (PagerDuty's updates are all-or-nothing)."""
    where = f"Incident {incident['id']}"
    status = item.get("status")
    if status is not None and status not in STATUSES:
        raise bad_request(errors=[f"{where}: status must be one of {list(STATUSES)}"])
    if item.get("urgency") is not None and item["urgency"] not in URGENCIES:
        raise bad_request(errors=[f"{where}: urgency must be high or low"])
    if "title" in item and (not isinstance(item["title"], str) or not item["title"].strip()):
        raise bad_request(errors=[f"{where}: title must be a non-empty string"])
    priority = item.get("priority")
    if isinstance(priority, str):
        if not any(p["name"] == priority for p in store.all("priorities")):
            raise bad_request(errors=[f"{where}: no priority named {priority!r}"])
    elif priority is not None:
        existing(store, "priorities", ref_id(priority, "priority"), "Priority")
    if item.get("assignments") and item.get("escalation_policy"):
        raise bad_request(errors=[f"{where}: specify either assignments or an escalation_policy, not both"])
    for assignment in item.get("assignments") or []:
        existing(store, "users", ref_id((assignment or {}).get("assignee"), "assignee"), "User")
    policy = incident["escalation_policy"]
    if item.get("escalation_policy") is not None:
        policy = existing(store, "escalation_policies", ref_id(item["escalation_policy"], "escalation_policy"), "EP")
    reassigning = item.get("assignments") or item.get("escalation_policy") or item.get("escalation_level")
    reopening = status in ("triggered", "acknowledged")
    if reassigning and incident["status"] == "resolved" and not reopening:
        raise bad_request(errors=[f"{where} is resolved, so it cannot be reassigned or escalated"])
    level = item.get("escalation_level")
    if level is not None:
        rules = store.get("escalation_policies", policy["id"])["escalation_rules"]
        if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= len(rules):
            raise bad_request(errors=[f"{where}: escalation_level must be between 1 and {len(rules)}"])


def _assign(
    store: Store, incident: dict[str, Any], user_ids: list[str], at: datetime, agent: dict[str, Any], kind: str
) -> None:
    incident["assignments"] = [{"at": format_time(at), "assignee": store.ref_to("users", u)} for u in user_ids]
    names = ", ".join(store.get("users", u)["name"] for u in user_ids) or "nobody"
    summary = (
        f"Escalated to level {incident['_escalation_level']}: {names}"
        if kind == "escalate"
        else f"Reassigned to {names}"
    )
    add_log_entry(store, incident, kind, at, agent, summary, assignees=[store.ref_to("users", u) for u in user_ids])
    if incident["status"] == "acknowledged":  # a new assignee has to acknowledge again
        incident["status"] = "triggered"
        incident["acknowledgements"] = []
        incident["last_status_change_at"] = format_time(at)


def _reopen(store: Store, incident: dict[str, Any], at: datetime, agent: dict[str, Any]) -> None:
    incident["status"] = "triggered"
    incident["resolved_at"] = None
    incident["_resolved"] = None
    incident["resolve_reason"] = None
    incident["acknowledgements"] = []
    incident["last_status_change_at"] = format_time(at)
    incident["last_status_change_by"] = agent
    incident["_escalation_level"] = 1
    store.mark_open(incident)
    add_log_entry(store, incident, "trigger", at, agent, "Reopened", channel={"type": "api"})


def _apply_change(
    store: Store, incident: dict[str, Any], item: dict[str, Any], at: datetime, user: dict[str, Any]
) -> None:
    agent = store.ref(user)
    status = item.get("status")
    if status in ("triggered", "acknowledged") and incident["status"] == "resolved":
        _reopen(store, incident, at, agent)
        if not (item.get("assignments") or item.get("escalation_policy")):
            targets = escalation_targets(store, incident["escalation_policy"]["id"], 1, at)
            _assign(store, incident, targets, at, agent, "assign")
    if "title" in item:
        incident["title"] = item["title"].strip()
        incident["description"] = incident["title"]
        incident["summary"] = f"[#{incident['incident_number']}] {incident['title']}"
    if item.get("urgency") and item["urgency"] != incident["urgency"]:
        incident["urgency"] = item["urgency"]
        add_log_entry(store, incident, "urgency_change", at, agent, f"Urgency changed to {item['urgency']}")
    priority = item.get("priority")
    if isinstance(priority, str):
        incident["priority"] = store.ref(next(p for p in store.all("priorities") if p["name"] == priority))
    elif priority is not None:
        incident["priority"] = store.ref_to("priorities", priority["id"])
    if item.get("escalation_policy") is not None:
        policy = store.get("escalation_policies", item["escalation_policy"]["id"])
        incident["escalation_policy"] = store.ref(policy)
        incident["assigned_via"] = "escalation_policy"
        incident["_escalation_level"] = item.get("escalation_level") or 1
        targets = escalation_targets(store, policy["id"], incident["_escalation_level"], at)
        _assign(store, incident, targets, at, agent, "assign")
    elif item.get("assignments"):
        incident["assigned_via"] = "direct_assignment"
        _assign(store, incident, [a["assignee"]["id"] for a in item["assignments"]], at, agent, "assign")
    elif item.get("escalation_level") is not None:
        incident["_escalation_level"] = item["escalation_level"]
        incident["assigned_via"] = "escalation_policy"
        targets = escalation_targets(store, incident["escalation_policy"]["id"], item["escalation_level"], at)
        _assign(store, incident, targets, at, agent, "escalate")
    if status in ("acknowledged", "resolved"):
        set_incident_status(store, incident, status, at, agent)
        if status == "resolved" and item.get("resolution"):
            resolve_entry = store.get("log_entries", incident["_log"][-1])
            if resolve_entry["type"] == "resolve_log_entry":
                resolve_entry["note"] = str(item["resolution"])
    if isinstance(item.get("conference_bridge"), dict):
        incident["conference_bridge"] = item["conference_bridge"]
    touch(incident, at)


def _too_many(what: str) -> ApiError:
    return ApiError(413, "Request Entity Too Large", CODE_INVALID_INPUT, [what])


def manage(store: Store, items: Any, user: dict[str, Any], at: datetime) -> list[dict[str, Any]]:
    """Apply ``PUT /incidents``'s changes, each checked before any is applied; the incidents changed."""
    if not isinstance(items, list) or not items:
        raise bad_request(errors=["incidents must be a non-empty array"])
    if len(items) > MAX_BULK:
        raise _too_many(f"At most {MAX_BULK} incidents may be updated at a time")
    targets: list[tuple[dict[str, Any], dict[str, Any]]] = []
    missing: list[str] = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise bad_request(errors=["each incident must be an object with an id"])
        if item.get("type") not in ("incident", "incident_reference"):
            raise bad_request(errors=[f"Incident {item['id']}: type must be incident or incident_reference"])
        incident = store.find("incidents", item["id"])
        if incident is None:
            missing.append(item["id"])
        else:
            targets.append((incident, item))
    if missing:
        raise ApiError(404, "Not Found", CODE_NOT_FOUND, [f"Incident {i} not found" for i in missing])
    for incident, item in targets:
        _check_change(store, incident, item)
    for incident, item in targets:
        _apply_change(store, incident, item, at, user)
    return [incident for incident, _ in targets]


# -- responders and status updates ----------------------------------------------------------------
def request_responders(store: Store, incident: dict[str, Any], body: dict[str, Any], at: datetime) -> dict[str, Any]:
    """Ask users, or whoever an escalation policy's first level reaches, to join the incident."""
    requester = existing(store, "users", str(body.get("requester_id") or ""), "Requester user")
    message = body.get("message")
    if not isinstance(message, str) or not message.strip():
        raise bad_request(errors=["message is required"])
    raw_targets = body.get("responder_request_targets")
    if not isinstance(raw_targets, list) or not raw_targets:
        raise bad_request(errors=["responder_request_targets must be a non-empty array"])
    if incident["status"] == "resolved":
        raise bad_request(errors=["Responders cannot be added to a resolved incident"])
    targets = []
    for raw in raw_targets:
        target = (raw or {}).get("responder_request_target") if isinstance(raw, dict) else None
        ident = ref_id(target, "responder_request_target")
        kind = str((target or {}).get("type", ""))
        if kind.startswith("user"):
            user = existing(store, "users", ident, "User")
            users, policy = [user["id"]], None
        elif kind.startswith("escalation_policy"):
            policy = existing(store, "escalation_policies", ident, "Escalation policy")
            users = escalation_targets(store, policy["id"], 1, at)
        else:
            raise bad_request(
                errors=["responder_request_target.type must be user_reference or escalation_policy_reference"]
            )
        responders = []
        for user_id in users:
            responder = {
                "state": "pending",
                "user": store.ref_to("users", user_id),
                "incident": store.ref(incident),
                "updated_at": format_time(at),
                "message": message,
                "requester": store.ref(requester),
                "requested_at": format_time(at),
                "escalation_policy_requests": [policy["name"]] if policy else [],
            }
            incident["incidents_responders"].append(responder)
            responders.append(responder)
            add_log_entry(
                store,
                incident,
                "notify",
                at,
                store.ref(requester),
                f"Requested {store.get('users', user_id)['name']} as a responder",
                user=store.ref_to("users", user_id),
            )
        named = policy or store.get("users", ident)
        targets.append(
            {
                "type": "escalation_policy" if policy else "user",
                "id": ident,
                "summary": named.get("summary") or named.get("name"),
                "incident_responders": responders,
            }
        )
    request = {
        "id": store.new_id(),
        "incident": store.ref(incident),
        "requester": store.ref(requester),
        "requested_at": format_time(at),
        "message": message,
        "responder_request_targets": targets,
    }
    incident["responder_requests"].append(
        {k: request[k] for k in ("incident", "requester", "requested_at", "message", "responder_request_targets")}
    )
    touch(incident, at)
    return request


def _cancel_rows(rows: list[dict[str, Any]], at: datetime) -> str:
    """Cancel the pending requests among ``rows``; what the cancellation of their target came to."""
    pending = [r for r in rows if r["state"] == "pending"]
    for row in pending:
        row["state"] = "user_cancelled"
        row["updated_at"] = format_time(at)
    if pending:
        return "cancelled"
    states = {r["state"] for r in rows}
    return next((s for s in ("joined", "declined") if s in states), "not_found")


def cancel_responders(
    store: Store, incident: dict[str, Any], body: dict[str, Any], at: datetime
) -> list[dict[str, Any]]:
    """Stop paging the targets' pending responders: a user's own requests, or every user an
    escalation policy's request reached. Those who joined or declined stay as they are."""
    existing(store, "users", str(body.get("requester_id") or ""), "Requester user")
    raw_targets = body.get("responder_request_targets")
    if not isinstance(raw_targets, list) or not raw_targets:
        raise bad_request(errors=["responder_request_targets must be a non-empty array"])
    targets = []
    for raw in raw_targets:
        kind = raw.get("type") if isinstance(raw, dict) else None
        if kind not in ("user_reference", "escalation_policy_reference") or not isinstance(raw.get("id"), str):
            raise bad_request(
                errors=["each target needs an id, and a type user_reference or escalation_policy_reference"]
            )
        targets.append((str(kind), str(raw["id"])))
    results = []
    for kind, ident in targets:
        if kind == "user_reference":
            rows = [r for r in incident["incidents_responders"] if (r.get("user") or {}).get("id") == ident]
        else:
            rows = [
                row
                for request in incident["responder_requests"]
                for target in request["responder_request_targets"]
                if target["type"] == "escalation_policy" and target["id"] == ident
                for row in target["incident_responders"]
            ]
        results.append({"type": kind, "id": ident, "result": _cancel_rows(rows, at)})
    if any(r["result"] == "cancelled" for r in results):
        touch(incident, at)
    return results


def post_status_update(
    store: Store, incident: dict[str, Any], body: dict[str, Any], user: dict[str, Any], at: datetime
) -> dict[str, Any]:
    message = body.get("message")
    if not isinstance(message, str) or not message.strip():
        raise bad_request(errors=["message is required"])
    update = {
        "id": store.new_id(),
        "message": message,
        "created_at": format_time(at),
        "sender": store.ref(user),
        "subject": body.get("subject") or f"Status update on incident #{incident['incident_number']}",
        "html_message": body.get("html_message") or message,
    }
    incident.setdefault("_status_updates", []).append(update)
    add_log_entry(
        store, incident, "annotate", at, store.ref(user), f"Status update: {message}", channel={"type": "status_update"}
    )
    touch(incident, at)
    return update


# -- merge, snooze, alerts ------------------------------------------------------------------------
def merge(store: Store, target: dict[str, Any], sources: Any, user: dict[str, Any], at: datetime) -> None:
    """Move the sources' alerts into ``target`` and resolve the sources as merged into it."""
    if not isinstance(sources, list) or not sources:
        raise bad_request(errors=["source_incidents must be a non-empty array"])
    if target["status"] == "resolved":
        raise bad_request(errors=["Incidents cannot be merged into a resolved incident"])
    found = []
    for source in sources:
        ident = ref_id(source, "source_incidents[]")
        incident = store.find("incidents", ident)
        if incident is None:
            raise not_found("incident", ident)
        if incident["id"] == target["id"]:
            raise bad_request(errors=["An incident cannot be merged into itself"])
        found.append(incident)
    agent = store.ref(user)
    for source in found:
        for alert in alerts_of(store, source):
            move_alert(store, alert, source, target)
        recount_alerts(store, source)
        set_incident_status(store, source, "resolved", at, agent)
        source["resolve_reason"] = {"type": "merge_resolve_reason", "incident": store.ref(target)}
        source["is_mergeable"] = False
        touch(source, at)
    recount_alerts(store, target)
    touch(target, at)


def snooze(store: Store, incident: dict[str, Any], duration: Any, user: dict[str, Any], at: datetime) -> None:
    """An acknowledged incident returns to triggered after ``duration`` seconds."""
    if not isinstance(duration, int) or isinstance(duration, bool) or duration < 1:
        raise bad_request(errors=["duration must be a positive number of seconds"])
    if incident["status"] != "acknowledged":
        raise bad_request(errors=["Only acknowledged incidents can be snoozed"])
    until = at + timedelta(seconds=duration)
    incident["pending_actions"] = [a for a in incident["pending_actions"] if a.get("type") != "unacknowledge"]
    incident["pending_actions"].append({"type": "unacknowledge", "at": format_time(until)})
    add_log_entry(store, incident, "snooze", at, store.ref(user), f"Snoozed until {format_time(until)}")
    touch(incident, at)


def manage_alerts(
    store: Store, incident: dict[str, Any], items: Any, user: dict[str, Any], at: datetime
) -> list[dict[str, Any]]:
    """Resolve alerts or move them to another open incident, each checked before any is applied; an
    incident whose alerts are all resolved or moved away resolves, as in PagerDuty."""
    if not isinstance(items, list) or not items:
        raise bad_request(errors=["alerts must be a non-empty array"])
    if len(items) > MAX_BULK:
        raise _too_many("At most 250 alerts at a time")
    plans = []
    for item in items:
        ident = ref_id(item, "alerts[]")
        alert = store.find("alerts", ident)
        if alert is None or alert["_incident_id"] != incident["id"]:
            raise not_found("alert", ident)
        status = item.get("status")
        if status is not None and status not in ("resolved", "triggered"):
            raise bad_request(errors=[f"Alert {ident}: status must be resolved or triggered"])
        destination = None
        if item.get("incident") is not None:
            destination = existing(store, "incidents", ref_id(item["incident"], "alert.incident"), "Incident")
            if destination["status"] == "resolved":
                raise bad_request(errors=[f"Alert {ident}: cannot move an alert to a resolved incident"])
        plans.append((alert, status, destination))
    agent = store.ref(user)
    for alert, status, destination in plans:
        if status == "resolved" and alert["status"] != "resolved":
            alert["status"] = "resolved"
            alert["resolved_at"] = format_time(at)
        if destination is not None and destination["id"] != incident["id"]:
            move_alert(store, alert, incident, destination)
            recount_alerts(store, destination)
            touch(destination, at)
    recount_alerts(store, incident)
    if incident["status"] != "resolved" and not any(a["status"] == "triggered" for a in alerts_of(store, incident)):
        set_incident_status(store, incident, "resolved", at, agent)
    touch(incident, at)
    return [alert for alert, _, _ in plans]
