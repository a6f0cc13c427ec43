"""Checks on what the model writes for the people area, in one place.

Nested inputs (schedule layers, restrictions, overrides, escalation levels) are validated here
with the parameter path of the field at fault (``layers[0].restrictions[1].day``), and turned
into the bodies PagerDuty expects. Top-level ids are checked where the arguments are validated.
"""

from __future__ import annotations

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
    "events_body",
    "layers_body",
    "nothing_to_change",
    "overrides_body",
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


def events_body(events: list[dict[str, Any]], time_zone: str) -> list[dict[str, Any]]:
    """Shift-based rotation events, checked before the rotation is made."""
    out = []
    for index, raw in enumerate(events):
        where = f"events[{index}]"
        event: _EventInput = _parse(_EventInput, raw, where)
        start, end = parse_time(event.start, f"{where}.start"), parse_time(event.end, f"{where}.end")
        until = parse_time(event.until, f"{where}.until") if event.until else None
        if start is None or end is None:
            raise invalid(where, "start and end are required")
        if end <= start:
            raise invalid(f"{where}.end", "must be after start")
        if until is not None and until <= start:
            raise invalid(f"{where}.until", "must be after start")
        rule = _REPEATS.get(event.repeat.strip().lower(), event.repeat.strip().upper().removeprefix("RRULE:"))
        if not rule.startswith("FREQ="):
            raise invalid(f"{where}.repeat", "daily, weekly, weekdays or an RRULE such as FREQ=WEEKLY;BYDAY=SA,SU")
        users = resolve_ids(event.users, f"{where}.users") or []
        strategy: dict[str, Any] = {
            "type": "every_member_assignment_strategy" if event.all_at_once else "rotating_member_assignment_strategy",
            "members": [{"type": "user_member", "user_id": u} for u in users],
        }
        if not event.all_at_once:
            strategy["shifts_per_member"] = event.shifts_per_user
        body: dict[str, Any] = {
            "name": event.name or f"Shift {index + 1}",
            "start_time": {"date_time": iso(start), "time_zone": time_zone},
            "end_time": {"date_time": iso(end), "time_zone": time_zone},
            "effective_since": iso(start),
            "recurrence": [f"RRULE:{rule}"],
            "assignment_strategy": strategy,
        }
        if until is not None:
            body["effective_until"] = iso(until)
        out.append(body)
    return out
