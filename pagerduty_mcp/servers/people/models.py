"""Answer shapes of the people area: lean by default, in the words a responder uses."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.common import LeanModel, Ref, refs

__all__ = [
    "ROTATION_SOURCES",
    "ContactMethod",
    "CustomShiftInfo",
    "EventInfo",
    "HandoffRule",
    "LayerInfo",
    "Member",
    "NotificationRule",
    "OverrideInfo",
    "PolicyDetail",
    "PolicyLevel",
    "RotationInfo",
    "ScheduleDetail",
    "ScheduleSummary",
    "Shift",
    "TeamSummary",
    "UserDetail",
    "UserSummary",
    "describe_restriction",
    "final_entries",
    "member_ids",
    "schedule_kind",
]

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class UserSummary(LeanModel):
    id: str
    name: str | None = None
    email: str | None = None
    role: str | None = None
    job_title: str | None = None
    time_zone: str | None = None
    teams: list[Ref] = []
    html_url: str | None = None

    @classmethod
    def from_api(cls, user: dict[str, Any]) -> UserSummary:
        return cls.model_validate({**user, "teams": refs(user.get("teams"))})


def _method_kind(method: dict[str, Any]) -> str:
    """``phone``, ``sms``, ``email`` or ``push``: a contact method's (or its reference's) type, short."""
    kind = str(method.get("type", "")).removesuffix("_reference").removesuffix("_contact_method")
    return "push" if kind == "push_notification" else kind


def _method_ref(method: dict[str, Any] | None) -> Ref | None:
    """The contact method a rule uses, named by kind and label: ``phone (Mobile)``."""
    if not method or not method.get("id"):
        return None
    label, kind = method.get("label") or method.get("summary"), _method_kind(method)
    return Ref(id=str(method["id"]), name=f"{kind} ({label})" if label and kind else (kind or label))


class ContactMethod(LeanModel):
    id: str | None = None
    type: str
    label: str | None = None
    address: str | None = None

    @classmethod
    def from_api(cls, method: dict[str, Any]) -> ContactMethod:
        kind = _method_kind(method)
        address = method.get("address")
        if method.get("country_code") and address:
            address = f"+{method['country_code']} {address}"
        return cls(id=method.get("id"), type=kind, label=method.get("label"), address=address)


class NotificationRule(LeanModel):
    """When an incident of one urgency notifies a person, on which contact method."""

    id: str | None = None
    urgency: str | None = None
    delay_minutes: int | None = None
    contact_method: Ref | None = None

    @classmethod
    def from_api(cls, rule: dict[str, Any]) -> NotificationRule:
        return cls(
            id=rule.get("id"),
            urgency=rule.get("urgency"),
            delay_minutes=rule.get("start_delay_in_minutes"),
            contact_method=_method_ref(rule.get("contact_method")),
        )


class HandoffRule(LeanModel):
    """A notice before a person goes on call, off call, or both (``handoff``)."""

    id: str | None = None
    handoff: str | None = None
    minutes_before: int | None = None
    contact_method: Ref | None = None

    @classmethod
    def from_api(cls, rule: dict[str, Any]) -> HandoffRule:
        return cls(
            id=rule.get("id"),
            handoff=rule.get("handoff_type"),
            minutes_before=rule.get("notify_advance_in_minutes"),
            contact_method=_method_ref(rule.get("contact_method")),
        )


class UserDetail(UserSummary):
    contact_methods: list[ContactMethod] = []
    notification_rules: list[NotificationRule] = []
    handoff_rules: list[HandoffRule] = []

    @classmethod
    def from_api(cls, user: dict[str, Any], handoff_rules: list[dict[str, Any]] | None = None) -> UserDetail:
        methods = [ContactMethod.from_api(m) for m in user.get("contact_methods") or [] if "address" in m]
        labels = {m.get("id"): m for m in user.get("contact_methods") or [] if "address" in m}

        def named(rule: dict[str, Any]) -> dict[str, Any]:
            """A rule whose contact method is a bare reference, named from the user's own contact methods."""
            method = rule.get("contact_method") or {}
            return {**rule, "contact_method": {**method, **labels.get(method.get("id"), {})}}

        rules = [NotificationRule.from_api(named(r)) for r in user.get("notification_rules") or [] if "urgency" in r]
        handoffs = [HandoffRule.from_api(named(r)) for r in handoff_rules or []]
        return cls.model_validate(
            {
                **user,
                "teams": refs(user.get("teams")),
                "contact_methods": methods,
                "notification_rules": rules,
                "handoff_rules": handoffs,
            }
        )


class TeamSummary(LeanModel):
    id: str
    name: str | None = None
    description: str | None = None
    parent: Ref | None = None
    html_url: str | None = None

    @classmethod
    def from_api(cls, team: dict[str, Any]) -> TeamSummary:
        parent = Ref.of(team.get("parent"))
        return cls.model_validate(
            {
                **team,
                "name": team.get("name") or team.get("summary"),  # a reference (a user's teams) has a summary
                "parent": parent,
                "description": team.get("description") or None,
            }
        )


class Member(LeanModel):
    user: Ref
    email: str | None = None
    role: str | None = None

    @classmethod
    def from_api(cls, member: dict[str, Any]) -> Member:
        user = member.get("user") or {}
        return cls(user=Ref.of(user) or Ref(id=str(user.get("id"))), email=user.get("email"), role=member.get("role"))


class Shift(LeanModel):
    """Who is on call from when to when (times as PagerDuty gave them, with their offset)."""

    user: Ref | None = None
    start: str | None = None
    end: str | None = None
    source: str | None = None  # shift-based, when not a rotation: "custom_shift <id>" or "override <id>"

    @classmethod
    def from_api(cls, entry: dict[str, Any]) -> Shift:
        user = Ref.of(entry.get("user"))
        source = entry.get("source")
        if source and str(source).startswith("rotation "):
            source = None  # most shifts: the rotations say when they come; the exceptions are the news
        return cls(user=user, start=entry.get("start"), end=entry.get("end"), source=source)


# Said once in an answer whose final schedule leaves rotation sources out.
ROTATION_SOURCES = "final_schedule: source only where a custom shift or an override, not a rotation, gives the shift."


def describe_restriction(restriction: dict[str, Any]) -> str:
    """``daily 09:00:00 for 8h`` or ``weekly Sat 00:00:00 for 48h``: what the layer is limited to."""
    hours = round(int(restriction.get("duration_seconds") or 0) / 3600, 2)
    hours_text = f"{hours:g}h"
    start = restriction.get("start_time_of_day", "?")
    if restriction.get("type") == "weekly_restriction":
        day = restriction.get("start_day_of_week") or 1
        name = _DAYS[(int(day) - 1) % 7]
        return f"weekly {name} {start} for {hours_text}"
    return f"daily {start} for {hours_text}"


class LayerInfo(LeanModel):
    id: str | None = None
    name: str | None = None
    start: str | None = None
    end: str | None = None
    rotation_virtual_start: str | None = None
    rotation_turn_hours: float | None = None
    users: list[Ref] = []
    restrictions: list[str] = []

    @classmethod
    def from_api(cls, layer: dict[str, Any]) -> LayerInfo:
        turn = layer.get("rotation_turn_length_seconds")
        return cls(
            id=layer.get("id"),
            name=layer.get("name"),
            start=layer.get("start"),
            end=layer.get("end"),
            rotation_virtual_start=layer.get("rotation_virtual_start"),
            rotation_turn_hours=round(turn / 3600, 2) if isinstance(turn, int) else None,
            users=refs([u.get("user") for u in layer.get("users") or []]),
            restrictions=[describe_restriction(r) for r in layer.get("restrictions") or []],
        )


def schedule_kind(schedule: dict[str, Any]) -> str:
    """``shifts`` for a shift-based (v3) schedule or its reference, ``layers`` otherwise."""
    return "shifts" if str(schedule.get("type", "")).startswith("schedule_v3") else "layers"


def final_entries(schedule: dict[str, Any]) -> list[dict[str, Any]]:
    """The rendered final schedule as ``{user: {id, summary}, start, end}``, whatever the kind.
    A shift-based slot left empty on purpose is nobody on call, so it is left out."""
    final = schedule.get("final_schedule") or {}
    if schedule_kind(schedule) == "layers":
        return list(final.get("rendered_schedule_entries") or [])
    names = {u.get("id"): u.get("summary") for u in schedule.get("users") or []}
    out = []
    for item in final.get("computed_shift_assignments") or []:
        member = item.get("member") or {}
        if member.get("type") == "user_member" and member.get("user_id"):
            user = {"id": member["user_id"], "summary": names.get(member["user_id"])}
            entry = {"user": user, "start": item.get("start_time"), "end": item.get("end_time")}
            source = item.get("source") or {}
            if source.get("override_id"):
                entry["source"] = f"override {source['override_id']}"
            elif source.get("shift_id"):
                entry["source"] = f"custom_shift {source['shift_id']}"
            elif source.get("rotation_id"):
                entry["source"] = f"rotation {source['rotation_id']}"
            out.append(entry)
    return out


class EventInfo(LeanModel):
    """One recurring shift pattern of a rotation (shift-based schedules)."""

    id: str | None = None
    name: str | None = None
    first_start: str | None = None
    first_end: str | None = None
    time_zone: str | None = None
    repeats: str | None = None
    users: list[Ref] = []
    shifts_per_user: int | None = None  # absent: everyone at once
    effective_since: str | None = None
    effective_until: str | None = None

    @classmethod
    def from_api(cls, event: dict[str, Any], names: dict[str, str], zone: str | None = None) -> EventInfo:
        """``zone``: the schedule's; an event in the same zone, or in effect from its first shift,
        does not say it again."""
        strategy = event.get("assignment_strategy") or {}
        members = [m.get("user_id") for m in strategy.get("members") or [] if m.get("user_id")]
        start, end = event.get("start_time") or {}, event.get("end_time") or {}
        rotating = strategy.get("type") == "rotating_member_assignment_strategy"
        since = event.get("effective_since")
        return cls(
            id=event.get("id"),
            name=event.get("name"),
            first_start=start.get("date_time"),
            first_end=end.get("date_time"),
            time_zone=None if start.get("time_zone") == zone else start.get("time_zone"),
            repeats="; ".join(r.removeprefix("RRULE:") for r in event.get("recurrence") or []),
            users=[Ref(id=u, name=names.get(u)) for u in members],
            shifts_per_user=strategy.get("shifts_per_member") if rotating else None,
            effective_since=None if since == start.get("date_time") else since,
            effective_until=event.get("effective_until"),
        )


class RotationInfo(LeanModel):
    id: str
    events: list[EventInfo] = []


class ScheduleSummary(LeanModel):
    id: str
    kind: str = "layers"
    name: str | None = None
    time_zone: str | None = None
    description: str | None = None
    teams: list[Ref] = []
    escalation_policies: list[Ref] = []
    html_url: str | None = None

    @classmethod
    def from_api(cls, schedule: dict[str, Any]) -> ScheduleSummary:
        return cls.model_validate(
            {
                **schedule,
                "kind": schedule_kind(schedule),
                "name": schedule.get("name") or schedule.get("summary"),
                "description": schedule.get("description") or None,
                "teams": refs(schedule.get("teams")),
                "escalation_policies": refs(schedule.get("escalation_policies")),
            }
        )


class ScheduleDetail(ScheduleSummary):
    layers: list[LayerInfo] = []
    rotations: list[RotationInfo] = []
    # Absent when no window was rendered (a write's answer): an empty list would read as "nobody on call".
    final_schedule: list[Shift] | None = None
    # Shift-based: the window's custom shifts, each whole, whether or not an override covers it.
    custom_shifts: list[CustomShiftInfo] | None = None
    coverage_percentage: float | None = None
    overrides_in_window: int | None = None

    @classmethod
    def from_api(cls, schedule: dict[str, Any], *, rendered: bool = True) -> ScheduleDetail:
        """``rendered``: the answer holds the final schedule of a window (PagerDuty renders one only
        when asked with since/until)."""
        final = schedule.get("final_schedule") or {}
        summary = ScheduleSummary.from_api(schedule).model_dump(exclude_none=True)
        layers = [LayerInfo.from_api(layer) for layer in schedule.get("schedule_layers") or []]
        names = {u.get("id"): u.get("summary") for u in schedule.get("users") or []}
        rotations = [
            RotationInfo(
                id=r.get("id"),
                events=[EventInfo.from_api(e, names, schedule.get("time_zone")) for e in r.get("events") or []],
            )
            for r in schedule.get("rotations") or []
        ]
        if not rendered:
            return cls(**summary, layers=layers, rotations=rotations)
        if summary["kind"] == "shifts":
            computed = final.get("computed_shift_assignments") or []
            overridden = sum(1 for a in computed if str((a.get("source") or {}).get("type", "")).endswith("override"))
        else:
            overridden = len((schedule.get("overrides_subschedule") or {}).get("rendered_schedule_entries") or [])
        return cls(
            **summary,
            layers=layers,
            rotations=rotations,
            final_schedule=[Shift.from_api(e) for e in final_entries(schedule)],
            coverage_percentage=final.get("rendered_coverage_percentage"),
            overrides_in_window=overridden if final or schedule.get("overrides_subschedule") else None,
        )


def _member_ref(member: dict[str, Any] | None, names: dict[str, str]) -> Ref | None:
    user_id = (member or {}).get("user_id")
    return Ref(id=user_id, name=names.get(user_id)) if user_id else None


class OverrideInfo(LeanModel):
    id: str | None = None
    user: Ref | None = None
    start: str | None = None
    end: str | None = None
    replaces: Ref | None = None  # shift-based: whose shift it covers

    @classmethod
    def from_api(cls, override: dict[str, Any], names: dict[str, str] | None = None) -> OverrideInfo:
        """``names``: user names by id, for a shift-based override (PagerDuty gives bare ids there)."""
        if override.get("type") == "override_shift":
            return cls(
                id=override.get("id"),
                user=_member_ref(override.get("overriding_member"), names or {}),
                start=override.get("start_time"),
                end=override.get("end_time"),
                replaces=_member_ref(override.get("overridden_member"), names or {}),
            )
        user = Ref.of(override.get("user"))
        return cls(id=override.get("id"), user=user, start=override.get("start"), end=override.get("end"))


class CustomShiftInfo(LeanModel):
    """A one-off shift of a shift-based schedule: who, from when to when (nobody: left empty on purpose)."""

    id: str | None = None
    user: Ref | None = None
    start: str | None = None
    end: str | None = None

    @classmethod
    def from_api(cls, shift: dict[str, Any], names: dict[str, str]) -> CustomShiftInfo:
        member = ((shift.get("assignments") or [{}])[0] or {}).get("member")
        return cls(
            id=shift.get("id"),
            user=_member_ref(member, names),
            start=shift.get("start_time"),
            end=shift.get("end_time"),
        )


def member_ids(*items: dict[str, Any]) -> list[str]:
    """The user ids that custom shifts and overrides of a shift-based schedule name."""
    found = []
    for item in items:
        members = [a.get("member") or {} for a in item.get("assignments") or []]
        members += [item.get("overriding_member") or {}, item.get("overridden_member") or {}]
        found += [m["user_id"] for m in members if m.get("user_id")]
    return list(dict.fromkeys(found))


class PolicyLevel(LeanModel):
    level: int
    delay_minutes: int | None = None
    users: list[Ref] = []
    schedules: list[Ref] = []


class PolicyDetail(LeanModel):
    id: str
    name: str | None = None
    description: str | None = None
    num_loops: int | None = None
    teams: list[Ref] = []
    services: list[Ref] = []
    levels: list[PolicyLevel] = []
    html_url: str | None = None

    @classmethod
    def from_api(cls, policy: dict[str, Any]) -> PolicyDetail:
        levels = []
        for index, rule in enumerate(policy.get("escalation_rules") or [], start=1):
            targets = rule.get("targets") or []
            levels.append(
                PolicyLevel(
                    level=index,
                    delay_minutes=rule.get("escalation_delay_in_minutes"),
                    users=refs([t for t in targets if str(t.get("type", "")).startswith("user")]),
                    schedules=refs([t for t in targets if str(t.get("type", "")).startswith("schedule")]),
                )
            )
        return cls.model_validate(
            {
                **policy,
                "description": policy.get("description") or None,
                "teams": refs(policy.get("teams")),
                "services": refs(policy.get("services")),
                "levels": levels,
            }
        )
