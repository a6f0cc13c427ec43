"""Events API v2: ``POST /v2/enqueue`` (alerts) and ``POST /v2/change/enqueue`` (change events).

The Events API authenticates by the routing key in the body, not by a header. Ingestion is one
function, :func:`ingest_event`, so alert grouping and orchestration routing can extend it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pagerduty_mcp.sandbox.model.alerts import add_alert, recount_alerts
from pagerduty_mcp.sandbox.model.incidents import create_incident, set_incident_status
from pagerduty_mcp.sandbox.model.maintenance import active_maintenance
from pagerduty_mcp.sandbox.model.services import integration_by_key
from pagerduty_mcp.sandbox.model.store import Store
from pagerduty_mcp.sandbox.protocol import Reply, format_time, parse_time
from pagerduty_mcp.sandbox.router import Context, route

__all__ = [
    "EVENT_RULES",
    "GROUPERS",
    "ROUTING_KEY_RESOLVERS",
    "EventAbsorbed",
    "EventRejected",
    "ingest_change_event",
    "ingest_event",
    "resolve_routing_key",
]

SEVERITIES = ("critical", "error", "warning", "info")
ACTIONS = ("trigger", "acknowledge", "resolve")
MAX_EVENT_BYTES = 512 * 1024
# Payload fields as an alert body's cef_details names them.
_CEF_NAMES = {
    "source": "source_origin",
    "component": "source_component",
    "group": "service_group",
    "class": "event_class",
}


class EventRejected(Exception):
    """An event PagerDuty would answer with 400 ``invalid event``."""

    def __init__(self, message: str, errors: list[str]) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors


class EventAbsorbed(Exception):
    """An event that is accepted but makes no alert (unrouted, dropped or suppressed by rules)."""


def _invalid(message: str, errors: list[str]) -> Reply:
    return Reply({"status": "invalid event", "message": message, "errors": errors}, 400)


# A resolver maps a routing key to the service that receives the event (and the integration
# that carries it), or None. Orchestration routing can add its own resolver in front.
RoutingTarget = tuple[dict[str, Any], dict[str, Any] | None]
ROUTING_KEY_RESOLVERS: list[Callable[[Store, str, dict[str, Any]], RoutingTarget | None]] = []


def _integration_resolver(state: Store, key: str, _event: dict[str, Any]) -> RoutingTarget | None:
    integration = integration_by_key(state, key)
    if integration is None or integration["type"] != "events_api_v2_inbound_integration":
        return None
    service = state.find("services", integration["_service_id"])
    return (service, integration) if service is not None else None


ROUTING_KEY_RESOLVERS.append(_integration_resolver)

# AIOps hooks (routes/orchestration.py, routes/alert_grouping.py). A rule maps (state, service,
# event, now) to the event after its actions (``_priority`` asks for a priority), or raises
# EventAbsorbed; a grouper names the open incident a new alert joins, or None.
EVENT_RULES: list[Callable[[Store, dict[str, Any], dict[str, Any], datetime], dict[str, Any]]] = []
GROUPERS: list[Callable[[Store, dict[str, Any], dict[str, Any], datetime], dict[str, Any] | None]] = []


def resolve_routing_key(state: Store, key: str, event: dict[str, Any]) -> RoutingTarget:
    for resolver in ROUTING_KEY_RESOLVERS:
        target = resolver(state, key, event)
        if target is not None:
            return target
    raise EventRejected("Event object is invalid", ["Invalid routing key"])


def _validate(event: Any) -> tuple[str, str]:
    if not isinstance(event, dict):
        raise EventRejected("Event object is invalid", ["The body must be a JSON object"])
    key = event.get("routing_key")
    if not isinstance(key, str) or len(key) != 32:
        raise EventRejected(
            "Event object is invalid", ["Length of 'routing_key' is incorrect (should be 32 characters)"]
        )
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


def _open_incident(state: Store, service_id: str, dedup_key: str) -> dict[str, Any] | None:
    ident = state.incident_keys.get((service_id, dedup_key))
    incident = state.find("incidents", ident) if ident else None
    if incident is None or incident["status"] == "resolved":
        return None
    return incident


def ingest_event(state: Store, event: dict[str, Any], now: datetime) -> str:
    """Apply one alert event; returns its dedup key. Trigger opens (or adds an alert to) an
    incident on the routing key's service; acknowledge and resolve act on it by dedup key."""
    key, action = _validate(event)
    if action == "trigger":
        payload = event["payload"]
        event["dedup_key"] = (
            event.get("dedup_key")
            or (
                hashlib.sha1(
                    f"{key}:{payload['summary']}:{now.isoformat()}:{len(state.tables['alerts'])}".encode()
                ).hexdigest()[:32]
            )
        )
    try:
        service, integration = resolve_routing_key(state, key, event)
        integration_ref = state.ref(integration) if integration else None
        if action == "trigger":
            for rule in EVENT_RULES:
                event = rule(state, service, event, now)
    except EventAbsorbed:
        return str(event["dedup_key"])
    if action == "trigger":
        payload = event["payload"]
        dedup_key = str(event["dedup_key"])
        if service.get("status") == "disabled" or active_maintenance(state, service["id"], now):
            return dedup_key  # accepted, but no incident: the service is disabled or in maintenance
        incident = _open_incident(state, service["id"], dedup_key)
        if incident is None:
            incident = next((i for i in (g(state, service, event, now) for g in GROUPERS) if i is not None), None)
            if incident is not None:  # grouped: later events with this key act on that incident
                state.incident_keys[(service["id"], dedup_key)] = incident["id"]
        details = dict(payload.get("custom_details") or {})
        if incident is None:
            urgency = _urgency(service, payload["severity"])
            incident = create_incident(
                state,
                service["id"],
                str(payload["summary"]),
                now,
                urgency,
                body_details=str(details) if details else "",
                incident_key=dedup_key,
                agent=integration_ref,
                channel={"type": "api", "summary": str(payload["summary"])},
            )
            if event.get("_priority") and state.find("priorities", str(event["_priority"])):
                incident["priority"] = state.ref_to("priorities", str(event["_priority"]))
        alert = add_alert(
            state,
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
    incident = _open_incident(state, service["id"], dedup_key)
    if incident is not None and action == "resolve":
        alerts = [state.tables["alerts"][a] for a in incident["_alerts"]]
        if any(a["status"] != "resolved" and a["alert_key"] != dedup_key for a in alerts):
            # A grouped incident stays open until its last alert resolves: resolve this key's alerts.
            for alert in alerts:
                if alert["alert_key"] == dedup_key and alert["status"] != "resolved":
                    alert["status"], alert["resolved_at"] = "resolved", format_time(now)
            recount_alerts(state, incident)
            state.incident_keys.pop((service["id"], dedup_key), None)
            return str(dedup_key)
    if incident is not None:
        status = "acknowledged" if action == "acknowledge" else "resolved"
        if not (status == "acknowledged" and incident["status"] == "acknowledged"):
            set_incident_status(state, incident, status, now, integration_ref)
    return str(dedup_key)


def _urgency(service: dict[str, Any], severity: str) -> str:
    rule = service.get("incident_urgency_rule") or {}
    urgency = rule.get("urgency") or (rule.get("during_support_hours") or {}).get("urgency") or "high"
    if urgency == "severity_based":
        return "high" if severity in ("critical", "error") else "low"
    return urgency


def ingest_change_event(state: Store, event: Any, now: datetime) -> None:
    if not isinstance(event, dict):
        raise EventRejected("Event object is invalid", ["The body must be a JSON object"])
    key = event.get("routing_key")
    if not isinstance(key, str) or len(key) != 32:
        raise EventRejected(
            "Event object is invalid", ["Length of 'routing_key' is incorrect (should be 32 characters)"]
        )
    payload = event.get("payload")
    if not isinstance(payload, dict) or not payload.get("summary"):
        raise EventRejected("Event object is invalid", ["'payload.summary' is missing or blank"])
    service, integration = resolve_routing_key(state, key, event)
    at = parse_time(str(payload["timestamp"])) if payload.get("timestamp") else now
    change: dict[str, Any] = {
        "id": state.new_id(),
        "timestamp": format_time(at),
        "services": [state.ref(service)],
        "integration": state.ref(integration) if integration else None,
        "routing_key": key,
        "source": str(payload.get("source") or ""),
        "links": list(event.get("links") or []),
        "images": list(event.get("images") or []),
        "custom_details": dict(payload.get("custom_details") or {}),
        "_at": at,
    }
    state.stamp("change_events", change, str(payload["summary"]))
    state.put("change_events", change)


def _body(ctx: Context) -> Any:
    if len(ctx.req.body) > MAX_EVENT_BYTES:
        raise EventRejected("Event object is invalid", ["The event is larger than 512 KB"])
    try:
        import json

        return json.loads(ctx.req.body or b"null")
    except ValueError:
        raise EventRejected("Event object is invalid", ["The body is not valid JSON"]) from None


@route("POST", "/v2/enqueue", auth=False)
def enqueue(ctx: Context) -> Reply:
    try:
        dedup_key = ingest_event(ctx.store, _body(ctx), ctx.now)
    except EventRejected as rejected:
        return _invalid(rejected.message, rejected.errors)
    return Reply({"status": "success", "message": "Event processed", "dedup_key": dedup_key}, 202)


@route("POST", "/v2/change/enqueue", auth=False)
def change_enqueue(ctx: Context) -> Reply:
    try:
        ingest_change_event(ctx.store, _body(ctx), ctx.now)
    except EventRejected as rejected:
        return _invalid(rejected.message, rejected.errors)
    except EventAbsorbed:
        pass  # accepted; an orchestration routed it nowhere
    return Reply({"status": "success", "message": "Change event processed"}, 202)
