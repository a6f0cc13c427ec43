"""Shift-based (v3) schedules beside layer-based ones, through the same tools, on pagerduty-people.

The seed holds one shift-based schedule, "Personalization Shifts", on the first level of its own
escalation policy. Expected values are computed from the sandbox's own state, never written here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from mcp import Client

from pagerduty_mcp.sandbox.model.schedules import render_schedule
from pagerduty_mcp.servers.people.tools.schedule_kinds import SHIFT_IDS
from tests.harness import fails, first, ok
from tests.servers.people.seeded import named, user_id

pytestmark = [pytest.mark.people, pytest.mark.anyio, pytest.mark.server("people", write=True)]

SHIFTS = "Personalization Shifts"


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def hour(days: int = 0, hours: int = 0) -> datetime:
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=days, hours=hours)


def covered_hours(client: Client, schedule_id: str, since: datetime, until: datetime) -> dict[str, float]:
    """Hours each user is on call, as the sandbox's own engine renders the schedule."""
    rendered = render_schedule(client.sandbox.state, schedule_id, since, until)  # type: ignore[attr-defined]
    hours: dict[str, float] = {}
    for entry in rendered.final:
        hours[entry.user] = hours.get(entry.user, 0) + (entry.end - entry.start).total_seconds() / 3600
    return hours


async def new_shift_schedule(client: Client, name: str) -> str:
    created = first(await ok(client, "create_schedule", {"name": name, "time_zone": "UTC", "kind": "shifts"}))
    assert created["kind"] == "shifts"
    return str(created["id"])


# -- both kinds behind the same reads -------------------------------------------------------------
async def test_list_schedules_shows_both_kinds_and_filters_by_team_user_and_scope(client: Client) -> None:
    rows = (await ok(client, "list_schedules"))["schedules"]
    kinds = {row["name"]: row["kind"] for row in rows}
    assert kinds[SHIFTS] == "shifts" and kinds["Database On-Call"] == "layers"
    team = await ok(client, "list_schedules", {"team_ids": ["Personalization"]})
    assert [row["name"] for row in team["schedules"]] == [SHIFTS]
    ravi = user_id(client, "ravi.kapoor")
    on_it = {row["name"] for row in (await ok(client, "list_schedules", {"user_ids": [ravi]}))["schedules"]}
    assert SHIFTS in on_it and "Platform Follow-the-Sun" in on_it and "Database On-Call" not in on_it
    mine = {row["name"] for row in (await ok(client, "list_schedules", {"scope": "assigned_to_me"}))["schedules"]}
    assert "Checkout Primary" in mine and SHIFTS not in mine
    await fails(client, "list_schedules", {"team_ids": ["PNOSUCH"]}, "TEAM_NOT_FOUND")


async def test_get_schedule_renders_a_shift_based_schedule_by_name(client: Client) -> None:
    since, until = hour(), hour(days=8)
    detail = first(
        await ok(client, "get_schedule", {"schedule_id": SHIFTS, "since": stamp(since), "until": stamp(until)})
    )
    state = client.sandbox.state  # type: ignore[attr-defined]
    stored = state.get("schedules", named(client, "schedules", SHIFTS))
    assert detail["kind"] == "shifts" and len(detail["rotations"]) == len(stored["_rotations"]) == 2
    assert not detail.get("layers")
    expected = covered_hours(client, stored["id"], since, until)
    shown: dict[str, float] = {}
    for shift in detail["final_schedule"]:
        span = datetime.fromisoformat(shift["end"]) - datetime.fromisoformat(shift["start"])
        shown[shift["user"]["id"]] = shown.get(shift["user"]["id"], 0) + span.total_seconds() / 3600
        assert shift["user"]["name"]  # people are named, not only numbered
    assert shown == pytest.approx(expected)
    assert detail["overrides_in_window"] >= 1  # the seeded override falls in the next 8 days
    assert 0 < detail["coverage_percentage"] < 100  # nights are uncovered on purpose
    await fails(client, "get_schedule", {"schedule_id": "PNOSUCH"}, "SCHEDULE_NOT_FOUND")


async def test_a_shift_based_schedule_given_by_name_is_read_from_the_shift_based_api_alone(client: Client) -> None:
    """The name was found in the shift-based list: its schedule and overrides are asked there, with
    no 404 from the layer-based API first."""
    ident = named(client, "schedules", SHIFTS)
    SHIFT_IDS.forget(ident)  # as if no earlier call had seen it
    box = client.sandbox  # type: ignore[attr-defined]
    before = len(box.request_log)
    assert first(await ok(client, "get_schedule", {"schedule_id": SHIFTS}))["kind"] == "shifts"
    SHIFT_IDS.forget(ident)
    assert (await ok(client, "list_schedule_overrides", {"schedule_id": SHIFTS}))["overrides"]
    asked = [r.path for r in list(box.request_log)[before:]]
    assert f"/v3/schedules/{ident}" in asked and f"/v3/schedules/{ident}/overrides" in asked
    assert not [p for p in asked if p.startswith(f"/schedules/{ident}")], asked


async def test_list_schedule_overrides_on_a_shift_based_schedule_says_whom_each_replaces(client: Client) -> None:
    rows = (await ok(client, "list_schedule_overrides", {"schedule_id": SHIFTS}))["overrides"]
    stored = client.sandbox.state.get("schedules", named(client, "schedules", SHIFTS))  # type: ignore[attr-defined]
    assert {row["id"] for row in rows} == {o["id"] for o in stored["_overrides"]}
    assert rows[0]["user"]["id"] == user_id(client, "ravi.kapoor")
    assert rows[0]["replaces"]["id"] != rows[0]["user"]["id"]
    await fails(client, "list_schedule_overrides", {"schedule_id": "PNOSUCH"}, "SCHEDULE_NOT_FOUND")


# -- on call: list_oncalls, get_oncall_load, find_coverage_gaps -----------------------------------
async def test_list_oncalls_reports_the_shift_schedule_in_a_time_zone(client: Client) -> None:
    since, until = hour(), hour(days=3)
    window = {"since": stamp(since), "until": stamp(until)}
    envelope = await ok(client, "list_oncalls", {"schedule_ids": [SHIFTS], "time_zone": "Asia/Tokyo", **window})
    [group] = envelope["oncalls"]
    assert group["escalation_policy"]["name"] == "Personalization Shifts Escalation"
    shifts = [s for level in group["levels"] for s in level["shifts"]]
    schedule = named(client, "schedules", SHIFTS)
    assert {s["user"]["id"] for s in shifts} == set(covered_hours(client, schedule, since, until))
    assert all(s["start"].endswith("+09:00") for s in shifts)
    now = await ok(client, "list_oncalls", {"team_ids": ["Personalization"]})
    assert "Personalization Shifts Escalation" in {g["escalation_policy"]["name"] for g in now["oncalls"]}
    await fails(client, "list_oncalls", {"time_zone": "Mars/Olympus"}, "INVALID_PARAMETER")


async def test_oncall_load_counts_the_shift_schedule_like_a_layered_one(client: Client) -> None:
    since, until = hour(days=-7), hour()
    schedule = named(client, "schedules", SHIFTS)
    envelope = await ok(
        client,
        "get_oncall_load",
        {"schedule_ids": [SHIFTS], "since": stamp(since), "until": stamp(until), "count_incidents": False},
    )
    got = {row["user"]["id"]: row["hours"] for row in envelope["people"]}
    assert got == pytest.approx(covered_hours(client, schedule, since, until), abs=0.01)
    assert len(got) == 3


async def test_coverage_gaps_of_the_shift_schedule_and_its_policy(client: Client) -> None:
    since, until = hour(), hour(days=7)
    schedule = named(client, "schedules", SHIFTS)
    window = {"since": stamp(since), "until": stamp(until)}
    envelope = await ok(client, "find_coverage_gaps", {"schedule_id": SHIFTS, **window})
    rendered = render_schedule(client.sandbox.state, schedule, since, until)  # type: ignore[attr-defined]
    spans = sorted((e.start, e.end) for e in rendered.final)
    covered, reach = 0.0, since
    for start, end in spans:
        start = max(start, reach)
        if end > start:
            covered += (end - start).total_seconds()
            reach = end
    expected = ((until - since).total_seconds() - covered) / 3600
    assert envelope["metadata"]["uncovered_hours"] == pytest.approx(expected, abs=0.01) and expected > 0
    policy = await ok(
        client, "find_coverage_gaps", {"escalation_policy_id": "Personalization Shifts Escalation", **window}
    )
    levels = {lv["level"]: lv["uncovered_hours"] for lv in policy["metadata"]["levels"]}
    assert levels[1] == pytest.approx(expected, abs=0.01) and levels[2] == 0


# -- writes, each followed by the read that shows it ----------------------------------------------
async def test_a_shift_schedule_built_covered_overridden_and_taken_apart(client: Client) -> None:
    emma, sofia, ravi = (user_id(client, u) for u in ("emma.dubois", "sofia.rossi", "ravi.kapoor"))
    schedule = await new_shift_schedule(client, "Support shifts")
    listed = await ok(client, "list_schedules", {"query": "Support shifts"})
    assert [(r["id"], r["kind"]) for r in listed["schedules"]] == [(schedule, "shifts")]
    day = hour(days=1).replace(hour=9)
    event = {"users": [emma, sofia], "start": stamp(day), "end": stamp(day + timedelta(hours=8)), "repeat": "daily"}
    made = await ok(client, "create_schedule_rotation", {"schedule_id": "Support shifts", "events": [event]})
    rotation = made["metadata"]["rotation_id"]
    assert made["events"][0]["repeats"] == "FREQ=DAILY" and made["events"][0]["shifts_per_user"] == 1
    window = {"since": stamp(day), "until": stamp(day + timedelta(days=2))}
    detail = first(await ok(client, "get_schedule", {"schedule_id": schedule, **window}))
    assert [r["id"] for r in detail["rotations"]] == [rotation]
    assert [s["user"]["id"] for s in detail["final_schedule"]] == [emma, sofia]

    night = day + timedelta(hours=12)
    custom = {"user_id": ravi, "start": stamp(night), "end": stamp(night + timedelta(hours=6))}
    shifts = await ok(client, "create_schedule_custom_shifts", {"schedule_id": schedule, "shifts": [custom]})
    shift_id = first(shifts)["id"]
    detail = first(await ok(client, "get_schedule", {"schedule_id": schedule, **window}))
    assert [s["user"]["id"] for s in detail["final_schedule"]] == [emma, ravi, sofia]

    cover = {"user_id": ravi, "start": stamp(day), "end": stamp(day + timedelta(hours=4))}
    created = await ok(client, "create_schedule_override", {"schedule_id": schedule, "overrides": [cover]})
    override = first(created)
    assert override["user"]["id"] == ravi and override["replaces"]["id"] == emma
    listed_overrides = await ok(client, "list_schedule_overrides", {"schedule_id": schedule, **window})
    assert [o["id"] for o in listed_overrides["overrides"]] == [override["id"]]
    detail = first(await ok(client, "get_schedule", {"schedule_id": schedule, **window}))
    assert detail["final_schedule"][0]["user"]["id"] == ravi and detail["overrides_in_window"] == 1

    await ok(client, "delete_schedule_override", {"schedule_id": schedule, "override_id": override["id"]})
    assert (await ok(client, "list_schedule_overrides", {"schedule_id": schedule, **window}))["overrides"] == []
    await ok(client, "delete_schedule_custom_shift", {"schedule_id": schedule, "custom_shift_id": shift_id})
    await ok(client, "delete_schedule_rotation", {"schedule_id": schedule, "rotation_id": rotation})
    detail = first(await ok(client, "get_schedule", {"schedule_id": schedule, **window}))
    assert detail.get("rotations", []) == [] and detail.get("final_schedule", []) == []

    deleted = await ok(client, "delete_schedule", {"schedule_id": schedule})
    assert first(deleted)["kind"] == "shifts"
    await fails(client, "get_schedule", {"schedule_id": schedule}, "SCHEDULE_NOT_FOUND")


async def test_rotation_shapes_and_a_failed_event_keeps_no_rotation(client: Client) -> None:
    emma, ravi = user_id(client, "emma.dubois"), user_id(client, "ravi.kapoor")
    schedule = await new_shift_schedule(client, "Weekend shifts")
    saturday = hour(days=1).replace(hour=10)
    weekend = {
        "users": [emma, ravi],
        "start": stamp(saturday),
        "end": stamp(saturday + timedelta(hours=8)),
        "repeat": "FREQ=WEEKLY;BYDAY=SA,SU",
        "shifts_per_user": 2,
        "name": "Weekend",
    }
    both = {**weekend, "start": stamp(saturday + timedelta(hours=9)), "end": stamp(saturday + timedelta(hours=10))}
    both.update(all_at_once=True, repeat="weekdays", name="Stand-up")
    made = await ok(
        client,
        "create_schedule_rotation",
        {"schedule_id": schedule, "events": [weekend, both], "time_zone": "Europe/Paris"},
    )
    assert [e["name"] for e in made["events"]] == ["Weekend", "Stand-up"]
    assert made["events"][1].get("shifts_per_user") is None and made["events"][0]["time_zone"] == "Europe/Paris"
    ghost = {**weekend, "users": [emma, "PGHOST1"]}
    failure = await fails(client, "create_schedule_rotation", {"schedule_id": schedule, "events": [ghost]})
    assert "No rotation was kept" in failure["message"]
    clash = await fails(client, "create_schedule_rotation", {"schedule_id": schedule, "events": [weekend, weekend]})
    assert "overlap" in clash["message"] and "events[1]" in clash["message"]
    detail = first(await ok(client, "get_schedule", {"schedule_id": schedule}))
    assert [r["id"] for r in detail["rotations"]] == [made["metadata"]["rotation_id"]]
    await fails(
        client,
        "create_schedule_rotation",
        {"schedule_id": schedule, "events": [{**weekend, "repeat": "sometimes"}]},
        "INVALID_PARAMETER",
    )


async def test_shift_tools_refuse_what_does_not_exist_or_does_not_fit(client: Client) -> None:
    emma = user_id(client, "emma.dubois")
    start = hour(days=1)
    event = {"users": [emma], "start": stamp(start), "end": stamp(start + timedelta(hours=1)), "repeat": "daily"}
    layered = await fails(client, "create_schedule_rotation", {"schedule_id": "Database On-Call", "events": [event]})
    assert layered["code"] == "INVALID_PARAMETER" and "layer-based" in layered["message"]
    await fails(client, "create_schedule_rotation", {"schedule_id": "PNOSUCH", "events": [event]}, "SCHEDULE_NOT_FOUND")
    await fails(
        client, "delete_schedule_rotation", {"schedule_id": SHIFTS, "rotation_id": "PNOSUCH"}, "ROTATION_NOT_FOUND"
    )
    await fails(
        client,
        "delete_schedule_custom_shift",
        {"schedule_id": SHIFTS, "custom_shift_id": "PNOSUCH"},
        "CUSTOM_SHIFT_NOT_FOUND",
    )
    shift = {"user_id": emma, "start": stamp(start), "end": stamp(start - timedelta(hours=1))}
    await fails(
        client, "create_schedule_custom_shifts", {"schedule_id": SHIFTS, "shifts": [shift]}, "INVALID_PARAMETER"
    )
    empty = await new_shift_schedule(client, "Nobody yet")
    cover = {"user_id": emma, "start": stamp(start), "end": stamp(start + timedelta(hours=2))}
    nobody = await fails(client, "create_schedule_override", {"schedule_id": empty, "overrides": [cover]})
    assert nobody["code"] == "INVALID_PARAMETER" and "create_schedule_custom_shifts" in nobody["message"]
    await fails(
        client, "delete_schedule_override", {"schedule_id": SHIFTS, "override_id": "PNOSUCH"}, "OVERRIDE_NOT_FOUND"
    )
    await fails(client, "create_schedule", {"name": "x", "time_zone": "UTC"}, "INVALID_PARAMETER")
    await fails(client, "delete_schedule", {"schedule_id": "PNOSUCH"}, "SCHEDULE_NOT_FOUND")


async def test_delete_schedule_refuses_while_a_policy_uses_it_and_names_the_policy(client: Client) -> None:
    for name, policy in ((SHIFTS, "Personalization Shifts Escalation"), ("Database On-Call", "Database Escalation")):
        refused = await fails(client, "delete_schedule", {"schedule_id": name}, "CONFLICT")
        assert policy in refused["message"] and "update_escalation_policy" in refused["message"]
        assert named(client, "escalation_policies", policy) in refused["details"]["escalation_policies"]
        assert first(await ok(client, "get_schedule", {"schedule_id": name}))["name"] == name
    layer = {"users": [user_id(client, "noah.kim")], "rotation_hours": 24, "start": stamp(hour(days=1))}
    made = first(await ok(client, "create_schedule", {"name": "Spare rota", "time_zone": "UTC", "layers": [layer]}))
    assert first(await ok(client, "delete_schedule", {"schedule_id": "Spare rota"}))["kind"] == "layers"
    await fails(client, "get_schedule", {"schedule_id": made["id"]}, "SCHEDULE_NOT_FOUND")


async def test_list_schedules_pages_through_both_kinds_once_each(client: Client) -> None:
    await new_shift_schedule(client, "Another shift rota")
    state = client.sandbox.state  # type: ignore[attr-defined]
    expected = {s["id"] for s in state.all("schedules")}
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page = await ok(client, "list_schedules", {"limit": 2, "offset": offset})
        seen += [row["id"] for row in page["schedules"]]
        assert page["metadata"]["count"] <= 2
        offset = page["metadata"].get("next_offset")
    assert sorted(seen) == sorted(expected) and len(seen) == len(set(seen))
    whole = await ok(client, "list_schedules", {"limit": 100})
    assert whole["metadata"]["total"] == len(expected) and whole["metadata"]["has_more"] is False


async def test_list_schedule_users_names_who_is_on_a_shift_schedule(client: Client) -> None:
    since, until = hour(), hour(days=7)
    window = {"since": stamp(since), "until": stamp(until)}
    users = (await ok(client, "list_schedule_users", {"schedule_id": SHIFTS, **window}))["users"]
    expected = covered_hours(client, named(client, "schedules", SHIFTS), since, until)
    assert {u["id"] for u in users} == set(expected) and all(u["name"] for u in users)


async def test_shift_only_tools_say_when_a_schedule_is_layer_based(client: Client) -> None:
    emma = user_id(client, "emma.dubois")
    start = hour(days=1)
    shift = {"user_id": emma, "start": stamp(start), "end": stamp(start + timedelta(hours=1))}
    for tool, args in (
        ("create_schedule_custom_shifts", {"shifts": [shift]}),
        ("delete_schedule_rotation", {"rotation_id": "PABC123"}),
        ("delete_schedule_custom_shift", {"custom_shift_id": "PABC123"}),
    ):
        error = await fails(client, tool, {"schedule_id": "Database On-Call", **args}, "INVALID_PARAMETER")
        assert "layer-based" in error["message"]


async def test_oncall_load_reads_a_shift_schedule_no_policy_uses(client: Client) -> None:
    noah = user_id(client, "noah.kim")
    schedule = await new_shift_schedule(client, "Unpaged shifts")
    day = hour(days=1).replace(hour=6)
    event = {"users": [noah], "start": stamp(day), "end": stamp(day + timedelta(hours=8)), "repeat": "daily"}
    await ok(client, "create_schedule_rotation", {"schedule_id": schedule, "events": [event]})
    window = {"since": stamp(day), "until": stamp(day + timedelta(days=3))}
    envelope = await ok(client, "get_oncall_load", {"schedule_ids": [schedule], "count_incidents": False, **window})
    assert {row["user"]["id"]: row["hours"] for row in envelope["people"]} == {noah: 24}
    assert any("final schedule" in note for note in envelope["metadata"]["notes"])


async def test_get_schedule_names_each_shifts_source_so_a_custom_shift_can_be_removed(client: Client) -> None:
    window = {"since": stamp(hour()), "until": stamp(hour(days=8))}
    envelope = await ok(client, "get_schedule", {"schedule_id": SHIFTS, **window})
    detail = first(envelope)
    sources = {s["source"].split()[0]: s["source"].split()[1] for s in detail["final_schedule"] if "source" in s}
    stored = client.sandbox.state.get("schedules", detail["id"])  # type: ignore[attr-defined]
    assert sources["custom_shift"] in {s["id"] for s in stored["_custom_shifts"]}
    assert sources["override"] in {o["id"] for o in stored["_overrides"]}
    # A shift from a rotation (most of them) is the rule, said once in a note instead of on every shift.
    assert "rotation" not in sources and any("source" not in s for s in detail["final_schedule"])
    assert any("custom shift or an override" in note for note in envelope["metadata"]["notes"])
    args = {"schedule_id": SHIFTS, "custom_shift_id": sources["custom_shift"]}
    await ok(client, "delete_schedule_custom_shift", args)
    again = first(await ok(client, "get_schedule", {"schedule_id": SHIFTS, **window}))
    assert f"custom_shift {sources['custom_shift']}" not in {s.get("source") for s in again["final_schedule"]}


async def test_update_schedule_renames_a_shift_schedule_and_refuses_layers_for_it(client: Client) -> None:
    schedule = await new_shift_schedule(client, "Rename me")
    changed = first(
        await ok(
            client,
            "update_schedule",
            {"schedule_id": "Rename me", "name": "Renamed shifts", "description": "d", "time_zone": "Asia/Tokyo"},
        )
    )
    assert (changed["kind"], changed["name"]) == ("shifts", "Renamed shifts")
    detail = first(await ok(client, "get_schedule", {"schedule_id": schedule}))
    assert (detail["name"], detail["time_zone"], detail["description"]) == ("Renamed shifts", "Asia/Tokyo", "d")
    layer = {"users": [user_id(client, "noah.kim")], "rotation_hours": 24, "start": stamp(hour(days=1))}
    error = await fails(client, "update_schedule", {"schedule_id": schedule, "layers": [layer]}, "INVALID_PARAMETER")
    assert "create_schedule_rotation" in error["message"]
    await fails(client, "update_schedule", {"schedule_id": "PNOSUCH", "name": "x"}, "SCHEDULE_NOT_FOUND")


async def test_a_shift_based_schedule_once_seen_is_read_from_its_own_api_first(client: Client) -> None:
    from pagerduty_mcp.servers.people.tools.schedule_kinds import SHIFT_IDS

    shifts = named(client, "schedules", SHIFTS)
    layered = named(client, "schedules", "Database On-Call")
    SHIFT_IDS.forget(shifts)
    log = client.sandbox.request_log  # type: ignore[attr-defined]

    async def paths_of_a_read(schedule_id: str) -> list[str]:
        """Which API was asked for the schedule itself (a shift-based one's custom shifts come after)."""
        before = len(log)
        await ok(client, "get_schedule", {"schedule_id": schedule_id})
        paths = [f"{r.method} {r.path}" for r in list(log)[before:] if "/schedules/" in r.path]
        return [p for p in paths if not p.endswith("/custom_shifts")]

    assert await paths_of_a_read(shifts) == [f"GET /schedules/{shifts}", f"GET /v3/schedules/{shifts}"]
    assert await paths_of_a_read(shifts) == [f"GET /v3/schedules/{shifts}"]  # learnt: one request
    SHIFT_IDS.remember(layered)  # wrongly remembered (another account's, say): the other API still answers
    assert await paths_of_a_read(layered) == [f"GET /v3/schedules/{layered}", f"GET /schedules/{layered}"]
    assert await paths_of_a_read(layered) == [f"GET /schedules/{layered}"]
