"""MCP Apps over stdio, as editors and desktop hosts start the server, in both protocol eras: a host
that declares the extension gets the links, the views and the facts its apps need; one that does not
gets what it always got. Over streamable HTTP, a caller's narrowing decides which views it sees."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from pagerduty_mcp.common.toolkit.apps import APP_MIME_TYPE, RESULT_META
from tests.app_host import APPS_HOST
from tests.harness import HttpServer, http_server, http_session, stdio_session

pytestmark = [pytest.mark.e2e, pytest.mark.anyio, pytest.mark.subprocess]


def stdio(era: str, draws_apps: bool) -> AbstractAsyncContextManager[Client]:
    extensions = [APPS_HOST] if draws_apps else []
    return stdio_session(args=("--log-level", "WARNING"), mode=era, extensions=extensions)


@pytest.fixture(scope="module")
def server() -> Iterator[HttpServer]:
    """One server for every caller's narrowing: they only read."""
    with http_server(["--sandbox"]) as running:
        yield running


@pytest.mark.parametrize("era", ["legacy", "auto"])
async def test_over_stdio_a_host_that_draws_apps_gets_links_views_and_facts(era: str) -> None:
    async with stdio(era, draws_apps=True) as client:
        assert (client.session.protocol_version == "2025-11-25") == (era == "legacy")
        tools = {t.name: t for t in (await client.list_tools()).tools}
        uri = (tools["list_incidents"].meta or {})["ui"]["resourceUri"]
        assert uri == "ui://pagerduty/incident-board"
        assert (tools["get_schedule"].meta or {})["ui"]["resourceUri"] == "ui://pagerduty/oncall-calendar"
        listed = {str(r.uri) for r in (await client.list_resources()).resources}
        assert {uri, "ui://pagerduty/service-map", "ui://pagerduty/oncall-load"} <= listed
        contents = (await client.read_resource(uri)).contents[0]
        assert contents.mime_type == APP_MIME_TYPE and contents.text.startswith("<!DOCTYPE html>")  # type: ignore[union-attr]
        result = await client.call_tool("list_incidents", {})
        facts = (result.meta or {})[RESULT_META]
        assert facts["tools"] == ["list_incidents", "list_log_entries"]  # read-only: no write tool to offer
        levels = sorted(f.get("level") for f in facts["incidents"].values())
        assert levels and levels[-1] == 2 and levels[0] == 1  # one incident escalated by timeout


@pytest.mark.parametrize("era", ["legacy", "auto"])
async def test_over_stdio_a_client_that_does_not_draw_apps_gets_what_it_always_got(era: str) -> None:
    async with stdio(era, draws_apps=False) as client:
        tools = (await client.list_tools()).tools
        assert all(not (t.meta or {}).get("ui") for t in tools)
        assert not [r for r in (await client.list_resources()).resources if str(r.uri).startswith("ui://")]
        result = await client.call_tool("list_incidents", {})
        assert RESULT_META not in (result.meta or {})


@pytest.mark.parametrize(
    ("headers", "apps"),
    [
        ([], {"incident-board", "oncall-calendar", "oncall-load", "service-map"}),
        ([("X-MCP-Tools", "find_coverage_gaps,list_users")], {"oncall-calendar"}),
        ([("X-MCP-Toolsets", "services")], {"service-map"}),
        ([("X-MCP-Toolsets", "aiops")], set()),
    ],
)
async def test_over_http_a_narrowed_caller_sees_an_app_where_it_sees_a_tool_that_draws_it(
    server: HttpServer, headers: list[tuple[str, str]], apps: set[str]
) -> None:
    async with http_session(server.url, headers, extensions=[APPS_HOST]) as client:
        listed = {str(r.uri) for r in (await client.list_resources()).resources if str(r.uri).startswith("ui://")}
        assert listed == {f"ui://pagerduty/{name}" for name in apps}
        tools = (await client.list_tools()).tools
        assert {t.meta["ui"]["resourceUri"] for t in tools if t.meta and "ui" in t.meta} == listed
        if "incident-board" not in apps:  # a view of tools the caller cannot see does not exist for it
            with pytest.raises(MCPError):
                await client.read_resource("ui://pagerduty/incident-board")
