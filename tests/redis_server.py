"""A real ``redis-server`` of the test's own, on a free loopback port, stopped afterwards.

Locally, a machine without ``redis-server`` skips the tests that need it, saying so; in CI
(``PAGERDUTY_MCP_REQUIRE_REDIS=1``, set by ``.ci/run``) a missing ``redis-server`` fails them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

__all__ = ["RedisServer", "redis_or_skip", "redis_server"]

STARTUP_SECONDS = 10.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """One redis-server process; ``persistent`` keeps its data across :meth:`restart` (AOF)."""

    def __init__(self, binary: str, directory: Path, *, persistent: bool = False, password: str | None = None) -> None:
        self.binary = binary
        self.directory = directory
        self.persistent = persistent
        self.password = password
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        persistence = ["--appendonly", "yes", "--appendfsync", "always"] if self.persistent else ["--appendonly", "no"]
        argv = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", *persistence]
        argv += ["--dir", str(self.directory)]
        argv += ["--requirepass", self.password] if self.password else []
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"redis-server exited with {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    if self.password:
                        sock.sendall(f"AUTH {self.password}\r\n".encode())
                        sock.recv(16)
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.02)  # polling a starting process, bounded by the deadline
        raise AssertionError(f"redis-server did not answer within {STARTUP_SECONDS} s")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()  # SIGTERM: a graceful shutdown that flushes the append-only file
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


def redis_or_skip() -> str:
    """The ``redis-server`` binary, or a skip (a failure when CI requires Redis)."""
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server is not installed (Debian: apt-get install redis-server)"
        if os.environ.get("PAGERDUTY_MCP_REQUIRE_REDIS") == "1":
            pytest.fail(f"{message}; CI requires it (PAGERDUTY_MCP_REQUIRE_REDIS=1)")
        pytest.skip(message)
    return binary


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A Redis shared by the session's tests (each test uses its own keys or flushes)."""
    binary = redis_or_skip()
    with tempfile.TemporaryDirectory(prefix="pagerduty-mcp-redis-") as directory:
        server = RedisServer(binary, Path(directory))
        server.start()
        try:
            yield server
        finally:
            server.stop()
