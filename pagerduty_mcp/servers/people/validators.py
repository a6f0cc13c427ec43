"""Checks on what the model writes for the people area, in one place.

Nested inputs (schedule layers, restrictions, overrides, escalation levels) are validated here
with the parameter path of the field at fault (``layers[0].restrictions[1].day``), and turned
into the bodies PagerDuty expects. Top-level ids are checked where the arguments are validated.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pagerduty_mcp.common import (
    ToolFailure,
    describe_validation_error,
    invalid,
    iso,
    parse_time,
    resolve_id,
    resolve_ids,
    zone_ok,
)

__all__ = [
    "action_fields",
    "event_body",
    "event_changes",
    "events_body",
    "layers_body",
    "nothing_to_change",
    "overrides_body",
    "parse_fields",
    "ref",
    "refused",
    "rules_body",
    "zone_ok",
]


def ref(kind: str, ident: str) -> dict[str, str]:
    """A reference to a PagerDuty object, as request bodies name one."""
    return {"id": ident, "type": f"{kind}_reference"}


def nothing_to_change(parameter: str) -> ToolFailure:
    return invalid(parameter, "give at least one field to change")


def refused(failure: ToolFailure, what: str, next_step: str) -> ToolFailure:
    """A delete PagerDuty turned down (400) as a CONFLICT that keeps its reason; other failures pass."""
    if failure.code != "INVALID_PARAMETER":
        return failure
    said = failure.message.partition("PagerDuty said: ")[2].removesuffix(" Fix the arguments.").strip('"')
    reason = said.removeprefix("Invalid Input Provided; ") or "no reason given"
    return ToolFailure("CONFLICT", f"PagerDuty will not delete {what}: {reason}. Next: {next_step}, then retry.")


# -- nested inputs, validated with the parameter path of the field at fault ------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _OverrideInput(_Strict):
    user_id: str
    start: str
    end: str
    replaces: str | None = None  # shift-based: whose shift it covers, where several are on at once


class _EventInput(_Strict):
    users: list[str] = Field(min_length=1, max_length=20)
    start: str
    end: str
    repeat: str = Field(min_length=1)
    shifts_per_user: int = Field(default=1, ge=1)
    all_at_once: bool = False
    name: str | None = Field(default=None, max_length=255)
    until: str | None = None
    time_zone: str | None = None


class _EventChange(_Strict):
    """What an update of an event may change; ``from``: when a running event's change takes over."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    users: list[str] | None = Field(default=None, min_length=1, max_length=20)
    start: str | None = None
    end: str | None = None
    repeat: str | None = Field(default=None, min_length=1)
    shifts_per_user: int | None = Field(default=None, ge=1)
    all_at_once: bool | None = None
    name: str | None = Field(default=None, min_length=1, max_length=255)
    until: str | None = None
    time_zone: str | None = None
    takes_over: str | None = Field(default=None, alias="from")


class _RestrictionInput(_Strict):
    type: Literal["daily", "weekly"]
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    hours: float = Field(gt=0, le=168)
    day: int | None = Field(default=None, ge=1, le=7)


class _LayerInput(_Strict):
    id: str | None = None
    name: str | None = None
    users: list[str] = Field(min_length=1)
    rotation_hours: int = Field(ge=1, le=8760)
    start: str
    end: str | None = None
    restrictions: list[_RestrictionInput] = []


class _RuleInput(_Strict):
    delay_minutes: int = Field(ge=1)
    user_ids: list[str] = []
    schedule_ids: list[str] = []

    @model_validator(mode="after")
    def _has_target(self) -> _RuleInput:
        if not self.user_ids and not self.schedule_ids:
            raise ValueError("a level needs user_ids or schedule_ids")
        return self


class _ContactMethodFields(_Strict):
    type: Literal["phone", "sms", "email", "push"] | None = None
    address: str | None = Field(default=None, min_length=1, max_length=255)
    label: str | None = Field(default=None, min_length=1, max_length=100)
    device_type: Literal["ios", "android"] | None = None


class _RuleFields(_Strict):
    contact_method: str | None = Field(default=None, min_length=1, max_length=100)
    urgency: Literal["high", "low"] | None = None
    delay_minutes: int | None = Field(default=None, ge=0, le=1440)
    handoff: Literal["oncall", "offcall", "both"] | None = None
    minutes_before: int | None = Field(default=None, ge=0, le=10080)


class _ShiftFields(_Strict):
    user_id: str | None = None
    start: str | None = None
    end: str | None = None


_FIELDS: dict[str, type[_Strict]] = {
    "contact_method": _ContactMethodFields,
    "rule": _RuleFields,
    "shift": _ShiftFields,
}


def action_fields(action: str, fields: dict[str, Any] | None) -> dict[str, Any]:
    """A manage tool's ``fields`` for ``action``: taken by every action but a delete, which takes none."""
    if action == "delete" and fields:
        raise invalid("fields", "not taken by delete")
    if action != "delete" and not fields:
        raise invalid("fields", f"required by {action}")
    return fields or {}


def parse_fields(fields: dict[str, Any], kind: Literal["contact_method", "rule", "shift"]) -> dict[str, Any]:
    """The ``fields`` of a manage tool's action, checked as ``kind`` (a wrong field is named,
    ``fields.urgency``), with only the fields given."""
    parsed: BaseModel = _parse(_FIELDS[kind], fields, "fields")
    return parsed.model_dump(exclude_none=True)


def _parse(model: type[_Strict], raw: Any, where: str) -> Any:
    if not isinstance(raw, dict):
        raise invalid(where, "must be a JSON object")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise describe_validation_error("", exc, where, model.model_fields) from None


def layers_body(layers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for index, raw in enumerate(layers):
        where = f"layers[{index}]"
        layer: _LayerInput = _parse(_LayerInput, raw, where)
        start = parse_time(layer.start, f"{where}.start")
        end = parse_time(layer.end, f"{where}.end") if layer.end else None
        if start is None:
            raise invalid(f"{where}.start", "is required")
        if end is not None and end <= start:
            raise invalid(f"{where}.end", "must be after start")
        restrictions = []
        for r_index, restriction in enumerate(layer.restrictions):
            if restriction.type == "weekly" and restriction.day is None:
                raise invalid(f"{where}.restrictions[{r_index}].day", "a weekly restriction needs day (1=Monday..7)")
            if restriction.type == "daily" and restriction.hours > 24:
                raise invalid(f"{where}.restrictions[{r_index}].hours", "a daily restriction lasts at most 24 hours")
            item: dict[str, Any] = {
                "type": f"{restriction.type}_restriction",
                "start_time_of_day": f"{restriction.start}:00",
                "duration_seconds": round(restriction.hours * 3600),
            }
            if restriction.type == "weekly":
                item["start_day_of_week"] = restriction.day
            restrictions.append(item)
        body: dict[str, Any] = {
            "name": layer.name or f"Layer {index + 1}",
            "start": iso(start),
            "rotation_virtual_start": iso(start),
            "rotation_turn_length_seconds": layer.rotation_hours * 3600,
            "users": [{"user": ref("user", u)} for u in resolve_ids(layer.users, f"{where}.users") or []],
            "restrictions": restrictions,
        }
        if end is not None:
            body["end"] = iso(end)
        if layer.id:
            body["id"] = resolve_id(layer.id, f"{where}.id")
        out.append(body)
    return out


def rules_body(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for index, raw in enumerate(rules):
        where = f"levels[{index}]"
        rule: _RuleInput = _parse(_RuleInput, raw, where)
        targets = [ref("user", u) for u in resolve_ids(rule.user_ids, f"{where}.user_ids") or []]
        targets += [ref("schedule", s) for s in resolve_ids(rule.schedule_ids, f"{where}.schedule_ids") or []]
        out.append({"escalation_delay_in_minutes": rule.delay_minutes, "targets": targets})
    return out


def overrides_body(overrides: list[dict[str, Any]], name: str = "overrides") -> list[dict[str, Any]]:
    """The overrides (or custom shifts) to create, each checked (times in order, a user id) before
    any is sent: v2 override bodies, with ``replaces`` kept aside for shift-based schedules."""
    wanted: list[dict[str, Any]] = []
    for index, raw in enumerate(overrides):
        where = f"{name}[{index}]"
        item: _OverrideInput = _parse(_OverrideInput, raw, where)
        start, end = parse_time(item.start, f"{where}.start"), parse_time(item.end, f"{where}.end")
        if start is None or end is None:
            raise invalid(where, "start and end are required")
        if end <= start:
            raise invalid(f"{where}.end", "must be after start")
        user = resolve_id(item.user_id, f"{where}.user_id")
        body = {"start": iso(start), "end": iso(end), "user": ref("user", user), "time_zone": "UTC"}
        if item.replaces:
            body["_replaces"] = resolve_id(item.replaces, f"{where}.replaces")
        wanted.append(body)
    return wanted


_REPEATS = {"daily": "FREQ=DAILY", "weekly": "FREQ=WEEKLY", "weekdays": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"}


def _recurrence(repeat: str, where: str) -> list[str]:
    rule = _REPEATS.get(repeat.strip().lower(), repeat.strip().upper().removeprefix("RRULE:"))
    if not rule.startswith("FREQ="):
        raise invalid(where, "daily, weekly, weekdays or an RRULE such as FREQ=WEEKLY;BYDAY=SA,SU")
    return [f"RRULE:{rule}"]


def _strategy(users: list[str], all_at_once: bool, shifts_per_user: int) -> dict[str, Any]:
    strategy: dict[str, Any] = {
        "type": "every_member_assignment_strategy" if all_at_once else "rotating_member_assignment_strategy",
        "members": [{"type": "user_member", "user_id": u} for u in users],
    }
    if not all_at_once:
        strategy["shifts_per_member"] = shifts_per_user
    return strategy


def event_body(raw: dict[str, Any], time_zone: str, where: str, default_name: str = "Shift") -> dict[str, Any]:
    """One shift-based rotation event (``raw`` as create_schedule_rotation's events take it), checked;
    ``where`` names it in errors (``events[0]``, ``fields``)."""
    event: _EventInput = _parse(_EventInput, raw, where)
    zone = zone_ok(event.time_zone, f"{where}.time_zone") if event.time_zone else time_zone
    start, end = parse_time(event.start, f"{where}.start"), parse_time(event.end, f"{where}.end")
    until = parse_time(event.until, f"{where}.until") if event.until else None
    if start is None or end is None:
        raise invalid(where, "start and end are required")
    if end <= start:
        raise invalid(f"{where}.end", "must be after start")
    if until is not None and until <= start:
        raise invalid(f"{where}.until", "must be after start")
    users = resolve_ids(event.users, f"{where}.users") or []
    body: dict[str, Any] = {
        "name": event.name or default_name,
        "start_time": {"date_time": iso(start), "time_zone": zone},
        "end_time": {"date_time": iso(end), "time_zone": zone},
        "effective_since": iso(start),
        "recurrence": _recurrence(event.repeat, f"{where}.repeat"),
        "assignment_strategy": _strategy(users, event.all_at_once, event.shifts_per_user),
    }
    if until is not None:
        body["effective_until"] = iso(until)
    return body


def events_body(events: list[dict[str, Any]], time_zone: str) -> list[dict[str, Any]]:
    """Shift-based rotation events, checked before the rotation is made."""
    return [event_body(raw, time_zone, f"events[{i}]", f"Shift {i + 1}") for i, raw in enumerate(events)]


def event_changes(fields: dict[str, Any], current: dict[str, Any]) -> tuple[dict[str, Any], datetime | None]:
    """The fields of ``current`` (a stored event) that ``fields`` changes, in PagerDuty's terms, and
    when a running event's change should take over (``from``; ``None``: as soon as possible).

    A new start alone keeps the shift's length; a new time zone alone keeps the instants and moves
    the clock the shifts repeat on; a new start also starts the event then (``effective_since``)."""
    change: _EventChange = _parse(_EventChange, fields, "fields")
    given = change.model_fields_set
    if not given:
        raise invalid("fields", "give at least one field to change")
    body: dict[str, Any] = {}
    if change.name is not None:
        body["name"] = change.name
    old_start = parse_time(str((current.get("start_time") or {}).get("date_time")), "start")
    old_end = parse_time(str((current.get("end_time") or {}).get("date_time")), "end")
    zone = str((current.get("start_time") or {}).get("time_zone") or "UTC")
    if {"start", "end", "time_zone"} & given:
        zone = zone_ok(change.time_zone, "fields.time_zone") if change.time_zone else zone
        start = parse_time(change.start, "fields.start") if change.start else old_start
        assert start is not None and old_start is not None and old_end is not None
        end = parse_time(change.end, "fields.end") if change.end else start + (old_end - old_start)
        assert end is not None
        if end <= start:
            raise invalid("fields.end", "must be after start")
        body["start_time"] = {"date_time": iso(start), "time_zone": zone}
        body["end_time"] = {"date_time": iso(end), "time_zone": zone}
        if change.start:
            body["effective_since"] = iso(start)
    if change.repeat is not None:
        body["recurrence"] = _recurrence(change.repeat, "fields.repeat")
    if {"users", "all_at_once", "shifts_per_user"} & given:
        strategy = current.get("assignment_strategy") or {}
        members = [m.get("user_id") for m in strategy.get("members") or [] if m.get("user_id")]
        users = resolve_ids(change.users, "fields.users") if change.users else members
        every = (
            change.all_at_once
            if change.all_at_once is not None
            else (strategy.get("type") == "every_member_assignment_strategy")
        )
        per = change.shifts_per_user or int(strategy.get("shifts_per_member") or 1)
        body["assignment_strategy"] = _strategy(users or [], every, per)
    if "until" in given:
        until = parse_time(change.until, "fields.until") if change.until else None
        body["effective_until"] = iso(until) if until else None
    takes_over = parse_time(change.takes_over, "fields.from") if change.takes_over else None
    return body, takes_over
