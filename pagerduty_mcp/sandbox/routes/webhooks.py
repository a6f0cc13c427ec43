"""Webhook subscriptions (v3): list by filter, read, create, change, delete, re-enable, ping.

PagerDuty's description gives these endpoints' errors no body, so the sandbox answers them bare.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from pagerduty_mcp.sandbox.model.webhooks import build_subscription, check_events, check_filter, deliver_ping, shown
from pagerduty_mcp.sandbox.protocol import ApiError, Reply, bad_request, paginate_offset
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []

_FILTER_TYPES = {"account": "account_reference", "service": "service_reference", "team": "team_reference"}


def _bare_errors(handler: Callable[[Context], Any]) -> Callable[[Context], Any]:
    @functools.wraps(handler)
    def answer(ctx: Context) -> Any:
        try:
            return handler(ctx)
        except ApiError as error:
            return Reply(None, error.status)

    return answer


@route("GET", "/webhook_subscriptions")
@_bare_errors
def list_webhook_subscriptions(ctx: Context) -> dict[str, Any]:
    req = ctx.req
    kind = req.arg("filter_type")
    ident = req.arg("filter_id")
    if kind is not None and kind not in _FILTER_TYPES:
        raise bad_request(errors=["filter_type must be account, service or team"])
    if kind in ("service", "team") and not ident:
        raise bad_request(errors=[f"filter_id is required when filter_type is {kind}"])
    rows = [
        s
        for s in ctx.store.all("webhook_subscriptions")
        if kind is None
        or (s["filter"]["type"] == _FILTER_TYPES[kind] and (kind == "account" or s["filter"].get("id") == ident))
    ]
    page = paginate_offset(rows, req, "webhook_subscriptions")
    page["webhook_subscriptions"] = [shown(s) for s in page["webhook_subscriptions"]]
    return page


@route("GET", "/webhook_subscriptions/{id}")
@_bare_errors
def get_webhook_subscription(ctx: Context) -> dict[str, Any]:
    return {"webhook_subscription": shown(ctx.store.get("webhook_subscriptions", ctx.params["id"]))}


@route("POST", "/webhook_subscriptions")
@_bare_errors
def create_webhook_subscription(ctx: Context) -> dict[str, Any]:
    created = build_subscription(ctx.store, ctx.req.entity("webhook_subscription"))
    return {"webhook_subscription": shown(created, with_secret=True)}  # the spec answers 200


@route("PUT", "/webhook_subscriptions/{id}")
@_bare_errors
def update_webhook_subscription(ctx: Context) -> dict[str, Any]:
    subscription = ctx.store.get("webhook_subscriptions", ctx.params["id"])
    data = ctx.req.entity("webhook_subscription")
    changes: dict[str, Any] = {}
    if "description" in data:
        changes["description"] = str(data["description"] or "")
    if "events" in data:
        changes["events"] = check_events(data["events"])
    if "filter" in data:
        changes["filter"] = check_filter(ctx.store, data["filter"])
    if "active" in data:
        if not isinstance(data["active"], bool):
            raise bad_request(errors=["active must be true or false"])
        changes["active"] = data["active"]
    subscription.update(changes)  # checked whole before any of it applies
    return {"webhook_subscription": shown(subscription)}


@route("DELETE", "/webhook_subscriptions/{id}")
@_bare_errors
def delete_webhook_subscription(ctx: Context) -> Reply:
    subscription = ctx.store.get("webhook_subscriptions", ctx.params["id"])
    del ctx.store.tables["webhook_subscriptions"][subscription["id"]]
    return Reply(None, 204)


@route("POST", "/webhook_subscriptions/{id}/enable")
@_bare_errors
def enable_webhook_subscription(ctx: Context) -> dict[str, Any]:
    subscription = ctx.store.get("webhook_subscriptions", ctx.params["id"])
    subscription["_disabled"], subscription["_refusals"] = False, 0
    return {"webhook_subscription": shown(subscription)}


@route("POST", "/webhook_subscriptions/{id}/ping")
@_bare_errors
def ping_webhook_subscription(ctx: Context) -> Reply:
    """202 whatever happens next, like PagerDuty: the delivery's outcome is not in the answer."""
    deliver_ping(ctx.store, ctx.store.get("webhook_subscriptions", ctx.params["id"]))
    return Reply(None, 202)
