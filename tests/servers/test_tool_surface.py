"""The tool surface every client sees, checked over the real ``tools/list`` of every server."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from pagerduty_mcp.catalog import SERVERS, model_bytes, server_tools

pytestmark = [pytest.mark.unit, pytest.mark.anyio]

SNAPSHOTS = Path(__file__).parent.parent / "snapshots"
AREAS = ("incidents", "services", "people", "aiops")

# ARCHITECTURE.md's ceilings, per area server with write tools on; read-only, and tools per area (issue 26).
MODEL_BYTES_BUDGET = 24_000
TOOLS_LIST_BUDGET = 48_000
PER_TOOL_BUDGET = 2_500
MAX_TOOLS = 40
# ...and read-only, which is how most clients start a server.
READ_ONLY_MODEL_BYTES_BUDGET = 16_000
# Tighter: what each server needed at the last `make bench` (bench/results.json) plus about 10%,
# so that growth is always deliberate. Raise a number only with a reason in the commit.
BUDGETS: dict[str, tuple[int, int, int]] = {  # (model bytes, whole tools/list bytes, largest tool)
    "incidents": (24_000, 30_500, 2_100),
    "services": (17_200, 19_700, 1_700),
    # issue 26: shift-based edits and how a person is paged, at the ceiling; words cut elsewhere to fit.
    "people": (24_000, 28_100, 1_950),
    "aiops": (16_700, 19_400, 1_300),
    "mcp": (86_900, 100_700, 2_100),
}


def _walk(schema: Any, path: str = "$"):
    yield path, schema
    if isinstance(schema, dict):
        for key, value in schema.items():
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(schema, list):
        for i, value in enumerate(schema):
            yield from _walk(value, f"{path}[{i}]")


@pytest.mark.parametrize("key", list(SERVERS))
@pytest.mark.parametrize("write", [False, True])
async def test_schemas_are_flat_and_every_parameter_is_described(key: str, write: bool) -> None:
    for tool in await server_tools(key, write=write):
        schema = tool["inputSchema"]
        assert schema["type"] == "object", tool["name"]
        for banned in ("anyOf", "oneOf", "allOf"):
            assert banned not in schema, f"{tool['name']}: top-level {banned}"
        for where, node in _walk(schema):
            if isinstance(node, dict):
                assert "$ref" not in node and "$defs" not in node, f"{tool['name']} {where}"
        for name, prop in schema.get("properties", {}).items():
            assert prop.get("description", "").strip(), f"{tool['name']}.{name} has no description"


@pytest.mark.parametrize("key", list(SERVERS))
async def test_every_tool_has_a_title_and_all_four_hints(key: str) -> None:
    for tool in await server_tools(key):
        assert tool.get("title"), tool["name"]
        assert tool.get("description"), tool["name"]
        hints = tool.get("annotations", {})
        for hint in ("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"):
            assert isinstance(hints.get(hint), bool), f"{tool['name']} lacks {hint}"
        assert not (hints["readOnlyHint"] and hints["destructiveHint"]), tool["name"]


@pytest.mark.parametrize("key", list(SERVERS))
async def test_read_only_servers_expose_no_write_tool(key: str) -> None:
    read_only = await server_tools(key, write=False)
    assert read_only, key
    assert all(t["annotations"]["readOnlyHint"] for t in read_only)
    with_writes = await server_tools(key, write=True)
    assert {t["name"] for t in read_only} <= {t["name"] for t in with_writes}
    assert {t["name"] for t in with_writes if not t["annotations"]["readOnlyHint"]} == {
        t["name"] for t in with_writes
    } - {t["name"] for t in read_only}


async def test_names_are_unique_across_servers_short_and_snake_case() -> None:
    seen: dict[str, str] = {}
    for key in AREAS:
        for tool in await server_tools(key):
            name = tool["name"]
            assert re.fullmatch(r"[a-z][a-z0-9_]*", name) and len(name) <= 64, name
            assert name not in seen, f"{name} is in both {seen.get(name)} and {key}"
            seen[name] = key
    combined = {t["name"] for t in await server_tools("mcp")}
    assert combined == set(seen)


@pytest.mark.parametrize("key", list(SERVERS))
async def test_tool_definitions_stay_within_the_byte_budgets(key: str) -> None:
    tools = await server_tools(key)
    model_budget, list_budget, tool_budget = BUDGETS[key]
    if key != "mcp":  # the combined server is the sum of the four; ARCHITECTURE.md's ceilings are per area
        assert model_budget <= MODEL_BYTES_BUDGET and list_budget <= TOOLS_LIST_BUDGET
        assert tool_budget <= PER_TOOL_BUDGET
    for tool in tools:
        assert model_bytes(tool) <= min(tool_budget, PER_TOOL_BUDGET), f"{tool['name']}: {model_bytes(tool)} bytes"
    assert sum(model_bytes(t) for t in tools) <= model_budget
    whole = len(json.dumps({"tools": tools}, separators=(",", ":"), ensure_ascii=False).encode())
    assert whole <= list_budget


@pytest.mark.parametrize("key", list(SERVERS))
async def test_a_host_that_draws_apps_gets_the_same_definitions_and_only_the_links_to_its_apps(key: str) -> None:
    """The link (_meta.ui.resourceUri) goes only to a host that declares MCP Apps, and its model reads
    none of it: what the model reads is byte for byte the same, and the list grows by the links alone,
    within ARCHITECTURE.md's ceiling. (Every other client's list is the one the budgets above hold.)"""
    plain, drawn = await server_tools(key), await server_tools(key, apps=True)
    assert [model_bytes(t) for t in drawn] == [model_bytes(t) for t in plain]
    links = [t["_meta"] for t in drawn if "_meta" in t]
    assert bool(links) == (key != "aiops")  # aiops draws no app
    assert all(set(link) == {"ui"} and link["ui"]["resourceUri"].startswith("ui://pagerduty/") for link in links)

    def size(tools: list[dict[str, Any]]) -> int:
        return len(json.dumps({"tools": tools}, separators=(",", ":"), ensure_ascii=False).encode())

    link_bytes = sum(len(json.dumps({"_meta": link}, separators=(",", ":"))) - 1 for link in links)  # ',"_meta":…' each
    assert size(drawn) == size(plain) + link_bytes
    # The combined server is the sum of the four: its own budget; ARCHITECTURE.md's ceiling is per area.
    assert size(drawn) <= (BUDGETS["mcp"][1] if key == "mcp" else TOOLS_LIST_BUDGET)


@pytest.mark.parametrize("key", AREAS)
async def test_each_area_server_stays_within_its_tool_count_and_read_only_bytes(key: str) -> None:
    assert len(await server_tools(key)) <= MAX_TOOLS
    read_only = await server_tools(key, write=False)
    assert sum(model_bytes(t) for t in read_only) <= READ_ONLY_MODEL_BYTES_BUDGET


@pytest.mark.parametrize("key", AREAS)
async def test_tool_surface_matches_the_committed_snapshot(key: str) -> None:
    """Any change to names, schemas, titles or hints must be deliberate: UPDATE_SNAPSHOTS=1."""
    tools = sorted(await server_tools(key), key=lambda t: t["name"])
    text = json.dumps(tools, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    snapshot = SNAPSHOTS / f"{key}.json"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        snapshot.write_text(text)
    assert snapshot.exists(), f"no snapshot for {key}: run UPDATE_SNAPSHOTS=1 pytest {__file__}"
    assert json.loads(snapshot.read_text()) == tools, f"tool surface of {key} changed: review, then UPDATE_SNAPSHOTS=1"
