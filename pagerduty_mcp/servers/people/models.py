"""Answer shapes of the people area: lean by default, in the words a responder uses."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.common import LeanModel, Ref, refs

__all__ = [
    "ContactMethod",
    "LayerInfo",
    "Member",
    "NotificationRule",
    "OverrideInfo",
    "PolicyDetail",
    "PolicyLevel",
    "ScheduleDetail",
    "ScheduleSummary",
    "Shift",
    "TeamSummary",
    "UserDetail",
    "UserSummary",
    "describe_restriction",
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


class ContactMethod(LeanModel):
    id: str | None = None
    type: str
    label: str | None = None
    address: str | None = None

    @classmethod
    def from_api(cls, method: dict[str, Any]) -> ContactMethod:
        kind = str(method.get("type", "")).removesuffix("_reference").removesuffix("_contact_method")
        address = method.get("address")
        if method.get("country_code") and address:
            address = f"+{method['country_code']} {address}"
        return cls(id=method.get("id"), type=kind, label=method.get("label"), address=address)


class NotificationRule(LeanModel):
    urgency: str | None = None
    delay_minutes: int | None = None
    contact_method: str | None = None

    @classmethod
    def from_api(cls, rule: dict[str, Any]) -> NotificationRule:
        method = rule.get("contact_method") or {}
        label = method.get("label") or method.get("summary")
        kind = str(method.get("type", "")).removesuffix("_reference").removesuffix("_contact_method")
        return cls(
            urgency=rule.get("urgency"),
            delay_minutes=rule.get("start_delay_in_minutes"),
            contact_method=f"{kind} ({label})" if label and kind else (kind or label),
        )


class UserDetail(UserSummary):
    contact_methods: list[ContactMethod] = []
    notification_rules: list[NotificationRule] = []

    @classmethod
    def from_api(cls, user: dict[str, Any]) -> UserDetail:
        methods = [ContactMethod.from_api(m) for m in user.get("contact_methods") or [] if "address" in m]
        rules = [NotificationRule.from_api(r) for r in user.get("notification_rules") or [] if "urgency" in r]
        return cls.model_validate(
            {**user, "teams": refs(user.get("teams")), "contact_methods": methods, "notification_rules": rules}
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
        return cls.model_validate({**team, "parent": parent, "description": team.get("description") or None})


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

    @classmethod
    def from_api(cls, entry: dict[str, Any]) -> Shift:
        return cls(user=Ref.of(entry.get("user")), start=entry.get("start"), end=entry.get("end"))


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


class ScheduleSummary(LeanModel):
    id: str
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
                "description": schedule.get("description") or None,
                "teams": refs(schedule.get("teams")),
                "escalation_policies": refs(schedule.get("escalation_policies")),
            }
        )


class ScheduleDetail(ScheduleSummary):
    layers: list[LayerInfo] = []
    # Absent when no window was rendered (a write's answer): an empty list would read as "nobody on call".
    final_schedule: list[Shift] | None = None
    coverage_percentage: float | None = None
    overrides_in_window: int | None = None

    @classmethod
    def from_api(cls, schedule: dict[str, Any], *, rendered: bool = True) -> ScheduleDetail:
        """``rendered``: the answer holds the final schedule of a window (PagerDuty renders one only
        when asked with since/until)."""
        final = schedule.get("final_schedule") or {}
        overrides = schedule.get("overrides_subschedule") or {}
        summary = ScheduleSummary.from_api(schedule).model_dump(exclude_none=True)
        layers = [LayerInfo.from_api(layer) for layer in schedule.get("schedule_layers") or []]
        if not rendered:
            return cls(**summary, layers=layers)
        return cls(
            **summary,
            layers=layers,
            final_schedule=[Shift.from_api(e) for e in final.get("rendered_schedule_entries") or []],
            coverage_percentage=final.get("rendered_coverage_percentage"),
            overrides_in_window=len(overrides.get("rendered_schedule_entries") or []) if overrides else None,
        )


class OverrideInfo(LeanModel):
    id: str | None = None
    user: Ref | None = None
    start: str | None = None
    end: str | None = None

    @classmethod
    def from_api(cls, override: dict[str, Any]) -> OverrideInfo:
        user = Ref.of(override.get("user"))
        return cls(id=override.get("id"), user=user, start=override.get("start"), end=override.get("end"))


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
