"""On-call load and coverage gaps against small schedules whose answers were worked out by hand.

Each schedule is built through the tools (create_schedule, create_escalation_policy,
create_schedule_override) in a fresh sandbox, over fixed past windows, so the numbers never
depend on today's date. Liam lives in Europe/Dublin (UTC+0 in winter), Alex and Jonas in
Europe/Berlin (UTC+1 in winter, UTC+2 from 30 March 2025).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from mcp import Client

from pagerduty_mcp.sandbox.model.incidents import create_incident
from tests.harness import fails, first, ok
from tests.servers.people.seeded import user_id

pytestmark = [pytest.mark.people, pytest.mark.anyio, pytest.mark.server("people")]

MON = "2025-01-06T00:00:00Z"
NEXT_MON = "2025-01-13T00:00:00Z"


async def make_schedule(client: Client, name: str, layers: list[dict[str, Any]], zone: str = "UTC") -> str:
    envelope = await ok(client, "create_schedule", {"name": name, "time_zone": zone, "layers": layers})
    return str(first(envelope)["id"])


async def make_policy(client: Client, name: str, *schedule_levels: str) -> str:
    levels = [{"delay_minutes": 30, "schedule_ids": [s]} for s in schedule_levels]
    envelope = await ok(client, "create_escalation_policy", {"name": name, "levels": levels})
    return str(first(envelope)["id"])


async def daily_pair(client: Client) -> tuple[str, str, str]:
    """Daily UTC turns at midnight: Liam on Mon/Wed/Fri/Sun, Alex on Tue/Thu/Sat of that week."""
    liam, alex = user_id(client, "liam.oconnor"), user_id(client, "alex.rivera")
    layer = {"users": [liam, alex], "rotation_hours": 24, "start": MON}
    schedule = await make_schedule(client, "Hand daily", [layer])
    await make_policy(client, "Hand daily policy", schedule)
    return schedule, liam, alex


def by_user(envelope: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["user"]["id"]: row for row in envelope["people"]}


async def test_daily_rotation_hours_nights_weekends_and_balance(client: Client) -> None:
    schedule, liam, alex = await daily_pair(client)
    envelope = await ok(client, "get_oncall_load", {"schedule_ids": [schedule], "since": MON, "until": NEXT_MON})
    rows = by_user(envelope)
    assert set(rows) == {liam, alex}
    # Liam: four whole UTC days (Dublin = UTC), 12 night hours each, Sunday is the weekend.
    assert (rows[liam]["hours"], rows[liam]["night_hours"], rows[liam]["weekend_hours"]) == (96, 48, 24)
    assert rows[liam]["shifts"] == 4 and rows[liam]["night_share"] == 0.5 and rows[liam]["weekend_share"] == 0.25
    # Alex: three UTC days = 01:00-01:00 Berlin; still 12 night hours each; Saturday 01:00 to Sunday 01:00.
    assert (rows[alex]["hours"], rows[alex]["night_hours"], rows[alex]["weekend_hours"]) == (72, 36, 24)
    assert rows[alex]["incidents"] == 0
    assert envelope["metadata"]["balance"] == {
        "mean_hours": 84.0,
        "min_hours": 72.0,
        "max_hours": 96.0,
        "coefficient_of_variation": 0.143,
    }
    assert [r["user"]["id"] for r in envelope["people"]] == [liam, alex]  # most hours first


async def test_a_window_that_cuts_shifts_in_half_counts_only_the_inside(client: Client) -> None:
    schedule, liam, alex = await daily_pair(client)
    envelope = await ok(
        client,
        "get_oncall_load",
        {"schedule_ids": [schedule], "since": "2025-01-06T12:00:00Z", "until": "2025-01-07T12:00:00Z"},
    )
    rows = by_user(envelope)
    # Liam 12:00-24:00 Monday (night 20-24); Alex 00:00-12:00 UTC = 01:00-13:00 Berlin (night 01-08).
    assert (rows[liam]["hours"], rows[liam]["night_hours"], rows[liam]["shifts"]) == (12, 4, 1)
    assert (rows[alex]["hours"], rows[alex]["night_hours"], rows[alex]["shifts"]) == (12, 7, 1)


async def test_restrictions_limit_hours_and_leave_gaps(client: Client) -> None:
    liam = user_id(client, "liam.oconnor")
    layer = {
        "users": [liam],
        "rotation_hours": 168,
        "start": MON,
        "restrictions": [{"type": "daily", "start": "09:00", "hours": 8}],
    }
    schedule = await make_schedule(client, "Office hours", [layer])
    await make_policy(client, "Office hours policy", schedule)
    load = await ok(
        client, "get_oncall_load", {"user_ids": [liam], "schedule_ids": [schedule], "since": MON, "until": NEXT_MON}
    )
    row = by_user(load)[liam]
    assert (row["hours"], row["night_hours"], row["weekend_hours"], row["shifts"]) == (56, 0, 16, 7)
    gaps = await ok(client, "find_coverage_gaps", {"schedule_id": schedule, "since": MON, "until": NEXT_MON})
    assert gaps["metadata"]["uncovered_hours"] == 112
    assert [g["hours"] for g in gaps["gaps"]] == [9, 16, 16, 16, 16, 16, 16, 7]
    assert gaps["gaps"][0] == {
        "start": MON,
        "end": "2025-01-06T09:00:00Z",
        "hours": 9,
    }
    assert gaps["gaps"][-1]["start"] == "2025-01-12T17:00:00Z" and gaps["gaps"][-1]["end"] == NEXT_MON


async def test_a_later_layer_and_an_override_take_precedence(client: Client) -> None:
    liam, alex = user_id(client, "liam.oconnor"), user_id(client, "alex.rivera")
    jonas, noah = user_id(client, "jonas.weber"), user_id(client, "noah.kim")
    base = {"users": [liam, alex], "rotation_hours": 24, "start": MON}
    noon = {
        "users": [jonas],
        "rotation_hours": 168,
        "start": MON,
        "restrictions": [{"type": "daily", "start": "12:00", "hours": 4}],
    }
    schedule = await make_schedule(client, "Layered", [base, noon])
    await make_policy(client, "Layered policy", schedule)
    cover = {"user_id": noah, "start": "2025-01-08T10:00:00Z", "end": "2025-01-08T14:00:00Z"}
    await ok(client, "create_schedule_override", {"schedule_id": schedule, "overrides": [cover]})
    # Wednesday, Liam's day: Liam 00-10, Noah (override) 10-14, Jonas (later layer) 14-16, Liam 16-24.
    day = await ok(
        client,
        "get_schedule",
        {"schedule_id": schedule, "since": "2025-01-08T00:00:00Z", "until": "2025-01-09T00:00:00Z"},
    )
    shifts = [(s["user"]["id"], s["start"][11:16], s["end"][11:16]) for s in first(day)["final_schedule"]]
    assert shifts == [
        (liam, "00:00", "10:00"),
        (noah, "10:00", "14:00"),
        (jonas, "14:00", "16:00"),
        (liam, "16:00", "00:00"),
    ]
    load = by_user(await ok(client, "get_oncall_load", {"schedule_ids": [schedule], "since": MON, "until": NEXT_MON}))
    # Jonas 4 h x 7 days minus the 2 h the override took; Liam 96 - 4 x 4 - 2; Alex 72 - 3 x 4.
    assert {u: load[u]["hours"] for u in load} == {liam: 78, alex: 60, jonas: 26, noah: 4}


async def test_dst_spring_forward_makes_one_turn_23_hours(client: Client) -> None:
    alex, jonas = user_id(client, "alex.rivera"), user_id(client, "jonas.weber")
    layer = {"users": [alex, jonas], "rotation_hours": 24, "start": "2025-03-28T09:00:00+01:00"}
    schedule = await make_schedule(client, "Berlin dailies", [layer], zone="Europe/Berlin")
    await make_policy(client, "Berlin policy", schedule)
    since, until = "2025-03-28T08:00:00Z", "2025-04-01T07:00:00Z"  # Fri 09:00 CET to Tue 09:00 CEST
    rows = by_user(await ok(client, "get_oncall_load", {"schedule_ids": [schedule], "since": since, "until": until}))
    assert (rows[alex]["hours"], rows[alex]["night_hours"], rows[alex]["weekend_hours"]) == (48, 24, 24)
    # Jonas: Sat 09:00 CET to Sun 09:00 CEST is 23 h, all weekend, with an 11-hour night; then Mon-Tue.
    assert (rows[jonas]["hours"], rows[jonas]["night_hours"], rows[jonas]["weekend_hours"]) == (47, 23, 23)
    week = await ok(client, "get_schedule", {"schedule_id": schedule, "since": since, "until": until})
    ends = [s["end"] for s in first(week)["final_schedule"]]
    assert "2025-03-30T09:00:00+02:00" in ends and "2025-03-29T09:00:00+01:00" in ends
    gaps = await ok(client, "find_coverage_gaps", {"schedule_id": schedule, "since": since, "until": until})
    assert gaps["gaps"] == [] and gaps["metadata"]["uncovered_hours"] == 0


async def test_policy_gaps_count_every_level(client: Client) -> None:
    liam, alex = user_id(client, "liam.oconnor"), user_id(client, "alex.rivera")
    days = {
        "users": [liam],
        "rotation_hours": 168,
        "start": MON,
        "restrictions": [{"type": "daily", "start": "09:00", "hours": 8}],
    }
    evenings = {
        "users": [alex],
        "rotation_hours": 168,
        "start": MON,
        "restrictions": [{"type": "daily", "start": "16:00", "hours": 4}],
    }
    first_level = await make_schedule(client, "Days", [days])
    second_level = await make_schedule(client, "Evenings", [evenings])
    policy = await make_policy(client, "Two levels", first_level, second_level)
    envelope = await ok(client, "find_coverage_gaps", {"escalation_policy_id": policy, "since": MON, "until": NEXT_MON})
    # Covered 09:00-20:00 daily by one level or the other: 7 x 11 = 77 h of 168.
    assert envelope["metadata"]["uncovered_hours"] == 91
    assert [g["hours"] for g in envelope["gaps"]] == [9, 13, 13, 13, 13, 13, 13, 4]
    assert envelope["metadata"]["levels"] == [
        {"level": 1, "uncovered_hours": 112},
        {"level": 2, "uncovered_hours": 140},
    ]


async def test_a_direct_user_target_leaves_no_gap(client: Client) -> None:
    liam = user_id(client, "liam.oconnor")
    days = {
        "users": [liam],
        "rotation_hours": 168,
        "start": MON,
        "restrictions": [{"type": "daily", "start": "09:00", "hours": 8}],
    }
    schedule = await make_schedule(client, "Days only", [days])
    levels = [{"delay_minutes": 30, "schedule_ids": [schedule]}, {"delay_minutes": 30, "user_ids": [liam]}]
    policy = first(await ok(client, "create_escalation_policy", {"name": "Backstop", "levels": levels}))["id"]
    envelope = await ok(client, "find_coverage_gaps", {"escalation_policy_id": policy, "since": MON, "until": NEXT_MON})
    assert envelope["gaps"] == [] and envelope["metadata"]["uncovered_hours"] == 0
    assert envelope["metadata"]["levels"][1] == {"level": 2, "uncovered_hours": 0}


async def test_incidents_that_paged_the_person_on_level_one_are_counted(client: Client) -> None:
    schedule, liam, alex = await daily_pair(client)
    state = client.sandbox.state  # type: ignore[attr-defined]
    policy = next(p for p in state.all("escalation_policies") if p["name"] == "Hand daily policy")
    service = state.all("services")[0]["id"]
    # Wednesday 21:00 UTC (Liam's day, a Dublin night) and Thursday 10:00 UTC (Alex's day, 11:00 Berlin).
    for moment in ("2025-01-08T21:00:00+00:00", "2025-01-09T10:00:00+00:00"):
        create_incident(state, service, "Hand-made", datetime.fromisoformat(moment), escalation_policy_id=policy["id"])
    rows = by_user(await ok(client, "get_oncall_load", {"schedule_ids": [schedule], "since": MON, "until": NEXT_MON}))
    assert (rows[liam]["incidents"], rows[liam]["incidents_off_hours"]) == (1, 1)
    assert (rows[alex]["incidents"], rows[alex]["incidents_off_hours"]) == (1, 0)
    without = await ok(
        client,
        "get_oncall_load",
        {"schedule_ids": [schedule], "since": MON, "until": NEXT_MON, "count_incidents": False},
    )
    assert "incidents" not in without["people"][0]


async def test_bad_load_and_gap_requests_are_clear_errors(client: Client) -> None:
    error = await fails(client, "get_oncall_load", {"team_id": "PABC123", "user_ids": ["PABC124"]}, "INVALID_PARAMETER")
    assert "conflict" in error["message"]
    await fails(client, "get_oncall_load", {"team_id": "PNOPE00"}, "TEAM_NOT_FOUND")
    await fails(client, "get_oncall_load", {"user_ids": ["PNOPE00"]}, "USER_NOT_FOUND")
    # Five months is asked in pieces (the unknown user is what fails); over a year is refused, naming until.
    await fails(
        client,
        "get_oncall_load",
        {"user_ids": ["PABC123"], "since": "2025-01-01T00:00:00Z", "until": "2025-06-01T00:00:00Z"},
        "USER_NOT_FOUND",
    )
    error = await fails(
        client,
        "get_oncall_load",
        {"user_ids": ["PABC123"], "since": "2024-01-01T00:00:00Z", "until": "2025-06-01T00:00:00Z"},
        "INVALID_PARAMETER",
    )
    assert "until" in error["message"] and "366 days" in error["message"]
    error = await fails(
        client, "get_oncall_load", {"user_ids": ["PABC123"], "since": "last tuesday"}, "INVALID_PARAMETER"
    )
    assert "since" in error["message"]
    await fails(client, "find_coverage_gaps", {}, "INVALID_PARAMETER")
    error = await fails(
        client,
        "find_coverage_gaps",
        {"schedule_id": "PABC123", "escalation_policy_id": "PABC124"},
        "INVALID_PARAMETER",
    )
    assert "exactly one" in error["message"]
    await fails(client, "find_coverage_gaps", {"schedule_id": "PNOPE00"}, "SCHEDULE_NOT_FOUND")
    await fails(client, "find_coverage_gaps", {"escalation_policy_id": "PNOPE00"}, "ESCALATION_POLICY_NOT_FOUND")
    await fails(client, "find_coverage_gaps", {"schedule_id": "null"}, "INVALID_PARAMETER")
    await fails(client, "find_coverage_gaps", {"schedule_id": "../users"}, "SCHEDULE_NOT_FOUND")
    error = await fails(
        client, "find_coverage_gaps", {"schedule_id": "PABC123", "since": NEXT_MON, "until": MON}, "INVALID_PARAMETER"
    )
    assert "until" in error["message"]


async def test_the_load_of_a_five_person_team_over_30_days_takes_four_requests(client: Client) -> None:
    team = first(await ok(client, "create_team", {"name": "Five"}))["id"]
    for local in ("kenji.tanaka", "noah.kim", "ravi.kapoor", "hannah.schmidt", "alex.rivera"):
        await ok(client, "add_team_member", {"team_id": team, "user_id": user_id(client, local)})
    box = client.sandbox  # type: ignore[attr-defined]
    box.request_log.reset()
    envelope = await ok(client, "get_oncall_load", {"team_id": team})
    paths = [r.path for r in box.request_log]
    # members, then /oncalls (two pages of 100, the second fetched because total says so), then incidents.
    assert paths == [f"/teams/{team}/members", "/oncalls", "/oncalls", "/incidents"]
    assert len(envelope["people"]) == 5 and all(row["hours"] > 0 for row in envelope["people"])
    window = envelope["metadata"]["window"]
    days = (datetime.fromisoformat(window["until"]) - datetime.fromisoformat(window["since"])).days
    assert days == 30


async def test_a_schedule_in_no_escalation_policy_is_read_from_its_final_schedule(client: Client) -> None:
    liam, alex = user_id(client, "liam.oconnor"), user_id(client, "alex.rivera")
    layer = {"users": [liam, alex], "rotation_hours": 24, "start": MON}
    schedule = await make_schedule(client, "Unreferenced", [layer])  # no escalation policy points at it
    envelope = await ok(client, "get_oncall_load", {"schedule_ids": [schedule], "since": MON, "until": NEXT_MON})
    rows = by_user(envelope)
    assert (rows[liam]["hours"], rows[liam]["night_hours"], rows[liam]["weekend_hours"]) == (96, 48, 24)
    assert (rows[alex]["hours"], rows[alex]["time_zone"]) == (72, "Europe/Berlin")
    assert "final schedule" in envelope["metadata"]["notes"][0]


async def test_load_since_a_past_day_runs_up_to_now(client: Client) -> None:
    liam = user_id(client, "liam.oconnor")
    since = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    envelope = await ok(client, "get_oncall_load", {"user_ids": [liam], "since": since.strftime("%Y-%m-%dT%H:%M:%SZ")})
    window = envelope["metadata"]["window"]
    until = datetime.fromisoformat(window["until"])
    assert timedelta(0) <= datetime.now(UTC) - until < timedelta(minutes=5)


async def test_dst_fall_back_makes_one_turn_25_hours_with_a_13_hour_night(client: Client) -> None:
    alex, jonas = user_id(client, "alex.rivera"), user_id(client, "jonas.weber")
    layer = {"users": [alex, jonas], "rotation_hours": 24, "start": "2025-10-24T09:00:00+02:00"}
    schedule = await make_schedule(client, "Berlin autumn", [layer], zone="Europe/Berlin")
    await make_policy(client, "Berlin autumn policy", schedule)
    since, until = "2025-10-24T07:00:00Z", "2025-10-27T08:00:00Z"  # Fri 09:00 CEST to Mon 09:00 CET
    rows = by_user(await ok(client, "get_oncall_load", {"schedule_ids": [schedule], "since": since, "until": until}))
    # Alex: Fri-Sat (24 h, 12 night, Sat 00-09 weekend) and Sun-Mon (24 h, 12 night, Sun 09-24 weekend).
    assert (rows[alex]["hours"], rows[alex]["night_hours"], rows[alex]["weekend_hours"]) == (48, 24, 24)
    # Jonas: Sat 09:00 CEST to Sun 09:00 CET is 25 h, all weekend, with a 13-hour night.
    assert (rows[jonas]["hours"], rows[jonas]["night_hours"], rows[jonas]["weekend_hours"]) == (25, 13, 25)


async def test_a_window_alone_measures_the_whole_account_and_says_so(client: Client) -> None:
    state = client.sandbox.state  # type: ignore[attr-defined]
    liam, kenji = user_id(client, "liam.oconnor"), user_id(client, "kenji.tanaka")
    # A schedule no escalation policy uses: /oncalls never reports it, the whole account still counts it.
    layer = {"users": [kenji], "rotation_hours": 24, "start": "2d"}
    await make_schedule(client, "Side rota", [layer])
    envelope = await ok(client, "get_oncall_load", {"since": "7d", "count_incidents": False})
    assert "whole account" in envelope["metadata"]["description"]
    assert f"all {len(state.all('schedules'))} schedules" in envelope["metadata"]["notes"][0]
    rows = by_user(envelope)
    assert rows[kenji]["hours"] >= 48
    # The same person measured alone has the same hours from escalation policies' schedules.
    alone = by_user(await ok(client, "get_oncall_load", {"user_ids": [liam], "since": "7d", "count_incidents": False}))
    assert rows[liam]["hours"] == alone[liam]["hours"] > 0
    nothing_given = await ok(client, "get_oncall_load", {"count_incidents": False})
    window = nothing_given["metadata"]["window"]
    days = (datetime.fromisoformat(window["until"]) - datetime.fromisoformat(window["since"])).days
    assert days == 30 and "whole account" in nothing_given["metadata"]["description"]


async def test_the_note_on_direct_targets_never_denies_the_hours_it_lists(client: Client) -> None:
    schedule, liam, _ = await daily_pair(client)
    levels = [{"delay_minutes": 30, "schedule_ids": [schedule]}, {"delay_minutes": 30, "user_ids": [liam]}]
    await ok(client, "create_escalation_policy", {"name": "Liam backstop", "levels": levels})
    envelope = await ok(client, "get_oncall_load", {"user_ids": [liam], "since": MON, "until": NEXT_MON})
    assert by_user(envelope)[liam]["hours"] == 96
    notes = " ".join(envelope["metadata"]["notes"])
    assert "Liam" in notes and "not counted as hours" in notes
    assert "no shifts" not in notes
