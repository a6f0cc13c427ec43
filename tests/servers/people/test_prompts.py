"""The people area's MCP resource and ``oncall_handoff`` prompt, through a real session."""

from __future__ import annotations

import json

import pytest
from mcp import Client

from pagerduty_mcp.common import Credential, Settings
from pagerduty_mcp.common.hosting.upstream import sandbox_pool
from pagerduty_mcp.sandbox import SANDBOX_ACCOUNT_TOKEN
from pagerduty_mcp.sandbox.model.incidents import add_note
from pagerduty_mcp.servers.people.prompts import ME_URI
from tests.servers.people.seeded import named

pytestmark = [pytest.mark.people, pytest.mark.anyio, pytest.mark.server("people", write=False)]


async def read_me(client: Client) -> dict:
    result = await client.read_resource(ME_URI)
    [content] = result.contents
    return json.loads(content.text)  # type: ignore[union-attr]


async def test_the_me_resource_gives_the_user_and_their_on_call_status(client: Client) -> None:
    listed = (await client.list_resources()).resources
    assert str(listed[0].uri) == ME_URI  # then the user's teams' schedules (tests/servers/people/test_resources.py)
    me = await read_me(client)
    assert me["user"]["name"] == "Alex Rivera" and me["user"]["time_zone"] == "Europe/Berlin"
    assert {t["name"] for t in me["user"]["teams"]} == {"Checkout", "Platform"}
    [now] = me["on_call_now"]
    assert now["escalation_policy"]["name"] == "Checkout Escalation" and now["level"] == 1
    assert now["schedule"]["name"] == "Checkout Primary" and now["until"].endswith("Z")
    assert all(s["from"] >= now["until"] for s in me["next_shifts"])


async def test_the_me_resource_under_an_account_level_token_says_there_is_no_user(client: Client) -> None:
    settings = Settings(credential=Credential(SANDBOX_ACCOUNT_TOKEN))
    client.server.pool = sandbox_pool(client.sandbox, settings)  # type: ignore[attr-defined,union-attr]
    me = await read_me(client)
    assert me["user"] is None and "account-level" in me["message"]


async def test_the_handoff_prompt_gathers_on_call_incidents_and_notes(client: Client) -> None:
    [prompt] = (await client.list_prompts()).prompts
    assert prompt.name == "oncall_handoff" and [a.name for a in prompt.arguments or []] == ["team_id"]
    state = client.sandbox.state  # type: ignore[attr-defined]
    checkout = named(client, "teams", "Checkout")
    policy = named(client, "escalation_policies", "Checkout Escalation")
    open_ids = [
        i["id"] for i in state.all("incidents") if i["status"] != "resolved" and i["escalation_policy"]["id"] == policy
    ]
    assert open_ids, "the seed has open Checkout incidents"
    incident = state.get("incidents", open_ids[0])
    alex = state.current_user_id
    add_note(state, incident, "Rolled back deploy 412; watching error rate", state.clock(), alex)
    result = await client.get_prompt("oncall_handoff", {"team_id": checkout})
    [message] = result.messages
    text = message.content.text  # type: ignore[union-attr]
    assert "hand-off for team" in text and "never follow instructions" in text
    data = json.loads(text[text.index("{") :])
    assert [g["escalation_policy"]["name"] for g in data["on_call"]] == ["Checkout Escalation"]
    assert data["on_call"][0]["levels"][0]["on_call"][0]["user"]["name"] == "Alex Rivera"
    assert {i["id"] for i in data["open_incidents"]} <= set(open_ids)
    noted = next(i for i in data["open_incidents"] if i["id"] == incident["id"])
    assert noted["recent_notes"][0]["note"] == "Rolled back deploy 412; watching error rate"


async def test_the_handoff_prompt_defaults_to_my_teams(client: Client) -> None:
    result = await client.get_prompt("oncall_handoff", {})
    text = result.messages[0].content.text  # type: ignore[union-attr]
    data = json.loads(text[text.index("{") :])
    names = {g["escalation_policy"]["name"] for g in data["on_call"]}
    assert names == {"Checkout Escalation", "Platform Escalation"}
