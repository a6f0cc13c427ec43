"""One harness for every transport: a real MCP client (the ``mcp`` SDK's ``Client``) on our servers,
the way users drive them.

- ``memory_session``: the server object in this process, on a fresh sandbox account (or one given):
  the fast per-tool tests.
- ``stdio_session``: ``python -m <server>`` as a subprocess over stdio (what VS Code, Cursor and
  Claude Desktop do); ``process_session`` for any other command line (``uvx``, an image's entry).
- ``http_session``: the client over streamable HTTP to a server that ``http_server`` started as a
  subprocess on a loopback port (``http_servers`` starts several at once), optionally in front of the
  sandbox served over HTTPS (``sandbox_over_https``, ``upstream_env``).

Every one takes the SDK ``Client``'s own options as keywords (``mode=``, ``elicitation_callback=``,
``extensions=``, ``logging_callback=``...), so a test picks its transport and nothing else changes.
``call``, ``ok``, ``fails`` and ``first`` check the answers: always our JSON envelope.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import httpx2
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from pagerduty_mcp.catalog import SERVERS, areas_of
from pagerduty_mcp.common import ClientPool, Settings, ToolFilter, create_pagerduty_server
from pagerduty_mcp.common.hosting.upstream import sandbox_pool
from pagerduty_mcp.common.toolkit.server import PagerDutyMCPServer
from pagerduty_mcp.sandbox import Sandbox
from pagerduty_mcp.sandbox.server import ServerInfo, serve_in_thread
from pagerduty_mcp.server import area_module

__all__ = [
    "MODULES",
    "HttpServer",
    "ServerSpec",
    "call",
    "dumps",
    "fails",
    "first",
    "free_port",
    "http_server",
    "http_servers",
    "http_session",
    "memory_server",
    "memory_session",
    "ok",
    "process_session",
    "rpc_answer",
    "sandbox_over_https",
    "server_env",
    "stdio_session",
    "upstream_env",
]

# server key -> the module ``python -m`` runs, for every server in the catalogue.
MODULES = {key: area_module(key) for key in SERVERS}
# A subprocess server's first answer: Python, the SDK and our modules load first (seconds when busy).
STARTUP_SECONDS = 60.0
READ_TIMEOUT_SECONDS = 60.0


# -- in-process ------------------------------------------------------------------------------------


def memory_server(
    key: str = "mcp",
    *,
    write: bool = True,
    sandbox: Sandbox | None = None,
    settings: Settings | None = None,
    sleep: Callable[[float], None] | None = None,
    pool: ClientPool | None = None,
    flt: ToolFilter | None = None,
    confirm_writes: str | None = None,
    deadline_seconds: float | None = None,
    queued_per_credential: int | None = None,
) -> PagerDutyMCPServer:
    """The server ``key`` built in this process, as ``pagerduty-<key>`` builds it at start-up.

    ``sandbox``: the account behind it (fresh by default); ``settings``: the client settings
    (timeouts, the rate-limit cap, an account-level credential); ``sleep``: the clock back-offs and
    429s are waited out on (a test's, to record them); ``pool``: a pool of one's own instead (one
    that speaks HTTPS, say). ``flt`` replaces ``write``. The rest are the operator's flags
    ``--confirm-writes``, ``--call-timeout`` and ``--max-queued-per-credential``.
    """
    from pagerduty_mcp.common.toolkit.fairness import CredentialSlots

    server = create_pagerduty_server(SERVERS[key], areas_of(key), flt or ToolFilter(enable_write_tools=write))
    server.pool = pool or sandbox_pool(sandbox if sandbox is not None else Sandbox(), settings, sleep=sleep)
    if confirm_writes is not None:
        server.confirm_writes = confirm_writes  # type: ignore[assignment]
    if deadline_seconds is not None:
        server.call_deadline_seconds = deadline_seconds
    if queued_per_credential is not None:
        server.slots = CredentialSlots(queued=queued_per_credential)
    return server


@asynccontextmanager
async def memory_session(
    key: str = "mcp",
    *,
    write: bool = True,
    sandbox: Sandbox | None = None,
    settings: Settings | None = None,
    sleep: Callable[[float], None] | None = None,
    pool: ClientPool | None = None,
    flt: ToolFilter | None = None,
    confirm_writes: str | None = None,
    deadline_seconds: float | None = None,
    queued_per_credential: int | None = None,
    server: PagerDutyMCPServer | None = None,
    **client_options: Any,
) -> AsyncIterator[Client]:
    """A client on ``memory_server(...)`` (same arguments), or on ``server`` (one a test built with it,
    to look at too); ``client.sandbox`` is the account behind it."""
    box = sandbox if sandbox is not None else Sandbox()
    server = server or memory_server(
        key,
        write=write,
        sandbox=box,
        settings=settings,
        sleep=sleep,
        pool=pool,
        flt=flt,
        confirm_writes=confirm_writes,
        deadline_seconds=deadline_seconds,
        queued_per_credential=queued_per_credential,
    )
    async with Client(server, **client_options) as client:
        client.sandbox = box  # type: ignore[attr-defined]
        yield client


# -- stdio -----------------------------------------------------------------------------------------


def server_env(**extra: str) -> dict[str, str]:
    """The environment of a server subprocess: no PagerDuty variables leak in from the host."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAGERDUTY_", "SSL_CERT"))}
    env.update(extra)
    return env


def server_argv(key: str = "mcp", *, write: bool = False, sandbox: bool = True, args: Sequence[str] = ()) -> list[str]:
    """``python -m <server> [--sandbox] [--enable-write-tools] ARGS``."""
    flags = [*(["--sandbox"] if sandbox else []), *(["--enable-write-tools"] if write else [])]
    return [sys.executable, "-m", MODULES[key], *flags, *args]


@asynccontextmanager
async def process_session(
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    cwd: Path | str | None = None,
    errlog: TextIO | None = None,
    **client_options: Any,
) -> AsyncIterator[Client]:
    """Any command line that speaks MCP on stdio, started as a client does; ``errlog`` takes its stderr."""
    command, *args = argv
    params = StdioServerParameters(command=command, args=args, env=dict(env), cwd=cwd)
    client_options.setdefault("read_timeout_seconds", READ_TIMEOUT_SECONDS)
    streams = stdio_client(params, errlog=errlog) if errlog is not None else params
    async with Client(streams, **client_options) as client:  # type: ignore[arg-type]
        yield client


@asynccontextmanager
async def stdio_session(
    key: str = "mcp",
    *,
    write: bool = False,
    sandbox: bool = True,
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    errlog: TextIO | None = None,
    **client_options: Any,
) -> AsyncIterator[Client]:
    """``pagerduty-<key>`` as a subprocess over stdio, on the offline sandbox unless ``sandbox=False``
    (then ``env`` says where PagerDuty is: ``upstream_env(...)``)."""
    argv = server_argv(key, write=write, sandbox=sandbox, args=args)
    async with process_session(argv, server_env(**(env or {})), errlog=errlog, **client_options) as client:
        yield client


# -- streamable HTTP -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class HttpServer:
    """A server subprocess on a loopback port; ``stderr()`` is its log so far."""

    url: str  # the MCP endpoint
    base: str  # scheme://host:port
    process: subprocess.Popen[bytes]
    stderr_path: Path

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def stop(self) -> int:
        """Stop it now (SIGTERM, then SIGKILL after 10 s); its exit status. Its log stays readable."""
        _stop(self.process)
        return self.process.returncode


@dataclass(frozen=True)
class ServerSpec:
    """What ``http_servers`` starts: ``python -m <module> --transport streamable-http ARGS`` in ``env``
    (the host's, cleaned by ``server_env``)."""

    args: Sequence[str] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    key: str = "mcp"
    module: str | None = None  # instead of the catalogue's module for ``key``
    host: str = "127.0.0.1"
    port: int | None = None
    command: Sequence[str] | None = None  # a whole command line instead, serving HTTP on ``port``
    cwd: Path | None = None


def _healthy(server: HttpServer) -> bool:
    if server.process.poll() is not None:
        raise AssertionError(f"server exited with {server.process.returncode}: {server.stderr()[-2000:]}")
    try:
        return httpx2.get(f"{server.base}/healthz", timeout=1.0).status_code == 200
    except httpx2.TransportError:
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def http_servers(*specs: ServerSpec) -> Iterator[list[HttpServer]]:
    """Start every server at once (they load side by side), wait until each answers ``/healthz``;
    stop them all afterwards."""
    with ExitStack() as stack:
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pagerduty-mcp-http-")))
        started = []
        for i, spec in enumerate(specs):
            port = spec.port or free_port()
            stderr_path = directory / f"stderr-{i}.log"
            stderr = stack.enter_context(stderr_path.open("wb"))
            argv = list(spec.command or ())
            if not argv:
                argv = [sys.executable, "-m", spec.module or MODULES[spec.key], "--transport", "streamable-http"]
                argv += ["--host", spec.host, "--port", str(port), *spec.args]
            # No stdin: a server that may choose its transport by it must see no pipe.
            process = subprocess.Popen(
                argv,
                env=server_env(**spec.env),
                cwd=spec.cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
            stack.callback(_stop, process)  # also when a later one fails to start
            # Where a client reaches it: the loopback of the bound address's family.
            base = f"http://{'[::1]' if ':' in spec.host else '127.0.0.1'}:{port}"
            started.append(HttpServer(f"{base}/mcp", base, process, stderr_path))
        deadline = time.monotonic() + STARTUP_SECONDS
        waiting = list(started)
        while waiting and time.monotonic() < deadline:
            waiting = [server for server in waiting if not _healthy(server)]
            if waiting:
                time.sleep(0.05)  # polling starting processes, bounded by the deadline above
        if waiting:
            raise AssertionError(f"server not healthy within {STARTUP_SECONDS} s: {waiting[0].stderr()[-2000:]}")
        yield started


@contextmanager
def http_server(
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    *,
    key: str = "mcp",
    module: str | None = None,
    host: str = "127.0.0.1",
    port: int | None = None,
) -> Iterator[HttpServer]:
    """``pagerduty-<key> --transport streamable-http ARGS`` on a (free) loopback port, until it answers."""
    with http_servers(ServerSpec(args, env or {}, key, module, host, port)) as (server,):
        yield server


@asynccontextmanager
async def http_session(
    url: str,
    headers: Mapping[str, str] | Sequence[tuple[str, str | bytes]] = (),
    *,
    auth: httpx2.Auth | None = None,
    transport: httpx2.AsyncBaseTransport | None = None,
    unbounded: bool = False,
    timeout: float = READ_TIMEOUT_SECONDS,
    **client_options: Any,
) -> AsyncIterator[Client]:
    """The SDK client over streamable HTTP, sending ``headers`` with every request (as ``(name,
    value)`` pairs a header can be sent more than once); ``auth`` signs each request (a caller's
    credential, a sign-in); ``unbounded``: the HTTP pool does not cap the calls sent at once."""
    limits = httpx2.Limits(max_connections=None, max_keepalive_connections=None) if unbounded else None
    options: dict[str, Any] = {"headers": headers, "auth": auth, "timeout": timeout}
    if transport is not None:
        options["transport"] = transport
    if limits is not None:
        options["limits"] = limits
    async with (
        httpx2.AsyncClient(**options) as http,
        Client(streamable_http_client(url, http_client=http), **client_options) as client,
    ):
        yield client


@contextmanager
def sandbox_over_https(box: Sandbox) -> Iterator[ServerInfo]:
    """``box`` served over HTTPS on a loopback port (in a thread), as PagerDuty is to a server."""
    with serve_in_thread(box) as info:
        yield info


def upstream_env(info: ServerInfo, **extra: str) -> dict[str, str]:
    """A server's environment for reaching the HTTPS sandbox ``info`` (its host and its CA)."""
    return {"PAGERDUTY_API_HOST": info.url, "SSL_CERT_FILE": str(info.ca_path), **extra}


def rpc_answer(response: httpx2.Response) -> dict[str, Any]:
    """The JSON-RPC answer in a streamable-HTTP response: plain JSON, or the last message of an
    event stream (the server streams when a call may send notifications before its answer)."""
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        messages = [json.loads(line[5:]) for line in response.text.splitlines() if line.startswith("data:")]
        answers = [m for m in messages if "result" in m or "error" in m]
        assert answers, f"no answer in the event stream: {response.text[:500]}"
        return answers[-1]  # type: ignore[no-any-return]
    return response.json()  # type: ignore[no-any-return]


# -- answers ---------------------------------------------------------------------------------------


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
