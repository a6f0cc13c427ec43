"""``uvx`` from the built wheels, outside the repository: every command answers over stdio.

The documented forms: ``uvx pagerduty-<area>`` and ``uvx --from <core> pagerduty-mcp``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import pagerduty_mcp.server
from tests.packaging.wheelhouse import CORE, UNREACHABLE_API_HOST, listed_tools, uvx_env, uvx_session

pytestmark = [pytest.mark.e2e, pytest.mark.install, pytest.mark.anyio]

# command line (as documented, without flags) -> the server name it reports and one tool it lists
COMMANDS = {
    "pagerduty-incidents": (["uvx", "pagerduty-incidents"], "list_incidents"),
    "pagerduty-services": (["uvx", "pagerduty-services"], "list_services"),
    "pagerduty-people": (["uvx", "pagerduty-people"], "list_users"),
    "pagerduty-aiops": (["uvx", "pagerduty-aiops"], "list_event_orchestrations"),
    "pagerduty-mcp": (["uvx", "--from", CORE, "pagerduty-mcp"], "list_oncalls"),
}


@pytest.mark.parametrize("command", list(COMMANDS))
async def test_each_command_starts_from_the_wheels_on_the_sandbox(
    command: str, wheelhouse: Path, outside: Path
) -> None:
    argv, tool = COMMANDS[command]
    async with uvx_session([*argv, "--sandbox"], wheelhouse, outside) as client:
        assert client.server_info.name == command
        assert client.server_info.version == pagerduty_mcp.__version__
        tools = await listed_tools(client)
        assert tool in tools
        assert not any(tools.values()), "read-only unless --enable-write-tools"
        result = await client.call_tool(tool, {})
        assert not result.is_error, result.content


@pytest.mark.parametrize("command", list(COMMANDS))
async def test_each_command_reads_the_env_file_of_its_working_directory(
    command: str, wheelhouse: Path, outside: Path
) -> None:
    # No --sandbox: without the key from .env the server would exit at once; the host from .env
    # is where its first PagerDuty request goes (and fails: nothing listens there).
    (outside / ".env").write_text(
        f"PAGERDUTY_USER_API_KEY=u+dotenvkey000000\nPAGERDUTY_API_HOST={UNREACHABLE_API_HOST}\n"
        "PAGERDUTY_TIMEOUT_SECONDS=2\n"
    )
    argv, tool = COMMANDS[command]
    async with uvx_session(argv, wheelhouse, outside, uvx_env()) as client:
        assert client.server_info.name == command
        assert tool in {t.name for t in (await client.list_tools()).tools}
        result = await client.call_tool(tool, {})
    assert result.is_error
    text = result.content[0].text  # type: ignore[union-attr]
    assert '"code":"UPSTREAM_ERROR"' in text or '"code":"TIMEOUT"' in text, text
    assert "dotenvkey" not in text
