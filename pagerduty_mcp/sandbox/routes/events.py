"""Events API v2: ``POST /v2/enqueue`` (alerts) and ``POST /v2/change/enqueue`` (change events).

They authenticate by the routing key in the body, not by a header, and answer in the Events API's
own shapes: ``{"status", "message", "dedup_key"}``, or ``{"status": "invalid event", ...}`` with 400.
"""

from __future__ import annotations

import json
from typing import Any

from pagerduty_mcp.sandbox.model import events
from pagerduty_mcp.sandbox.protocol import Reply
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []


def _invalid(rejected: events.EventRejected) -> Reply:
    return Reply({"status": "invalid event", "message": rejected.message, "errors": rejected.errors}, 400)


def _body(ctx: Context) -> Any:
    if len(ctx.req.body) > events.MAX_EVENT_BYTES:
        raise events.EventRejected("Event object is invalid", ["The event is larger than 512 KB"])
    try:
        return json.loads(ctx.req.body or b"null")
    except ValueError:
        raise events.EventRejected("Event object is invalid", ["The body is not valid JSON"]) from None


@route("POST", "/v2/enqueue", auth=False)
def enqueue(ctx: Context) -> Reply:
    try:
        dedup_key = events.ingest_event(ctx.store, _body(ctx), ctx.now)
    except events.EventRejected as rejected:
        return _invalid(rejected)
    return Reply({"status": "success", "message": "Event processed", "dedup_key": dedup_key}, 202)


@route("POST", "/v2/change/enqueue", auth=False)
def change_enqueue(ctx: Context) -> Reply:
    try:
        events.ingest_change_event(ctx.store, _body(ctx), ctx.now)
    except events.EventRejected as rejected:
        return _invalid(rejected)
    except events.EventAbsorbed:
        pass  # accepted; an orchestration routed it nowhere
    return Reply({"status": "success", "message": "Change event processed"}, 202)
