"""MCP Apps: who sees what (hosts that draw apps, and every other client), and what each app is."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

import pytest

from pagerduty_mcp.common import ToolFilter
from pagerduty_mcp.common.pagerduty.context import Narrowing
from pagerduty_mcp.common.toolkit.apps import APP_MIME_TYPE, EXTENSION_ID, RESULT_META, App
from pagerduty_mcp.common.toolkit.reads import Reads
from pagerduty_mcp.server import AREAS
from tests.app_host import apps_session

pytestmark = [pytest.mark.unit, pytest.mark.anyio]

APPS: list[tuple[str, App]] = [(area.name, app) for area in AREAS for app in area.apps]
# The first call of each app's first tool: enough to answer on a fresh sandbox.
FIRST_CALL = {
    "list_incidents": {},
    "get_schedule": {"schedule_id": "Database On-Call"},
    "get_oncall_load": {"team_id": "Database"},
    "get_service_dependencies": {"service_id": "Orders DB"},
}
MAX_APP_BYTES = 40_000


def test_every_area_with_a_picture_to_show_has_its_app() -> None:
    assert {app.uri: area for area, app in APPS} == {
        "ui://pagerduty/incident-board": "incidents",
        "ui://pagerduty/oncall-calendar": "people",
        "ui://pagerduty/oncall-load": "people",
        "ui://pagerduty/service-map": "services",
    }


@pytest.mark.parametrize("key", [*(area.name for area in AREAS if area.apps), "mcp"])
async def test_a_client_that_does_not_draw_apps_sees_nothing_new(key: str) -> None:
    async with apps_session(key, draws_apps=False) as client:
        tools = (await client.list_tools()).tools
        assert all(tool.meta is None or "ui" not in tool.meta for tool in tools)
        listed = [str(r.uri) for r in (await client.list_resources()).resources]
        assert not [uri for uri in listed if uri.startswith("ui://")]
        names = {t.name for t in tools}
        for _, app in APPS:
            tool = app.drawn_by[0]
            if tool not in names:
                continue
            result = await client.call_tool(tool, FIRST_CALL[tool])
            assert not result.is_error
            assert RESULT_META not in (result.meta or {})
            # Reading one is still allowed (it holds no data): a client may look at what it would get.
            contents = (await client.read_resource(app.uri)).contents[0]
            assert contents.mime_type == APP_MIME_TYPE


@pytest.mark.parametrize("key", [*(area.name for area in AREAS if area.apps), "mcp"])
async def test_a_host_that_draws_apps_learns_which_app_draws_which_tool(key: str) -> None:
    served = [app for area, app in APPS if key in (area, "mcp")]
    async with apps_session(key) as client:
        assert EXTENSION_ID in (client.server_capabilities.extensions or {})
        tools = {t.name: t for t in (await client.list_tools()).tools}
        expected = {tool: app.uri for app in served for tool in app.drawn_by}
        named = {name: t.meta["ui"]["resourceUri"] for name, t in tools.items() if t.meta and "ui" in t.meta}
        assert named == expected
        resources = {str(r.uri): r for r in (await client.list_resources()).resources if str(r.uri).startswith("ui://")}
        assert set(resources) == {app.uri for app in served}
        for app in served:
            listed = resources[app.uri]
            assert listed.mime_type == APP_MIME_TYPE and listed.title == app.title
            contents = (await client.read_resource(app.uri)).contents[0]
            assert contents.mime_type == APP_MIME_TYPE
            ui = (contents.meta or {})["ui"]
            assert ui["csp"] == {"connectDomains": [], "resourceDomains": []}  # no origin at all
            assert ui["prefersBorder"] is True


async def test_the_definitions_a_host_of_apps_gets_differ_only_by_the_app_each_tool_names() -> None:
    def dumped(tools: list[Any]) -> list[dict[str, Any]]:
        return [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]

    async with apps_session("mcp", draws_apps=False) as plain_client:
        plain = dumped((await plain_client.list_tools()).tools)
    async with apps_session("mcp") as apps_client:
        drawn = dumped((await apps_client.list_tools()).tools)
    extra = len(json.dumps(drawn, separators=(",", ":"))) - len(json.dumps(plain, separators=(",", ":")))
    assert 0 < extra < 70 * sum(len(app.drawn_by) for _, app in APPS)  # one short _meta per drawing tool
    for before, after in zip(plain, drawn, strict=True):
        ui = after.pop("_meta", None)
        assert before == after
        assert ui is None or set(ui) == {"ui"}


@pytest.mark.parametrize(("write", "expected"), [(False, ["list_incidents", "list_log_entries"]), (True, None)])
async def test_a_drawn_result_tells_the_app_which_tools_it_may_call_for_this_caller(
    write: bool, expected: list[str] | None
) -> None:
    async with apps_session("incidents", write=write) as client:
        result = await client.call_tool("list_incidents", {})
        tools = (result.meta or {})[RESULT_META]["tools"]
        assert tools == (expected or ["list_incidents", "list_log_entries", "manage_incidents", "add_note_to_incident"])
        # A tool that draws nothing carries nothing for an app.
        other = await client.call_tool("list_priorities", {})
        assert RESULT_META not in (other.meta or {})


async def test_the_operator_s_filter_decides_which_apps_are_served() -> None:
    only_schedules = ToolFilter(tools=frozenset({"get_schedule", "list_teams"}))
    async with apps_session("people", flt=only_schedules) as client:
        uris = {str(r.uri) for r in (await client.list_resources()).resources if str(r.uri).startswith("ui://")}
        assert uris == {"ui://pagerduty/oncall-calendar"}
        result = await client.call_tool("get_schedule", {"schedule_id": "Database On-Call"})
        # The calendar may refresh its schedule, and nothing else here: the operator left the rest out.
        assert (result.meta or {})[RESULT_META]["tools"] == ["get_schedule"]
    async with apps_session("mcp", flt=ToolFilter(toolsets=frozenset({"services"}))) as client:
        uris = {str(r.uri) for r in (await client.list_resources()).resources if str(r.uri).startswith("ui://")}
        assert uris == {"ui://pagerduty/service-map"}


def test_a_view_shows_to_a_caller_who_may_see_any_one_tool_that_draws_it() -> None:
    calendar = next(app for _, app in APPS if app.name == "oncall-calendar")
    reads = Reads.of(calendar.draws, {name: "people" for name in calendar.drawn_by}, any_one=True)
    assert reads.pass_narrowing(Narrowing(tools=frozenset({"find_coverage_gaps"})))
    assert not reads.pass_narrowing(Narrowing(tools=frozenset({"list_users"})))
    assert not reads.pass_narrowing(Narrowing(toolsets=frozenset({"incidents"})))
    everything = Reads.of(calendar.draws, {name: "people" for name in calendar.drawn_by})
    assert not everything.pass_narrowing(Narrowing(tools=frozenset({"find_coverage_gaps"})))


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@pytest.mark.parametrize("app", [app for _, app in APPS], ids=[app.name for _, app in APPS])
def test_each_app_is_one_small_document_that_runs_only_its_own_code_and_reaches_nothing(app: App) -> None:
    html = app.html()
    assert html.startswith("<!DOCTYPE html>") and len(html.encode()) < MAX_APP_BYTES
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    styles = re.findall(r"<style([^>]*)>(.*?)</style>", html, re.S)
    assert len(scripts) == 1 and len(styles) == 1 and scripts[0][0] == "" and styles[0][0] == ""
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert policy is not None
    directives = dict(d.strip().split(" ", 1) for d in policy.group(1).split(";"))
    assert directives["default-src"] == "'none'" and directives["connect-src"] == "'none'"
    assert directives["script-src"] == _hash(scripts[0][1])  # exactly this script, nothing inline besides
    assert directives["style-src"] == _hash(styles[0][1])
    for sign in (
        "src=",
        "href=",
        "@import",
        "fetch(",
        "XMLHttpRequest",
        "WebSocket",
        "EventSource",
        "sendBeacon",
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "style=",
    ):
        assert sign not in html, f"{app.name} has {sign}"
    assert not re.search(r"url\((?!#)", html), "url() only for a fragment of the document itself (an SVG marker)"
    # The one address in it is SVG's namespace, which is a name, not a place to go.
    assert set(re.findall(r"https?://[^\s\"')]+", html)) <= {"http://www.w3.org/2000/svg"}


def test_the_apps_kit_is_shared_not_copied() -> None:
    sources = [(app.source / f"{app.name}.js").read_text() for _, app in APPS]
    for text in sources:
        assert "postMessage" not in text  # the bridge is the kit's alone
        assert "ui/initialize" not in text
