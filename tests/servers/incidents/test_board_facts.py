"""What list_incidents adds for the incident board (teams, escalation policy, escalation level), and
only for a host that draws it: the model's answer is the same text either way."""

from __future__ import annotations

import pytest
from mcp import Client

from pagerduty_mcp.common.hosting.upstream import sandbox_pool
from pagerduty_mcp.common.pagerduty.oauth import ClientCredentials
from pagerduty_mcp.common.toolkit.apps import RESULT_META
from pagerduty_mcp.sandbox import SANDBOX_OAUTH_CLIENT_ID, SANDBOX_OAUTH_CLIENT_SECRET, Sandbox
from pagerduty_mcp.sandbox.model.escalation_policies import escalation_targets
from tests.app_host import Person, apps_session
from tests.servers.incidents.helpers import incident_of, state_of

pytestmark = [pytest.mark.incidents, pytest.mark.anyio]

TOKEN_URL = "https://identity.pagerduty.com/oauth/token"


async def facts(client: Client) -> dict[str, dict]:
    result = await client.call_tool("list_incidents", {})
    found: dict[str, dict] = (result.meta or {})[RESULT_META]["incidents"]
    return found


async def test_each_open_incident_s_level_is_the_one_its_assignees_were_paged_at() -> None:
    async with apps_session("incidents") as client:
        found = await facts(client)
        opened = [i for i in state_of(client).incidents() if i["status"] != "resolved"]
        assert set(found) == {i["id"] for i in opened}
        for incident in opened:
            row = found[incident["id"]]
            assert row["level"] == incident["_escalation_level"]  # the sandbox's own record, never sent
            assert row["escalation_policy"] == {
                "id": incident["escalation_policy"]["id"],
                "name": incident["escalation_policy"]["summary"],
            }
            assert [t["id"] for t in row["teams"]] == [t["id"] for t in incident["teams"]]
        assert {row["level"] for row in found.values()} == {1, 2}


async def test_an_escalation_or_a_reassignment_shows_on_the_next_read() -> None:
    async with apps_session("incidents", person=Person("accept")) as client:
        found = await facts(client)
        first, second = [i for i, row in found.items() if row["level"] == 1][:2]
        escalated = await client.call_tool("manage_incidents", {"incident_ids": [first], "escalation_level": 2})
        assert not escalated.is_error
        # Someone on no level of that policy now: the board says the policy, and no level it cannot know.
        state = state_of(client)
        policy = incident_of(client, second)["escalation_policy"]["id"]
        levels = len(state.get("escalation_policies", policy)["escalation_rules"])
        on_call = {u for level in range(1, levels + 1) for u in escalation_targets(state, policy, level, state.clock())}
        outsider = next(u for u in state.all("users") if u["id"] not in on_call)
        assigned = await client.call_tool(
            "manage_incidents", {"incident_ids": [second], "assignee_ids": [outsider["id"]]}
        )
        assert not assigned.is_error
        again = await facts(client)
        assert again[first]["level"] == 2 == incident_of(client, first)["_escalation_level"]
        assert "level" not in again[second] and again[second]["escalation_policy"] == found[second]["escalation_policy"]


async def test_the_model_reads_the_same_answer_whether_or_not_a_board_draws_it() -> None:
    account = Sandbox()
    async with apps_session("incidents", draws_apps=False, sandbox=account) as plain:
        text = (await plain.call_tool("list_incidents", {})).content[0].text  # type: ignore[union-attr]
    async with apps_session("incidents", sandbox=account) as drawn:
        result = await drawn.call_tool("list_incidents", {})
    assert result.content[0].text == text  # type: ignore[union-attr]
    assert RESULT_META in (result.meta or {})


async def test_without_the_on_call_scope_the_board_gets_no_levels_and_the_incidents_still_answer() -> None:
    box = Sandbox()
    app = ClientCredentials(SANDBOX_OAUTH_CLIENT_ID, SANDBOX_OAUTH_CLIENT_SECRET, ("incidents.read",), TOKEN_URL)
    async with apps_session("incidents", write=False, sandbox=box, pool=sandbox_pool(box, oauth=app)) as client:
        result = await client.call_tool("list_incidents", {})
    assert not result.is_error
    found = (result.meta or {})[RESULT_META]["incidents"]
    assert found and all("level" not in row and row["escalation_policy"] for row in found.values())
    # The client knows the app token's scopes and refuses the /oncalls read before sending it.
    assert [r.path for r in box.request_log if r.path != "/oauth/token"] == ["/incidents"]
