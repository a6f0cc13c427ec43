"""Finding 8 of issue 17 (lengths): every string a tool takes is bounded in its published schema,
and a value over the bound is ``INVALID_PARAMETER`` naming the limit, over stdio and in memory.
Before, a 200 kB ``query`` came back as ``INTERNAL_ERROR``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pagerduty_mcp.common.toolkit.bounds import BODY_CAP, TEXT_CAP
from pagerduty_mcp.common.toolkit.ids import MAX_REFERENCE_LENGTH
from tests.harness import fails, memory_session, ok, stdio_session
from tests.reliability.support import live_tools

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

HUGE = "a" * 200_000


def _strings(schema: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(schema, dict):
        if schema.get("type") == "string":
            yield where, schema
        for key, value in schema.items():
            if key == "properties":
                for name, prop in value.items():
                    yield from _strings(prop, f"{where}.{name}")
            elif key in ("items", "anyOf", "$defs", "additionalProperties"):
                yield from _strings(value, f"{where}/{key}")
    elif isinstance(schema, list):
        for item in schema:
            yield from _strings(item, where)


def test_every_published_string_parameter_has_a_max_length() -> None:
    unbounded = [
        f"{tool['name']}{where}"
        for tool in live_tools("mcp", write=True)
        for where, schema in _strings(tool["inputSchema"])
        if "maxLength" not in schema and "enum" not in schema and "const" not in schema
    ]
    assert unbounded == []
    # PagerDuty's own limits, declared by the tools, are not loosened by the default caps.
    create = next(t for t in live_tools("mcp", write=True) if t["name"] == "create_incident")
    assert create["inputSchema"]["properties"]["title"]["maxLength"] == 1024


@pytest.mark.subprocess
async def test_an_oversized_query_is_invalid_parameter_over_stdio() -> None:
    async with stdio_session("services") as client:
        error = await fails(client, "list_services", {"query": HUGE}, code="INVALID_PARAMETER")
        assert f"{TEXT_CAP:,} characters" in error["message"] and "query" in error["message"]
        # At the limit, the call goes through.
        await ok(client, "list_services", {"query": "a" * TEXT_CAP})


@pytest.mark.parametrize(
    ("tool", "arguments", "where", "limit"),
    [
        ("get_incident", {"incident_id": "P" * 5_000}, "incident_id", MAX_REFERENCE_LENGTH),
        ("list_incidents", {"service_ids": ["PABC123", "P" * 5_000]}, "service_ids[1]", MAX_REFERENCE_LENGTH),
        ("list_users", {"query": HUGE}, "query", TEXT_CAP),
        ("add_note_to_incident", {"incident_id": "1", "note": "n" * 25_001}, "note", 25_000),
        (
            "create_escalation_policy",
            {"name": "x", "description": "d" * (BODY_CAP + 1), "levels": []},
            "description",
            BODY_CAP,
        ),
    ],
    ids=["id", "id-in-list", "query", "note", "body"],
)
async def test_oversized_values_are_invalid_parameter_naming_the_limit(
    tool: str, arguments: dict[str, Any], where: str, limit: int
) -> None:
    async with memory_session("mcp", write=True) as client:
        error = await fails(client, tool, arguments, code="INVALID_PARAMETER")
    assert f"{where} is longer than {limit:,} characters" in error["message"], error
