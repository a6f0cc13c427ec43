"""Editing a shift-based schedule in place, on pagerduty-people: a rotation's events added, changed
(a running one by hand-over) and removed, custom shifts and overrides changed, with names wherever
people are shown, and custom shifts listed on their own. Expected values come from the sandbox's own
state and engine, never written here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from mcp import Client

from tests.harness import fails, first, ok
from tests.servers.people.seeded import user_id

pytestmark = [pytest.mark.people, pytest.mark.anyio, pytest.mark.server("people", write=True)]

TOOL = "manage_schedule_shifts"


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def hour(days: int = 0, hours: int = 0) -> datetime:
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=days, hours=hours)


def stored(client: Client, schedule_id: str) -> dict[str, Any]:
    return client.sandbox.state.get("schedules", schedule_id)  # type: ignore[attr-defined,no-any-return]


async def schedule_with_a_rotation(client: Client, name: str, start: datetime, users: list[str]) -> tuple[str, str]:
    """A new shift-based schedule with one rotation of daily 8-hour shifts from ``start``."""
    schedule = first(await ok(client, "create_schedule", {"name": name, "time_zone": "UTC", "kind": "shifts"}))["id"]
    event = {"users": users, "start": stamp(start), "end": stamp(start + timedelta(hours=8)), "repeat": "daily"}
    made = await ok(client, "create_schedule_rotation", {"schedule_id": schedule, "events": [event]})
    return schedule, made["metadata"]["rotation_id"]


async def test_an_event_is_added_to_a_rotation_changed_ahead_and_removed(client: Client) -> None:
    emma, ravi = user_id(client, "emma.dubois"), user_id(client, "ravi.kapoor")
    day = hour(days=2).replace(hour=9)
    schedule, rotation = await schedule_with_a_rotation(client, "Edits", day, [emma])
    evening = {"users": [ravi], "start": stamp(day + timedelta(hours=9)), "end": stamp(day + timedelta(hours=13))}
    added = await ok(
        client,
        TOOL,
        {
            "schedule_id": "Edits",
            "action": "add",
            "item_id": rotation,
            "fields": {**evening, "repeat": "weekdays", "name": "Evenings"},
        },
    )
    event = first(added)
    assert (
        event["users"] == [{"id": ravi, "name": "Ravi Kapoor"}]
        and event["repeats"] == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    )
    [kept] = stored(client, schedule)["_rotations"]
    assert [e["name"] for e in kept["events"]] == ["Shift 1", "Evenings"]  # the same rotation, its id kept

    later = day + timedelta(hours=10)
    change = {"users": [emma, ravi], "start": stamp(later), "name": "Late evenings"}
    changed = first(
        await ok(client, TOOL, {"schedule_id": schedule, "action": "update", "item_id": event["id"], "fields": change})
    )
    assert (changed["id"], changed["name"]) == (event["id"], "Late evenings")
    assert [u["name"] for u in changed["users"]] == ["Emma Dubois", "Ravi Kapoor"]
    held = next(e for e in stored(client, schedule)["_rotations"][0]["events"] if e["id"] == event["id"])
    length = moment(held["end_time"]["date_time"]) - moment(held["start_time"]["date_time"])
    assert moment(held["start_time"]["date_time"]) == later and length == timedelta(hours=4)  # its length kept

    gone = first(await ok(client, TOOL, {"schedule_id": schedule, "action": "delete", "item_id": event["id"]}))
    assert gone == {"id": event["id"], "deleted": True}
    assert [e["id"] for e in stored(client, schedule)["_rotations"][0]["events"]] != [event["id"]]
    await fails(client, TOOL, {"schedule_id": schedule, "action": "delete", "item_id": event["id"]}, "EVENT_NOT_FOUND")


async def test_a_running_event_changes_by_hand_over_and_keeps_its_past(client: Client) -> None:
    emma, sofia = user_id(client, "emma.dubois"), user_id(client, "sofia.rossi")
    started = hour(hours=-2)  # running now: shifts 8 hours long, every day, Emma's
    schedule, rotation = await schedule_with_a_rotation(client, "Running", started, [emma])
    running = stored(client, schedule)["_rotations"][0]["events"][0]
    box = client.sandbox  # type: ignore[attr-defined]
    box.request_log.reset()
    answer = await ok(
        client,
        TOOL,
        {"schedule_id": schedule, "action": "update", "item_id": running["id"], "fields": {"users": [sofia]}},
    )
    ended, copy = answer["events"]
    assert ended["id"] == running["id"] and copy["id"] != running["id"]
    takes_over = moment(copy["effective_since"])
    assert ended["effective_until"] == copy["effective_since"] and takes_over > datetime.now(UTC)
    assert "takes over" in answer["metadata"]["description"] and answer["metadata"]["rotation_id"] == rotation
    assert [u["name"] for u in copy["users"]] == ["Sofia Rossi"]
    writes = [f"{r.method} {r.path}" for r in box.request_log if r.method != "GET"]
    assert writes == [
        f"PUT /v3/schedules/{schedule}/rotations/{rotation}/events/{running['id']}",
        f"POST /v3/schedules/{schedule}/rotations/{rotation}/events",
    ]
    # Who is on call: Emma until the hand-over, Sofia from it (the same shift, the same times of day).
    window = {"since": stamp(takes_over - timedelta(minutes=30)), "until": stamp(takes_over + timedelta(days=1))}
    shifts = first(await ok(client, "get_schedule", {"schedule_id": schedule, **window}))["final_schedule"]
    assert [s["user"]["name"] for s in shifts][:2] == ["Emma Dubois", "Sofia Rossi"]
    assert moment(shifts[0]["end"]) == moment(shifts[1]["start"]) == takes_over

    # A running event may still end at another time; a past start is refused naming "from".
    until = stamp(hour(days=30))
    ends = first(
        await ok(
            client,
            TOOL,
            {"schedule_id": schedule, "action": "update", "item_id": copy["id"], "fields": {"until": until}},
        )
    )
    assert ends["effective_until"] == until
    error = await fails(
        client,
        TOOL,
        {"schedule_id": schedule, "action": "update", "item_id": copy["id"], "fields": {"name": "x", "from": "1h"}},
        "INVALID_PARAMETER",
    )
    assert error["message"].startswith("fields.from:")
    ended_now = first(await ok(client, TOOL, {"schedule_id": schedule, "action": "delete", "item_id": running["id"]}))
    assert ended_now == {"id": running["id"], "ended_early": True}
    assert any(r["id"] == rotation for r in stored(client, schedule)["_retired_rotations"])  # its past kept


async def test_a_start_in_the_past_is_said_never_silently_moved(client: Client) -> None:
    emma = user_id(client, "emma.dubois")
    schedule = first(await ok(client, "create_schedule", {"name": "Late", "time_zone": "UTC", "kind": "shifts"}))["id"]
    yesterday = hour(days=-1)
    event = {
        "users": [emma],
        "start": stamp(yesterday),
        "end": stamp(yesterday + timedelta(hours=8)),
        "repeat": "daily",
    }
    made = await ok(client, "create_schedule_rotation", {"schedule_id": schedule, "events": [event]})
    [note] = made["metadata"]["notes"]
    begun = moment(first(made)["effective_since"])
    assert stamp(yesterday) in note and "in the past" in note and begun > yesterday
    rotation = made["metadata"]["rotation_id"]
    again = await ok(
        client,
        TOOL,
        {
            "schedule_id": schedule,
            "action": "add",
            "item_id": rotation,
            "fields": {
                **event,
                "start": stamp(yesterday + timedelta(hours=9)),
                "end": stamp(yesterday + timedelta(hours=10)),
            },
        },
    )
    assert "in the past" in again["metadata"]["notes"][0]


async def test_custom_shifts_and_overrides_change_with_names_and_are_listed_whole(client: Client) -> None:
    emma, ravi, liam = (user_id(client, u) for u in ("emma.dubois", "ravi.kapoor", "liam.oconnor"))
    night = hour(days=3).replace(hour=22)
    schedule, _ = await schedule_with_a_rotation(client, "Nights", night - timedelta(hours=14), [emma])
    custom = {"user_id": ravi, "start": stamp(night), "end": stamp(night + timedelta(hours=6))}
    shift = first(await ok(client, "create_schedule_custom_shifts", {"schedule_id": schedule, "shifts": [custom]}))
    assert shift["user"] == {"id": ravi, "name": "Ravi Kapoor"}  # named, as a layer-based override is
    # Liam (on no rotation of it) covers the whole custom shift: the final schedule shows only him.
    cover = {"user_id": liam, "start": stamp(night), "end": stamp(night + timedelta(hours=6))}
    override = first(await ok(client, "create_schedule_override", {"schedule_id": schedule, "overrides": [cover]}))
    assert override["user"] == {"id": liam, "name": "Liam O'Connor"} and override["replaces"]["name"] == "Ravi Kapoor"
    window = {"since": stamp(night - timedelta(hours=1)), "until": stamp(night + timedelta(hours=7))}
    detail = first(await ok(client, "get_schedule", {"schedule_id": schedule, **window}))
    assert {s["user"]["name"] for s in detail["final_schedule"]} == {"Liam O'Connor"}
    assert detail["custom_shifts"] == [
        {"id": shift["id"], "user": {"id": ravi, "name": "Ravi Kapoor"}, "start": shift["start"], "end": shift["end"]}
    ]
    listed = first(await ok(client, "list_schedule_overrides", {"schedule_id": schedule, **window}))
    assert listed["user"]["name"] == "Liam O'Connor" and listed["replaces"]["name"] == "Ravi Kapoor"

    later = night + timedelta(hours=8)
    moved = first(
        await ok(
            client,
            TOOL,
            {
                "schedule_id": schedule,
                "action": "update",
                "item_id": shift["id"],
                "fields": {"user_id": emma, "end": stamp(later)},
            },
        )
    )
    assert moved["user"] == {"id": emma, "name": "Emma Dubois"} and moment(moved["end"]) == later
    kept = next(s for s in stored(client, schedule)["_custom_shifts"] if s["id"] == shift["id"])
    assert kept["assignments"][0]["member"]["user_id"] == emma and moment(kept["end_time"]) == later
    taken = first(
        await ok(
            client,
            TOOL,
            {
                "schedule_id": schedule,
                "action": "update",
                "item_id": override["id"],
                "fields": {"user_id": ravi, "end": stamp(night + timedelta(hours=2))},
            },
        )
    )
    assert taken["user"]["name"] == "Ravi Kapoor" and moment(taken["end"]) == night + timedelta(hours=2)
    await ok(client, TOOL, {"schedule_id": schedule, "action": "delete", "item_id": override["id"]})
    assert stored(client, schedule)["_overrides"] == []


async def test_edits_refuse_what_they_cannot_do_and_say_why(client: Client) -> None:
    emma = user_id(client, "emma.dubois")
    schedule, rotation = await schedule_with_a_rotation(client, "Refusals", hour(days=1), [emma])
    event = stored(client, schedule)["_rotations"][0]["events"][0]["id"]
    cases = [
        ({"action": "add", "item_id": event, "fields": {"users": [emma]}}, "item_id", "rotation"),
        ({"action": "update", "item_id": rotation, "fields": {"name": "x"}}, "item_id", "delete_schedule_rotation"),
        ({"action": "update", "item_id": event, "fields": {"colour": "red"}}, "fields.colour", "not a field"),
        ({"action": "update", "item_id": event, "fields": {"end": stamp(hour(days=-3))}}, "fields.end", "after start"),
        ({"action": "delete", "item_id": event, "fields": {"name": "x"}}, "fields", "not taken"),
    ]
    for arguments, parameter, said in cases:
        error = await fails(client, TOOL, {"schedule_id": schedule, **arguments}, "INVALID_PARAMETER")
        assert error["message"].startswith(f"{parameter}:") and said in error["message"], error
    layered = {"schedule_id": "Database On-Call", "action": "delete", "item_id": "P123456"}
    assert "layer-based" in (await fails(client, TOOL, layered, "INVALID_PARAMETER"))["message"]
