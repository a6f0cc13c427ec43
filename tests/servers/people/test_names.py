"""Questions in words on pagerduty-people alone: names where ids go, people named in replies,
write answers that never read as "nobody on call", and hints that name the server of a tool."""

from __future__ import annotations

import json
import re

import pytest
from mcp import Client

from tests.harness import fails, first, ok
from tests.servers.people.seeded import named, user_id

# A tool name as instructions and hints write one (list_teams, get_event_orchestration_router).
TOOL_NAME = re.compile(r"\b(?:list|get|create|update|delete|add|remove|find|send|append|manage)_[a-z_]+\b")

pytestmark = [pytest.mark.people, pytest.mark.anyio, pytest.mark.server("people")]


async def test_who_is_on_call_for_the_database_team_by_name(client: Client) -> None:
    by_name = await ok(client, "list_oncalls", {"team_ids": ["Database"]})
    by_id = await ok(client, "list_oncalls", {"team_ids": [named(client, "teams", "Database")]})
    assert by_name["oncalls"] == by_id["oncalls"]
    assert by_name["oncalls"][0]["escalation_policy"]["name"] == "Database Escalation"


async def test_an_unknown_service_names_the_server_that_lists_services(client: Client) -> None:
    # A near name: the closest services with their ids are the help, whatever server is loaded.
    error = await fails(client, "list_oncalls", {"service_ids": ["Chekout API"]}, "SERVICE_NOT_FOUND")
    assert error["details"]["parameters"] == ["service_ids"]
    checkout = named(client, "services", "Checkout API")
    assert error["details"]["suggestions"][0] == {"id": checkout, "name": "Checkout API"}
    assert "pagerduty-services" not in error["message"]
    # Nothing near: the tool that lists services, with its server.
    error = await fails(client, "list_oncalls", {"service_ids": ["No Such Thing Anywhere"]}, "SERVICE_NOT_FOUND")
    assert "list_services on pagerduty-services" in error["message"] and "suggestions" not in error["details"]
    # A short list, with no name near, is shown whole.
    error = await fails(client, "get_team", {"team_id": "Night Shift"}, "TEAM_NOT_FOUND")
    assert f"The account's teams: Checkout ({named(client, 'teams', 'Checkout')})," in error["message"]
    assert len(error["details"]["suggestions"]) == 5
    # A longer one is left to its lookup tool: on this server, named plainly.
    error = await fails(client, "list_oncalls", {"user_ids": ["No Such Thing Anywhere"]}, "USER_NOT_FOUND")
    assert "list_users finds" in error["message"] and "pagerduty-people" not in error["message"]


async def test_team_member_replies_name_the_user(client: Client) -> None:
    team = first(await ok(client, "create_team", {"name": "Night Owls"}))
    added = first(
        await ok(client, "add_team_member", {"team_id": "Night Owls", "user_id": "noah.kim@acme-shop.example"})
    )
    assert added["user"] == {"id": user_id(client, "noah.kim"), "name": "Noah Kim"}
    members = await ok(client, "list_team_members", {"team_id": team["id"]})
    assert members["members"][0]["user"] == added["user"]
    removed = await ok(client, "remove_team_member", {"team_id": team["id"], "user_id": "Noah Kim"})
    assert first(removed)["user"] == added["user"] and "Noah Kim" in removed["metadata"]["description"]


async def test_update_schedule_keeps_layer_names_and_never_shows_an_empty_final_schedule(client: Client) -> None:
    noah, ravi = user_id(client, "noah.kim"), user_id(client, "ravi.kapoor")
    layer = {"users": [noah], "rotation_hours": 168, "start": "1d", "name": "Weekdays"}
    created = first(await ok(client, "create_schedule", {"name": "Owls", "time_zone": "UTC", "layers": [layer]}))
    assert "final_schedule" not in created
    layer_id = created["layers"][0]["id"]
    changed = {"id": layer_id, "users": [noah, ravi], "rotation_hours": 24, "start": "1d"}  # no name given
    updated = await ok(client, "update_schedule", {"schedule_id": "Owls", "layers": [changed]})
    schedule = first(updated)
    assert [(lv["id"], lv["name"]) for lv in schedule["layers"]] == [(layer_id, "Weekdays")]
    # Not rendered in a write's answer, so left out rather than shown as "nobody on call".
    assert "final_schedule" not in schedule and "get_schedule" in updated["metadata"]["description"]
    rendered = first(await ok(client, "get_schedule", {"schedule_id": created["id"], "since": "1h"}))
    assert rendered["final_schedule"]


async def test_relative_times_and_the_absolute_window_echoed(client: Client) -> None:
    envelope = await ok(client, "list_oncalls", {"team_ids": ["Database"], "since": "24h", "until": "now"})
    window = envelope["metadata"]["window"]
    assert window["since"] < window["until"] and window["until"].endswith("Z")
    gaps = await ok(client, "find_coverage_gaps", {"schedule_id": "Database On-Call", "since": "today"})
    assert gaps["metadata"]["window"]["since"].endswith("T00:00:00Z")


async def test_the_handoff_prompt_takes_a_team_name(client: Client) -> None:
    result = await client.get_prompt("oncall_handoff", {"team_id": "Database"})
    text = result.messages[0].content.text  # type: ignore[union-attr]
    data = json.loads(text[text.index("{") :])
    assert {g["escalation_policy"]["name"] for g in data["on_call"]} == {"Database Escalation"}


async def test_the_instructions_name_the_siblings_and_only_tools_this_server_has(client: Client) -> None:
    instructions = client.instructions or ""
    for sibling in ("pagerduty-incidents", "pagerduty-services", "pagerduty-aiops"):
        assert sibling in instructions
    tools = {t.name for t in (await client.list_tools()).tools}
    assert set(TOOL_NAME.findall(instructions)) <= tools


async def test_the_load_of_a_team_named_in_words(client: Client) -> None:
    by_name = await ok(client, "get_oncall_load", {"team_id": "Database", "since": "7d", "count_incidents": False})
    team = named(client, "teams", "Database")
    by_id = await ok(client, "get_oncall_load", {"team_id": team, "since": "7d", "count_incidents": False})
    assert by_name["people"] == by_id["people"] and len(by_name["people"]) == 4


async def test_the_time_forms_are_said_once_for_every_time_parameter(client: Client) -> None:
    # The server's instructions say which forms every since/until takes; the parameters do not repeat it.
    assert "24h/7d/2w" in (client.instructions or "")
    timed = 0
    for tool in (await client.list_tools()).tools:
        for name, prop in tool.input_schema["properties"].items():
            if name in ("since", "until"):
                timed += 1
                assert prop["description"].startswith(("Start", "End")) and "24h" not in prop["description"]
    assert timed >= 10


async def test_a_name_shaped_exactly_like_an_id_is_tried_as_a_name_when_no_such_id_exists(client: Client) -> None:
    team = first(await ok(client, "create_team", {"name": "PROD123"}))  # P + 6 with a digit: an id's shape
    box = client.sandbox  # type: ignore[attr-defined]
    before = len(box.request_log)
    got = first(await ok(client, "get_team", {"team_id": "PROD123"}))
    assert got["id"] == team["id"]
    sent = [f"{r.method} {r.path}" for r in list(box.request_log)[before:]]
    assert sent[:2] == ["GET /teams/PROD123", "GET /teams"]  # the id first, then the name
    members = await ok(client, "list_users", {"team_ids": ["PROD123"]})  # empty, as the new team is
    assert members["metadata"]["count"] == 0
    # A write is never run twice: its error offers the team so named.
    noah = user_id(client, "noah.kim")
    error = await fails(client, "add_team_member", {"team_id": "PROD123", "user_id": noah}, "TEAM_NOT_FOUND")
    assert error["details"]["suggestions"][0] == {"id": team["id"], "name": "PROD123"}
    assert box.state.memberships[team["id"]] == {}  # nothing was written
