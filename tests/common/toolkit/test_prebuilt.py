"""Tools registered from the kept schemas: the same tools/list, the same calls, built on first use,
and the SDK's way wherever the file does not know a function as it is."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Annotated, Any

import anyio
import pytest
from mcp import Client
from mcp.server.mcpserver.tools.base import Tool
from pydantic import Field

from pagerduty_mcp.catalog import SERVERS, server_tools, tool_schemas
from pagerduty_mcp.common import Area, ToolFilter, create_pagerduty_server, tool
from pagerduty_mcp.common.toolkit import prebuilt
from pagerduty_mcp.common.toolkit.prebuilt import SCHEMAS, PrebuiltTool, entry_of, key_of, registered_the_sdk_way

pytestmark = [pytest.mark.unit, pytest.mark.common]


@tool("Count")
def count(
    things: Annotated[list[str], Field(max_length=3, description="Things to count.")],
    limit: Annotated[int, Field(ge=1, le=10, description="At most.")] = 5,
) -> dict[str, Any]:
    """Count things."""
    return {"metadata": {"count": 1, "description": "counted"}, "counts": [{"things": len(things[:limit])}]}


AREA = Area("things", "things", "Things.", [count])


def _kept() -> dict[str, dict[str, Any]]:
    """What the file would keep of ``count``, as the catalogue writes it."""
    with registered_the_sdk_way():
        server = create_pagerduty_server("kept", [AREA], ToolFilter())
    registered = server._tool_manager.get_tool("count")
    assert registered is not None
    return {key_of(count): json.loads(json.dumps(entry_of(registered)))}


@pytest.fixture
def kept(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, dict[str, Any]]]:
    entries = _kept()
    monkeypatch.setattr(prebuilt, "_entries", entries)
    yield entries


async def _call(server: Any, arguments: dict[str, Any]) -> tuple[bool, str]:
    async with Client(server) as client:
        result = await client.call_tool("count", arguments)
    return bool(result.is_error), "".join(getattr(c, "text", "") for c in result.content)


def test_the_kept_file_is_what_the_sdk_registers_today() -> None:
    assert SCHEMAS.read_text() == tool_schemas(), "pagerduty_mcp/tool_schemas.json is stale: run `make docs`"


@pytest.mark.anyio
@pytest.mark.parametrize("key", list(SERVERS))
async def test_every_server_publishes_the_same_tools_from_the_file_as_the_sdk_way(key: str) -> None:
    from pagerduty_mcp import catalog

    published = await server_tools(key, write=True)
    catalog._listed.clear()
    try:
        with registered_the_sdk_way():
            built = await server_tools(key, write=True)
    finally:
        catalog._listed.clear()
    assert json.dumps(published) == json.dumps(built)
    server = create_pagerduty_server(SERVERS[key], catalog.areas_of(key), ToolFilter(enable_write_tools=True))
    assert all(isinstance(t, PrebuiltTool) for t in server._tool_manager.list_tools())


@pytest.mark.anyio
async def test_a_prebuilt_tool_builds_its_model_on_its_first_call_and_validates_as_the_sdk_does(
    kept: dict[str, dict[str, Any]],
) -> None:
    server = create_pagerduty_server("fast", [AREA], ToolFilter())
    registered = server._tool_manager.get_tool("count")
    assert isinstance(registered, PrebuiltTool) and "fn_metadata" not in registered.__dict__
    good = {"things": ["a", "b"], "limit": 1}
    assert await _call(server, good) == await _sdk_way(good) == (False, await _text_of(good))
    assert "fn_metadata" in registered.__dict__  # built once, then kept
    for wrong in ({"things": ["a"] * 4}, {"things": ["a"], "limit": 0}, {"things": "a,b"}):
        answer = await _call(server, wrong)
        assert answer == await _sdk_way(wrong) and answer[0] is True


async def _sdk_way(arguments: dict[str, Any]) -> tuple[bool, str]:
    with registered_the_sdk_way():
        server = create_pagerduty_server("slow", [AREA], ToolFilter())
    assert not isinstance(server._tool_manager.get_tool("count"), PrebuiltTool)
    return await _call(server, arguments)


async def _text_of(arguments: dict[str, Any]) -> str:
    return json.dumps(count(**arguments), separators=(",", ":"))


def test_a_function_whose_parameters_changed_is_registered_the_sdk_way(
    kept: dict[str, dict[str, Any]],
) -> None:
    kept[key_of(count)]["fingerprint"] = "0" * 16  # what the file saw differs from the function now
    server = create_pagerduty_server("changed", [AREA], ToolFilter())
    registered = server._tool_manager.get_tool("count")
    assert type(registered) is Tool and registered.parameters["properties"]["limit"]["maximum"] == 10


def test_without_the_file_every_tool_is_registered_the_sdk_way(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prebuilt, "_entries", None)
    monkeypatch.setattr(prebuilt, "SCHEMAS", SCHEMAS.with_name("no-such-file.json"))
    server = create_pagerduty_server("bare", [AREA], ToolFilter())
    assert type(server._tool_manager.get_tool("count")) is Tool


def test_a_stale_kept_schema_is_replaced_by_the_first_build_and_logged(
    kept: dict[str, dict[str, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    # Same parameters, an older description: what a changed shared alias leaves behind.
    kept[key_of(count)]["parameters"]["properties"]["things"]["description"] = "Old words."
    server = create_pagerduty_server("stale", [AREA], ToolFilter())
    registered = server._tool_manager.get_tool("count")
    assert registered is not None and registered.parameters["properties"]["things"]["description"] == "Old words."
    with caplog.at_level(logging.WARNING):
        anyio.run(_call, server, {"things": ["a"]})
    assert registered.parameters["properties"]["things"]["description"] == "Things to count."
    assert "stale" in caplog.text and "make docs" in caplog.text


def test_what_is_set_on_a_tool_before_its_first_build_stays(kept: dict[str, dict[str, Any]]) -> None:
    """A confirmation puts its own resolver on a registered tool: the build must not take it away."""
    server = create_pagerduty_server("asked", [AREA], ToolFilter())
    registered = server._tool_manager.get_tool("count")
    assert registered is not None
    marker: dict[str, Any] = {"confirmation": ("resolver", True)}
    registered.resolved_params = marker
    assert registered.fn_metadata.arg_model.model_fields.keys() == {"things", "limit"}  # builds now
    assert registered.resolved_params is marker and registered.context_kwarg is None


def test_a_tool_registered_twice_keeps_the_first_as_the_sdk_does(kept: dict[str, dict[str, Any]]) -> None:
    server = create_pagerduty_server("twice", [AREA], ToolFilter())
    first = server._tool_manager.get_tool("count")
    prebuilt.add_tool(server, count, name="count", description="Again.")
    assert server._tool_manager.get_tool("count") is first
