"""Raw sockets against a server process: what a slow client sees, and how many sockets it holds."""

from __future__ import annotations

import os
from pathlib import Path

import anyio
import anyio.abc

from tests.harness import HttpServer

__all__ = ["GUARD", "address", "open_sockets", "until_closed"]

GUARD = 20  # seconds: far beyond every limit under test; reaching it means no limit acted


def address(server: HttpServer) -> tuple[str, int]:
    host, port = server.base.removeprefix("http://").split(":")
    return host, int(port)


async def until_closed(stream: anyio.abc.SocketStream) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    with anyio.fail_after(GUARD):
        while True:
            try:
                received += await stream.receive()
            except (anyio.EndOfStream, anyio.BrokenResourceError, ConnectionResetError):
                return received


def open_sockets(pid: int) -> int:
    """Open sockets of a process (Linux /proc)."""
    fds = Path(f"/proc/{pid}/fd")
    count = 0
    for fd in fds.iterdir():
        try:
            count += os.readlink(fd).startswith("socket:")
        except OSError:
            continue
    return count
