"""Findings 1 and 2 of issue 17: nothing gets around a filter.

1. Prompts and resources read through tools, so they answer to the same filters as those tools:
   the operator's flags (``--tools``, ``--exclude-tools``, ``--toolsets``) and a caller's
   narrowing headers. A hidden one answers exactly like an unknown one.
2. Narrowing headers fail closed: any true ``X-MCP-Readonly`` wins, and repeated ``X-MCP-Toolsets``
   or ``X-MCP-Tools`` lines intersect, so a proxy's appended line bounds the client's own.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from mcp.shared.exceptions import MCPError
from mcp_types import ResourceTemplateReference

from pagerduty_mcp.catalog import areas_of
from pagerduty_mcp.common.toolkit.reads import Reads
from pagerduty_mcp.common.toolkit.registry import ToolFilter
from pagerduty_mcp.common.toolkit.server import PagerDutyMCPServer, create_pagerduty_server
from pagerduty_mcp.server import AREAS
from pagerduty_mcp.servers.people.prompts import ME_URI
from tests.harness import HttpServer, http_server, http_session, stdio_session

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

ALL_PROMPTS = {"triage_incident", "incident_summary", "oncall_handoff"}
ALL_TEMPLATES = {
    "pagerduty://incidents/{incident}",
    "pagerduty://services/{service}",
    "pagerduty://schedules/{schedule}",
    "pagerduty://users/{user}",
    "pagerduty://teams/{team}",
    "pagerduty://escalation_policies/{escalation_policy}",
}
Headers = Sequence[tuple[str, str]]


def kinds(uris: set[str]) -> set[str]:
    """The fixed resources by URI, the listed ones by collection (``pagerduty://incidents/60``: incidents)."""
    return {uri if uri == ME_URI else uri.split("/")[2] for uri in uris}


@pytest.fixture(scope="module")
def server() -> Iterator[HttpServer]:
    with http_server(["--sandbox", "--enable-write-tools"], {}) as running:
        yield running


async def _surface(url: str, headers: Headers) -> tuple[set[str], set[str], set[str]]:
    """(tools, prompts, resource URIs and templates) a caller sending ``headers`` sees."""
    async with http_session(url, headers) as client:
        tools = {t.name for t in (await client.list_tools()).tools}
        prompts = {p.name for p in (await client.list_prompts()).prompts}
        resources = kinds({str(r.uri) for r in (await client.list_resources()).resources})
        templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
    return tools, prompts, resources | templates


# --- 1: prompts and resources follow the tools they read --------------------------------------


@pytest.mark.subprocess
async def test_a_server_narrowed_to_one_tool_serves_no_prompt_or_resource_of_other_data() -> None:
    async with stdio_session("mcp", args=("--tools", "list_services")) as client:
        assert {t.name for t in (await client.list_tools()).tools} == {"list_services"}
        assert (await client.list_prompts()).prompts == []
        assert (await client.list_resources()).resources == []
        with pytest.raises(MCPError, match="Unknown prompt: triage_incident"):
            await client.get_prompt("triage_incident", {"incident_id": "1"})
        with pytest.raises(MCPError, match="Unknown resource"):
            await client.read_resource(ME_URI)


@pytest.mark.subprocess
async def test_excluding_one_tool_a_prompt_reads_removes_that_prompt_only() -> None:
    async with stdio_session("mcp", args=("--exclude-tools", "list_incident_notes")) as client:
        prompts = {p.name for p in (await client.list_prompts()).prompts}
        resources = {str(r.uri) for r in (await client.list_resources()).resources}
    # incident_summary and oncall_handoff show notes, and so do incident resources; triage_incident,
    # the current user and schedules do not.
    assert prompts == {"triage_incident"}
    assert kinds(resources) == {ME_URI, "schedules"}


def test_operator_filters_decide_registration() -> None:
    def prompts_of(flt: ToolFilter, key: str = "mcp") -> set[str]:
        server = create_pagerduty_server("t", areas_of(key), flt)
        return {p.name for p in server._prompt_manager.list_prompts()}

    assert prompts_of(ToolFilter()) == ALL_PROMPTS
    assert prompts_of(ToolFilter(toolsets=frozenset({"incidents"}))) == {"triage_incident", "incident_summary"}
    # The hand-off shows incidents: a server narrowed to people alone does not serve it.
    assert prompts_of(ToolFilter(toolsets=frozenset({"people"}))) == set()
    assert prompts_of(ToolFilter(tools=frozenset({"list_oncalls", "list_incidents"}))) == set()
    both = frozenset({"list_oncalls", "list_incidents", "list_incident_notes"})
    assert prompts_of(ToolFilter(tools=both)) == {"oncall_handoff"}


def test_every_declared_read_is_a_real_read_tool() -> None:
    server = create_pagerduty_server("t", areas_of("mcp"), ToolFilter(enable_write_tools=True))
    assert isinstance(server, PagerDutyMCPServer)
    apps = {f"resource:{app.uri}" for area in AREAS for app in area.apps}  # each shown where a tool that draws it is
    assert set(server.reads_of) == (
        {f"prompt:{p}" for p in ALL_PROMPTS} | {f"resource:{ME_URI}"} | {f"resource:{t}" for t in ALL_TEMPLATES} | apps
    )
    for key, reads in server.reads_of.items():
        assert isinstance(reads, Reads)
        for name, toolset in reads.tools:
            assert toolset is not None, f"{key} reads {name}, which no area serves"
            assert server.toolset_of[name] == toolset


@pytest.mark.subprocess
async def test_a_narrowed_caller_sees_no_prompt_or_resource_of_hidden_tools(server: HttpServer) -> None:
    _, prompts, resources = await _surface(server.url, [])
    assert prompts == ALL_PROMPTS and resources == {ME_URI, "incidents", "schedules"} | ALL_TEMPLATES
    tools, prompts, resources = await _surface(server.url, [("X-MCP-Tools", "list_services")])
    assert tools == {"list_services"} and prompts == set() and resources == set()
    _, prompts, resources = await _surface(server.url, [("X-MCP-Tools", "list_services,get_service")])
    assert prompts == set() and resources == {"pagerduty://services/{service}"}
    _, prompts, resources = await _surface(server.url, [("X-MCP-Toolsets", "people")])
    people = {t for t in ALL_TEMPLATES if t.split("/")[2] in ("schedules", "users", "teams", "escalation_policies")}
    assert prompts == set() and resources == {ME_URI, "schedules"} | people
    _, prompts, _ = await _surface(server.url, [("X-MCP-Toolsets", "people,incidents")])
    assert prompts == ALL_PROMPTS
    async with http_session(server.url, [("X-MCP-Toolsets", "services")]) as client:
        with pytest.raises(MCPError) as hidden:
            await client.get_prompt("triage_incident", {"incident_id": "1"})
        with pytest.raises(MCPError) as unknown:
            await client.get_prompt("no_such_prompt", {})
        assert str(hidden.value) == str(unknown.value).replace("no_such_prompt", "triage_incident")
        with pytest.raises(MCPError, match="Unknown resource"):
            await client.read_resource(ME_URI)
        # A hidden template answers exactly as an unknown URI, and completes to nothing.
        with pytest.raises(MCPError) as hidden_template:
            await client.read_resource("pagerduty://incidents/60")
        assert str(hidden_template.value) == "Unknown resource: pagerduty://incidents/60"
        ref = ResourceTemplateReference(uri="pagerduty://incidents/{incident}")
        assert (await client.complete(ref, {"name": "incident", "value": "6"})).completion.values == []


# --- 2: narrowing headers fail closed ---------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        [("X-MCP-Readonly", "false"), ("X-MCP-Readonly", "true")],
        [("X-MCP-Readonly", "true"), ("X-MCP-Readonly", "false")],
        [("X-MCP-Readonly", "false, true")],
        [("X-MCP-Readonly", "no,1")],
    ],
    ids=["false-then-true", "true-then-false", "merged", "merged-1"],
)
@pytest.mark.subprocess
async def test_any_true_readonly_value_hides_writes(server: HttpServer, headers: Headers) -> None:
    tools, _, _ = await _surface(server.url, headers)
    assert "list_incidents" in tools
    assert "create_incident" not in tools and "manage_incidents" not in tools
    async with http_session(server.url, headers) as client:
        result = await client.call_tool("create_incident", {"title": "x", "service_id": "PABC123"})
    assert result.is_error and result.content[0].text == "Unknown tool: create_incident"  # type: ignore[union-attr]


@pytest.mark.subprocess
async def test_repeated_toolset_and_tool_lines_intersect(server: HttpServer) -> None:
    # The client asks for incidents and people; the proxy appends its policy: people only.
    tools, _, _ = await _surface(server.url, [("X-MCP-Toolsets", "incidents,people"), ("X-MCP-Toolsets", "people")])
    assert "get_user_data" in tools and "list_incidents" not in tools
    # The same, the other way round: the order of the lines does not matter.
    again, _, _ = await _surface(server.url, [("X-MCP-Toolsets", "people"), ("X-MCP-Toolsets", "incidents,people")])
    assert again == tools
    named, _, _ = await _surface(
        server.url, [("X-MCP-Tools", "list_incidents,get_user_data"), ("X-MCP-Tools", "get_user_data,list_users")]
    )
    assert named == {"get_user_data"}
    # Lines that share nothing leave nothing: never the union.
    disjoint, _, _ = await _surface(server.url, [("X-MCP-Toolsets", "incidents"), ("X-MCP-Toolsets", "people")])
    assert disjoint == set()
