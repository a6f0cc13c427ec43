"""Stakeholder subscribers of an incident's status updates: list, subscribe, unsubscribe."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model import incidents, subscribers
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []


@route("GET", "/incidents/{id}/status_updates/subscribers")
def list_subscribers(ctx: Context) -> dict[str, Any]:
    incident = incidents.by_id_or_number(ctx.store, ctx.params["id"])
    found = subscribers.subscribers_of(ctx.store, incident)
    # The endpoint takes no paging parameters: every subscriber comes in one answer.
    return {
        "subscribers": found,
        "account_id": subscribers.ACCOUNT_ID,
        "limit": max(len(found), 100),
        "offset": 0,
        "more": False,
        "total": len(found),
    }


@route("POST", "/incidents/{id}/status_updates/subscribers")
def subscribe(ctx: Context) -> dict[str, Any]:
    incident = incidents.by_id_or_number(ctx.store, ctx.params["id"])
    return {"subscriptions": subscribers.subscribe(ctx.store, incident, ctx.req.json())}


@route("POST", "/incidents/{id}/status_updates/unsubscribe")
def unsubscribe(ctx: Context) -> dict[str, Any]:
    incident = incidents.by_id_or_number(ctx.store, ctx.params["id"])
    return subscribers.unsubscribe(ctx.store, incident, ctx.req.json())
