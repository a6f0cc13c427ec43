"""Shift-based (v3) schedules: ``/v3/schedules`` with rotations, events, custom shifts and overrides.

They live in the ``schedules`` table beside layer-based ones (``_kind: "shifts"``), so escalation
policies and ``/oncalls`` treat both alike; the v2 endpoints do not see them and these do not see
layer-based ones. Errors use the v3 body: ``errors`` maps a field path to its messages.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pagerduty_mcp.sandbox.model import shifts
from pagerduty_mcp.sandbox.model.schedules import schedule_user_ids
from pagerduty_mcp.sandbox.model.store import HTML_BASE, Store, public
from pagerduty_mcp.sandbox.protocol import (
    ApiError,
    Reply,
    format_time,
    not_found,
    paginate_offset,
    parse_time,
    parse_time_zone,
)
from pagerduty_mcp.sandbox.router import Context, route
from pagerduty_mcp.sandbox.routes.schedules import listed_schedules, refuse_if_used

__all__ = ["add_shift_schedule", "shift_schedule"]

MAX_EVENTS_PER_ROTATION = 5
MAX_RANGE = timedelta(days=366)


class _Invalid(ApiError):
    """A v3 400: ``{"error": {"message", "code", "errors": {field: [messages]}}}``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(400, "Invalid request", errors=[message])
        self.field = field

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "code": self.code, "errors": {self.field: self.errors}}}


def shift_schedule(state: Store, ident: str) -> dict[str, Any]:
    schedule = state.get("schedules", ident)
    if schedule.get("_kind") != "shifts":
        raise not_found("schedule", ident)
    return schedule


def _url(state: Store, *parts: str) -> tuple[str, str]:
    tail = "/".join(parts)
    return f"{state.api_base}/v3/schedules/{tail}", f"{HTML_BASE}/schedules/{parts[0]}"


def add_shift_schedule(
    state: Store, name: str, time_zone: str, description: str = "", team_ids: list[str] | None = None
) -> dict[str, Any]:
    """A new, empty shift-based schedule (seed and POST share it)."""
    ident = state.new_id()
    self_url, html = _url(state, ident)
    schedule: dict[str, Any] = {
        "id": ident,
        "self": self_url,
        "html_url": html,
        "name": name,
        "time_zone": time_zone,
        "description": description,
        "_kind": "shifts",
        "_team_ids": list(team_ids or []),
        "_rotations": [],
        "_retired_rotations": [],
        "_custom_shifts": [],
        "_overrides": [],
    }
    state.stamp("schedules", schedule, name, "schedule_v3")
    return state.put("schedules", schedule)


def _reference(state: Store, schedule: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": schedule["id"],
        "type": "schedule_v3_reference",
        "summary": schedule["name"],
        "self": schedule["self"],
        "html_url": schedule["html_url"],
    }


def _member(user_id: str | None) -> dict[str, Any]:
    return {"type": "user_member", "user_id": user_id} if user_id else {"type": "empty_member"}


def _render(ctx: Context, schedule: dict[str, Any], window: tuple[datetime, datetime] | None) -> dict[str, Any]:
    state = ctx.state
    out = {k: v for k, v in public(schedule).items() if k != "summary"}
    out["teams"] = [state.ref_to("teams", t) for t in schedule["_team_ids"] if state.find("teams", t)]
    out["escalation_policies"] = [
        state.ref(p)
        for p in state.all("escalation_policies")
        if any(t["id"] == schedule["id"] for r in p["escalation_rules"] for t in r["targets"])
    ]
    # Documented as present with include[]=users; always given here so answers can name people.
    out["users"] = [state.ref_to("users", u) for u in schedule_user_ids(schedule) if state.find("users", u)]
    out["rotations"] = [public(r) for r in schedule["_rotations"]]
    if window is not None:
        since, until = window
        zone = parse_time_zone(ctx.req.arg("time_zone") or schedule["time_zone"])
        overflow = ctx.req.flag("overflow")
        wide = (since - timedelta(days=8), until + timedelta(days=8)) if overflow else window
        found = shifts.schedule_assignments(schedule, *wide)
        if overflow:
            found = [a for a in found if a.end > since and a.start < until]
        covered = _covered_seconds([(a.start, a.end) for a in found if a.user], since, until)
        out["final_schedule"] = {
            "type": "final_schedule",
            "rendered_coverage_percentage": round(100 * covered / max((until - since).total_seconds(), 1), 2),
            "computed_shift_assignments": [_assignment_json(state, a, zone) for a in found],
        }
    return out


def _covered_seconds(spans: list[tuple[datetime, datetime]], since: datetime, until: datetime) -> float:
    total, reach = 0.0, since
    for start, end in sorted(spans):
        start, end = max(start, reach), min(end, until)
        if end > start:
            total += (end - start).total_seconds()
            reach = end
    return total


def _assignment_json(state: Store, item: shifts.Assignment, zone: ZoneInfo) -> dict[str, Any]:
    source: dict[str, Any] = {"type": item.source}
    for key in ("rotation_id", "shift_id", "override_id"):
        if getattr(item, key):
            source[key] = getattr(item, key)
    return {
        "type": "computed_shift_assignment",
        "start_time": format_time(item.start, zone),
        "end_time": format_time(item.end, zone),
        "member": _member(item.user),
        "source": source,
    }


def _window(ctx: Context, required: bool) -> tuple[datetime, datetime] | None:
    since, until = ctx.req.time("since"), ctx.req.time("until")
    if since is None or until is None:
        if required:
            raise _Invalid("since", "since and until are required")
        return None
    if until <= since:
        raise _Invalid("until", "until must be after since")
    if until - since > MAX_RANGE:
        raise _Invalid("until", "the range between since and until cannot exceed 366 days")
    return since, until


# -- schedules ------------------------------------------------------------------------------------
@route("GET", "/v3/schedules")
def list_schedules(ctx: Context) -> dict[str, Any]:
    page = paginate_offset(listed_schedules(ctx, shift_based=True), ctx.req, "schedules")
    page["schedules"] = [_reference(ctx.state, s) for s in page["schedules"]]
    return page


@route("POST", "/v3/schedules")
def create_schedule(ctx: Context) -> Reply:
    state = ctx.state
    data = ctx.req.entity("schedule")
    for rejected in ("rotations", "escalation_policies"):
        if rejected in data:
            raise _Invalid(f"schedule.{rejected}", f"{rejected} cannot be set when creating a schedule")
    name, zone = data.get("name"), data.get("time_zone")
    if not isinstance(name, str) or not name.strip():
        raise _Invalid("schedule.name", "name is required")
    if not isinstance(zone, str) or not zone:
        raise _Invalid("schedule.time_zone", "time_zone is required")
    try:
        ZoneInfo(zone)
    except (ValueError, KeyError):
        raise _Invalid("schedule.time_zone", f"{zone[:60]} is not an IANA time zone") from None
    teams = [t.get("id") for t in data.get("teams") or [] if isinstance(t, dict)]
    for team in teams:
        state.get("teams", str(team))
    schedule = add_shift_schedule(state, name, zone, str(data.get("description") or ""), [str(t) for t in teams])
    return Reply({"schedule": _render(ctx, schedule, None)}, 201)


@route("GET", "/v3/schedules/{id}")
def get_schedule(ctx: Context) -> dict[str, Any]:
    schedule = shift_schedule(ctx.state, ctx.params["id"])
    includes = ctx.req.enum_array("include", ("final_schedule",))
    window = _window(ctx, required=False) if "final_schedule" in includes else None
    return {"schedule": _render(ctx, schedule, window)}


@route("PUT", "/v3/schedules/{id}")
def update_schedule(ctx: Context) -> dict[str, Any]:
    state = ctx.state
    schedule = shift_schedule(state, ctx.params["id"])
    data = ctx.req.entity("schedule")
    for rejected in ("rotations", "escalation_policies"):
        if rejected in data:
            raise _Invalid(f"schedule.{rejected}", f"{rejected} cannot be changed here")
    if "time_zone" in data:
        try:
            ZoneInfo(str(data["time_zone"]))
        except (ValueError, KeyError):
            raise _Invalid("schedule.time_zone", "not an IANA time zone") from None
        schedule["time_zone"] = data["time_zone"]
    if data.get("name"):
        schedule["name"] = schedule["summary"] = str(data["name"])[:255]
        state.refresh_summaries(schedule)
    if "description" in data:
        schedule["description"] = str(data["description"] or "")
    return {"schedule": _render(ctx, schedule, None)}


@route("DELETE", "/v3/schedules/{id}")
def delete_schedule(ctx: Context) -> Reply:
    state = ctx.state
    schedule = shift_schedule(state, ctx.params["id"])
    refuse_if_used(state, schedule)
    del state.tables["schedules"][schedule["id"]]
    return Reply(None, 204)


# -- rotations and their events -------------------------------------------------------------------
def _rotation(schedule: dict[str, Any], rotation_id: str) -> dict[str, Any]:
    rotations: list[dict[str, Any]] = schedule["_rotations"]
    for rotation in rotations:
        if rotation["id"] == rotation_id:
            return rotation
    raise not_found("rotation", rotation_id)


@route("POST", "/v3/schedules/{id}/rotations")
def create_rotation(ctx: Context) -> Reply:
    state = ctx.state
    schedule = shift_schedule(state, ctx.params["id"])
    if ctx.req.body and ctx.req.json() not in ({}, None):
        raise _Invalid("rotation", "the request body must be empty or {}")
    ident = state.new_id()
    self_url, html = _url(state, schedule["id"], "rotations", ident)
    rotation = {"id": ident, "type": "schedule_rotation", "events": [], "self": self_url, "html_url": html}
    schedule["_rotations"].append(rotation)
    return Reply({"rotation": rotation}, 201)


@route("DELETE", "/v3/schedules/{id}/rotations/{rotation_id}")
def delete_rotation(ctx: Context) -> Reply:
    state = ctx.state
    schedule = shift_schedule(state, ctx.params["id"])
    rotation = _rotation(schedule, ctx.params["rotation_id"])
    schedule["_rotations"].remove(rotation)
    # Past shifts stay on the record and the running one ends now; future ones go.
    past = []
    for event in rotation["events"]:
        if parse_time(event["effective_since"]) < ctx.now:
            until = event.get("effective_until")
            if until is None or parse_time(until) > ctx.now:
                event = {**event, "effective_until": format_time(ctx.now)}
            past.append(event)
    if past:
        schedule["_retired_rotations"].append({**rotation, "events": past})
    return Reply(None, 204)


def _parse_event(state: Store, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _Invalid("event", 'the body must be {"event": {...}}')
    for key in ("name", "start_time", "end_time", "effective_since", "recurrence", "assignment_strategy"):
        if raw.get(key) in (None, "", []):
            raise _Invalid(f"event.{key}", f"{key} is required")
    times = {}
    for key in ("start_time", "end_time"):
        value = raw[key]
        if not isinstance(value, dict) or not value.get("date_time") or not value.get("time_zone"):
            raise _Invalid(f"event.{key}", f"{key} must be {{date_time, time_zone}}")
        try:
            ZoneInfo(str(value["time_zone"]))
        except (ValueError, KeyError):
            raise _Invalid(f"event.{key}.time_zone", "not an IANA time zone") from None
        times[key] = parse_time(str(value["date_time"]), f"event.{key}.date_time")
    if times["end_time"] <= times["start_time"]:
        raise _Invalid("event.end_time", "end_time must be after start_time")
    since = parse_time(str(raw["effective_since"]), "event.effective_since")
    until = parse_time(str(raw["effective_until"]), "event.effective_until") if raw.get("effective_until") else None
    if until is not None and until <= since:
        raise _Invalid("event.effective_until", "effective_until must be after effective_since")
    recurrence = raw["recurrence"]
    if not isinstance(recurrence, list) or not all(isinstance(r, str) for r in recurrence):
        raise _Invalid("event.recurrence", "recurrence must be an array of strings")
    try:
        shifts.parse_recurrence(recurrence)
    except ValueError as error:
        raise _Invalid("event.recurrence", str(error)) from None
    strategy = raw["assignment_strategy"]
    kinds = ("rotating_member_assignment_strategy", "every_member_assignment_strategy")
    if not isinstance(strategy, dict) or strategy.get("type") not in kinds:
        raise _Invalid("event.assignment_strategy.type", f"type must be one of {', '.join(kinds)}")
    members = _members(state, strategy.get("members"), "event.assignment_strategy.members", most=20)
    body: dict[str, Any] = {"type": strategy["type"], "members": members}
    if strategy["type"] == kinds[0]:
        per = strategy.get("shifts_per_member")
        if not isinstance(per, int) or isinstance(per, bool) or per < 1:
            raise _Invalid("event.assignment_strategy.shifts_per_member", "a positive integer is required")
        body["shifts_per_member"] = per
    return {
        "type": "schedule_event",
        "name": str(raw["name"])[:255],
        "start_time": {"date_time": format_time(times["start_time"]), "time_zone": raw["start_time"]["time_zone"]},
        "end_time": {"date_time": format_time(times["end_time"]), "time_zone": raw["end_time"]["time_zone"]},
        "effective_since": format_time(since),
        "effective_until": format_time(until) if until else None,
        "recurrence": list(recurrence),
        "assignment_strategy": body,
    }


def _members(state: Store, raw: Any, where: str, most: int) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not 1 <= len(raw) <= most:
        raise _Invalid(where, f"between 1 and {most} members are required")
    out = []
    for member in raw:
        if not isinstance(member, dict) or member.get("type") not in ("user_member", "empty_member"):
            raise _Invalid(where, "each member is {type: user_member, user_id} or {type: empty_member}")
        if member["type"] == "empty_member":
            out.append({"type": "empty_member"})
            continue
        user_id = str(member.get("user_id") or "")
        if state.find("users", user_id) is None:
            raise _Invalid(where, f"user {user_id[:20]} does not exist in this account")
        out.append({"type": "user_member", "user_id": user_id})
    return out


# How far ahead two events of one rotation are compared for overlap.
OVERLAP_HORIZON = timedelta(weeks=8)


def _overlaps(rotation: dict[str, Any], event: dict[str, Any], now: datetime) -> bool:
    def spans(raw: dict[str, Any]) -> list[tuple[datetime, datetime]]:
        engine = shifts.event_from_json(raw, rotation["id"])
        # One member: each occurrence once, whoever's turn it is.
        single = replace(engine, members=("x",), rotating=True)
        found = shifts.compute([single], [], [], now, now + OVERLAP_HORIZON)
        return [(a.start, a.end) for a in found]

    mine = spans(event)
    theirs = [span for other in rotation["events"] for span in spans(other)]
    return any(a < d and c < b for a, b in mine for c, d in theirs)


@route("POST", "/v3/schedules/{id}/rotations/{rotation_id}/events")
def create_event(ctx: Context) -> Reply:
    state = ctx.state
    schedule = shift_schedule(state, ctx.params["id"])
    rotation = _rotation(schedule, ctx.params["rotation_id"])
    data = ctx.req.json()
    event = _parse_event(state, data.get("event") if isinstance(data, dict) else None)
    if len(rotation["events"]) >= MAX_EVENTS_PER_ROTATION:
        raise _Invalid("rotation.events", f"a rotation holds at most {MAX_EVENTS_PER_ROTATION} events")
    # Past values are clamped to now, as documented.
    if parse_time(event["effective_since"]) < ctx.now:
        event["effective_since"] = format_time(ctx.now)
    if _overlaps(rotation, event, ctx.now):
        raise _Invalid("event.start_time", "events within a rotation cannot overlap")
    ident = state.new_id()
    self_url, html = _url(state, schedule["id"], "rotations", rotation["id"], "events", ident)
    stored = {"id": ident, **event, "self": self_url, "html_url": html}
    rotation["events"].append(stored)
    return Reply({"event": stored}, 201)


# -- custom shifts --------------------------------------------------------------------------------
def _shift_times(raw: dict[str, Any], where: str) -> tuple[datetime, datetime]:
    if not raw.get("start_time") or not raw.get("end_time"):
        raise _Invalid(where, "start_time and end_time are required")
    start = parse_time(str(raw["start_time"]), f"{where}.start_time")
    end = parse_time(str(raw["end_time"]), f"{where}.end_time")
    if end <= start:
        raise _Invalid(f"{where}.end_time", "end_time must be after start_time")
    return start, end


@route("GET", "/v3/schedules/{id}/custom_shifts")
def list_custom_shifts(ctx: Context) -> dict[str, Any]:
    schedule = shift_schedule(ctx.state, ctx.params["id"])
    window = _window(ctx, required=True)
    assert window is not None
    since, until = window
    found = [
        s
        for s in schedule["_custom_shifts"]
        if parse_time(s["end_time"]) > since and parse_time(s["start_time"]) < until
    ]
    return _page(ctx, found, "custom_shifts")


def _page(ctx: Context, items: list[dict[str, Any]], key: str) -> dict[str, Any]:
    page = paginate_offset(items, ctx.req, key)
    page.pop("total", None)
    return page


@route("POST", "/v3/schedules/{id}/custom_shifts")
def create_custom_shifts(ctx: Context) -> Reply:
    state = ctx.state
    schedule = shift_schedule(state, ctx.params["id"])
    data = ctx.req.json()
    raw = data.get("custom_shifts") if isinstance(data, dict) else None
    if not isinstance(raw, list) or not raw:
        raise _Invalid("custom_shifts", "custom_shifts must be a non-empty array")
    made = []
    for index, item in enumerate(raw):
        where = f"custom_shifts[{index}]"
        if not isinstance(item, dict) or item.get("type") != "custom_shift":
            raise _Invalid(where, "each custom shift is {type: custom_shift, start_time, end_time, assignments}")
        start, end = _shift_times(item, where)
        assignments = item.get("assignments")
        if not isinstance(assignments, list) or len(assignments) != 1 or not isinstance(assignments[0], dict):
            raise _Invalid(f"{where}.assignments", "exactly one assignment per custom shift")
        member = _members(state, [assignments[0].get("member")], f"{where}.assignments", most=1)[0]
        made.append((start, end, member))
    created = []
    for start, end, member in made:  # all or nothing: checked first, then stored
        ident = state.new_id()
        self_url, html = _url(state, schedule["id"], "custom_shifts", ident)
        shift = {
            "id": ident,
            "type": "custom_shift",
            "start_time": format_time(start),
            "end_time": format_time(end),
            "assignments": [{"id": state.new_id(), "type": "shift_assignment", "member": member}],
            "self": self_url,
            "html_url": html,
        }
        schedule["_custom_shifts"].append(shift)
        created.append(shift)
    return Reply({"custom_shifts": created}, 201)


@route("DELETE", "/v3/schedules/{id}/custom_shifts/{custom_shift_id}")
def delete_custom_shift(ctx: Context) -> Reply:
    schedule = shift_schedule(ctx.state, ctx.params["id"])
    ident = ctx.params["custom_shift_id"]
    shift = next((s for s in schedule["_custom_shifts"] if s["id"] == ident), None)
    if shift is None:
        raise not_found("custom_shift", ident)
    now = ctx.now
    if parse_time(shift["end_time"]) <= now:
        raise _Invalid("custom_shift", "the custom shift has already ended")
    if parse_time(shift["start_time"]) < now:
        shift["end_time"] = format_time(now)  # a started shift ends now, as documented
    else:
        schedule["_custom_shifts"].remove(shift)
    return Reply(None, 204)


# -- overrides ------------------------------------------------------------------------------------
@route("GET", "/v3/schedules/{id}/overrides")
def list_overrides(ctx: Context) -> dict[str, Any]:
    schedule = shift_schedule(ctx.state, ctx.params["id"])
    window = _window(ctx, required=True)
    assert window is not None
    since, until = window
    found = [
        o for o in schedule["_overrides"] if parse_time(o["end_time"]) > since and parse_time(o["start_time"]) < until
    ]
    return _page(ctx, found, "overrides")


@route("POST", "/v3/schedules/{id}/overrides")
def create_overrides(ctx: Context) -> Reply:
    state = ctx.state
    schedule = shift_schedule(state, ctx.params["id"])
    data = ctx.req.json()
    raw = data.get("overrides") if isinstance(data, dict) else None
    if not isinstance(raw, list) or not raw:
        raise _Invalid("overrides", "overrides must be a non-empty array")
    made = []
    for index, item in enumerate(raw):
        where = f"overrides[{index}]"
        if not isinstance(item, dict) or item.get("type") != "override_shift":
            raise _Invalid(where, "each override is {type: override_shift, start_time, end_time, members}")
        start, end = _shift_times(item, where)
        rotation_id, shift_id = item.get("rotation_id"), item.get("custom_shift_id")
        if bool(rotation_id) == bool(shift_id):
            raise _Invalid(where, "give exactly one of rotation_id or custom_shift_id")
        if rotation_id:
            _rotation(schedule, str(rotation_id))
        elif not any(s["id"] == shift_id for s in schedule["_custom_shifts"]):
            raise not_found("custom_shift", str(shift_id))
        overridden = _members(state, [item.get("overridden_member")], f"{where}.overridden_member", most=1)[0]
        overriding = _members(state, [item.get("overriding_member")], f"{where}.overriding_member", most=1)[0]
        source = {"rotation_id": rotation_id} if rotation_id else {"custom_shift_id": shift_id}
        made.append((start, end, source, overridden, overriding))
    created = []
    for start, end, source, overridden, overriding in made:
        ident = state.new_id()
        self_url, html = _url(state, schedule["id"], "overrides", ident)
        override = {
            "id": ident,
            "type": "override_shift",
            **source,
            "start_time": format_time(start),
            "end_time": format_time(end),
            "overridden_member": overridden,
            "overriding_member": overriding,
            "self": self_url,
            "html_url": html,
        }
        schedule["_overrides"].append(override)
        created.append(override)
    return Reply({"overrides": created}, 201)


@route("DELETE", "/v3/schedules/{id}/overrides/{override_id}")
def delete_override(ctx: Context) -> Reply:
    schedule = shift_schedule(ctx.state, ctx.params["id"])
    ident = ctx.params["override_id"]
    override = next((o for o in schedule["_overrides"] if o["id"] == ident), None)
    if override is None:
        raise not_found("override", ident)
    schedule["_overrides"].remove(override)
    return Reply(None, 204)
