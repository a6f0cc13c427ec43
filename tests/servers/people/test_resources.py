"""The people area's resources (schedules, users, teams, escalation policies), the team schedules in
resources/list, and their completions, through a real MCP client."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS, PromptReference, ResourceTemplateReference

from pagerduty_mcp.common import Credential, Settings
from pagerduty_mcp.common.hosting.upstream import sandbox_pool
from pagerduty_mcp.sandbox import SANDBOX_ACCOUNT_TOKEN
from pagerduty_mcp.servers.people.prompts import ME_URI
from pagerduty_mcp.servers.people.resources import (
    ESCALATION_POLICY_URI,
    SCHEDULE_URI,
    TEAM_URI,
    USER_URI,
    this_week_and_next,
)
from tests.harness import ok
from tests.servers.people.seeded import named, user_id

pytestmark = [pytest.mark.people, pytest.mark.anyio, pytest.mark.server("people", write=False)]


async def read(client: Client, uri: str) -> dict[str, Any]:
    [content] = (await client.read_resource(uri)).contents
    assert content.mime_type == "application/json"
    return json.loads(content.text)  # type: ignore[union-attr,no-any-return]


async def values(client: Client, template: str, variable: str, typed: str) -> list[str]:
    ref = ResourceTemplateReference(uri=template)
    return (await client.complete(ref, {"name": variable, "value": typed})).completion.values


async def test_the_four_templates_are_listed(client: Client) -> None:
    listed = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
    assert listed == {SCHEDULE_URI, USER_URI, TEAM_URI, ESCALATION_POLICY_URI}


@pytest.mark.parametrize("name", ["Checkout Primary", "Personalization Shifts"])  # layers; shifts
async def test_a_schedule_of_either_kind_shows_this_week_and_next(client: Client, name: str) -> None:
    schedule = await read(client, f"pagerduty://schedules/{quote(name)}")
    now = datetime.now(UTC)
    start, end = this_week_and_next(now)
    assert start.weekday() == 0 and start <= now < end and (end - start).days == 14
    same = await ok(client, "get_schedule", {"schedule_id": name, "since": start.isoformat(), "until": end.isoformat()})
    [row] = schedule["schedules"]
    assert row["name"] == name and row["kind"] == same["schedules"][0]["kind"]
    assert row["final_schedule"] == same["schedules"][0]["final_schedule"]  # the tool's own shifts
    on_now = [
        shift["user"]
        for shift in row["final_schedule"]
        if datetime.fromisoformat(shift["start"]) <= now < datetime.fromisoformat(shift["end"])
    ]
    assert row["on_call_now"] == (on_now or "nobody")
    by_id = await read(client, f"pagerduty://schedules/{row['id']}")
    assert by_id["schedules"][0]["id"] == row["id"]


async def test_users_teams_and_policies_read_by_name_email_id_and_url(client: Client) -> None:
    alex = user_id(client, "alex.rivera")
    by_email = await read(client, "pagerduty://users/alex.rivera%40acme-shop.example")
    by_name = await read(client, "pagerduty://users/alex%20rivera")  # case-insensitive
    assert by_email == by_name == await ok(client, "get_user", {"user_id": alex})
    team = named(client, "teams", "Checkout")
    assert (await read(client, "pagerduty://teams/Checkout")) == await ok(client, "get_team", {"team_id": team})
    url = client.sandbox.state.get("teams", team)["html_url"]  # type: ignore[attr-defined]
    assert (await read(client, f"pagerduty://teams/{quote(url, safe='')}"))["teams"][0]["id"] == team
    policy = named(client, "escalation_policies", "Checkout Escalation")
    read_policy = await read(client, f"pagerduty://escalation_policies/{policy}")
    assert read_policy == await ok(client, "get_escalation_policy", {"escalation_policy_id": policy})


async def test_an_unknown_name_says_which_variable_and_where_to_look(client: Client) -> None:
    with pytest.raises(MCPError) as unknown:
        await client.read_resource("pagerduty://teams/Nobody%20Here")
    assert unknown.value.error.code == INVALID_PARAMS
    data = unknown.value.error.data
    assert data["code"] == "TEAM_NOT_FOUND" and data["parameters"] == ["team"] and len(data["suggestions"]) == 5
    assert unknown.value.error.message.startswith("TEAM_NOT_FOUND: team: no team with id or name 'Nobody Here'")
    assert "The account's teams: Checkout (" in unknown.value.error.message


async def test_resources_list_offers_me_then_my_teams_schedules(client: Client) -> None:
    listed = (await client.list_resources()).resources
    assert str(listed[0].uri) == ME_URI
    schedules = {str(r.uri): r for r in listed[1:]}
    mine = await ok(client, "list_schedules", {"scope": "my_teams"})
    assert set(schedules) == {f"pagerduty://schedules/{s['id']}" for s in mine["schedules"]}
    checkout = schedules[f"pagerduty://schedules/{named(client, 'schedules', 'Checkout Primary')}"]
    assert checkout.name == checkout.title == "Checkout Primary"
    assert checkout.description == (
        "layer-based on-call schedule of Checkout (Europe/Berlin): who is on call this week and next"
    )


async def test_an_account_level_token_lists_every_schedule(client: Client) -> None:
    client.server.pool = sandbox_pool(client.sandbox, Settings(credential=Credential(SANDBOX_ACCOUNT_TOKEN)))  # type: ignore[attr-defined,union-attr]
    listed = (await client.list_resources()).resources
    every = (await ok(client, "list_schedules", {"limit": 100}))["schedules"]  # both kinds
    assert {str(r.uri) for r in listed[1:]} == {f"pagerduty://schedules/{s['id']}" for s in every}
    assert len(every) > 2 and any(r.description and r.description.startswith("shift-based") for r in listed)


async def test_each_variable_completes_by_name_word_id_and_email(client: Client) -> None:
    assert await values(client, TEAM_URI, "team", "") == [
        "Checkout",
        "Database",
        "Payments",
        "Personalization",
        "Platform",
    ]
    assert await values(client, TEAM_URI, "team", "pla") == ["Platform"]
    assert await values(client, SCHEDULE_URI, "schedule", "shif") == ["Personalization Shifts"]  # a word
    assert "Checkout Escalation" in await values(client, ESCALATION_POLICY_URI, "escalation_policy", "CHECK")
    users = await values(client, USER_URI, "user", "alex")
    assert users[0] == "Alex Rivera" and "alex.rivera@acme-shop.example" in users
    team = named(client, "teams", "Checkout")
    assert await values(client, TEAM_URI, "team", team.lower()) == [team]
    handoff = await client.complete(PromptReference(name="oncall_handoff"), {"name": "team_id", "value": "d"})
    assert handoff.completion.values == ["Database"]


@pytest.mark.server("people", write=True)
async def test_a_name_two_objects_share_is_offered_by_id(client: Client) -> None:
    first = await ok(client, "create_user", {"name": "Sam Lee", "email": "sam.lee@acme-shop.example"})
    second = await ok(client, "create_user", {"name": "Sam Lee", "email": "sam.lee2@acme-shop.example"})
    offered = await values(client, USER_URI, "user", "sam")
    ids = {first["users"][0]["id"], second["users"][0]["id"]}
    assert "Sam Lee" not in offered  # ambiguous wherever it would be used
    assert ids <= set(offered)
    with pytest.raises(MCPError, match="AMBIGUOUS_NAME"):
        await client.read_resource("pagerduty://users/Sam%20Lee")


async def test_what_the_caller_cannot_see_completes_to_nothing(client: Client) -> None:
    unknown_prompt = await client.complete(PromptReference(name="no_such_prompt"), {"name": "x", "value": ""})
    unknown_argument = await values(client, TEAM_URI, "not_a_variable", "")
    unknown_template = await values(client, "pagerduty://nothing/{x}", "x", "")
    assert unknown_prompt.completion.values == unknown_argument == unknown_template == []
    assert unknown_prompt.completion.total == 0 and unknown_prompt.completion.has_more is False
