"""Events API v2: trigger, acknowledge and resolve alerts, and record change events.

Routing keys are secrets: each is registered for redaction before it is sent, and never appears
in an answer, an error or a log line, even when the Events API echoes it back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from pagerduty_mcp.common import (
    Envelope,
    Question,
    ToolFailure,
    fact,
    failure_from_response,
    get_pool,
    invalid,
    iso,
    parse_time,
    redact,
    respond,
    tool,
    upstream_message,
)
from pagerduty_mcp.servers.aiops.validators import check_links, check_routing_key

__all__ = ["send_change_event", "send_event"]

RoutingKey = Annotated[str, Field(description="Integration or orchestration routing key (secret; never shown).")]


def _post_event(routing_key: str, url: str, event: dict[str, Any]) -> dict[str, Any]:
    """Send one event to the Events API of the account's region; the routing key never leaves."""
    key = check_routing_key(routing_key)
    client = get_pool().events(key)
    try:
        response = client.request("POST", url, json=event)
    finally:
        client.close()
    if response.is_success:
        return response.json() if response.content else {}
    said = redact(upstream_message(response), key)
    if response.status_code in (400, 404, 413, 422):
        raise ToolFailure(
            "EVENTS_API_ERROR",
            f'The Events API rejected the event ({response.status_code}): "{said}". '
            "Check the routing key (an Events API v2 integration key) and the fields.",
        )
    failure = failure_from_response(response, write=True)
    failure.message = redact(failure.message, key)
    raise failure


_SHOWN = (("summary", "Summary"), ("severity", "Severity"), ("source", "Source"), ("dedup_key", "Dedup key"))


def _asks_before_triggering(arguments: dict[str, Any]) -> Question | None:
    """When it triggers an alert: that opens or adds to an incident, which may page."""
    if arguments["action"] != "trigger" or not all(arguments.get(k) for k in ("summary", "source", "severity")):
        return None  # nothing to page, or refused by the tool itself before anything is sent
    facts = [fact(label, arguments[key]) for key, label in _SHOWN if arguments.get(key)]
    return Question(
        "Trigger an alert through the Events API: it opens an incident (or joins an open one) on the "
        "service or orchestration of the routing key, which may page its on-call. The routing key is a "
        "secret and is not shown.",
        tuple(facts),
    )


@tool("Send event", "create", confirm=_asks_before_triggering)
def send_event(
    routing_key: RoutingKey,
    action: Annotated[Literal["trigger", "acknowledge", "resolve"], Field(description="Event action.")],
    summary: Annotated[str | None, Field(max_length=1024, description="Alert title (trigger).")] = None,
    source: Annotated[str | None, Field(max_length=255, description="Affected host or system (trigger).")] = None,
    severity: Annotated[
        Literal["critical", "error", "warning", "info"] | None, Field(description="Severity (trigger).")
    ] = None,
    dedup_key: Annotated[str | None, Field(max_length=255, description="Alert key; required to ack/resolve.")] = None,
    component: Annotated[str | None, Field(description="Component.")] = None,
    group: Annotated[str | None, Field(description="Logical group.")] = None,
    event_class: Annotated[str | None, Field(description="Event class/type.")] = None,
    custom_details: Annotated[dict[str, Any] | None, Field(description="Extra details object.")] = None,
) -> Envelope:
    """Trigger, acknowledge or resolve an alert through the Events API v2; returns the dedup key."""
    event: dict[str, Any] = {"event_action": action}
    if dedup_key:
        event["dedup_key"] = dedup_key
    if action == "trigger":
        for name, value in (("summary", summary), ("source", source), ("severity", severity)):
            if not value:
                raise invalid(name, "is required to trigger (severity: critical, error, warning or info)")
        payload: dict[str, Any] = {"summary": summary, "source": source, "severity": severity}
        for name, value in (("component", component), ("group", group), ("class", event_class)):
            if value:
                payload[name] = value
        if custom_details:
            payload["custom_details"] = custom_details
        event["payload"] = payload
    elif not dedup_key:
        raise invalid("dedup_key", f"is required to {action}: use the dedup key send_event returned")
    body = _post_event(routing_key, "/v2/enqueue", event)
    key = body.get("dedup_key") or dedup_key
    result = {"action": action, "dedup_key": key, "status": body.get("status"), "message": body.get("message")}
    return respond("events", [result], f"{action} accepted; dedup_key {key}")


@tool("Send change event", "create")
def send_change_event(
    routing_key: RoutingKey,
    summary: Annotated[str, Field(min_length=1, max_length=1024, description="What changed, e.g. Deploy v1.4.2.")],
    source: Annotated[str | None, Field(max_length=255, description="Tool or system that made it.")] = None,
    timestamp: Annotated[str | None, Field(description="When, ISO 8601 (default now).")] = None,
    links: Annotated[list[str] | None, Field(max_length=5, description="https URLs (PR, build, release).")] = None,
    custom_details: Annotated[dict[str, Any] | None, Field(description="Extra details object.")] = None,
) -> Envelope:
    """Record a deploy or other change on the routing key's service (shows in list_change_events)."""
    when = parse_time(timestamp, "timestamp") or datetime.now(UTC)
    payload: dict[str, Any] = {"summary": summary, "timestamp": iso(when)}
    if source:
        payload["source"] = source
    if custom_details:
        payload["custom_details"] = custom_details
    event: dict[str, Any] = {"payload": payload}
    if links:
        check_links(links)
        event["links"] = [{"href": link} for link in links]
    body = _post_event(routing_key, "/v2/change/enqueue", event)
    result = {"summary": summary, "timestamp": iso(when), "status": body.get("status"), "message": body.get("message")}
    return respond("change_events", [result], "Change event accepted")
