"""Scope hiding fails closed, end to end: an observer signed in with PagerDuty (read scopes only)
neither sees nor runs the tools whose endpoints PagerDuty's description leaves without a scope
(shift-based schedule writes, automation actions, the Events API), and PagerDuty (the sandbox)
refuses those endpoints to their token as well."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet

from pagerduty_mcp.sandbox import SANDBOX_OAUTH_CLIENT_ID, SANDBOX_OAUTH_CLIENT_SECRET, Sandbox
from pagerduty_mcp.sandbox.server import ServerInfo
from tests.e2e.sign_in import Balancer, signed_in_client
from tests.harness import HttpServer, http_server, upstream_env

pytestmark = [pytest.mark.e2e, pytest.mark.common, pytest.mark.anyio, pytest.mark.subprocess]

# Each writes (or triggers) through an endpoint PagerDuty's description gives no scope.
UNSCOPED_WRITES = (
    "create_schedule",
    "create_schedule_rotation",
    "delete_schedule_rotation",
    "create_schedule_custom_shifts",
    "delete_schedule_custom_shift",
    "invoke_automation_action",
    "send_event",
    "send_change_event",
)
# And these read through such endpoints: the read scope they now state is the observer's.
UNSCOPED_READS = ("list_schedules", "list_schedule_overrides", "list_automation_actions", "get_user_data")


@pytest.fixture(scope="module")
def signing_in(https_sandbox: ServerInfo) -> Iterator[HttpServer]:
    env = upstream_env(
        https_sandbox,
        PAGERDUTY_OAUTH_CLIENT_ID=SANDBOX_OAUTH_CLIENT_ID,
        PAGERDUTY_OAUTH_CLIENT_SECRET=SANDBOX_OAUTH_CLIENT_SECRET,
        PAGERDUTY_MCP_TOKEN_KEY=Fernet.generate_key().decode(),
    )
    with http_server(["--auth", "oauth", "--enable-write-tools"], env) as server:
        yield server


async def test_an_observer_neither_sees_nor_runs_tools_on_endpoints_without_a_stated_scope(
    signing_in: HttpServer, box: Sandbox, https_sandbox: ServerInfo
) -> None:
    observer = next(u for u in box.state.all("users") if u["role"] == "observer")
    balancer = Balancer(signing_in.base, {"a": signing_in.base}, https_sandbox.ca_path)
    identity_host = https_sandbox.url.removeprefix("https://")
    async with signed_in_client(signing_in.url, balancer, observer["email"], identity_host) as (client, _, storage):
        shown = {t.name for t in (await client.list_tools()).tools}
        assert storage.tokens is not None
        granted = (storage.tokens.scope or "").split()
        assert granted and all(s.endswith(".read") for s in granted)
        assert not set(UNSCOPED_WRITES) & shown
        assert set(UNSCOPED_READS) <= shown
        schedule = next(s["id"] for s in box.state.all("schedules"))
        refused: Any = await client.call_tool(
            "create_schedule_rotation", {"schedule_id": schedule, "name": "x", "shifts": []}
        )
        assert refused.is_error and "Unknown tool: create_schedule_rotation" in refused.content[0].text
        listed = await client.call_tool("list_schedules", {})
        assert not listed.is_error, listed.content
