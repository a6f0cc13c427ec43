"""Every filter of every tool, on every area server, found from the published schemas.

For each parameter that names objects (``common.toolkit.references.NAMED_PARAMETERS``) and every
other id-list parameter: an unknown id and an unknown name are each an error that names the
parameter (``<RESOURCE>_NOT_FOUND`` for an unknown id or name of a known kind), never an empty
success; and a real name resolves. On each server, for each kind of object its parameters take, a
name that almost matches is answered with the real object's id, never taken for it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import anyio
import pytest

from pagerduty_mcp.catalog import AREA_KEYS, server_tools
from pagerduty_mcp.common.pagerduty.kinds import KINDS
from pagerduty_mcp.common.pagerduty.text import clean_text
from pagerduty_mcp.common.toolkit.references import NAMED_PARAMETERS
from pagerduty_mcp.sandbox import Sandbox
from tests.harness import call, memory_session

pytestmark = [pytest.mark.anyio]

UNKNOWN_ID = "PZZZZZZ"
UNKNOWN_NAME = "No Such Thing Anywhere"
# A sandbox table per kind of named object, for real names and for required companions.
TABLES = {kind: kind for kind in KINDS}
# Area-owned, reported: integrations have no list or lookup of their own in PagerDuty (they hang off
# services), so an unknown integration id filters change events down to nothing.
KNOWN: dict[tuple[str, str, str], str] = {}  # (tool, parameter, value) -> why it fails today


def _filter_parameters() -> list[tuple[str, str, str]]:
    """(server, tool, parameter) for every parameter that names objects, and every id list."""

    async def listed() -> list[tuple[str, str, str]]:
        found = []
        for key in AREA_KEYS:
            for tool in await server_tools(key, write=False):
                for name in tool["inputSchema"].get("properties", {}):
                    if name in NAMED_PARAMETERS or name.endswith("_ids"):
                        found.append((key, tool["name"], name))
        return found

    return anyio.run(listed)


@cache
def _box() -> Sandbox:
    box = Sandbox()
    box.ensure_seeded()
    return box


def _real(kind: str) -> dict[str, Any]:
    """An object of ``kind`` whose name no other object of that kind shares."""
    rows = list(_box().state.tables[TABLES[kind]].values())
    names = [str(r.get("name") or r.get("summary") or "").lower() for r in rows]
    return next(r for r, n in zip(rows, names, strict=True) if n and names.count(n) == 1)


def _companions(schema: dict[str, Any], tested: str) -> dict[str, Any]:
    """Real values for the other required parameters, and scope=all so a filter is never a conflict."""
    args = _fillable(schema, tested)
    if args is None:
        pytest.skip(f"no sandbox value for a required parameter of {sorted(schema.get('required', []))}")
    return args


def _fillable(schema: dict[str, Any], tested: str) -> dict[str, Any] | None:
    """:func:`_companions`, or ``None`` when one of them has no sandbox value."""
    state = _box().state
    args: dict[str, Any] = {}
    properties = schema.get("properties", {})
    if "scope" in properties:
        args["scope"] = "all"
    for name in schema.get("required", []):
        if name == tested:
            continue
        if name == "incident_id":
            args[name] = state.incident_order[-1]
        elif name == "post_id":  # a status page's post: the seeded one of the page _real picks
            page = _real("status_pages")["id"]
            args[name] = next(p["id"] for p in state.tables["status_page_posts"].values() if p["_page"] == page)
        elif name in NAMED_PARAMETERS:
            args[name] = _real(NAMED_PARAMETERS[name].key)["id"]
        else:
            return None
    return args


def _value(schema: dict[str, Any], parameter: str, value: str) -> Any:
    return [value] if schema["properties"][parameter].get("type") == "array" else value


async def _answer(server: str, tool: str, parameter: str, value: str) -> tuple[bool, dict[str, Any]]:
    schema = next(t for t in await server_tools(server, write=False) if t["name"] == tool)["inputSchema"]
    args = {**_companions(schema, parameter), parameter: _value(schema, parameter, value)}
    async with memory_session(server, write=False, sandbox=_box()) as client:
        return await call(client, tool, args)


def _names_the_parameter(envelope: dict[str, Any], parameter: str) -> bool:
    error = envelope["error"]
    return parameter in error.get("details", {}).get("parameters", []) or error["message"].startswith(parameter)


def _expected_code(parameter: str) -> str:
    kind = NAMED_PARAMETERS.get(parameter)
    return kind.code if kind else "_NOT_FOUND"


@pytest.mark.parametrize(("server", "tool", "parameter"), _filter_parameters())
@pytest.mark.parametrize("value", [UNKNOWN_ID, UNKNOWN_NAME], ids=["unknown id", "unknown name"])
async def test_an_unknown_id_or_name_is_not_found_naming_the_parameter(
    server: str, tool: str, parameter: str, value: str
) -> None:
    if (tool, parameter, value) in KNOWN:
        pytest.xfail(KNOWN[tool, parameter, value])
    is_error, envelope = await _answer(server, tool, parameter, value)
    assert is_error, f"{tool}({parameter}={value!r}) answered as a success: {str(envelope)[:300]}"
    code = envelope["error"]["code"]
    if value == UNKNOWN_NAME and parameter not in NAMED_PARAMETERS:
        assert code == "INVALID_PARAMETER" or code.endswith("_NOT_FOUND"), envelope  # not a kind with names
    else:
        assert code.endswith(_expected_code(parameter)), envelope
    assert _names_the_parameter(envelope, parameter), envelope


@pytest.mark.parametrize(("server", "tool", "parameter"), [p for p in _filter_parameters() if p[2] in NAMED_PARAMETERS])
async def test_a_real_name_resolves(server: str, tool: str, parameter: str) -> None:
    kind = NAMED_PARAMETERS[parameter].key
    if TABLES[kind] not in _box().state.tables or not _box().state.tables[TABLES[kind]]:
        pytest.skip(f"the sandbox holds no {kind}")
    real = _real(kind)
    is_error, envelope = await _answer(server, tool, parameter, str(real.get("name") or real.get("summary")))
    if is_error:  # another complaint may stand (a missing window...), never one about this name
        assert not _names_the_parameter(envelope, parameter), envelope


def _near_miss_cases() -> list[tuple[str, str, str, str]]:
    """(server, kind, tool, parameter): on each server, for each kind its parameters take, the first
    tool (reads, then writes) whose other required parameters the sandbox can fill."""

    async def listed() -> list[tuple[str, str, str, str]]:
        found: dict[tuple[str, str], tuple[str, str]] = {}
        for key in AREA_KEYS:
            tools = await server_tools(key, write=True)
            for tool in sorted(tools, key=lambda t: bool(t["annotations"].get("readOnlyHint") is False)):
                for name in tool["inputSchema"].get("properties", {}):
                    kind = NAMED_PARAMETERS.get(name)
                    if kind is None or (key, kind.key) in found:
                        continue
                    if _fillable(tool["inputSchema"], name) is not None:
                        found[key, kind.key] = (tool["name"], name)
        return [(key, kind, tool, parameter) for (key, kind), (tool, parameter) in found.items()]

    return anyio.run(listed)


@pytest.mark.parametrize(("server", "kind", "tool", "parameter"), _near_miss_cases())
async def test_a_near_name_is_answered_with_the_real_ones_id(server: str, kind: str, tool: str, parameter: str) -> None:
    real = _real(kind)
    name = str(real.get("name") or real.get("summary"))
    near = f"{name.upper()} {KINDS[kind].noun}"  # "PLATFORM team", "CHECKOUT API service"
    schema = next(t for t in await server_tools(server, write=True) if t["name"] == tool)["inputSchema"]
    args = {**_companions(schema, parameter), parameter: _value(schema, parameter, near)}
    box = Sandbox()  # its own account: a write that took the name would change nothing shared
    box.ensure_seeded()
    async with memory_session(server, write=True, sandbox=box) as client:
        is_error, envelope = await call(client, tool, args)
    assert is_error, f"{tool}({parameter}={near!r}) picked an object: {str(envelope)[:300]}"
    error = envelope["error"]
    assert error["code"] == KINDS[kind].code and error["details"]["parameters"] == [parameter], error
    assert real["id"] in [s["id"] for s in error["details"]["suggestions"]], error
    assert f"{clean_text(name, 60)} ({real['id']})" in error["message"], error


def test_every_server_offers_near_names_for_every_kind_it_takes() -> None:
    cases = {(server, kind) for server, kind, _, _ in _near_miss_cases()}
    assert {kind for _, kind in cases} == {kind.key for kind in NAMED_PARAMETERS.values()}
    assert {server for server, _ in cases} == set(AREA_KEYS)
