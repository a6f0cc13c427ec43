"""Maintenance windows."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model import maintenance
from pagerduty_mcp.sandbox.model.store import public
from pagerduty_mcp.sandbox.protocol import Reply, paginate_offset
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []


@route("GET", "/maintenance_windows")
def list_maintenance_windows(ctx: Context) -> dict[str, Any]:
    req = ctx.req
    wanted = maintenance.check_filter(req.arg("filter") or "all")
    includes = req.enum_array("include", maintenance.INCLUDES)
    query = (req.arg("query") or "").lower()
    found = maintenance.listed(
        ctx.store, wanted, query, set(req.array("service_ids")), set(req.array("team_ids")), ctx.now
    )
    page = paginate_offset(found, req, "maintenance_windows")
    page["maintenance_windows"] = [maintenance.shown(ctx.store, w, includes) for w in page["maintenance_windows"]]
    return page


@route("GET", "/maintenance_windows/{id}")
def get_maintenance_window(ctx: Context) -> dict[str, Any]:
    includes = ctx.req.enum_array("include", maintenance.INCLUDES)
    window = ctx.store.get("maintenance_windows", ctx.params["id"])
    return {"maintenance_window": maintenance.shown(ctx.store, window, includes)}


@route("POST", "/maintenance_windows")
def create_maintenance_window(ctx: Context) -> Reply:
    user = ctx.acting_user()
    data = ctx.req.entity("maintenance_window")
    window = maintenance.create_window(ctx.store, data, user, ctx.now)
    return Reply({"maintenance_window": public(window)}, 201)


@route("DELETE", "/maintenance_windows/{id}")
def delete_maintenance_window(ctx: Context) -> Reply:
    """A future window is deleted, an ongoing one ends now, a past one cannot be deleted (405)."""
    if maintenance.end_window(ctx.store, ctx.params["id"], ctx.now) == "past":
        return Reply(None, 405)  # the spec documents this answer without a body
    return Reply(None, 204)
