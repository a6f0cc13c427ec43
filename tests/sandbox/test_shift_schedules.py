"""Shift-based (v3) schedules in the sandbox: the engine's rules, and the /v3/schedules API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx2
import pagerduty
import pytest

from pagerduty_mcp.sandbox import SANDBOX_API_URL, SANDBOX_TOKEN, Sandbox
from pagerduty_mcp.sandbox.model import shifts
from pagerduty_mcp.sandbox.model.schedules import render_schedule
from tests.sandbox.conftest import FIXED_NOW

pytestmark = [pytest.mark.unit, pytest.mark.sandbox]

PARIS = ZoneInfo("Europe/Paris")
WEEKDAYS = "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"


def at(day: int, hour: int, zone: ZoneInfo = PARIS, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=zone).astimezone(UTC)


def event(members: tuple[str | None, ...], rule: str, start: datetime, hours: int, **extra: Any) -> shifts.Event:
    parsed, excluded = shifts.parse_recurrence([rule, *extra.pop("exdates", [])])
    return shifts.Event(
        start=start,
        end=start + timedelta(hours=hours),
        zone=PARIS,
        rule=parsed,
        effective_since=extra.pop("since", start),
        effective_until=extra.pop("until", None),
        members=members,
        excluded=excluded,
        rotation_id="R1",
        **extra,
    )


def who(assignments: list[shifts.Assignment]) -> list[tuple[str | None, int]]:
    return [(a.user, a.start.day) for a in assignments]


# -- the engine ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "lines",
    [[], ["RRULE:FREQ=DAILY", "RRULE:FREQ=WEEKLY"], ["RRULE:FREQ=YEARLY"], ["RRULE:FREQ=WEEKLY;BYDAY=XX"], ["NOPE"]],
)
def test_recurrence_needs_one_supported_rrule(lines: list[str]) -> None:
    with pytest.raises(ValueError):
        shifts.parse_recurrence(lines)


def test_a_rotating_event_hands_each_member_their_run_of_shifts() -> None:
    weekdays = event(("A", "B"), WEEKDAYS, at(16, 9), 9, shifts_per_member=5)  # Monday 16 March
    found = shifts.compute([weekdays], [], [], at(16, 0), at(28, 0))
    assert who(found) == [("A", d) for d in (16, 17, 18, 19, 20)] + [("B", d) for d in (23, 24, 25, 26, 27)]
    assert all(a.end - a.start == timedelta(hours=9) for a in found)


def test_shifts_keep_their_wall_clock_across_a_dst_change() -> None:
    daily = event(("A",), "RRULE:FREQ=DAILY", at(27, 9), 1)  # clocks go forward on Sunday 29 March
    starts = [a.start.hour for a in shifts.compute([daily], [], [], at(27, 0), at(31, 0))]
    assert starts == [8, 8, 7, 7]  # 09:00 in Paris is 08:00 UTC, then 07:00 UTC


def test_every_member_events_put_all_on_call_and_empty_members_nobody() -> None:
    together = event(("A", None, "B"), "RRULE:FREQ=DAILY;COUNT=2", at(16, 9), 1, rotating=False)
    found = shifts.compute([together], [], [], at(16, 0), at(20, 0))
    assert who(found) == [(None, 16), ("A", 16), ("B", 16), (None, 17), ("A", 17), ("B", 17)]


def test_the_effective_range_and_exdates_bound_the_occurrences() -> None:
    daily = event(
        ("A", "B"),
        "RRULE:FREQ=DAILY",
        at(16, 9),
        1,
        since=at(17, 0),
        until=at(20, 0),
        exdates=[f"EXDATE:{at(18, 9).strftime('%Y%m%dT%H%M%SZ')}"],
    )
    # 16th: before the range; 18th: excluded, so the rotation runs over what remains (B then A).
    assert who(shifts.compute([daily], [], [], at(15, 0), at(25, 0))) == [("B", 17), ("A", 19)]


def test_an_override_replaces_one_member_for_its_window_only() -> None:
    day = event(("A",), "RRULE:FREQ=DAILY", at(16, 9), 8)
    cover = shifts.ShiftOverride("O1", at(16, 11), at(16, 13), "A", "C", rotation_id="R1")
    found = shifts.compute([day], [("S1", at(16, 20), at(16, 22), "D")], [cover], at(16, 0), at(17, 0))
    assert [(a.user, a.start.hour, a.end.hour, a.source) for a in found] == [
        ("A", 8, 10, "schedule_rotation"),
        ("C", 10, 12, "schedule_rotation_override"),
        ("A", 12, 16, "schedule_rotation"),
        ("D", 19, 21, "custom_shift"),
    ]


# -- the API -------------------------------------------------------------------------------------
def seeded(sandbox: Sandbox) -> dict[str, Any]:
    return next(s for s in sandbox.state.all("schedules") if s.get("_kind") == "shifts")


def raw(sandbox: Sandbox) -> httpx2.Client:
    return httpx2.Client(
        transport=sandbox.transport(),
        base_url=SANDBOX_API_URL,
        headers={"Authorization": f"Token token={SANDBOX_TOKEN}"},
    )


def test_the_seeded_shift_schedule_is_on_call_through_its_policy(
    api: pagerduty.RestApiV2Client, sandbox: Sandbox
) -> None:
    schedule = seeded(sandbox)
    since, until = FIXED_NOW, FIXED_NOW + timedelta(days=7)
    params = {"schedule_ids[]": [schedule["id"]], "since": since.isoformat(), "until": until.isoformat()}
    oncalls = api.list_all("/oncalls", params=params)
    rendered = render_schedule(sandbox.state, schedule["id"], since, until).final
    assert {o["user"]["id"] for o in oncalls} == {e.user for e in rendered} and rendered
    assert {o["schedule"]["type"] for o in oncalls} == {"schedule_v3_reference"}
    assert api.get(f"/schedules/{schedule['id']}").status_code == 404  # the v2 API does not see it


def test_v3_errors_map_each_field_to_its_messages(sandbox: Sandbox) -> None:
    schedule = seeded(sandbox)
    with raw(sandbox) as http:
        rotation = http.post(f"/v3/schedules/{schedule['id']}/rotations", json={}).json()["rotation"]
        answer = http.post(f"/v3/schedules/{schedule['id']}/rotations/{rotation['id']}/events", json={"event": {}})
        assert answer.status_code == 400
        assert answer.json()["error"]["errors"] == {"event.name": ["name is required"]}
        first = {
            "name": "Days",
            "start_time": {"date_time": (FIXED_NOW + timedelta(days=1)).isoformat(), "time_zone": "UTC"},
            "end_time": {"date_time": (FIXED_NOW + timedelta(days=1, hours=8)).isoformat(), "time_zone": "UTC"},
            "effective_since": (FIXED_NOW + timedelta(days=1)).isoformat(),
            "recurrence": ["RRULE:FREQ=DAILY"],
            "assignment_strategy": {"type": "every_member_assignment_strategy", "members": [{"type": "empty_member"}]},
        }
        events = f"/v3/schedules/{schedule['id']}/rotations/{rotation['id']}/events"
        assert http.post(events, json={"event": first}).status_code == 201
        later = {
            **first,
            "start_time": {**first["start_time"], "date_time": (FIXED_NOW + timedelta(days=3, hours=7)).isoformat()},
        }
        later["end_time"] = {**first["end_time"], "date_time": (FIXED_NOW + timedelta(days=3, hours=9)).isoformat()}
        clash = http.post(events, json={"event": later})  # overlaps the daily shift two days on
        assert clash.status_code == 400 and "event.start_time" in clash.json()["error"]["errors"]
        refused = http.delete(f"/v3/schedules/{schedule['id']}")
        assert refused.status_code == 400 and "Personalization Shifts Escalation" in str(refused.json())


def test_deleting_custom_shifts_and_rotations_keeps_the_past(sandbox: Sandbox) -> None:
    schedule = seeded(sandbox)
    now = sandbox.state.clock()
    with raw(sandbox) as http:
        body = {
            "custom_shifts": [
                {
                    "type": "custom_shift",
                    "start_time": (now + timedelta(hours=offset)).isoformat(),
                    "end_time": (now + timedelta(hours=offset + 2)).isoformat(),
                    "assignments": [{"type": "shift_assignment", "member": {"type": "empty_member"}}],
                }
                for offset in (-1, 5, -4)
            ]
        }
        running, later, ended = http.post(f"/v3/schedules/{schedule['id']}/custom_shifts", json=body).json()[
            "custom_shifts"
        ]
        url = f"/v3/schedules/{schedule['id']}/custom_shifts"
        assert http.delete(f"{url}/{running['id']}").status_code == 204
        assert http.delete(f"{url}/{later['id']}").status_code == 204
        assert http.delete(f"{url}/{ended['id']}").status_code == 400  # already over
        kept = {s["id"]: s for s in schedule["_custom_shifts"]}
        assert (
            later["id"] not in kept and datetime.fromisoformat(kept[running["id"]]["end_time"]) <= sandbox.state.clock()
        )
        rotation = schedule["_rotations"][0]["id"]
        past = render_schedule(sandbox.state, schedule["id"], now - timedelta(days=7), now - timedelta(days=1)).final
        assert http.delete(f"/v3/schedules/{schedule['id']}/rotations/{rotation}").status_code == 204
        assert rotation not in [
            r["id"] for r in http.get(f"/v3/schedules/{schedule['id']}").json()["schedule"]["rotations"]
        ]
        assert (
            render_schedule(sandbox.state, schedule["id"], now - timedelta(days=7), now - timedelta(days=1)).final
            == past
        )
        assert not [
            a
            for a in shifts.schedule_assignments(schedule, now + timedelta(minutes=1), now + timedelta(days=8))
            if a.rotation_id == rotation
        ]
