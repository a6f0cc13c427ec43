"""Alert grouping settings, paged by ``after``/``before`` cursors."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model import alert_grouping
from pagerduty_mcp.sandbox.protocol import Reply
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []


@route("GET", "/alert_grouping_settings")
def list_settings(ctx: Context) -> dict[str, Any]:
    limit = min(ctx.req.integer("limit", 25, minimum=1), 100)
    wanted = set(ctx.req.array("service_ids"))
    body, total = alert_grouping.page(ctx.store, limit, wanted, ctx.req.arg("after"), ctx.req.arg("before"))
    if ctx.req.flag("total"):
        body["total"] = total
    return body


@route("GET", "/alert_grouping_settings/{id}")
def get_setting(ctx: Context) -> dict[str, Any]:
    setting = ctx.store.get("alert_grouping_settings", ctx.params["id"])
    return {"alert_grouping_setting": alert_grouping.shown(ctx.store, setting)}


@route("POST", "/alert_grouping_settings")
def create_setting(ctx: Context) -> Reply:
    setting = alert_grouping.create_setting(ctx.store, ctx.req.entity("alert_grouping_setting"), ctx.now)
    return Reply({"alert_grouping_setting": alert_grouping.shown(ctx.store, setting)}, 201)


@route("PUT", "/alert_grouping_settings/{id}")
def update_setting(ctx: Context) -> dict[str, Any]:
    current = ctx.store.get("alert_grouping_settings", ctx.params["id"])
    body = ctx.req.entity("alert_grouping_setting")
    updated = alert_grouping.update_setting(ctx.store, current, body, ctx.now)
    return {"alert_grouping_setting": alert_grouping.shown(ctx.store, updated)}


@route("DELETE", "/alert_grouping_settings/{id}")
def delete_setting(ctx: Context) -> Reply:
    ctx.store.remove("alert_grouping_settings", ctx.params["id"])
    return Reply(None, 204)
