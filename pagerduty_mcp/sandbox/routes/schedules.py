"""Layered schedules, rendered from their layers and overrides, and the overrides themselves."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pagerduty_mcp.sandbox.model import schedules, users
from pagerduty_mcp.sandbox.protocol import Reply, bad_request, paginate_offset, parse_time_zone
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []


@route("GET", "/schedules")
def list_schedules(ctx: Context) -> dict[str, Any]:
    found = schedules.listed(ctx.store, False, ctx.req.arg("query"), ctx.req.array("team_ids"))
    page = paginate_offset(found, ctx.req, "schedules")
    zone_name = ctx.req.arg("time_zone")
    page["schedules"] = [
        schedules.shown(ctx.store, s, None, None, parse_time_zone(zone_name or s["time_zone"]))
        for s in page["schedules"]
    ]
    return page


@route("GET", "/schedules/{id}")
def get_schedule(ctx: Context) -> dict[str, Any]:
    schedule = schedules.layered(ctx.store, ctx.params["id"])
    since, until = schedules.detail_window(ctx.req.time("since"), ctx.req.time("until"), ctx.now)
    zone = parse_time_zone(ctx.req.arg("time_zone") or schedule["time_zone"])
    overflow = ctx.req.flag("overflow") if since is not None and until is not None else False
    return {"schedule": schedules.shown(ctx.store, schedule, since, until, zone, overflow)}


@route("POST", "/schedules")
def create_schedule(ctx: Context) -> Reply:
    schedule = schedules.create_schedule(ctx.store, ctx.req.entity("schedule"))
    return Reply(
        {"schedule": schedules.shown(ctx.store, schedule, None, None, parse_time_zone(schedule["time_zone"]))}, 201
    )


@route("PUT", "/schedules/{id}")
def update_schedule(ctx: Context) -> dict[str, Any]:
    schedule = schedules.layered(ctx.store, ctx.params["id"])
    schedules.update_schedule(ctx.store, schedule, ctx.req.entity("schedule"))
    return {"schedule": schedules.shown(ctx.store, schedule, None, None, parse_time_zone(schedule["time_zone"]))}


@route("DELETE", "/schedules/{id}")
def delete_schedule(ctx: Context) -> Reply:
    schedules.delete_schedule(ctx.store, ctx.params["id"])
    return Reply(None, 204)


@route("GET", "/schedules/{id}/users")
def list_schedule_users(ctx: Context) -> dict[str, Any]:
    schedule = schedules.layered(ctx.store, ctx.params["id"])
    since = ctx.req.time("since") or ctx.now
    until = ctx.req.time("until") or since + timedelta(weeks=2)
    found = schedules.on_call_user_ids(ctx.store, schedule, since, until)
    return {"users": [users.shown(ctx.store, ctx.store.get("users", u)) for u in found]}


# -- overrides ------------------------------------------------------------------------------------
@route("GET", "/schedules/{id}/overrides")
def list_overrides(ctx: Context) -> dict[str, Any]:
    schedule = schedules.layered(ctx.store, ctx.params["id"])
    since, until = schedules.overrides_window(ctx.req.time("since"), ctx.req.time("until"))
    editable = ctx.req.flag("editable")
    overflow = ctx.req.flag("overflow")
    found = schedules.overrides_in(ctx.store, schedule, since, until, editable=editable, overflow=overflow, now=ctx.now)
    return {"overrides": found}


@route("POST", "/schedules/{id}/overrides")
def create_overrides(ctx: Context) -> Reply:
    """Many overrides (``{"overrides": [...]}``, one status per item, as documented) or one
    (``{"override": {...}}``, the older form, answered with the override)."""
    schedule = schedules.layered(ctx.store, ctx.params["id"])
    zone = parse_time_zone(schedule["time_zone"])
    data = ctx.req.json()
    if isinstance(data, dict) and isinstance(data.get("override"), dict):
        user_id, start, end = schedules.parse_override(data["override"], "override")
        user = ctx.store.get("users", user_id)
        override = schedules.add_override(ctx.store, schedule["id"], user["id"], start, end)
        return Reply({"override": schedules.override_view(override, zone)}, 201)
    if not isinstance(data, dict) or not isinstance(data.get("overrides"), list) or not data["overrides"]:
        raise bad_request(errors=['The body must be {"overrides": [{"start", "end", "user"}, ...]}'])
    results = []
    for raw, made in zip(
        data["overrides"], schedules.add_overrides(ctx.store, schedule, data["overrides"]), strict=True
    ):
        if isinstance(made, dict):
            results.append({"status": 201, "override": schedules.override_view(made, zone)})
        else:
            results.append({"status": 400, "errors": made.errors or [made.message], "override": raw})
    return Reply(results, 201)


@route("DELETE", "/schedules/{id}/overrides/{override_id}")
def delete_override(ctx: Context) -> Reply:
    schedule = schedules.layered(ctx.store, ctx.params["id"])
    deleted = schedules.delete_override(ctx.store, schedule, ctx.params["override_id"], ctx.now)
    # an override in progress is cut short at now rather than erased (PagerDuty answers 200)
    return Reply(None, 204 if deleted else 200)
