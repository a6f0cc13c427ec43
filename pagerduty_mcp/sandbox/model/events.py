"""Events API v2 ingestion: alert events open, group, acknowledge and resolve incidents; change
events record changes.

The Events API authenticates by the routing key in the body, not by a header. A routing key names
an event orchestration (whose rules route the event, :mod:`.orchestration`) or a service's Events
API v2 integration; the receiving service's own orchestration path applies next; alert grouping
(:mod:`.alert_grouping`) may put the new alert into an open incident instead of opening one.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from pagerduty_mcp.sandbox.model import alert_grouping, orchestration
from pagerduty_mcp.sandbox.model.alerts import add_alert, alerts_of, recount_alerts
from pagerduty_mcp.sandbox.model.event_outcomes import SEVERITIES, EventAbsorbed, EventRejected, RoutingTarget
from pagerduty_mcp.sandbox.model.incidents import create_incident, set_incident_status
from pagerduty_mcp.sandbox.model.maintenance import active_maintenance
from pagerduty_mcp.sandbox.model.services import integration_by_key
from pagerduty_mcp.sandbox.model.store import Store
from pagerduty_mcp.sandbox.protocol import format_time, parse_time

__all__ = [
    "MAX_EVENT_BYTES",
    "EventAbsorbed",
    "EventRejected",
    "ingest_change_event",
    "ingest_event",
    "resolve_routing_key",
]

ACTIONS = ("trigger", "acknowledge", "resolve")
MAX_EVENT_BYTES = 512 * 1024
# Payload fields as an alert body's cef_details names them.
_CEF_NAMES = {
    "source": "source_origin",
    "component": "source_component",
    "group": "service_group",
    "class": "event_class",
}


def _by_integration(store: Store, key: str) -> RoutingTarget | None:
    """The service whose Events API v2 integration has this key."""
    integration = integration_by_key(store, key)
    if integration is None or integration["type"] != "events_api_v2_inbound_integration":
        return None
    service = store.find("services", integration["_service_id"])
    return (service, integration) if service is not None else None


def resolve_routing_key(store: Store, key: str, event: dict[str, Any]) -> RoutingTarget:
    """Where an event goes: an orchestration's rules route it (or absorb it), else an integration
    of a service receives it; 400 for a key that is neither."""
    target = orchestration.route_event(store, key, event) or _by_integration(store, key)
    if target is None:
        raise EventRejected("Event object is invalid", ["Invalid routing key"])
    return target


def _routing_key(event: Any) -> str:
    """The routing key of an event (a JSON object), which every event needs."""
    if not isinstance(event, dict):
        raise EventRejected("Event object is invalid", ["The body must be a JSON object"])
    key = event.get("routing_key")
    if not isinstance(key, str) or len(key) != 32:
        raise EventRejected(
            "Event object is invalid", ["Length of 'routing_key' is incorrect (should be 32 characters)"]
        )
    return key


def _validate(event: Any) -> tuple[str, str]:
    key = _routing_key(event)
    action = event.get("event_action")
    if action not in ACTIONS:
        raise EventRejected(
            "Event object is invalid", ["'event_action' is invalid (must be trigger, acknowledge or resolve)"]
        )
    if action == "trigger":
        payload = event.get("payload")
        if not isinstance(payload, dict):
            raise EventRejected("Event object is invalid", ["'payload' is missing or not an object"])
        missing = [f"'payload.{f}' is missing or blank" for f in ("summary", "source") if not payload.get(f)]
        if missing:
            raise EventRejected("Event object is invalid", missing)
        if payload.get("severity") not in SEVERITIES:
            raise EventRejected(
                "Event object is invalid", ["'payload.severity' must be critical, error, warning or info"]
            )
        if len(str(payload["summary"])) > 1024:
            raise EventRejected("Event object is invalid", ["'payload.summary' is longer than 1024 characters"])
        if payload.get("timestamp"):
            try:
                parse_time(str(payload["timestamp"]))
            except Exception:
                raise EventRejected(
                    "Event object is invalid", ["'payload.timestamp' is not an ISO 8601 date-time"]
                ) from None
    elif not isinstance(event.get("dedup_key"), str) or not event["dedup_key"]:
        raise EventRejected("Event object is invalid", ["'dedup_key' is required unless event_action is trigger"])
    return key, action


def _open_incident(store: Store, service_id: str, dedup_key: str) -> dict[str, Any] | None:
    incident = store.incident_with_key(service_id, dedup_key)
    if incident is None or incident["status"] == "resolved":
        return None
    return incident


def ingest_event(store: Store, event: dict[str, Any], now: datetime) -> str:
    """Apply one alert event; returns its dedup key. Trigger opens (or adds an alert to) an
    incident on the routing key's service; acknowledge and resolve act on it by dedup key."""
    key, action = _validate(event)
    if action == "trigger":
        payload = event["payload"]
        event["dedup_key"] = (
            event.get("dedup_key")
            or (
                hashlib.sha1(
                    f"{key}:{payload['summary']}:{now.isoformat()}:{store.count('alerts')}".encode()
                ).hexdigest()[:32]
            )
        )
    try:
        service, integration = resolve_routing_key(store, key, event)
        integration_ref = store.ref(integration) if integration else None
        if action == "trigger":
            event = orchestration.service_rules(store, service, event, now)
    except EventAbsorbed:
        return str(event["dedup_key"])
    if action == "trigger":
        payload = event["payload"]
        dedup_key = str(event["dedup_key"])
        if service.get("status") == "disabled" or active_maintenance(store, service["id"], now):
            return dedup_key  # accepted, but no incident: the service is disabled or in maintenance
        incident = _open_incident(store, service["id"], dedup_key)
        if incident is None:
            incident = alert_grouping.group_alert(store, service, event, now)
            if incident is not None:  # grouped: later events with this key act on that incident
                store.bind_incident_key(service["id"], dedup_key, incident["id"])
        details = dict(payload.get("custom_details") or {})
        if incident is None:
            urgency = _urgency(service, payload["severity"])
            incident = create_incident(
                store,
                service["id"],
                str(payload["summary"]),
                now,
                urgency,
                body_details=str(details) if details else "",
                incident_key=dedup_key,
                agent=integration_ref,
                channel={"type": "api", "summary": str(payload["summary"])},
            )
            if event.get("_priority") and store.find("priorities", str(event["_priority"])):
                incident["priority"] = store.ref_to("priorities", str(event["_priority"]))
        alert = add_alert(
            store,
            incident,
            str(payload["summary"]),
            now,
            severity=payload["severity"],
            details=details,
            alert_key=dedup_key,
            integration=integration_ref,
        )
        cef = alert["body"]["cef_details"]
        for field, name in _CEF_NAMES.items():
            if payload.get(field):
                cef[name] = str(payload[field])
        service["last_incident_timestamp"] = format_time(now)
        return dedup_key
    dedup_key = event["dedup_key"]
    incident = _open_incident(store, service["id"], dedup_key)
    if incident is not None and action == "resolve":
        alerts = alerts_of(store, incident)
        if any(a["status"] != "resolved" and a["alert_key"] != dedup_key for a in alerts):
            # A grouped incident stays open until its last alert resolves: resolve this key's alerts.
            for alert in alerts:
                if alert["alert_key"] == dedup_key and alert["status"] != "resolved":
                    alert["status"], alert["resolved_at"] = "resolved", format_time(now)
            recount_alerts(store, incident)
            store.unbind_incident_key(service["id"], dedup_key)
            return str(dedup_key)
    if incident is not None:
        status = "acknowledged" if action == "acknowledge" else "resolved"
        if not (status == "acknowledged" and incident["status"] == "acknowledged"):
            set_incident_status(store, incident, status, now, integration_ref)
    return str(dedup_key)


def _urgency(service: dict[str, Any], severity: str) -> str:
    rule = service.get("incident_urgency_rule") or {}
    urgency = rule.get("urgency") or (rule.get("during_support_hours") or {}).get("urgency") or "high"
    if urgency == "severity_based":
        return "high" if severity in ("critical", "error") else "low"
    return urgency


def ingest_change_event(store: Store, event: Any, now: datetime) -> None:
    """Record a change event on the routing key's service (or wherever an orchestration routes it)."""
    key = _routing_key(event)
    payload = event.get("payload")
    if not isinstance(payload, dict) or not payload.get("summary"):
        raise EventRejected("Event object is invalid", ["'payload.summary' is missing or blank"])
    service, integration = resolve_routing_key(store, key, event)
    at = parse_time(str(payload["timestamp"])) if payload.get("timestamp") else now
    change: dict[str, Any] = {
        "id": store.new_id(),
        "timestamp": format_time(at),
        "services": [store.ref(service)],
        "integration": store.ref(integration) if integration else None,
        "routing_key": key,
        "source": str(payload.get("source") or ""),
        "links": list(event.get("links") or []),
        "images": list(event.get("images") or []),
        "custom_details": dict(payload.get("custom_details") or {}),
        "_at": at,
    }
    store.stamp("change_events", change, str(payload["summary"]))
    store.put("change_events", change)
