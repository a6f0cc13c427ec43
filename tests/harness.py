"""Driving the servers through a real MCP client, the way users do.

- ``stdio_session``: the server as a subprocess over stdio (what VS Code, Cursor and Claude
  Desktop do), on the in-process sandbox (``--sandbox``) or on an HTTPS sandbox socket.
- ``memory_session``: the same server object in-process, with a fresh sandbox per session, for
  fast per-tool tests. Both use the ``mcp`` SDK's ``Client``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from mcp import Client, StdioServerParameters

from pagerduty_mcp.catalog import SERVERS, areas_of
from pagerduty_mcp.common import ToolFilter, create_pagerduty_server
from pagerduty_mcp.common.hosting.upstream import sandbox_pool
from pagerduty_mcp.sandbox import Sandbox
from pagerduty_mcp.server import area_module

__all__ = ["MODULES", "call", "fails", "first", "memory_session", "ok", "server_env", "stdio_session"]

# server key -> the module ``python -m`` runs, for every server in the catalogue.
MODULES = {key: area_module(key) for key in SERVERS}


def server_env(**extra: str) -> dict[str, str]:
    """The environment of a server subprocess: no PagerDuty variables leak in from the host."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAGERDUTY_", "SSL_CERT"))}
    env.update(extra)
    return env


@asynccontextmanager
async def stdio_session(
    key: str = "mcp", *, write: bool = False, sandbox: bool = True, args: tuple[str, ...] = (), env: dict | None = None
) -> AsyncIterator[Client]:
    argv = ["-m", MODULES[key], *(["--sandbox"] if sandbox else []), *(["--enable-write-tools"] if write else [])]
    params = StdioServerParameters(command=sys.executable, args=[*argv, *args], env=server_env(**(env or {})))
    async with Client(params, read_timeout_seconds=60) as client:
        yield client


@asynccontextmanager
async def memory_session(
    key: str = "mcp",
    *,
    write: bool = True,
    sandbox: Sandbox | None = None,
    sleep: Callable[[float], None] | None = None,
) -> AsyncIterator[Client]:
    """``sleep``: the clock the clients wait out back-offs and 429s on (a test's, to record them)."""
    box = sandbox or Sandbox()
    server = create_pagerduty_server(SERVERS[key], areas_of(key), ToolFilter(enable_write_tools=write))
    server.pool = sandbox_pool(box, sleep=sleep)
    async with Client(server) as client:
        client.sandbox = box  # type: ignore[attr-defined]
        yield client


async def call(client: Client, tool: str, arguments: dict[str, Any] | None = None) -> tuple[bool, dict[str, Any]]:
    """Call a tool; return (is_error, the parsed envelope). Every answer must be our JSON envelope."""
    result = await client.call_tool(tool, arguments or {})
    assert len(result.content) == 1, result
    text = result.content[0].text  # type: ignore[union-attr]
    try:
        envelope = json.loads(text)
    except ValueError as exc:
        raise AssertionError(f"{tool} answered with non-JSON text: {text[:300]}") from exc
    assert "metadata" in envelope, envelope
    assert result.structured_content == envelope, f"{tool}: structuredContent differs from the text envelope"
    return bool(result.is_error), envelope


async def ok(client: Client, tool: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
    """Call a tool that must succeed; return its envelope."""
    is_error, envelope = await call(client, tool, arguments)
    assert not is_error, f"{tool}({arguments}) failed: {envelope.get('error')}"
    assert envelope["metadata"]["count"] >= 0
    return envelope


async def fails(client: Client, tool: str, arguments: dict[str, Any] | None = None, code: str | None = None) -> dict:
    """Call a tool that must fail; return its ``error`` object, checking the code if given."""
    is_error, envelope = await call(client, tool, arguments)
    assert is_error, f"{tool}({arguments}) should have failed but answered {str(envelope)[:300]}"
    error = envelope["error"]
    assert error["message"] and error["code"]
    if code is not None:
        assert error["code"] == code, error
    return error


def first(envelope: dict[str, Any]) -> dict[str, Any]:
    """The first item of an envelope's resource list."""
    key = next(k for k in envelope if k != "metadata")
    assert envelope[key], envelope
    return envelope[key][0]


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
