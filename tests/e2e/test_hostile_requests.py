"""What a hostile client sends over streamable HTTP, against a real server process: forged audit
lines, malformed ``tools/call`` params, huge progress tokens and event streams held open by
made-up keys. Each answer is a clear error (or nothing at all), and the server stays up."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import anyio
import httpx2
import pytest

from pagerduty_mcp.common.hosting.connections import EVENT_STREAMS_PER_CALLER
from pagerduty_mcp.common.toolkit.message_checks import MAX_PROGRESS_TOKEN_CHARS
from pagerduty_mcp.sandbox import Sandbox
from tests.harness import HttpServer, http_server, rpc_answer, upstream_env

pytestmark = [pytest.mark.e2e, pytest.mark.common, pytest.mark.subprocess]

MAX_STREAMS = 10
# A line the audit logger wrote (not one that merely quotes it): "<date> <time> INFO pagerduty_mcp.audit: ...".
AUDIT = re.compile(r"^\S+ \S+ INFO pagerduty_mcp\.audit: ")
HEADERS = {
    "Accept": "application/json, text/event-stream",
    "Content-Type": "application/json",
    "MCP-Protocol-Version": "2025-11-25",
}


@pytest.fixture(scope="module")
def server(https_sandbox: Any) -> Iterator[HttpServer]:
    args = ["--auth", "pagerduty", "--enable-write-tools", "--max-event-streams", str(MAX_STREAMS)]
    with http_server(args, upstream_env(https_sandbox)) as running:
        yield running


def _as(box: Sandbox) -> dict[str, str]:
    return {**HEADERS, "Authorization": f"Token token={box.token_for(box.current_user_id)}"}


def _call(server: HttpServer, headers: dict[str, str], params: dict[str, Any]) -> httpx2.Response:
    body = {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": params}
    return httpx2.post(server.url, json=body, headers=headers, timeout=60)


async def _audit_lines(server: HttpServer, needle: str) -> list[str]:
    with anyio.fail_after(10):
        while True:
            lines = [x for x in server.stderr().splitlines() if AUDIT.match(x) and needle in x]
            if lines:
                return lines
            await anyio.sleep(0.05)


# --- audit lines -----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_newline_in_a_tool_name_writes_no_line_of_the_clients_making(server: HttpServer, box: Sandbox) -> None:
    forged = "zz_probe\n2026-01-01 00:00:00,000 INFO pagerduty_mcp.audit: tool=delete_user outcome=ok caller=user:PX"
    answer = rpc_answer(_call(server, _as(box), {"name": forged, "arguments": {}}))
    assert answer["result"]["isError"] is True
    (line,) = await _audit_lines(server, "zz_probe")
    assert 'tool="zz_probe\\n2026-01-01' in line and "outcome=UNKNOWN_TOOL" in line
    # No line starts with what the client wrote after its newline.
    assert not any(x.startswith("2026-01-01 00:00:00,000") for x in server.stderr().splitlines())


@pytest.mark.anyio
async def test_a_tool_the_caller_narrowed_away_is_audited_as_hidden(server: HttpServer, box: Sandbox) -> None:
    headers = {**_as(box), "X-MCP-Tools": "list_incidents"}
    answer = rpc_answer(_call(server, headers, {"name": "list_escalation_policies", "arguments": {}}))
    assert answer["result"]["isError"] is True
    assert "Unknown tool: list_escalation_policies" in answer["result"]["content"][0]["text"]
    (line,) = await _audit_lines(server, "tool=list_escalation_policies")
    assert "outcome=HIDDEN_TOOL" in line


# --- malformed params --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "said"),
    [
        ({"name": "list_incidents", "arguments": "limit=1"}, "params.arguments must be an object"),
        ({"name": "list_incidents", "arguments": [1]}, "params.arguments must be an object"),
        ({"name": 5, "arguments": {}}, "params.name must be a string"),
        ({"name": None}, "params.name must be a string"),
    ],
)
def test_malformed_tool_call_params_are_invalid_params(
    server: HttpServer, box: Sandbox, params: dict[str, Any], said: str
) -> None:
    answer = rpc_answer(_call(server, _as(box), params))
    assert answer["error"]["code"] == -32602, answer
    assert said in answer["error"]["message"]
    assert "Traceback" not in server.stderr() and "ExceptionGroup" not in server.stderr()


def test_the_server_still_answers_after_malformed_calls(server: HttpServer, box: Sandbox) -> None:
    answer = rpc_answer(_call(server, _as(box), {"name": "list_incidents", "arguments": {"limit": 1}}))
    assert answer["result"]["isError"] is False


# --- progress tokens -----------------------------------------------------------------------------------


def _listing_with_progress(server: HttpServer, box: Sandbox, token: str) -> httpx2.Response:
    params = {"name": "list_incidents", "arguments": {"limit": 100, "statuses": ["resolved"]}}
    return _call(server, _as(box), {**params, "_meta": {"progressToken": token}})


def test_a_huge_progress_token_is_refused_not_echoed(server: HttpServer, box: Sandbox) -> None:
    token = "P" * 900_000
    response = _listing_with_progress(server, box, token)
    answer = rpc_answer(response)
    assert answer["error"]["code"] == -32602
    assert "progressToken" in answer["error"]["message"]
    assert len(response.content) < 2_000  # 0.9 MB in gave 6.3 MB out


def test_a_short_progress_token_still_gets_progress(server: HttpServer, box: Sandbox) -> None:
    token = "t" * MAX_PROGRESS_TOKEN_CHARS
    response = _listing_with_progress(server, box, token)
    messages = [json.loads(x[5:]) for x in response.text.splitlines() if x.startswith("data:")]
    progress = [m for m in messages if m.get("method") == "notifications/progress"]
    assert progress and all(m["params"]["progressToken"] == token for m in progress)
    assert messages[-1]["result"]["isError"] is False


# --- event streams -------------------------------------------------------------------------------------


@asynccontextmanager
async def _streams(server: HttpServer, keys: list[str]) -> AsyncIterator[list[int]]:
    """Open one GET event stream per key, all at once; yields their statuses while they stay open."""
    async with AsyncExitStack() as stack:
        http = await stack.enter_async_context(httpx2.AsyncClient(timeout=30))
        statuses = []
        for key in keys:
            headers = {"Accept": "text/event-stream", "Authorization": f"Token token={key}"}
            response = await stack.enter_async_context(http.stream("GET", server.url, headers=headers))
            statuses.append(response.status_code)
        yield statuses


@pytest.mark.anyio
async def test_made_up_keys_cannot_hold_more_event_streams_than_the_limit(server: HttpServer) -> None:
    keys = [f"made-up-key-{n:04d}" for n in range(MAX_STREAMS + 5)]
    async with _streams(server, keys) as statuses:
        assert statuses.count(200) == MAX_STREAMS
        assert statuses.count(429) == 5
    # Closed streams give their places back.
    async with _streams(server, keys[:1]) as statuses:
        assert statuses == [200]


@pytest.mark.anyio
async def test_one_credential_holds_only_its_share_of_event_streams(server: HttpServer) -> None:
    async with _streams(server, ["one-made-up-key"] * (EVENT_STREAMS_PER_CALLER + 2)) as statuses:
        assert statuses == [200] * EVENT_STREAMS_PER_CALLER + [429] * 2
