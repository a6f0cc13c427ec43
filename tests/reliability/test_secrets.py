"""No secret in logs, errors or tool output: full runs of the combined server over stdio (every
tool, write tools on, DEBUG logs, a flaky sandbox), with an API key, with OAuth client
credentials, and with a wrong key; everything captured is scanned for the secrets."""

from __future__ import annotations

import re
import tempfile
from typing import Any

import httpx2
import pytest

from pagerduty_mcp.sandbox import SANDBOX_OAUTH_CLIENT_ID, SANDBOX_OAUTH_CLIENT_SECRET, SANDBOX_TOKEN, Sandbox
from tests.harness import http_server, http_session, stdio_session
from tests.reliability.hostile import NASTY
from tests.reliability.support import live_tools, resolved_ids

pytestmark = [pytest.mark.e2e, pytest.mark.anyio, pytest.mark.slow, pytest.mark.subprocess]

SEED = 7
OAUTH_TOKEN = re.compile(r"pdus\+_0X[0-9a-f]{40}")
AUTH_HEADER = re.compile(r"(Token token=|Bearer )\S{6,}", re.IGNORECASE)
WRONG_KEY = "u+WrongKeyDoNotLeak_93jd72hs"
# A flaky account, so that retry and error paths (which log) run too.
FAULT_ENV = {"PAGERDUTY_SANDBOX_ERROR_RATE": "0.05", "PAGERDUTY_SANDBOX_DROP_RATE": "0.02"}
TOOLS = live_tools("mcp", write=True)


def _routing_key(box: Sandbox) -> str:
    """The integration key behind the seed's change events: the sandbox stores it on each one."""
    return str(next(iter(box.state.tables["change_events"].values()))["routing_key"])


def _argument_sets(tool: dict[str, Any], ids: dict[str, str], routing_key: str) -> list[dict[str, Any]]:
    """A plausible call (real ids, the routing key) and a hostile one for ``tool``."""
    schema = tool.get("inputSchema", {})
    props = schema.get("properties", {})
    plausible: dict[str, Any] = {}
    for name, prop in props.items():
        if name == "routing_key":
            plausible[name] = routing_key
        elif name in ids:
            plausible[name] = ids[name]
        elif name in schema.get("required", []):
            plausible[name] = _filler(name, prop, ids)
    if "action" in props:
        plausible.update(action="trigger", summary="Disk full", source="db-1", severity="critical")
    hostile = {name: NASTY[i % len(NASTY)] for i, name in enumerate(props)}
    if "routing_key" in props:
        hostile["routing_key"] = routing_key + "\u202e"
    return [plausible, hostile]


def _filler(name: str, prop: dict[str, Any], ids: dict[str, str]) -> Any:
    if "enum" in prop:
        return prop["enum"][0]
    kind = prop.get("type")
    if kind == "array":
        return [ids.get(name.removesuffix("s"), ids["service_id"])]
    if kind == "integer":
        return max(prop.get("minimum", 1), 1)
    if kind == "object":
        return {}
    if kind == "boolean":
        return False
    return "Reliability check"


async def full_run(env: dict[str, str], *, faults: bool = False, hostile: bool = True) -> tuple[str, str, int]:
    """Every tool, plausibly (and hostilely); returns (all tool output, stderr, number of calls)."""
    box = Sandbox(seed=SEED)
    ids, routing_key = resolved_ids(box.state), _routing_key(box)
    outputs = []
    calls = 0
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as stderr:
        settings = {"PAGERDUTY_SANDBOX_SEED": str(SEED), **(FAULT_ENV if faults else {}), **env}
        debug = ("--log-level", "DEBUG")
        async with stdio_session(write=True, args=debug, env=settings, errlog=stderr) as client:
            for tool in TOOLS:
                for arguments in _argument_sets(tool, ids, routing_key)[: 2 if hostile else 1]:
                    result = await client.call_tool(tool["name"], arguments)
                    outputs.extend(getattr(c, "text", "") for c in result.content)
                    calls += 1
            # After every tool met hostile arguments, the same process still answers.
            last = await client.call_tool("list_incidents", {"limit": 1})
            outputs.extend(getattr(c, "text", "") for c in last.content)
            alive = not last.is_error
        stderr.seek(0)
        return "\n".join(outputs), stderr.read(), calls if alive else -1


def assert_no_secret(where: str, text: str, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in text, f"a secret ({secret[:4]}…) appears in {where}: …{_around(text, secret)}…"
    for pattern in (OAUTH_TOKEN, AUTH_HEADER):
        found = pattern.search(text)
        assert found is None, f"{where} shows a credential: {found.group(0)[:12]}…"


def _around(text: str, secret: str) -> str:
    at = text.find(secret)
    return text[max(0, at - 80) : at].replace(secret, "<SECRET>")


async def test_an_api_key_run_shows_neither_the_key_nor_the_routing_key() -> None:
    routing_key = _routing_key(Sandbox(seed=SEED))
    output, stderr, calls = await full_run({"PAGERDUTY_USER_API_KEY": SANDBOX_TOKEN}, faults=True)
    assert calls >= 2 * len(TOOLS), "the server stopped answering after hostile arguments"
    assert "tool=" in stderr  # the audit log was captured, so the scan means something
    for where, text in (("tool output", output), ("the logs", stderr)):
        assert_no_secret(where, text, [SANDBOX_TOKEN, routing_key])


async def test_an_oauth_run_shows_neither_the_client_secret_nor_the_token() -> None:
    output, stderr, _ = await full_run(
        {
            "PAGERDUTY_OAUTH_CLIENT_ID": SANDBOX_OAUTH_CLIENT_ID,
            "PAGERDUTY_OAUTH_CLIENT_SECRET": SANDBOX_OAUTH_CLIENT_SECRET,
            "PAGERDUTY_OAUTH_SCOPES": "read write",
        },
        hostile=False,
    )
    assert "OAuth" in stderr and "tool=" in stderr
    for where, text in (("tool output", output), ("the logs", stderr)):
        assert_no_secret(where, text, [SANDBOX_OAUTH_CLIENT_SECRET])


async def test_a_refused_key_is_never_echoed_in_errors_or_logs() -> None:
    output, stderr, _ = await full_run({"PAGERDUTY_USER_API_KEY": WRONG_KEY}, hostile=False)
    assert "UNAUTHORIZED" in output
    for where, text in (("tool output", output), ("the logs", stderr)):
        assert_no_secret(where, text, [WRONG_KEY])


def test_the_scan_finds_a_planted_secret() -> None:
    """The scanner itself can fail: a planted key, token or header is caught."""
    for planted in (f"x {SANDBOX_TOKEN} y", "Authorization: Bearer pdus+_0X" + "a" * 40, "Token token=abcdefgh"):
        with pytest.raises(AssertionError):
            assert_no_secret("a planted text", planted, [SANDBOX_TOKEN])


CALLER_KEY = "sandbox-user-token"
WRONG_CALLER_KEY = "u+WrongCallerKey_do_not_echo_7731"


async def test_callers_own_credentials_over_http_never_show_in_output_or_logs() -> None:
    """``--auth pagerduty``: each request brings its caller's key; neither a good nor a refused key
    appears in any answer, error or log line."""
    box = Sandbox(seed=SEED)
    ids, routing_key = resolved_ids(box.state), _routing_key(box)
    outputs: list[str] = []
    args = ("--sandbox", "--enable-write-tools", "--auth", "pagerduty", "--log-level", "DEBUG")
    with http_server(args, {"PAGERDUTY_SANDBOX_SEED": str(SEED)}) as server:
        headers = {"Authorization": f"Token token={CALLER_KEY}"}
        async with http_session(server.url, headers) as client:
            for tool in TOOLS:
                result = await client.call_tool(tool["name"], _argument_sets(tool, ids, routing_key)[0])
                outputs.extend(getattr(c, "text", "") for c in result.content)
            ok_answer = await client.call_tool("list_incidents", {"limit": 1})
            assert not ok_answer.is_error, ok_answer
        async with httpx2.AsyncClient(timeout=30) as http:
            refused = await http.post(
                server.url,
                headers={
                    "Authorization": f"Token token={WRONG_CALLER_KEY}",
                    "Accept": "application/json, text/event-stream",
                    "Content-Type": "application/json",
                },
                json={"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "list_incidents"}},
            )
            outputs.append(f"{refused.status_code} {dict(refused.headers)} {refused.text}")
        server.stop()  # every line written
        logs = server.stderr()
    assert "tool=" in logs
    for where, text in (("tool output", "\n".join(outputs)), ("the logs", logs)):
        assert_no_secret(where, text, [CALLER_KEY, WRONG_CALLER_KEY, routing_key])
