"""The write tools of pagerduty-people: each write, then the read that shows it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from mcp import Client

from pagerduty_mcp.common import ClientPool
from pagerduty_mcp.common.hosting.upstream import sandbox_settings
from tests.contract.recorder import Exchange, RecordingTransport
from tests.harness import fails, first, ok
from tests.servers.people.seeded import named

pytestmark = [pytest.mark.people, pytest.mark.anyio, pytest.mark.server("people")]


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def record_bodies(client: Client) -> list[Exchange]:
    """From now on, keep every exchange with the session's sandbox, to see exactly what was sent."""
    exchanges: list[Exchange] = []
    transport = RecordingTransport(client.sandbox.transport(), exchanges)  # type: ignore[attr-defined]
    client.server.pool = ClientPool(sandbox_settings(), transport=transport)  # type: ignore[union-attr]
    return exchanges


async def test_tool_annotations_mark_deletes_destructive(client: Client) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    assert tools["delete_team"].annotations.destructive_hint is True
    assert tools["create_team"].annotations.destructive_hint is False
    assert tools["create_schedule_override"].annotations.read_only_hint is False


@pytest.mark.server("people", write=False)
async def test_a_read_only_server_lists_no_write_tools(client: Client) -> None:
    names = {t.name for t in (await client.list_tools()).tools}
    assert "delete_team" not in names and "list_oncalls" in names


async def test_team_lifecycle_with_membership_and_roles(client: Client) -> None:
    team = first(await ok(client, "create_team", {"name": "Search Guild", "description": "Search relevance"}))
    await fails(client, "create_team", {"name": "Search Guild"}, "INVALID_PARAMETER")
    seen = record_bodies(client)
    renamed = first(await ok(client, "update_team", {"team_id": team["id"], "name": "Search"}))
    assert renamed["name"] == "Search" and renamed["description"] == "Search relevance"
    assert seen[-1].request_body == {"team": {"type": "team", "name": "Search"}}  # only what was given
    await fails(client, "update_team", {"team_id": team["id"]}, "INVALID_PARAMETER")
    emma = named(client, "users", "Emma Dubois")
    await ok(client, "add_team_member", {"team_id": team["id"], "user_id": emma, "role": "manager"})
    members = await ok(client, "list_team_members", {"team_id": team["id"]})
    assert [(m["user"]["name"], m["role"]) for m in members["members"]] == [("Emma Dubois", "manager")]
    await ok(client, "add_team_member", {"team_id": team["id"], "user_id": emma, "role": "observer"})
    assert first(await ok(client, "list_team_members", {"team_id": team["id"]}))["role"] == "observer"
    error = await fails(client, "add_team_member", {"team_id": team["id"], "user_id": emma, "role": "boss"})
    assert error["code"] == "INVALID_PARAMETER" and "responder" in error["message"]
    await fails(client, "add_team_member", {"team_id": team["id"], "user_id": "PNOPE00"}, "USER_NOT_FOUND")
    await ok(client, "remove_team_member", {"team_id": team["id"], "user_id": emma})
    assert (await ok(client, "list_team_members", {"team_id": team["id"]}))["members"] == []
    await ok(client, "delete_team", {"team_id": team["id"]})
    await fails(client, "get_team", {"team_id": team["id"]}, "TEAM_NOT_FOUND")
    await fails(client, "delete_team", {"team_id": team["id"]}, "TEAM_NOT_FOUND")
    await fails(client, "delete_team", {"team_id": "null"}, "INVALID_PARAMETER")
    await fails(client, "delete_team", {"team_id": "../teams"}, "TEAM_NOT_FOUND")  # no team has that name


async def test_an_override_through_the_tool_changes_who_is_on_call(client: Client) -> None:
    policy = named(client, "escalation_policies", "Checkout Escalation")
    schedule = named(client, "schedules", "Checkout Primary")
    jonas = named(client, "users", "Jonas Weber")

    async def level_one() -> list[str]:
        envelope = await ok(client, "list_oncalls", {"escalation_policy_ids": [policy]})
        return [row["user"]["name"] for row in envelope["oncalls"][0]["levels"][0]["on_call"]]

    assert await level_one() == ["Alex Rivera"]
    now = datetime.now(UTC)
    cover = {"user_id": jonas, "start": stamp(now - timedelta(minutes=5)), "end": stamp(now + timedelta(hours=2))}
    created = first(await ok(client, "create_schedule_override", {"schedule_id": schedule, "overrides": [cover]}))
    assert created["user"]["name"] == "Jonas Weber" and created["id"]
    assert await level_one() == ["Jonas Weber"]
    ended = first(await ok(client, "delete_schedule_override", {"schedule_id": schedule, "override_id": created["id"]}))
    assert ended == {"id": created["id"], "deleted": False, "ended_early": True}
    assert await level_one() == ["Alex Rivera"]


async def test_vacation_cover_in_one_call_and_partial_failure_says_which(client: Client) -> None:
    schedule = named(client, "schedules", "Checkout Primary")
    jonas, emma = named(client, "users", "Jonas Weber"), named(client, "users", "Emma Dubois")
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    days = [
        {"user_id": jonas, "start": stamp(start), "end": stamp(start + timedelta(days=1))},
        {"user_id": emma, "start": stamp(start + timedelta(days=1)), "end": stamp(start + timedelta(days=2))},
    ]
    envelope = await ok(client, "create_schedule_override", {"schedule_id": schedule, "overrides": days})
    assert [o["user"]["name"] for o in envelope["overrides"]] == ["Jonas Weber", "Emma Dubois"]
    listed = await ok(client, "list_schedule_overrides", {"schedule_id": schedule})
    assert {o["id"] for o in envelope["overrides"]} <= {o["id"] for o in listed["overrides"]}
    later = start + timedelta(days=5)
    mixed = [
        {"user_id": jonas, "start": stamp(later), "end": stamp(later + timedelta(hours=8))},
        {"user_id": "PNOPE00", "start": stamp(later), "end": stamp(later + timedelta(hours=8))},
    ]
    error = await fails(client, "create_schedule_override", {"schedule_id": schedule, "overrides": mixed})
    assert error["code"] == "PARTIAL_FAILURE"
    assert [c["index"] for c in error["details"]["created"]] == [0] and error["details"]["created"][0]["id"]
    assert [(f["index"], f["user_id"]) for f in error["details"]["failed"]] == [(1, "PNOPE00")]
    assert "PNOPE00" in error["details"]["failed"][0]["error"]
    future = first(envelope)
    deleted = first(
        await ok(client, "delete_schedule_override", {"schedule_id": schedule, "override_id": future["id"]})
    )
    assert deleted["deleted"] is True
    await fails(
        client,
        "delete_schedule_override",
        {"schedule_id": schedule, "override_id": future["id"]},
        "OVERRIDE_NOT_FOUND",
    )


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"user_id": "PABC123", "start": "2026-01-02T00:00:00Z", "end": "2026-01-01T00:00:00Z"}, "overrides[0].end"),
        ({"start": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z"}, "overrides[0].user_id"),
        ({"user_id": "PABC123", "start": "friday", "end": "2026-01-02T00:00:00Z"}, "overrides[0].start"),
        ({"user_id": "../x", "start": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z"}, "overrides[0].user_id"),
    ],
)
async def test_bad_overrides_name_the_field_and_send_nothing(client: Client, override: dict, field: str) -> None:
    schedule = named(client, "schedules", "Checkout Primary")
    client.sandbox.request_log.reset()  # type: ignore[attr-defined]
    error = await fails(client, "create_schedule_override", {"schedule_id": schedule, "overrides": [override]})
    assert error["code"] == "INVALID_PARAMETER" and error["message"].startswith(field)
    assert not [r for r in client.sandbox.request_log if r.method == "POST"]  # type: ignore[attr-defined]


async def test_create_and_partially_update_a_schedule(client: Client) -> None:
    liam, noah = named(client, "users", "Liam O'Connor"), named(client, "users", "Noah Kim")
    layer = {
        "name": "Weekdays",
        "users": [liam, noah],
        "rotation_hours": 168,
        "start": "2026-01-05T09:00:00Z",
        "restrictions": [{"type": "weekly", "day": 1, "start": "09:00", "hours": 120}],
    }
    created = first(
        await ok(client, "create_schedule", {"name": "Weekday cover", "time_zone": "Europe/Dublin", "layers": [layer]})
    )
    assert created["layers"][0]["restrictions"] == ["weekly Mon 09:00:00 for 120h"]
    assert created["layers"][0]["rotation_turn_hours"] == 168
    assert [u["name"] for u in created["layers"][0]["users"]] == ["Liam O'Connor", "Noah Kim"]
    seen = record_bodies(client)
    renamed = first(await ok(client, "update_schedule", {"schedule_id": created["id"], "name": "Weekdays"}))
    assert renamed["name"] == "Weekdays" and renamed["time_zone"] == "Europe/Dublin"
    assert renamed["layers"] == created["layers"]  # untouched
    put = [e.request_body for e in seen if e.method == "PUT"]
    assert put == [{"schedule": {"type": "schedule", "name": "Weekdays", "time_zone": "Europe/Dublin"}}]
    swapped = first(
        await ok(client, "update_schedule", {"schedule_id": created["id"], "layers": [{**layer, "users": [noah]}]})
    )
    assert [u["name"] for u in swapped["layers"][0]["users"]] == ["Noah Kim"] and swapped["name"] == "Weekdays"
    await fails(client, "update_schedule", {"schedule_id": created["id"]}, "INVALID_PARAMETER")
    await fails(client, "update_schedule", {"schedule_id": "PNOPE00", "name": "x"}, "SCHEDULE_NOT_FOUND")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rotation_hours": 0}, "layers[0].rotation_hours"),
        ({"users": []}, "layers[0].users"),
        ({"start": "soon"}, "layers[0].start"),
        ({"restrictions": [{"type": "weekly", "start": "09:00", "hours": 8}]}, "layers[0].restrictions[0].day"),
        ({"restrictions": [{"type": "hourly", "start": "09:00", "hours": 8}]}, "layers[0].restrictions.0.type"),
        ({"restrictions": [{"type": "daily", "start": "9am", "hours": 8}]}, "layers[0].restrictions.0.start"),
        ({"shift": "nights"}, "layers[0].shift"),
    ],
)
async def test_bad_layers_name_the_field(client: Client, change: dict, field: str) -> None:
    layer = {"users": ["PABC123"], "rotation_hours": 24, "start": "2026-01-05T09:00:00Z", **change}
    error = await fails(
        client, "create_schedule", {"name": "Bad", "time_zone": "UTC", "layers": [layer]}, "INVALID_PARAMETER"
    )
    assert error["message"].startswith(field), error


async def test_a_bad_time_zone_is_named(client: Client) -> None:
    layer = {"users": ["PABC123"], "rotation_hours": 24, "start": "2026-01-05T09:00:00Z"}
    error = await fails(client, "create_schedule", {"name": "Bad", "time_zone": "Mars/Base", "layers": [layer]})
    assert error["code"] == "INVALID_PARAMETER" and "time_zone" in error["message"]


async def test_create_and_partially_update_an_escalation_policy(
    client: Client,
) -> None:
    schedule = named(client, "schedules", "Database On-Call")
    hannah = named(client, "users", "Hannah Schmidt")
    database = named(client, "teams", "Database")
    levels = [{"delay_minutes": 10, "schedule_ids": [schedule]}, {"delay_minutes": 20, "user_ids": [hannah]}]
    created = first(
        await ok(
            client,
            "create_escalation_policy",
            {"name": "DB night", "levels": levels, "num_loops": 1, "team_ids": [database]},
        )
    )
    assert [(lv["level"], lv["delay_minutes"]) for lv in created["levels"]] == [(1, 10), (2, 20)]
    assert created["levels"][1]["users"][0]["name"] == "Hannah Schmidt" and created["teams"][0]["name"] == "Database"
    seen = record_bodies(client)
    updated = first(
        await ok(client, "update_escalation_policy", {"escalation_policy_id": created["id"], "num_loops": 3})
    )
    assert updated["num_loops"] == 3 and updated["name"] == "DB night" and updated["levels"] == created["levels"]
    put = next(e.request_body for e in seen if e.method == "PUT")["escalation_policy"]
    assert put["num_loops"] == 3 and "description" not in put and "teams" not in put
    assert [r["escalation_delay_in_minutes"] for r in put["escalation_rules"]] == [10, 20]
    by_team = await ok(client, "list_oncalls", {"team_ids": [database]})
    assert "DB night" in {g["escalation_policy"]["name"] for g in by_team["oncalls"]}
    await fails(client, "update_escalation_policy", {"escalation_policy_id": created["id"]}, "INVALID_PARAMETER")
    error = await fails(client, "create_escalation_policy", {"name": "Empty", "levels": [{"delay_minutes": 5}]})
    assert error["code"] == "INVALID_PARAMETER" and error["message"].startswith("levels[0]")
    error = await fails(
        client, "create_escalation_policy", {"name": "Neg", "levels": [{"delay_minutes": 0, "user_ids": [hannah]}]}
    )
    assert error["message"].startswith("levels[0].delay_minutes")
    await fails(
        client,
        "update_escalation_policy",
        {"escalation_policy_id": "PNOPE00", "num_loops": 1},
        "ESCALATION_POLICY_NOT_FOUND",
    )
