"""The seed's shift-based (v3) schedule: two rotations with recurring events, custom shifts and an
override, on the first level of its own escalation policy so ``/oncalls`` reports it.

Built after the incidents (its ids come last). The shifts leave weekday nights and weekend evenings
uncovered on purpose: coverage gaps have something to find.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from pagerduty_mcp.sandbox.model import shifts
from pagerduty_mcp.sandbox.model.shift_schedules import add_shift_schedule
from pagerduty_mcp.sandbox.model.store import HTML_BASE, Store
from pagerduty_mcp.sandbox.protocol import format_time
from pagerduty_mcp.sandbox.seed.data import Ids

__all__ = ["SHIFT_SCHEDULE", "add_shift_schedules"]


class ShiftEvent(NamedTuple):
    name: str
    start: str  # "HH:MM" on the first day, in the schedule's zone
    hours: int
    first_day: int  # 0=Monday of the week the events start in
    rule: str
    members: tuple[str, ...]
    shifts_per_member: int


class ShiftSchedule(NamedTuple):
    name: str
    time_zone: str
    description: str
    team: str
    weeks_ago: int  # the events start on Monday that many weeks before the seed's now
    rotations: tuple[tuple[ShiftEvent, ...], ...]
    # (user, days from now, "HH:MM" start, hours)
    custom_shifts: tuple[tuple[str, int, str, int], ...]
    # (rotation index, who covers, hours from the start of the rotation's next shift after a day)
    override: tuple[int, str, int]
    policy: str
    policy_delays: tuple[int, int]
    policy_backup: str


WEEKDAYS = "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"

SHIFT_SCHEDULE = ShiftSchedule(
    "Personalization Shifts",
    "Europe/Paris",
    "Shift-based: weekday days and evenings, weekend days; nights uncovered",
    "Personalization",
    4,
    (
        (ShiftEvent("Weekday days", "09:00", 9, 0, WEEKDAYS, ("Sofia Rossi", "Emma Dubois"), 5),),
        (
            ShiftEvent("Weeknight evenings", "18:00", 5, 0, WEEKDAYS, ("Ravi Kapoor", "Sofia Rossi"), 5),
            ShiftEvent(
                "Weekend days", "10:00", 8, 5, "RRULE:FREQ=WEEKLY;BYDAY=SA,SU", ("Emma Dubois", "Ravi Kapoor"), 2
            ),
        ),
    ),
    (("Ravi Kapoor", 2, "23:00", 8), ("Emma Dubois", -5, "23:00", 8)),
    (0, "Ravi Kapoor", 4),
    "Personalization Shifts Escalation",
    (30, 30),
    "Ravi Kapoor",
)


def _event(store: Store, spec: ShiftEvent, monday: datetime, zone: ZoneInfo, users: Ids) -> dict[str, Any]:
    hours, minutes = (int(p) for p in spec.start.split(":"))
    local = monday + timedelta(days=spec.first_day, hours=hours, minutes=minutes)
    start = local.replace(tzinfo=zone)
    end = start + timedelta(hours=spec.hours)
    return {
        "id": store.new_id(),
        "type": "schedule_event",
        "name": spec.name,
        "start_time": {"date_time": format_time(start), "time_zone": zone.key},
        "end_time": {"date_time": format_time(end), "time_zone": zone.key},
        "effective_since": format_time(start),
        "effective_until": None,
        "recurrence": [spec.rule],
        "assignment_strategy": {
            "type": "rotating_member_assignment_strategy",
            "shifts_per_member": spec.shifts_per_member,
            "members": [{"type": "user_member", "user_id": users[u]} for u in spec.members],
        },
    }


def add_shift_schedules(store: Store, users: Ids, teams: Ids, now: datetime) -> Ids:
    spec = SHIFT_SCHEDULE
    zone = ZoneInfo(spec.time_zone)
    local_now = now.astimezone(zone).replace(tzinfo=None)
    monday = datetime.combine(local_now.date() - timedelta(days=local_now.weekday()), datetime.min.time())
    monday -= timedelta(weeks=spec.weeks_ago)
    schedule = add_shift_schedule(store, spec.name, spec.time_zone, spec.description, [teams[spec.team]])
    base = f"{store.api_base}/v3/schedules/{schedule['id']}"
    for events in spec.rotations:
        rotation_id = store.new_id()
        rotation: dict[str, Any] = {
            "id": rotation_id,
            "type": "schedule_rotation",
            "events": [_event(store, e, monday, zone, users) for e in events],
            "self": f"{base}/rotations/{rotation_id}",
            "html_url": f"{HTML_BASE}/schedules/{schedule['id']}",
        }
        for event in rotation["events"]:
            event["self"] = f"{base}/rotations/{rotation_id}/events/{event['id']}"
            event["html_url"] = rotation["html_url"]
        schedule["_rotations"].append(rotation)
    for user, days, at, hours in spec.custom_shifts:
        h, m = (int(p) for p in at.split(":"))
        day = local_now.date() + timedelta(days=days)
        start = datetime.combine(day, datetime.min.time()).replace(hour=h, minute=m, tzinfo=zone)
        ident = store.new_id()
        schedule["_custom_shifts"].append(
            {
                "id": ident,
                "type": "custom_shift",
                "start_time": format_time(start),
                "end_time": format_time(start + timedelta(hours=hours)),
                "assignments": [
                    {"id": store.new_id(), "type": "shift_assignment", "member": _user(users[user])},
                ],
                "self": f"{base}/custom_shifts/{ident}",
                "html_url": f"{HTML_BASE}/schedules/{schedule['id']}",
            }
        )
    index, cover, hours = spec.override
    rotation_id = schedule["_rotations"][index]["id"]
    upcoming = [
        a
        for a in shifts.schedule_assignments(schedule, now + timedelta(days=1), now + timedelta(days=8))
        if a.rotation_id == rotation_id and a.user
    ]
    shift = upcoming[0]
    ident = store.new_id()
    schedule["_overrides"].append(
        {
            "id": ident,
            "type": "override_shift",
            "rotation_id": rotation_id,
            "start_time": format_time(shift.start),
            "end_time": format_time(min(shift.end, shift.start + timedelta(hours=hours))),
            "overridden_member": _user(shift.user),
            "overriding_member": _user(users[cover]),
            "self": f"{base}/overrides/{ident}",
            "html_url": f"{HTML_BASE}/schedules/{schedule['id']}",
        }
    )
    _add_policy(store, schedule, users, teams)
    return {spec.name: schedule["id"]}


def _user(user_id: str | None) -> dict[str, Any]:
    return {"type": "user_member", "user_id": user_id}


def _add_policy(store: Store, schedule: dict[str, Any], users: Ids, teams: Ids) -> None:
    spec = SHIFT_SCHEDULE
    first, second = spec.policy_delays
    policy: dict[str, Any] = {
        "id": store.new_id(),
        "name": spec.policy,
        "description": "The personalization shift-based schedule, then its manager",
        "num_loops": 0,
        "on_call_handoff_notifications": "if_has_services",
        "escalation_rules": [
            {"id": store.new_id(), "escalation_delay_in_minutes": first, "targets": [store.ref(schedule)]},
            {
                "id": store.new_id(),
                "escalation_delay_in_minutes": second,
                "targets": [store.ref_to("users", users[spec.policy_backup])],
            },
        ],
        "services": [],
        "teams": [store.ref_to("teams", teams[spec.team])],
    }
    store.stamp("escalation_policies", policy, spec.policy)
    store.put("escalation_policies", policy)
