"""Each server as a subprocess over stdio, through the mcp SDK's Client, on the sandbox."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.harness import MODULES, fails, first, ok, server_env, stdio_session

pytestmark = [pytest.mark.e2e, pytest.mark.anyio, pytest.mark.subprocess]

FIRST_CALLS = {
    "people": ("get_user_data", {}, "users"),
    "incidents": ("list_incidents", {"limit": 3}, "incidents"),
    "services": ("list_services", {"limit": 3}, "services"),
    "aiops": ("list_event_orchestrations", {}, "orchestrations"),
}


@pytest.mark.parametrize("key", list(FIRST_CALLS))
async def test_each_area_server_answers_over_stdio(key: str) -> None:
    tool, args, resource = FIRST_CALLS[key]
    async with stdio_session(key) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert tool in names
        envelope = await ok(client, tool, args)
        assert envelope["metadata"]["count"] == len(envelope[resource]) > 0
        assert first(envelope)["id"]


async def test_the_combined_server_narrows_with_toolsets_and_stays_read_only() -> None:
    async with stdio_session("mcp", args=("--toolsets", "people,services")) as client:
        names = {t.name for t in (await client.list_tools()).tools}
    assert "list_users" in names and "list_services" in names
    assert "list_incidents" not in names and "list_event_orchestrations" not in names
    assert all(not n.startswith(("create_", "update_", "delete_")) for n in names)


async def test_a_bad_argument_is_a_clear_error_and_the_server_stays_up() -> None:
    async with stdio_session("incidents") as client:
        error = await fails(client, "list_incidents", {"statuses": ["on_fire"]}, "INVALID_PARAMETER")
        assert "statuses" in error["message"] and "triggered" in error["message"]
        error = await fails(client, "get_incident", {"incident_id": "PNOPE00"})
        assert error["code"] == "INCIDENT_NOT_FOUND"
        error = await fails(client, "get_incident", {"incident_id": "../users"}, "INVALID_PARAMETER")
        # Still answering after the errors.
        assert (await ok(client, "list_incidents", {"limit": 1}))["metadata"]["count"] == 1


@pytest.mark.parametrize("key", list(MODULES))
def test_without_a_credential_each_server_exits_with_one_line_and_an_empty_stdout(key: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", MODULES[key]],
        env=server_env(),
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode != 0
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "PAGERDUTY_USER_API_KEY" in lines[0] and "--sandbox" in lines[0]


def test_an_unknown_tool_name_fails_at_start_listing_valid_names() -> None:
    done = subprocess.run(
        [sys.executable, "-m", MODULES["people"], "--sandbox", "--tools", "list_userz"],
        env=server_env(),
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode != 0 and done.stdout == ""
    assert "list_userz" in done.stderr and "list_users" in done.stderr
    assert "Traceback" not in done.stderr
