"""Shift-based (v3) schedules: rotations with recurring events, custom shifts and overrides.

They live in the ``schedules`` table beside layer-based ones (``_kind: "shifts"``), so escalation
policies and ``/oncalls`` treat both alike; the v2 endpoints do not see them and the v3 ones do not
see layer-based ones. A schedule keeps its rotations, custom shifts and overrides in lists of its
own (:class:`.children.Children`). Errors use the v3 body: ``errors`` maps a field path to its messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from pagerduty_mcp.sandbox.model import shifts
from pagerduty_mcp.sandbox.model.children import Children
from pagerduty_mcp.sandbox.model.schedules import policies_naming, refuse_if_used, schedule_user_ids
from pagerduty_mcp.sandbox.model.store import HTML_BASE, Store, public
from pagerduty_mcp.sandbox.protocol import ApiError, format_time, not_found, parse_time

__all__ = [
    "CUSTOM_SHIFTS",
    "EVENTS",
    "OVERRIDES",
    "ROTATIONS",
    "Invalid",
    "add_custom_shifts",
    "add_event",
    "add_overrides",
    "add_rotation",
    "add_shift_schedule",
    "create_schedule",
    "delete_custom_shift",
    "delete_event",
    "delete_rotation",
    "delete_schedule",
    "in_window",
    "reference",
    "shift_schedule",
    "shown",
    "update_custom_shift",
    "update_event",
    "update_override",
    "update_schedule",
    "window",
]

MAX_EVENTS_PER_ROTATION = 5
MAX_RANGE = timedelta(days=366)
# How far ahead two events of one rotation are compared for overlap.
OVERLAP_HORIZON = timedelta(weeks=8)
# Shifts are reported whole with overflow; computing this far either side of the window finds their edges.
_OVERFLOW_MARGIN = timedelta(days=8)

ROTATIONS = Children("_rotations", "rotation")
EVENTS = Children("events", "event")
CUSTOM_SHIFTS = Children("_custom_shifts", "custom_shift")
OVERRIDES = Children("_overrides", "override")


class Invalid(ApiError):
    """A v3 400: ``{"error": {"message", "code", "errors": {field: [messages]}}}``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(400, "Invalid request", errors=[message])
        self.field = field

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "code": self.code, "errors": {self.field: self.errors}}}


def shift_schedule(store: Store, ident: str) -> dict[str, Any]:
    schedule = store.get("schedules", ident)
    if schedule.get("_kind") != "shifts":
        raise not_found("schedule", ident)
    return schedule


def _url(store: Store, *parts: str) -> tuple[str, str]:
    tail = "/".join(parts)
    return f"{store.api_base}/v3/schedules/{tail}", f"{HTML_BASE}/schedules/{parts[0]}"


def _stored(
    store: Store, schedule: dict[str, Any], where: tuple[str, ...], kind: str, fields: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """A new child of the schedule at ``where`` under it: its id first, then ``fields()`` (made after
    the id, which keeps the account's ids in the order they always were), then its addresses."""
    ident = store.new_id()
    self_url, html = _url(store, schedule["id"], *where, ident)
    return {"id": ident, "type": kind, **fields(), "self": self_url, "html_url": html}


def add_shift_schedule(
    store: Store, name: str, time_zone: str, description: str = "", team_ids: list[str] | None = None
) -> dict[str, Any]:
    """A new, empty shift-based schedule (seed and POST share it)."""
    ident = store.new_id()
    self_url, html = _url(store, ident)
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
    store.stamp("schedules", schedule, name, "schedule_v3")
    return store.put("schedules", schedule)


def reference(schedule: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": schedule["id"],
        "type": "schedule_v3_reference",
        "summary": schedule["name"],
        "self": schedule["self"],
        "html_url": schedule["html_url"],
    }


def _member(user_id: str | None) -> dict[str, Any]:
    return {"type": "user_member", "user_id": user_id} if user_id else {"type": "empty_member"}


def shown(
    store: Store,
    schedule: dict[str, Any],
    window: tuple[datetime, datetime] | None,
    zone: ZoneInfo | None = None,
    overflow: bool = False,
) -> dict[str, Any]:
    """The schedule as the API shows it; with a window (and the zone to show it in), its final schedule."""
    out = {k: v for k, v in public(schedule).items() if k != "summary"}
    out["teams"] = [store.ref_to("teams", t) for t in schedule["_team_ids"] if store.find("teams", t)]
    out["escalation_policies"] = [store.ref(p) for p in policies_naming(store, schedule)]
    # Documented as present with include[]=users; always given here so answers can name people.
    out["users"] = [store.ref_to("users", u) for u in schedule_user_ids(schedule) if store.find("users", u)]
    out["rotations"] = [public(r) for r in ROTATIONS.of(schedule)]
    if window is not None and zone is not None:
        since, until = window
        wide = (since - _OVERFLOW_MARGIN, until + _OVERFLOW_MARGIN) if overflow else window
        found = shifts.schedule_assignments(schedule, *wide)
        if overflow:
            found = [a for a in found if a.end > since and a.start < until]
        covered = _covered_seconds([(a.start, a.end) for a in found if a.user], since, until)
        out["final_schedule"] = {
            "type": "final_schedule",
            "rendered_coverage_percentage": round(100 * covered / max((until - since).total_seconds(), 1), 2),
            "computed_shift_assignments": [_assignment_json(a, zone) for a in found],
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


def _assignment_json(item: shifts.Assignment, zone: ZoneInfo) -> dict[str, Any]:
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


def window(since: datetime | None, until: datetime | None, required: bool) -> tuple[datetime, datetime] | None:
    """The [since, until) a request names: both or neither (unless ``required``), in order, a year at most."""
    if since is None or until is None:
        if required:
            raise Invalid("since", "since and until are required")
        return None
    if until <= since:
        raise Invalid("until", "until must be after since")
    if until - since > MAX_RANGE:
        raise Invalid("until", "the range between since and until cannot exceed 366 days")
    return since, until


def in_window(items: list[dict[str, Any]], since: datetime, until: datetime) -> list[dict[str, Any]]:
    """The custom shifts or overrides overlapping [since, until)."""
    return [i for i in items if parse_time(i["end_time"]) > since and parse_time(i["start_time"]) < until]


# -- schedules ------------------------------------------------------------------------------------
def _check_zone(value: Any, field: str, message: str) -> None:
    try:
        ZoneInfo(value)
    except (ValueError, KeyError):
        raise Invalid(field, message) from None


def create_schedule(store: Store, data: dict[str, Any]) -> dict[str, Any]:
    for rejected in ("rotations", "escalation_policies"):
        if rejected in data:
            raise Invalid(f"schedule.{rejected}", f"{rejected} cannot be set when creating a schedule")
    name, zone = data.get("name"), data.get("time_zone")
    if not isinstance(name, str) or not name.strip():
        raise Invalid("schedule.name", "name is required")
    if not isinstance(zone, str) or not zone:
        raise Invalid("schedule.time_zone", "time_zone is required")
    _check_zone(zone, "schedule.time_zone", f"{zone[:60]} is not an IANA time zone")
    teams = [t.get("id") for t in data.get("teams") or [] if isinstance(t, dict)]
    for team in teams:
        store.get("teams", str(team))
    return add_shift_schedule(store, name, zone, str(data.get("description") or ""), [str(t) for t in teams])


def update_schedule(store: Store, schedule: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    for rejected in ("rotations", "escalation_policies"):
        if rejected in data:
            raise Invalid(f"schedule.{rejected}", f"{rejected} cannot be changed here")
    if "time_zone" in data:
        _check_zone(str(data["time_zone"]), "schedule.time_zone", "not an IANA time zone")
        schedule["time_zone"] = data["time_zone"]
    if data.get("name"):
        schedule["name"] = schedule["summary"] = str(data["name"])[:255]
        store.refresh_summaries(schedule)
    if "description" in data:
        schedule["description"] = str(data["description"] or "")
    return schedule


def delete_schedule(store: Store, schedule_id: str) -> None:
    """Delete a shift-based schedule (400 while a policy targets it)."""
    schedule = shift_schedule(store, schedule_id)
    refuse_if_used(store, schedule)
    store.remove("schedules", schedule["id"])


# -- rotations and their events -------------------------------------------------------------------
def add_rotation(store: Store, schedule: dict[str, Any]) -> dict[str, Any]:
    rotation = _stored(store, schedule, ("rotations",), "schedule_rotation", lambda: {"events": []})
    return ROTATIONS.add(schedule, [rotation])[0]


def delete_rotation(schedule: dict[str, Any], rotation_id: str, now: datetime) -> None:
    """Remove a rotation: its past shifts stay on the record and the running one ends now; future ones go."""
    rotation = ROTATIONS.remove(schedule, rotation_id)
    past = []
    for event in rotation["events"]:
        if parse_time(event["effective_since"]) < now:
            until = event.get("effective_until")
            if until is None or parse_time(until) > now:
                event = {**event, "effective_until": format_time(now)}
            past.append(event)
    if past:
        schedule["_retired_rotations"].append({**rotation, "events": past})


def _parse_event(store: Store, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise Invalid("event", 'the body must be {"event": {...}}')
    for key in ("name", "start_time", "end_time", "effective_since", "recurrence", "assignment_strategy"):
        if raw.get(key) in (None, "", []):
            raise Invalid(f"event.{key}", f"{key} is required")
    times = {}
    for key in ("start_time", "end_time"):
        value = raw[key]
        if not isinstance(value, dict) or not value.get("date_time") or not value.get("time_zone"):
            raise Invalid(f"event.{key}", f"{key} must be {{date_time, time_zone}}")
        _check_zone(str(value["time_zone"]), f"event.{key}.time_zone", "not an IANA time zone")
        times[key] = parse_time(str(value["date_time"]), f"event.{key}.date_time")
    if times["end_time"] <= times["start_time"]:
        raise Invalid("event.end_time", "end_time must be after start_time")
    since = parse_time(str(raw["effective_since"]), "event.effective_since")
    until = parse_time(str(raw["effective_until"]), "event.effective_until") if raw.get("effective_until") else None
    if until is not None and until <= since:
        raise Invalid("event.effective_until", "effective_until must be after effective_since")
    recurrence = raw["recurrence"]
    if not isinstance(recurrence, list) or not all(isinstance(r, str) for r in recurrence):
        raise Invalid("event.recurrence", "recurrence must be an array of strings")
    try:
        shifts.parse_recurrence(recurrence)
    except ValueError as error:
        raise Invalid("event.recurrence", str(error)) from None
    strategy = raw["assignment_strategy"]
    kinds = ("rotating_member_assignment_strategy", "every_member_assignment_strategy")
    if not isinstance(strategy, dict) or strategy.get("type") not in kinds:
        raise Invalid("event.assignment_strategy.type", f"type must be one of {', '.join(kinds)}")
    members = _members(store, strategy.get("members"), "event.assignment_strategy.members", most=20)
    body: dict[str, Any] = {"type": strategy["type"], "members": members}
    if strategy["type"] == kinds[0]:
        per = strategy.get("shifts_per_member")
        if not isinstance(per, int) or isinstance(per, bool) or per < 1:
            raise Invalid("event.assignment_strategy.shifts_per_member", "a positive integer is required")
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


def _members(store: Store, raw: Any, where: str, most: int) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not 1 <= len(raw) <= most:
        raise Invalid(where, f"between 1 and {most} members are required")
    out = []
    for member in raw:
        if not isinstance(member, dict) or member.get("type") not in ("user_member", "empty_member"):
            raise Invalid(where, "each member is {type: user_member, user_id} or {type: empty_member}")
        if member["type"] == "empty_member":
            out.append({"type": "empty_member"})
            continue
        user_id = str(member.get("user_id") or "")
        if store.find("users", user_id) is None:
            raise Invalid(where, f"user {user_id[:20]} does not exist in this account")
        out.append({"type": "user_member", "user_id": user_id})
    return out


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


def add_event(
    store: Store, schedule: dict[str, Any], rotation: dict[str, Any], raw: Any, now: datetime
) -> dict[str, Any]:
    """A recurring event on a rotation; a past start is clamped to now, as documented."""
    event = _parse_event(store, raw)
    if len(rotation["events"]) >= MAX_EVENTS_PER_ROTATION:
        raise Invalid("rotation.events", f"a rotation holds at most {MAX_EVENTS_PER_ROTATION} events")
    if parse_time(event["effective_since"]) < now:
        event["effective_since"] = format_time(now)
    if _overlaps(rotation, event, now):
        raise Invalid("event.start_time", "events within a rotation cannot overlap")
    stored = _stored(store, schedule, ("rotations", rotation["id"], "events"), event["type"], lambda: event)
    rotation["events"].append(stored)
    return stored


def _retire(schedule: dict[str, Any], rotation: dict[str, Any], event: dict[str, Any]) -> None:
    """Keep an event that has produced shifts on the record, with the rotation it belonged to."""
    schedule["_retired_rotations"].append({**rotation, "events": [event]})


def update_event(
    store: Store, rotation: dict[str, Any], event: dict[str, Any], raw: Any, now: datetime
) -> dict[str, Any]:
    """Change an event as PagerDuty allows: a past one not at all, a running one only its
    ``effective_until`` (not into the past), a future one in every field (a past start clamped to now)."""
    if not isinstance(raw, dict) or not raw:
        raise Invalid("event", 'the body must be {"event": {...}} with the fields to change')
    until = event.get("effective_until")
    if until is not None and parse_time(until) <= now:
        raise Invalid("event", "the event has ended; past events cannot be modified")
    if parse_time(event["effective_since"]) <= now:
        others = sorted(k for k in raw if k != "effective_until")
        if others:
            raise Invalid(f"event.{others[0]}", "the event is active: only effective_until can be updated")
        new_until = parse_time(str(raw["effective_until"]), "event.effective_until") if raw["effective_until"] else None
        if new_until is not None and new_until < now:
            raise Invalid("event.effective_until", "effective_until cannot be in the past")
        event["effective_until"] = format_time(new_until) if new_until else None
        return event
    merged = _parse_event(store, {**public(event), **raw})
    if parse_time(merged["effective_since"]) < now:
        merged["effective_since"] = format_time(now)
    siblings = {**rotation, "events": [e for e in rotation["events"] if e["id"] != event["id"]]}
    if _overlaps(siblings, merged, now):
        raise Invalid("event.start_time", "events within a rotation cannot overlap")
    event.update(merged)
    return event


def delete_event(schedule: dict[str, Any], rotation: dict[str, Any], event_id: str, now: datetime) -> None:
    """Remove an event: one not yet started goes; one that has started ends now, its past kept."""
    event = EVENTS.remove(rotation, event_id)
    if parse_time(event["effective_since"]) <= now:
        until = event.get("effective_until")
        if until is None or parse_time(until) > now:
            event = {**event, "effective_until": format_time(now)}
        _retire(schedule, rotation, event)


# -- custom shifts and overrides ------------------------------------------------------------------
def _shift_times(raw: dict[str, Any], where: str) -> tuple[datetime, datetime]:
    if not raw.get("start_time") or not raw.get("end_time"):
        raise Invalid(where, "start_time and end_time are required")
    start = parse_time(str(raw["start_time"]), f"{where}.start_time")
    end = parse_time(str(raw["end_time"]), f"{where}.end_time")
    if end <= start:
        raise Invalid(f"{where}.end_time", "end_time must be after start_time")
    return start, end


def _checked_batch(
    raw: Any, key: str, kind: str, shape: str
) -> Iterator[tuple[dict[str, Any], str, datetime, datetime]]:
    """Each item of a batch (``key``: a non-empty array of ``kind`` objects, each one ``shape``),
    where it is in the request, and its start and end; checked one by one as the caller goes."""
    if not isinstance(raw, list) or not raw:
        raise Invalid(key, f"{key} must be a non-empty array")
    for index, item in enumerate(raw):
        where = f"{key}[{index}]"
        if not isinstance(item, dict) or item.get("type") != kind:
            raise Invalid(where, f"each {shape}")
        yield (item, where, *_shift_times(item, where))


def add_custom_shifts(store: Store, schedule: dict[str, Any], raw: Any) -> list[dict[str, Any]]:
    """Custom shifts, one member each, checked all before any is stored."""
    made = []
    shape = "custom shift is {type: custom_shift, start_time, end_time, assignments}"
    for item, where, start, end in _checked_batch(raw, "custom_shifts", "custom_shift", shape):
        assignments = item.get("assignments")
        if not isinstance(assignments, list) or len(assignments) != 1 or not isinstance(assignments[0], dict):
            raise Invalid(f"{where}.assignments", "exactly one assignment per custom shift")
        member = _members(store, [assignments[0].get("member")], f"{where}.assignments", most=1)[0]
        made.append((start, end, member))

    def fields(start: datetime, end: datetime, member: dict[str, Any]) -> dict[str, Any]:
        return {
            "start_time": format_time(start),
            "end_time": format_time(end),
            "assignments": [{"id": store.new_id(), "type": "shift_assignment", "member": member}],
        }

    shifts_made = (_stored(store, schedule, ("custom_shifts",), "custom_shift", partial(fields, *m)) for m in made)
    return CUSTOM_SHIFTS.add(schedule, shifts_made)


def delete_custom_shift(schedule: dict[str, Any], ident: str, now: datetime) -> None:
    """Remove a future custom shift; one that has started ends now, as documented; a past one stays."""
    shift = CUSTOM_SHIFTS.get(schedule, ident)
    if parse_time(shift["end_time"]) <= now:
        raise Invalid("custom_shift", "the custom shift has already ended")
    if parse_time(shift["start_time"]) < now:
        shift["end_time"] = format_time(now)
    else:
        CUSTOM_SHIFTS.remove(schedule, ident)


def add_overrides(store: Store, schedule: dict[str, Any], raw: Any) -> list[dict[str, Any]]:
    """Overrides, each of one rotation or custom shift, checked all before any is stored."""
    made = []
    shape = "override is {type: override_shift, start_time, end_time, members}"
    for item, where, start, end in _checked_batch(raw, "overrides", "override_shift", shape):
        rotation_id, shift_id = item.get("rotation_id"), item.get("custom_shift_id")
        if bool(rotation_id) == bool(shift_id):
            raise Invalid(where, "give exactly one of rotation_id or custom_shift_id")
        if rotation_id:
            ROTATIONS.get(schedule, str(rotation_id))
        else:
            CUSTOM_SHIFTS.get(schedule, str(shift_id))
        overridden = _members(store, [item.get("overridden_member")], f"{where}.overridden_member", most=1)[0]
        overriding = _members(store, [item.get("overriding_member")], f"{where}.overriding_member", most=1)[0]
        source = {"rotation_id": rotation_id} if rotation_id else {"custom_shift_id": shift_id}
        made.append((start, end, source, overridden, overriding))

    def fields(
        start: datetime, end: datetime, source: dict[str, Any], overridden: dict[str, Any], overriding: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            **source,
            "start_time": format_time(start),
            "end_time": format_time(end),
            "overridden_member": overridden,
            "overriding_member": overriding,
        }

    made_overrides = (_stored(store, schedule, ("overrides",), "override_shift", partial(fields, *m)) for m in made)
    return OVERRIDES.add(schedule, made_overrides)


def _member_change(store: Store, raw: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    return _members(store, [raw[key]], where, most=1)[0]


def update_custom_shift(store: Store, schedule: dict[str, Any], ident: str, raw: Any, now: datetime) -> dict[str, Any]:
    """Change a custom shift: one that has started only its end (not into the past); an ended one not at all."""
    shift = CUSTOM_SHIFTS.get(schedule, ident)
    if not isinstance(raw, dict) or not raw:
        raise Invalid("custom_shift", 'the body must be {"custom_shift": {...}} with the fields to change')
    start, end = parse_time(shift["start_time"]), parse_time(shift["end_time"])
    if end <= now:
        raise Invalid("custom_shift", "the custom shift has already ended")
    if start <= now:
        others = sorted(k for k in raw if k != "end_time")
        if others:
            raise Invalid(f"custom_shift.{others[0]}", "the shift has started: only end_time can be modified")
    new_start, new_end = _shift_times(
        {"start_time": shift["start_time"], "end_time": shift["end_time"], **raw}, "custom_shift"
    )
    if start <= now and new_end < now:
        raise Invalid("custom_shift.end_time", "end_time cannot be in the past")
    member = None
    if "assignments" in raw:
        assignments = raw["assignments"]
        if not isinstance(assignments, list) or len(assignments) != 1 or not isinstance(assignments[0], dict):
            raise Invalid("custom_shift.assignments", "exactly one assignment per custom shift")
        member = _member_change(store, assignments[0], "member", "custom_shift.assignments")
    shift["start_time"], shift["end_time"] = format_time(new_start), format_time(new_end)
    if member is not None:
        shift["assignments"][0]["member"] = member
    return shift


def update_override(store: Store, schedule: dict[str, Any], ident: str, raw: Any, now: datetime) -> dict[str, Any]:
    """Change an override's window or who covers; one that has ended cannot change."""
    override = OVERRIDES.get(schedule, ident)
    if not isinstance(raw, dict) or not raw:
        raise Invalid("override", 'the body must be {"override": {...}} with the fields to change')
    if parse_time(override["end_time"]) <= now:
        raise Invalid("override", "the override has already ended")
    unknown = sorted(k for k in raw if k not in ("start_time", "end_time", "overriding_member"))
    if unknown:
        raise Invalid(f"override.{unknown[0]}", "only start_time, end_time and overriding_member can be updated")
    start, end = _shift_times(
        {"start_time": override["start_time"], "end_time": override["end_time"], **raw}, "override"
    )
    member = (
        _member_change(store, raw, "overriding_member", "override.overriding_member")
        if "overriding_member" in raw
        else None
    )
    override["start_time"], override["end_time"] = format_time(start), format_time(end)
    if member is not None:
        override["overriding_member"] = member
    return override
