"""A server subprocess on a loopback port, speaking streamable HTTP, with the HTTPS sandbox behind it."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from pagerduty_mcp.sandbox import Sandbox
from pagerduty_mcp.sandbox.server import ServerInfo, serve_in_thread
from tests.harness import server_env

__all__ = [
    "HttpServer",
    "free_port",
    "http_session",
    "rpc_answer",
    "running_server",
    "sandbox_over_https",
    "upstream_env",
]

STARTUP_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class HttpServer:
    url: str  # the MCP endpoint
    base: str  # scheme://host:port
    process: subprocess.Popen[bytes]
    stderr_path: Path

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")


@contextmanager
def sandbox_over_https(box: Sandbox) -> Iterator[ServerInfo]:
    with serve_in_thread(box) as info:
        yield info


def _wait_healthy(base: str, process: subprocess.Popen[bytes], stderr_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}: {stderr_path.read_text()[-2000:]}")
        try:
            if httpx2.get(f"{base}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx2.TransportError:
            pass
        time.sleep(0.05)  # polling a starting process, bounded by the deadline above
    raise AssertionError(f"server not healthy within {STARTUP_SECONDS} s: {stderr_path.read_text()[-2000:]}")


@contextmanager
def running_server(
    args: list[str],
    env: dict[str, str],
    *,
    module: str = "pagerduty_mcp",
    host: str = "127.0.0.1",
    port: int | None = None,
) -> Iterator[HttpServer]:
    """Start ``python -m module --transport streamable-http ...`` on a (free) port; stop it afterwards."""
    port = port or free_port()
    with tempfile.TemporaryDirectory(prefix="pagerduty-mcp-http-") as directory:
        stderr_path = Path(directory) / "stderr.log"
        with stderr_path.open("wb") as stderr:
            argv = [sys.executable, "-m", module, "--transport", "streamable-http", "--host", host, "--port", str(port)]
            process = subprocess.Popen([*argv, *args], env=server_env(**env), stdout=subprocess.DEVNULL, stderr=stderr)
            # Where a client reaches it: the loopback of the bound address's family.
            base = f"http://{'[::1]' if ':' in host else '127.0.0.1'}:{port}"
            try:
                _wait_healthy(base, process, stderr_path)
                yield HttpServer(f"{base}/mcp", base, process, stderr_path)
            finally:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)


@asynccontextmanager
async def http_session(
    url: str,
    headers: Mapping[str, str] | Sequence[tuple[str, str]],
    *,
    mode: str = "auto",
    elicitation_callback: Any = None,
    extensions: Sequence[Any] = (),
) -> AsyncIterator[Client]:
    """The ``mcp`` SDK's own client over streamable HTTP, sending ``headers`` with every request
    (as ``(name, value)`` pairs, a header can be sent more than once).

    ``mode="legacy"`` speaks the 2025-11-25 protocol (initialize handshake), as most editors do today.
    ``elicitation_callback``: the person who answers the server's questions (the client then
    declares elicitation). ``extensions``: what else the client declares (MCP Apps, for one).
    """
    async with (
        httpx2.AsyncClient(headers=headers, timeout=60.0) as http,
        Client(
            streamable_http_client(url, http_client=http),
            mode=mode,
            elicitation_callback=elicitation_callback,
            extensions=list(extensions),
        ) as client,
    ):
        yield client


def rpc_answer(response: httpx2.Response) -> dict[str, Any]:
    """The JSON-RPC answer in a streamable-HTTP response: plain JSON, or the last message of an
    event stream (the server streams when a call may send notifications before its answer)."""
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        messages = [json.loads(line[5:]) for line in response.text.splitlines() if line.startswith("data:")]
        answers = [m for m in messages if "result" in m or "error" in m]
        assert answers, f"no answer in the event stream: {response.text[:500]}"
        return answers[-1]  # type: ignore[no-any-return]
    return response.json()  # type: ignore[no-any-return]


def upstream_env(info: ServerInfo, **extra: str) -> dict[str, str]:
    """A server's environment for reaching the HTTPS sandbox ``info`` (its host and its CA)."""
    return {"PAGERDUTY_API_HOST": info.url, "SSL_CERT_FILE": str(info.ca_path), **extra}
