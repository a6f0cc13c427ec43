"""Incidents and their lifecycle: opened on a service, assigned by its escalation policy,
acknowledged, resolved, with the log entries, alerts and notes each step leaves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pagerduty_mcp.sandbox.model.alerts import alerts_of, recount_alerts
from pagerduty_mcp.sandbox.model.escalation_policies import escalation_targets
from pagerduty_mcp.sandbox.model.log_entries import add_log_entry
from pagerduty_mcp.sandbox.model.store import HTML_BASE, Store
from pagerduty_mcp.sandbox.protocol import format_time

__all__ = ["add_note", "create_incident", "set_incident_status"]


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
