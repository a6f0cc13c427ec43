"""Layered schedules, rendered from their layers and overrides, and the overrides themselves."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pagerduty_mcp.sandbox.model import oncall, schedules
from pagerduty_mcp.sandbox.model.schedules import add_override, overrides_of
from pagerduty_mcp.sandbox.model.store import Store, public
from pagerduty_mcp.sandbox.protocol import (
    ApiError,
    Reply,
    bad_request,
    format_time,
    matches_query,
    not_found,
    paginate_offset,
    parse_time,
    parse_time_zone,
)
from pagerduty_mcp.sandbox.router import Context, route
from pagerduty_mcp.sandbox.routes.users import render_user

__all__ = ["layered", "listed_schedules", "refuse_if_used", "schedule_window_entries"]

# On-call shifts are reported whole; rendering this far either side of the window finds their edges.
SHIFT_MARGIN = timedelta(days=8)


def layered(state: Store, ident: str) -> dict[str, Any]:
    """A layer-based schedule: the v2 endpoints do not see shift-based (v3) ones."""
    schedule = state.get("schedules", ident)
    if "schedule_layers" not in schedule:
        raise not_found("schedule", ident)
    return schedule


def refuse_if_used(state: Store, schedule: dict[str, Any]) -> None:
    """PagerDuty refuses to delete a schedule an escalation policy targets, and names the policies."""
    users = [
        p
        for p in state.all("escalation_policies")
        if any(t["id"] == schedule["id"] for r in p["escalation_rules"] for t in r["targets"])
    ]
    if users:
        named = ", ".join(f"{p['name']} ({p['id']})" for p in users)
        raise ApiError(
            400,
            "Schedule can't be deleted",
            errors=[f"The schedule is used by escalation policies: {named}. Remove it from them first."],
        )


def _zone(name: str) -> ZoneInfo:
    return parse_time_zone(name)


def _entry_json(state: Store, entry: oncall.Entry, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "user": state.ref_to("users", entry.user),
        "start": format_time(entry.start, zone),
        "end": format_time(entry.end, zone),
    }


def schedule_window_entries(
    state: Store, schedule_id: str, since: datetime, until: datetime, overflow: bool = False
) -> oncall.Rendered:
    """The schedule rendered over [since, until); with ``overflow`` entries keep their whole span."""
    if not overflow:
        return schedules.render_schedule(state, schedule_id, since, until)
    wide = schedules.render_schedule(state, schedule_id, since - SHIFT_MARGIN, until + SHIFT_MARGIN)

    def keep(entries: list[oncall.Entry]) -> list[oncall.Entry]:
        return [e for e in entries if e.end > since and e.start < until]

    return oncall.Rendered([keep(x) for x in wide.layers], keep(wide.overrides), keep(wide.final))


def render_schedule(
    ctx: Context, schedule: dict[str, Any], since: datetime | None, until: datetime | None, zone: ZoneInfo
) -> dict[str, Any]:
    state = ctx.state
    out = public(schedule)
    out["schedule_layers"] = []
    rendered: oncall.Rendered | None = None
    if since is not None and until is not None:
        rendered = schedule_window_entries(state, schedule["id"], since, until, ctx.req.flag("overflow"))
    for index, layer in enumerate(schedule["schedule_layers"]):
        data = public(layer)
        data["start"] = format_time(layer["_start"], zone)
        data["rotation_virtual_start"] = format_time(layer["_rotation_virtual_start"], zone)
        data["end"] = format_time(layer["_end"], zone) if layer.get("_end") else None
        if rendered is not None and since is not None and until is not None:
            entries = rendered.layers[index]
            data["rendered_schedule_entries"] = [_entry_json(state, e, zone) for e in entries]
            data["rendered_coverage_percentage"] = oncall.coverage_percentage(entries, since, until)
        else:
            data["rendered_schedule_entries"] = []
            data["rendered_coverage_percentage"] = None
        out["schedule_layers"].append(data)
    for name, key, attr in (
        ("Final Schedule", "final_schedule", "final"),
        ("Overrides", "overrides_subschedule", "overrides"),
    ):
        sub: dict[str, Any] = {"name": name, "rendered_schedule_entries": [], "rendered_coverage_percentage": None}
        if rendered is not None and since is not None and until is not None:
            entries = getattr(rendered, attr)
            sub["rendered_schedule_entries"] = [_entry_json(state, e, zone) for e in entries]
            sub["rendered_coverage_percentage"] = oncall.coverage_percentage(entries, since, until)
        out[key] = sub
    out["users"] = [
        state.ref_to("users", uid)
        for uid in dict.fromkeys(u["user"]["id"] for layer in schedule["schedule_layers"] for u in layer["users"])
    ]
    out["escalation_policies"] = [
        state.ref(p)
        for p in state.all("escalation_policies")
        if any(t["id"] == schedule["id"] for r in p["escalation_rules"] for t in r["targets"])
    ]
    out["teams"] = [state.ref_to("teams", t) for t in schedule.get("_team_ids", []) if state.find("teams", t)]
    return out


def _schedule_window(ctx: Context) -> tuple[datetime | None, datetime | None]:
    since, until = ctx.req.time("since"), ctx.req.time("until")
    if since is None and until is None:
        return None, None
    if since is None:
        since = ctx.now
    if until is None:
        until = since + timedelta(weeks=2)
    if until < since:
        raise bad_request(errors=["until must be after since"])
    return since, until


def listed_schedules(ctx: Context, shift_based: bool) -> list[dict[str, Any]]:
    """Schedules of one kind matching the request's ``query`` and ``team_ids[]``, by name: what
    ``GET /schedules`` and ``GET /v3/schedules`` page through."""
    query = ctx.req.arg("query")
    teams = set(ctx.req.array("team_ids"))
    return sorted(
        (
            s
            for s in ctx.state.all("schedules")
            if (s.get("_kind") == "shifts") == shift_based
            and matches_query(query, s["name"])
            and (not teams or teams & set(s.get("_team_ids", [])))
        ),
        key=lambda s: s["name"],
    )


@route("GET", "/schedules")
def list_schedules(ctx: Context) -> dict[str, Any]:
    page = paginate_offset(listed_schedules(ctx, shift_based=False), ctx.req, "schedules")
    zone_name = ctx.req.arg("time_zone")
    page["schedules"] = [
        render_schedule(ctx, s, None, None, _zone(zone_name or s["time_zone"])) for s in page["schedules"]
    ]
    return page


@route("GET", "/schedules/{id}")
def get_schedule(ctx: Context) -> dict[str, Any]:
    schedule = layered(ctx.state, ctx.params["id"])
    since, until = _schedule_window(ctx)
    zone = _zone(ctx.req.arg("time_zone") or schedule["time_zone"])
    return {"schedule": render_schedule(ctx, schedule, since, until, zone)}


def _parse_layers(state: Store, raw: Any, existing: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        raise bad_request(errors=["schedule_layers must be a non-empty array"])
    by_id = {layer["id"]: layer for layer in existing or []}
    layers: list[dict[str, Any]] = []
    for position, item in enumerate(raw):
        where = f"schedule_layers[{position}]"
        if not isinstance(item, dict):
            raise bad_request(errors=[f"{where} must be an object"])
        for key in ("start", "rotation_virtual_start", "rotation_turn_length_seconds", "users"):
            if item.get(key) in (None, "", []):
                raise bad_request(errors=[f"{where}.{key} is required"])
        start = parse_time(str(item["start"]), f"{where}.start")
        virtual = parse_time(str(item["rotation_virtual_start"]), f"{where}.rotation_virtual_start")
        end = parse_time(str(item["end"]), f"{where}.end") if item.get("end") else None
        if end is not None and end <= start:
            raise bad_request(errors=[f"{where}.end must be after start"])
        turn = item["rotation_turn_length_seconds"]
        if not isinstance(turn, int) or isinstance(turn, bool) or not 3600 <= turn <= 365 * 86400:
            raise bad_request(errors=[f"{where}.rotation_turn_length_seconds must be an integer from 3600 to 31536000"])
        users = []
        for member in item["users"]:
            user_ref = member.get("user") if isinstance(member, dict) else None
            if not isinstance(user_ref, dict) or "id" not in user_ref:
                raise bad_request(
                    errors=[f'{where}.users entries must look like {{"user": {{"id": ..., "type": "user_reference"}}}}']
                )
            users.append({"user": state.ref_to("users", user_ref["id"])})
        restrictions = [
            _parse_restriction(r, f"{where}.restrictions[{i}]") for i, r in enumerate(item.get("restrictions") or [])
        ]
        layer_id = item.get("id") if item.get("id") in by_id else state.new_id()
        layers.append(
            {
                "id": layer_id,
                "name": item.get("name") or f"Layer {position + 1}",
                "start": format_time(start),
                "end": format_time(end) if end else None,
                "rotation_virtual_start": format_time(virtual),
                "rotation_turn_length_seconds": turn,
                "users": users,
                "restrictions": restrictions,
                "_start": start,
                "_end": end,
                "_rotation_virtual_start": virtual,
            }
        )
    return layers


def _parse_restriction(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise bad_request(errors=[f"{where} must be an object"])
    kind = raw.get("type")
    if kind not in ("daily_restriction", "weekly_restriction"):
        raise bad_request(errors=[f"{where}.type must be daily_restriction or weekly_restriction"])
    text = raw.get("start_time_of_day")
    try:
        hours, minutes, seconds = (int(p) for p in str(text).split(":"))
        if not (0 <= hours < 24 and 0 <= minutes < 60 and 0 <= seconds < 60):
            raise ValueError(text)
    except ValueError:
        raise bad_request(errors=[f"{where}.start_time_of_day must be HH:MM:SS"]) from None
    duration = raw.get("duration_seconds")
    limit = 7 * 86400 if kind == "weekly_restriction" else 86400
    if not isinstance(duration, int) or isinstance(duration, bool) or not 0 < duration <= limit:
        raise bad_request(errors=[f"{where}.duration_seconds must be an integer from 1 to {limit}"])
    out: dict[str, Any] = {
        "type": kind,
        "start_time_of_day": f"{hours:02d}:{minutes:02d}:{seconds:02d}",
        "duration_seconds": duration,
    }
    if kind == "weekly_restriction":
        day = raw.get("start_day_of_week")
        if not isinstance(day, int) or not 1 <= day <= 7:
            raise bad_request(errors=[f"{where}.start_day_of_week must be 1 (Monday) to 7 (Sunday)"])
        out["start_day_of_week"] = day
    return out


@route("POST", "/schedules")
def create_schedule(ctx: Context) -> Reply:
    state = ctx.state
    data = ctx.req.entity("schedule")
    if not data.get("name"):
        raise bad_request(errors=["name is required"])
    zone_name = data.get("time_zone")
    if not zone_name:
        raise bad_request(errors=["time_zone is required"])
    _zone(zone_name)
    schedule: dict[str, Any] = {
        "name": data["name"],
        "time_zone": zone_name,
        "description": data.get("description") or "",
        "schedule_layers": _parse_layers(state, data.get("schedule_layers")),
        "_team_ids": [t["id"] for t in data.get("teams") or [] if state.get("teams", t["id"])],
    }
    state.stamp("schedules", schedule, schedule["name"])
    state.put("schedules", schedule)
    return Reply({"schedule": render_schedule(ctx, schedule, None, None, _zone(zone_name))}, 201)


@route("PUT", "/schedules/{id}")
def update_schedule(ctx: Context) -> dict[str, Any]:
    state = ctx.state
    schedule = layered(state, ctx.params["id"])
    data = ctx.req.entity("schedule")
    if "time_zone" in data:
        _zone(data["time_zone"])
    layers = (
        _parse_layers(state, data["schedule_layers"], schedule["schedule_layers"])
        if "schedule_layers" in data
        else None
    )
    if data.get("name"):
        schedule["name"] = schedule["summary"] = data["name"]
        state.refresh_summaries(schedule)
    if "description" in data:
        schedule["description"] = data["description"] or ""
    if data.get("time_zone"):
        schedule["time_zone"] = data["time_zone"]
    if layers is not None:
        schedule["schedule_layers"] = layers
    if "teams" in data:
        schedule["_team_ids"] = [t["id"] for t in data["teams"] or [] if state.get("teams", t["id"])]
    return {"schedule": render_schedule(ctx, schedule, None, None, _zone(schedule["time_zone"]))}


@route("GET", "/schedules/{id}/users")
def list_schedule_users(ctx: Context) -> dict[str, Any]:
    state = ctx.state
    schedule = layered(state, ctx.params["id"])
    since = ctx.req.time("since") or ctx.now
    until = ctx.req.time("until") or since + timedelta(weeks=2)
    if until < since:
        raise bad_request(errors=["until must be after since"])
    rendered = schedules.render_schedule(state, schedule["id"], since, until)
    user_ids = dict.fromkeys(e.user for e in rendered.final)
    return {"users": [render_user(state, state.get("users", u)) for u in user_ids]}


# -- overrides ------------------------------------------------------------------------------------
def _override_json(override: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    out = public(override)
    out["start"] = format_time(override["_start"], zone)
    out["end"] = format_time(override["_end"], zone)
    return out


@route("GET", "/schedules/{id}/overrides")
def list_overrides(ctx: Context) -> dict[str, Any]:
    state = ctx.state
    schedule = layered(state, ctx.params["id"])
    since, until = ctx.req.time("since"), ctx.req.time("until")
    if since is None or until is None:
        raise bad_request(errors=["since and until are required"])
    if until < since:
        raise bad_request(errors=["until must be after since"])
    editable = ctx.req.flag("editable")
    overflow = ctx.req.flag("overflow")
    now = ctx.now
    zone = _zone(schedule["time_zone"])
    out = []
    for override in overrides_of(state, schedule["id"]):
        if override["_end"] <= since or override["_start"] >= until:
            continue
        if editable and override["_end"] <= now:
            continue
        data = _override_json(override, zone)
        if not overflow:
            data["start"] = format_time(max(override["_start"], since), zone)
            data["end"] = format_time(min(override["_end"], until), zone)
        out.append(data)
    return {"overrides": out}


def _parse_override(state: Store, raw: Any, where: str) -> tuple[str, datetime, datetime]:
    if not isinstance(raw, dict):
        raise bad_request(errors=[f"{where} must be an object"])
    user = raw.get("user")
    if not isinstance(user, dict) or not user.get("id"):
        raise bad_request(errors=[f"{where}.user must be a user reference"])
    if not raw.get("start") or not raw.get("end"):
        raise bad_request(errors=[f"{where}.start and {where}.end are required"])
    start = parse_time(str(raw["start"]), f"{where}.start")
    end = parse_time(str(raw["end"]), f"{where}.end")
    if end <= start:
        raise bad_request(errors=[f"{where}.end must be after start"])
    return user["id"], start, end


@route("POST", "/schedules/{id}/overrides")
def create_overrides(ctx: Context) -> Reply:
    """Many overrides (``{"overrides": [...]}``, one status per item, as documented) or one
    (``{"override": {...}}``, the older form, answered with the override)."""
    state = ctx.state
    schedule = layered(state, ctx.params["id"])
    zone = _zone(schedule["time_zone"])
    data = ctx.req.json()
    if isinstance(data, dict) and isinstance(data.get("override"), dict):
        user_id, start, end = _parse_override(state, data["override"], "override")
        override = add_override(state, schedule["id"], state.get("users", user_id)["id"], start, end)
        return Reply({"override": _override_json(override, zone)}, 201)
    if not isinstance(data, dict) or not isinstance(data.get("overrides"), list) or not data["overrides"]:
        raise bad_request(errors=['The body must be {"overrides": [{"start", "end", "user"}, ...]}'])
    results = []
    for index, raw in enumerate(data["overrides"]):
        try:
            user_id, start, end = _parse_override(state, raw, f"overrides[{index}]")
            if state.find("users", user_id) is None:
                raise bad_request(errors=[f"overrides[{index}].user {user_id} is not a user in this account"])
        except ApiError as error:
            results.append({"status": 400, "errors": error.errors or [error.message], "override": raw})
            continue
        override = add_override(state, schedule["id"], user_id, start, end)
        results.append({"status": 201, "override": _override_json(override, zone)})
    return Reply(results, 201)


@route("DELETE", "/schedules/{id}/overrides/{override_id}")
def delete_override(ctx: Context) -> Reply:
    state = ctx.state
    schedule = layered(state, ctx.params["id"])
    override = state.get("overrides", ctx.params["override_id"])
    if override["_schedule_id"] != schedule["id"]:
        raise not_found("override", override["id"])
    now = ctx.now
    if override["_start"] < now < override["_end"]:
        # an override in progress is cut short at now rather than erased (PagerDuty answers 200)
        override["_end"] = now
        override["end"] = format_time(now, _zone(schedule["time_zone"]))
        return Reply(None, 200)
    del state.tables["overrides"][override["id"]]
    return Reply(None, 204)


@route("DELETE", "/schedules/{id}")
def delete_schedule(ctx: Context) -> Reply:
    state = ctx.state
    schedule = layered(state, ctx.params["id"])
    refuse_if_used(state, schedule)
    del state.tables["schedules"][schedule["id"]]
    for override in overrides_of(state, schedule["id"]):
        del state.tables["overrides"][override["id"]]
    return Reply(None, 204)
