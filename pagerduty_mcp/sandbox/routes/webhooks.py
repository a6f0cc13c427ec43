"""Webhook subscriptions (v3): list by filter, read, create, change, delete, re-enable, ping.

PagerDuty's description gives these endpoints' errors no body, so the sandbox answers them bare.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from pagerduty_mcp.sandbox.model import webhooks
from pagerduty_mcp.sandbox.protocol import ApiError, Reply, paginate_offset
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []


def _bare_errors(handler: Callable[[Context], Any]) -> Callable[[Context], Any]:
    @functools.wraps(handler)
    def answer(ctx: Context) -> Any:
        try:
            return handler(ctx)
        except ApiError as error:
            return Reply(None, error.status)

    return answer


def _subscription(ctx: Context) -> dict[str, Any]:
    return ctx.store.get("webhook_subscriptions", ctx.params["id"])


@route("GET", "/webhook_subscriptions")
@_bare_errors
def list_webhook_subscriptions(ctx: Context) -> dict[str, Any]:
    rows = webhooks.listed(ctx.store, ctx.req.arg("filter_type"), ctx.req.arg("filter_id"))
    page = paginate_offset(rows, ctx.req, "webhook_subscriptions")
    page["webhook_subscriptions"] = [webhooks.shown(s) for s in page["webhook_subscriptions"]]
    return page


@route("GET", "/webhook_subscriptions/{id}")
@_bare_errors
def get_webhook_subscription(ctx: Context) -> dict[str, Any]:
    return {"webhook_subscription": webhooks.shown(_subscription(ctx))}


@route("POST", "/webhook_subscriptions")
@_bare_errors
def create_webhook_subscription(ctx: Context) -> dict[str, Any]:
    created = webhooks.build_subscription(ctx.store, ctx.req.entity("webhook_subscription"))
    return {"webhook_subscription": webhooks.shown(created, with_secret=True)}  # the spec answers 200


@route("PUT", "/webhook_subscriptions/{id}")
@_bare_errors
def update_webhook_subscription(ctx: Context) -> dict[str, Any]:
    subscription = _subscription(ctx)
    changed = webhooks.update_subscription(ctx.store, subscription, ctx.req.entity("webhook_subscription"))
    return {"webhook_subscription": webhooks.shown(changed)}


@route("DELETE", "/webhook_subscriptions/{id}")
@_bare_errors
def delete_webhook_subscription(ctx: Context) -> Reply:
    ctx.store.remove("webhook_subscriptions", ctx.params["id"])
    return Reply(None, 204)


@route("POST", "/webhook_subscriptions/{id}/enable")
@_bare_errors
def enable_webhook_subscription(ctx: Context) -> dict[str, Any]:
    return {"webhook_subscription": webhooks.shown(webhooks.enable(_subscription(ctx)))}


@route("POST", "/webhook_subscriptions/{id}/ping")
@_bare_errors
def ping_webhook_subscription(ctx: Context) -> Reply:
    """202 whatever happens next, like PagerDuty: the delivery's outcome is not in the answer."""
    webhooks.deliver_ping(ctx.store, _subscription(ctx))
    return Reply(None, 202)
