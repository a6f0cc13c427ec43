"""Each server's messages use that server's own client pool, not a process-wide one: two servers
in one process, on two sandbox accounts, each read and write their own account, at once."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from mcp import Client

from pagerduty_mcp.common import get_client, get_pool
from pagerduty_mcp.common.hosting.upstream import sandbox_pool
from pagerduty_mcp.common.pagerduty.context import standalone
from pagerduty_mcp.sandbox import Sandbox
from tests.harness import memory_server, memory_session, ok

pytestmark = [pytest.mark.unit, pytest.mark.common]


def _team_names(box: Sandbox) -> set[str]:
    return {team["name"] for team in box.state.tables["teams"].values()}


@pytest.mark.anyio
async def test_two_servers_in_one_process_each_use_their_own_account() -> None:
    boxes = {"first": Sandbox(), "second": Sandbox()}
    servers = {key: memory_server("people", sandbox=box) for key, box in boxes.items()}
    assert servers["first"].pool is not servers["second"].pool
    before = {key: _team_names(box) for key, box in boxes.items()}
    listed: dict[str, set[str]] = {}

    async def work(key: str, client: Client) -> None:
        for round_ in range(3):  # interleaved with the other server's calls
            await ok(client, "create_team", {"name": f"Only in {key} {round_}"})
            await anyio.sleep(0)
        answer: dict[str, Any] = await ok(client, "list_teams", {"limit": 100})
        listed[key] = {team["name"] for team in answer["teams"]}

    async with (
        memory_session(server=servers["first"], sandbox=boxes["first"]) as first,
        memory_session(server=servers["second"], sandbox=boxes["second"]) as second,
        anyio.create_task_group() as tg,
    ):
        tg.start_soon(work, "first", first)
        tg.start_soon(work, "second", second)

    for key, other in (("first", "second"), ("second", "first")):
        mine = {f"Only in {key} {round_}" for round_ in range(3)}
        assert _team_names(boxes[key]) == before[key] | mine  # each write reached its own account only
        assert mine <= listed[key] and not any(name.startswith(f"Only in {other}") for name in listed[key])
        assert any(r.method == "POST" and r.path == "/teams" for r in boxes[key].request_log)


def test_outside_a_message_tool_code_needs_a_pool_of_its_own() -> None:
    with pytest.raises(RuntimeError, match="no PagerDuty client pool"):
        get_client()
    box = Sandbox()
    pool = sandbox_pool(box)
    with standalone(pool):
        assert get_pool() is pool
        assert get_client().read("/users/me")["user"]["id"]
    assert [r.path for r in box.request_log] == ["/users/me"]
    with pytest.raises(RuntimeError, match="no PagerDuty client pool"):
        get_pool()
