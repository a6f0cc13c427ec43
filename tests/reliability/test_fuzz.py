"""Every tool of every server, driven with arguments generated from its own ``inputSchema`` and a
corpus of nasty values: each call answers in time with our envelope (a result or a clear
``isError``), never an internal error, the server stays up, and no request leaves for a path
outside the tool's endpoints.

In-process (where every request is checked against the tool's endpoints), and over both real
transports: stdio, and streamable HTTP with each request carrying the caller's own credential
(valid, made up, or non-ASCII). Every hostile string of issue 17 (a 200 kB query, non-ASCII and
multi-line values...) meets every string parameter of every tool over both.

``PAGERDUTY_MCP_FUZZ_EXAMPLES`` sets the generated examples per tool in-process, and
``PAGERDUTY_MCP_FUZZ_TRANSPORT_EXAMPLES`` those over each transport (defaults sized for CI: more
than 10,000 cases in all). The report's last lines give the count and the failures.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from pagerduty_mcp.common.pagerduty.errors import ERROR_CODES
from pagerduty_mcp.sandbox import SANDBOX_TOKEN, Faults, Sandbox
from tests.harness import http_server, http_session, memory_session, stdio_session
from tests.reliability.hostile import HOSTILE_STRINGS, NASTY, PATH_ATTACKS, SENDABLE, arguments_for, real_ids, sendable
from tests.reliability.support import (
    PortalSession,
    RecordingSandbox,
    RotatingCredential,
    Sent,
    endpoint_violations,
    live_tools,
    portal,
)
from tests.reliability.tally import FUZZ

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

EXAMPLES_PER_TOOL = int(os.environ.get("PAGERDUTY_MCP_FUZZ_EXAMPLES", "70"))
TRANSPORT_EXAMPLES = int(os.environ.get("PAGERDUTY_MCP_FUZZ_TRANSPORT_EXAMPLES", "4"))
# Generous: the sandbox answers in milliseconds, so only a hang or a runaway loop comes near it.
CALL_BOUND_SECONDS = 20.0
TOOLS = live_tools("mcp", write=True)
TOOL_BY_NAME = {t["name"]: t for t in TOOLS}
_KNOWN_CODE = re.compile(r"^[A-Z][A-Z0-9_]*_NOT_FOUND$")


@pytest.fixture(scope="module")
def live() -> Iterator[PortalSession]:
    """The combined server in-process, write tools on, on a sandbox that records every request."""
    box = RecordingSandbox(seed=11)
    with portal(memory_session(sandbox=box), box) as driven:
        yield driven


def check_answer(live: PortalSession, tool: str, args: dict[str, Any], transport: str = "memory") -> None:
    """One case, counted for the report (and counted failed if any check fails)."""
    try:
        _check_answer(live, tool, args)
    except BaseException:
        FUZZ.record(transport, tool, failed=True)
        raise
    FUZZ.record(transport, tool)


def _check_answer(live: PortalSession, tool: str, args: dict[str, Any]) -> None:
    if live.sandbox is not None:
        live.sandbox.take_sent()
    outcome = live.call(tool, args, timeout=CALL_BOUND_SECONDS)
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
    if live.sandbox is not None:
        violations = endpoint_violations(live.sandbox.take_sent())
        assert not violations, f"{tool}({_short(args)}): {violations}"


def _short(args: dict[str, Any]) -> str:
    return repr({k: (v[:40] + "…" if isinstance(v, str) and len(v) > 40 else v) for k, v in args.items()})[:400]


def _fuzz(live: PortalSession, tool: str, examples: int, transport: str = "memory") -> None:
    """Drive ``tool`` with ``examples`` argument sets generated from its own schema (reproducibly)."""
    in_process = live.sandbox is not None
    strategy = arguments_for(TOOL_BY_NAME[tool], real_ids(live.sandbox or SEVEN), NASTY if in_process else SENDABLE)

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(args=strategy)
    def run(args: dict[str, Any]) -> None:
        check_answer(live, tool, args, transport)

    run()


@pytest.mark.parametrize("tool", sorted(TOOL_BY_NAME))
def test_every_tool_survives_generated_and_nasty_arguments(live: PortalSession, tool: str) -> None:
    _fuzz(live, tool, EXAMPLES_PER_TOOL)
    assert live.alive(), "the server stopped answering"


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
    live: PortalSession, tool: str, parameter: str, is_list: bool
) -> None:
    """Every id parameter with every traversal value, the other required ones filled with real ids:
    each request stays on the tool's endpoints, with the id as one escaped segment."""
    schema = TOOL_BY_NAME[tool]["inputSchema"]
    ids = real_ids(live.sandbox)
    base = _plausible_required(schema, ids)
    for attack in PATH_ATTACKS:
        args = {**base, parameter: [attack] if is_list else attack}
        check_answer(live, tool, args)
    assert live.alive()


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
def faulty() -> Iterator[PortalSession]:
    """The same server on a flaky PagerDuty (5xx, drops, a tight rate limit), back-off not slept."""
    faults = Faults(error_rate=0.25, drop_rate=0.1, rate_limit=400)
    box = RecordingSandbox(seed=12, faults=faults)
    with portal(memory_session(sandbox=box, sleep=lambda _seconds: None), box) as driven:
        yield driven


@pytest.mark.parametrize("tool", sorted(TOOL_BY_NAME))
def test_every_tool_fails_cleanly_on_hostile_arguments_and_a_flaky_upstream(faulty: PortalSession, tool: str) -> None:
    """Error paths meet error paths: whatever the arguments and whatever PagerDuty does, the answer
    is our envelope with a stable code, never an internal error, and the server stays up."""
    _fuzz(faulty, tool, FAULTY_EXAMPLES, "memory+faults")


# -- over the real transports -------------------------------------------------------------------

# The account the server subprocesses serve (PAGERDUTY_SANDBOX_SEED=7 or the default 7), for real ids.
SEVEN = Sandbox(seed=7)
# Each HTTP request's caller: mostly the sandbox's user key, now and then a made-up key or one with a
# non-ASCII character (each must give UNAUTHORIZED, never an internal error).
CALLERS = [
    SANDBOX_TOKEN.encode(),
    b"u+made-up-key-1234567",
    SANDBOX_TOKEN.encode(),
    "u+abcd\u00e9fgh12345".encode("latin-1"),
]


@pytest.fixture(scope="module", params=["stdio", "http"])
def remote(request: pytest.FixtureRequest) -> Iterator[tuple[str, PortalSession]]:
    """The combined server as a subprocess, write tools on, over stdio or streamable HTTP."""
    if request.param == "stdio":
        with portal(stdio_session("mcp", write=True)) as driven:
            yield "stdio", driven
        return
    args = ("--sandbox", "--enable-write-tools", "--auth", "pagerduty")
    with (
        http_server(args) as server,
        portal(http_session(server.url, auth=RotatingCredential(CALLERS))) as driven,
    ):
        yield "http", driven


def _string_parameters(tool: dict[str, Any]) -> list[str]:
    props = tool.get("inputSchema", {}).get("properties", {})
    found = []
    for name, prop in props.items():
        kinds = {prop.get("type"), *(option.get("type") for option in prop.get("anyOf", []))}
        if "string" in kinds and "enum" not in prop:
            found.append(name)
    return found


@pytest.mark.parametrize("tool", sorted(TOOL_BY_NAME))
@pytest.mark.subprocess
def test_every_tool_answers_hostile_strings_over_stdio_and_http(remote: tuple[str, PortalSession], tool: str) -> None:
    """Each hostile string in each string parameter (the others plausible), then generated
    arguments: over a real pipe or socket, every answer is our envelope with a stable code."""
    transport, live = remote
    schema = TOOL_BY_NAME[tool]["inputSchema"]
    base = _plausible_required(schema, real_ids(SEVEN))
    for parameter in _string_parameters(TOOL_BY_NAME[tool]):
        for value in sendable(HOSTILE_STRINGS):
            check_answer(live, tool, {**base, parameter: value}, transport)
    _fuzz(live, tool, TRANSPORT_EXAMPLES, transport)
    # Still up: a plain read answers (UNAUTHORIZED when this request carried a refused credential).
    outcome = live.call("list_priorities", {}, timeout=10)
    refused = outcome.is_error and outcome.envelope["error"]["code"] == "UNAUTHORIZED" and transport == "http"
    assert refused or not outcome.is_error, f"the server stopped answering over {transport}: {outcome.text[:300]}"


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
