"""Shift-based (v3) schedules: ``/v3/schedules`` with rotations, events, custom shifts and overrides."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pagerduty_mcp.sandbox.model import schedules
from pagerduty_mcp.sandbox.model import shift_schedules as v3
from pagerduty_mcp.sandbox.model.children import Children
from pagerduty_mcp.sandbox.protocol import Reply, paginate_offset, parse_time_zone
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []


def _window(ctx: Context, required: bool) -> tuple[datetime, datetime] | None:
    return v3.window(ctx.req.time("since"), ctx.req.time("until"), required)


def _page(ctx: Context, items: list[dict[str, Any]], key: str) -> dict[str, Any]:
    page = paginate_offset(items, ctx.req, key)
    page.pop("total", None)
    return page


@route("GET", "/v3/schedules")
def list_schedules(ctx: Context) -> dict[str, Any]:
    found = schedules.listed(ctx.store, True, ctx.req.arg("query"), ctx.req.array("team_ids"))
    page = paginate_offset(found, ctx.req, "schedules")
    page["schedules"] = [v3.reference(s) for s in page["schedules"]]
    return page


@route("POST", "/v3/schedules")
def create_schedule(ctx: Context) -> Reply:
    schedule = v3.create_schedule(ctx.store, ctx.req.entity("schedule"))
    return Reply({"schedule": v3.shown(ctx.store, schedule, None)}, 201)


@route("GET", "/v3/schedules/{id}")
def get_schedule(ctx: Context) -> dict[str, Any]:
    schedule = v3.shift_schedule(ctx.store, ctx.params["id"])
    includes = ctx.req.enum_array("include", ("final_schedule",))
    window = _window(ctx, required=False) if "final_schedule" in includes else None
    zone: ZoneInfo | None = None
    overflow = False
    if window is not None:
        zone = parse_time_zone(ctx.req.arg("time_zone") or schedule["time_zone"])
        overflow = ctx.req.flag("overflow")
    return {"schedule": v3.shown(ctx.store, schedule, window, zone, overflow)}


@route("PUT", "/v3/schedules/{id}")
def update_schedule(ctx: Context) -> dict[str, Any]:
    schedule = v3.shift_schedule(ctx.store, ctx.params["id"])
    v3.update_schedule(ctx.store, schedule, ctx.req.entity("schedule"))
    return {"schedule": v3.shown(ctx.store, schedule, None)}


@route("DELETE", "/v3/schedules/{id}")
def delete_schedule(ctx: Context) -> Reply:
    v3.delete_schedule(ctx.store, ctx.params["id"])
    return Reply(None, 204)


# -- rotations and their events -------------------------------------------------------------------
@route("POST", "/v3/schedules/{id}/rotations")
def create_rotation(ctx: Context) -> Reply:
    schedule = v3.shift_schedule(ctx.store, ctx.params["id"])
    if ctx.req.body and ctx.req.json() not in ({}, None):
        raise v3.Invalid("rotation", "the request body must be empty or {}")
    return Reply({"rotation": v3.add_rotation(ctx.store, schedule)}, 201)


@route("DELETE", "/v3/schedules/{id}/rotations/{rotation_id}")
def delete_rotation(ctx: Context) -> Reply:
    schedule = v3.shift_schedule(ctx.store, ctx.params["id"])
    v3.delete_rotation(schedule, ctx.params["rotation_id"], ctx.now)
    return Reply(None, 204)


@route("GET", "/v3/schedules/{id}/rotations/{rotation_id}")
def get_rotation(ctx: Context) -> dict[str, Any]:
    schedule = v3.shift_schedule(ctx.store, ctx.params["id"])
    return {"rotation": v3.ROTATIONS.get(schedule, ctx.params["rotation_id"])}


def _rotation(ctx: Context) -> tuple[dict[str, Any], dict[str, Any]]:
    schedule = v3.shift_schedule(ctx.store, ctx.params["id"])
    return schedule, v3.ROTATIONS.get(schedule, ctx.params["rotation_id"])


def _wrapped(ctx: Context, key: str) -> Any:
    data = ctx.req.json()
    return data.get(key) if isinstance(data, dict) else None


@route("GET", "/v3/schedules/{id}/rotations/{rotation_id}/events")
def list_events(ctx: Context) -> dict[str, Any]:
    return {"events": _rotation(ctx)[1]["events"]}


@route("POST", "/v3/schedules/{id}/rotations/{rotation_id}/events")
def create_event(ctx: Context) -> Reply:
    schedule, rotation = _rotation(ctx)
    return Reply({"event": v3.add_event(ctx.store, schedule, rotation, _wrapped(ctx, "event"), ctx.now)}, 201)


@route("GET", "/v3/schedules/{id}/rotations/{rotation_id}/events/{event_id}")
def get_event(ctx: Context) -> dict[str, Any]:
    return {"event": v3.EVENTS.get(_rotation(ctx)[1], ctx.params["event_id"])}


@route("PUT", "/v3/schedules/{id}/rotations/{rotation_id}/events/{event_id}")
def update_event(ctx: Context) -> dict[str, Any]:
    _, rotation = _rotation(ctx)
    event = v3.EVENTS.get(rotation, ctx.params["event_id"])
    return {"event": v3.update_event(ctx.store, rotation, event, _wrapped(ctx, "event"), ctx.now)}


@route("DELETE", "/v3/schedules/{id}/rotations/{rotation_id}/events/{event_id}")
def delete_event(ctx: Context) -> Reply:
    schedule, rotation = _rotation(ctx)
    v3.delete_event(schedule, rotation, ctx.params["event_id"], ctx.now)
    return Reply(None, 204)


# -- custom shifts and overrides ------------------------------------------------------------------
def _listed(ctx: Context, children: Children, key: str) -> dict[str, Any]:
    schedule = v3.shift_schedule(ctx.store, ctx.params["id"])
    window = _window(ctx, required=True)
    assert window is not None
    return _page(ctx, v3.in_window(children.of(schedule), *window), key)


def _batch(ctx: Context, key: str) -> tuple[dict[str, Any], Any]:
    return v3.shift_schedule(ctx.store, ctx.params["id"]), _wrapped(ctx, key)


@route("GET", "/v3/schedules/{id}/custom_shifts")
def list_custom_shifts(ctx: Context) -> dict[str, Any]:
    return _listed(ctx, v3.CUSTOM_SHIFTS, "custom_shifts")


@route("POST", "/v3/schedules/{id}/custom_shifts")
def create_custom_shifts(ctx: Context) -> Reply:
    schedule, raw = _batch(ctx, "custom_shifts")
    return Reply({"custom_shifts": v3.add_custom_shifts(ctx.store, schedule, raw)}, 201)


@route("GET", "/v3/schedules/{id}/custom_shifts/{custom_shift_id}")
def get_custom_shift(ctx: Context) -> dict[str, Any]:
    schedule = v3.shift_schedule(ctx.store, ctx.params["id"])
    return {"custom_shift": v3.CUSTOM_SHIFTS.get(schedule, ctx.params["custom_shift_id"])}


@route("PUT", "/v3/schedules/{id}/custom_shifts/{custom_shift_id}")
def update_custom_shift(ctx: Context) -> dict[str, Any]:
    schedule = v3.shift_schedule(ctx.store, ctx.params["id"])
    raw = _wrapped(ctx, "custom_shift")
    return {"custom_shift": v3.update_custom_shift(ctx.store, schedule, ctx.params["custom_shift_id"], raw, ctx.now)}


@route("DELETE", "/v3/schedules/{id}/custom_shifts/{custom_shift_id}")
def delete_custom_shift(ctx: Context) -> Reply:
    schedule = v3.shift_schedule(ctx.store, ctx.params["id"])
    v3.delete_custom_shift(schedule, ctx.params["custom_shift_id"], ctx.now)
    return Reply(None, 204)


@route("GET", "/v3/schedules/{id}/overrides")
def list_overrides(ctx: Context) -> dict[str, Any]:
    return _listed(ctx, v3.OVERRIDES, "overrides")


@route("POST", "/v3/schedules/{id}/overrides")
def create_overrides(ctx: Context) -> Reply:
    schedule, raw = _batch(ctx, "overrides")
    return Reply({"overrides": v3.add_overrides(ctx.store, schedule, raw)}, 201)


@route("GET", "/v3/schedules/{id}/overrides/{override_id}")
def get_override(ctx: Context) -> dict[str, Any]:
    schedule = v3.shift_schedule(ctx.store, ctx.params["id"])
    return {"override": v3.OVERRIDES.get(schedule, ctx.params["override_id"])}


@route("PUT", "/v3/schedules/{id}/overrides/{override_id}")
def update_override(ctx: Context) -> dict[str, Any]:
    schedule = v3.shift_schedule(ctx.store, ctx.params["id"])
    raw = _wrapped(ctx, "override")
    return {"override": v3.update_override(ctx.store, schedule, ctx.params["override_id"], raw, ctx.now)}


@route("DELETE", "/v3/schedules/{id}/overrides/{override_id}")
def delete_override(ctx: Context) -> Reply:
    schedule = v3.shift_schedule(ctx.store, ctx.params["id"])
    v3.OVERRIDES.remove(schedule, ctx.params["override_id"])
    return Reply(None, 204)
