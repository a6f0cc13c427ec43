"""Every tool of every server, driven with arguments generated from its own ``inputSchema`` and a
corpus of nasty values: each call answers in time with our envelope (a result or a clear
``isError``), never an internal error, the server stays up, and no request leaves for a path
outside the tool's endpoints.

``PAGERDUTY_MCP_FUZZ_EXAMPLES`` sets the examples per tool (default below, sized for CI).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from pagerduty_mcp.common.pagerduty.client import PagerDutyClient
from pagerduty_mcp.common.pagerduty.errors import ERROR_CODES
from pagerduty_mcp.sandbox import Faults
from tests.reliability.hostile import PATH_ATTACKS, arguments_for, real_ids
from tests.reliability.support import (
    PortalSession,
    RecordingSandbox,
    Sent,
    endpoint_violations,
    live_tools,
    portal_session,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

EXAMPLES_PER_TOOL = int(os.environ.get("PAGERDUTY_MCP_FUZZ_EXAMPLES", "20"))
# Generous: the sandbox answers in milliseconds, so only a hang or a runaway loop comes near it.
CALL_BOUND_SECONDS = 20.0
TOOLS = live_tools("mcp", write=True)
TOOL_BY_NAME = {t["name"]: t for t in TOOLS}
_KNOWN_CODE = re.compile(r"^[A-Z][A-Z0-9_]*_NOT_FOUND$")

# Cases run, for the closing note (printed with -s).
CASES: dict[str, int] = {}


@pytest.fixture(scope="module")
def session() -> Iterator[PortalSession]:
    with portal_session("mcp", write=True, sandbox=RecordingSandbox(seed=11)) as live:
        yield live


@pytest.fixture(scope="module", autouse=True)
def count_cases() -> Iterator[None]:
    yield
    print(f"\nfuzz: {sum(CASES.values())} cases over {len(CASES)} tools")


def check_answer(live: PortalSession, tool: str, args: dict[str, Any]) -> None:
    live.sandbox.take_sent()
    outcome = live.call(tool, args, timeout=CALL_BOUND_SECONDS)
    CASES[tool] = CASES.get(tool, 0) + 1
    envelope = outcome.envelope
    if outcome.is_error:
        error = envelope.get("error") or {}
        code, message = error.get("code", ""), error.get("message", "")
        assert code in ERROR_CODES or _KNOWN_CODE.match(code), f"{tool}: unknown code {code!r}"
        assert code != "INTERNAL_ERROR", f"{tool}({_short(args)}) crashed: {message}"
        assert message.strip(), f"{tool}: an error without a message"
        assert envelope["metadata"]["count"] == 0
    else:
        assert "error" not in envelope, f"{tool}: an error returned as a success: {outcome.text[:300]}"
        resources = [k for k in envelope if k != "metadata"]
        assert len(resources) == 1, f"{tool}: envelope keys {sorted(envelope)}"
        items = envelope[resources[0]]
        assert isinstance(items, list) and envelope["metadata"]["count"] == len(items), outcome.text[:300]
    violations = endpoint_violations(live.sandbox.take_sent())
    assert not violations, f"{tool}({_short(args)}): {violations}"


def _short(args: dict[str, Any]) -> str:
    return repr({k: (v[:40] + "…" if isinstance(v, str) and len(v) > 40 else v) for k, v in args.items()})[:400]


def _fuzz(session: PortalSession, tool: str, examples: int) -> None:
    """Drive ``tool`` with ``examples`` argument sets generated from its own schema (reproducibly)."""
    strategy = arguments_for(TOOL_BY_NAME[tool], real_ids(session.sandbox))

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(args=strategy)
    def run(args: dict[str, Any]) -> None:
        check_answer(session, tool, args)

    run()


@pytest.mark.parametrize("tool", sorted(TOOL_BY_NAME))
def test_every_tool_survives_generated_and_nasty_arguments(session: PortalSession, tool: str) -> None:
    _fuzz(session, tool, EXAMPLES_PER_TOOL)
    assert session.alive(), "the server stopped answering"


def _id_parameters(tool: dict[str, Any]) -> list[tuple[str, bool]]:
    """(name, is_list) of the parameters that carry ids (they have the id pattern)."""
    found = []
    for name, prop in tool.get("inputSchema", {}).get("properties", {}).items():
        if prop.get("type") == "array" and "pattern" in prop.get("items", {}):
            found.append((name, True))
        elif "pattern" in prop or name.endswith("_id"):
            found.append((name, False))
    return found


ID_CASES = [(t["name"], name, is_list) for t in TOOLS for name, is_list in _id_parameters(t)]


@pytest.mark.parametrize(("tool", "parameter", "is_list"), ID_CASES, ids=[f"{t}.{p}" for t, p, _ in ID_CASES])
def test_path_attacks_in_ids_never_change_the_request_path(
    session: PortalSession, tool: str, parameter: str, is_list: bool
) -> None:
    """Every id parameter with every traversal value, the other required ones filled with real ids:
    each request stays on the tool's endpoints, with the id as one escaped segment."""
    schema = TOOL_BY_NAME[tool]["inputSchema"]
    ids = real_ids(session.sandbox)
    base = _plausible_required(schema, ids)
    for attack in PATH_ATTACKS:
        args = {**base, parameter: [attack] if is_list else attack}
        check_answer(session, tool, args)
    assert session.alive()


def _plausible_required(schema: dict[str, Any], ids: list[str]) -> dict[str, Any]:
    required = schema.get("required", [])
    return {name: _simple(prop, ids) for name, prop in schema.get("properties", {}).items() if name in required}


def _simple(prop: dict[str, Any], ids: list[str]) -> Any:
    if "enum" in prop:
        return prop["enum"][0]
    kind = prop.get("type")
    if kind == "array":
        return [ids[0]]
    if kind == "integer":
        return prop.get("minimum", 1)
    if kind == "boolean":
        return False
    if kind == "object":
        return {}
    return ids[0]


FAULTY_EXAMPLES = max(1, EXAMPLES_PER_TOOL // 4)


@pytest.fixture(scope="module")
def faulty_session() -> Iterator[PortalSession]:
    """The same server on a flaky PagerDuty (5xx, drops, a tight rate limit), back-off not slept."""
    patch = pytest.MonkeyPatch()
    patch.setattr(PagerDutyClient, "sleep", staticmethod(lambda _seconds: None))
    faults = Faults(error_rate=0.25, drop_rate=0.1, rate_limit=400)
    try:
        with portal_session("mcp", write=True, sandbox=RecordingSandbox(seed=12, faults=faults)) as live:
            yield live
    finally:
        patch.undo()


@pytest.mark.parametrize("tool", sorted(TOOL_BY_NAME))
def test_every_tool_fails_cleanly_on_hostile_arguments_and_a_flaky_upstream(
    faulty_session: PortalSession, tool: str
) -> None:
    """Error paths meet error paths: whatever the arguments and whatever PagerDuty does, the answer
    is our envelope with a stable code, never an internal error, and the server stays up."""
    _fuzz(faulty_session, tool, FAULTY_EXAMPLES)


def test_the_endpoint_check_catches_paths_outside_a_tools_endpoints() -> None:
    """The check the fuzz relies on can fail: foreign paths, dot segments and stray writes."""
    good = [
        Sent("get_incident", "GET", "/incidents/PABC123"),
        Sent("get_incident", "GET", "/users/me"),
        Sent("add_note_to_incident", "POST", "/incidents/P1/notes"),
        Sent("get_incident", "GET", "/incidents/..%2Fusers"),  # escaped: still one segment
    ]
    assert endpoint_violations(good) == []
    bad = [
        Sent("get_incident", "GET", "/incidents/.."),
        Sent("get_incident", "GET", "/incidents/%2E%2E/notes"),
        Sent("get_incident", "DELETE", "/incidents/P1"),
        Sent("add_note_to_incident", "POST", "/incidents/P1/merge"),
        Sent("get_incident", "GET", "/admin/export"),
        Sent("", "GET", "/incidents"),
    ]
    assert len(endpoint_violations(bad)) == len(bad)
