"""Start-up: ``initialize`` over stdio from a cold process, and what that time is made of.

Every figure comes from fresh processes, as a client such as Claude Desktop or VS Code starts
them: the clock runs from spawning ``python -m <server> --sandbox`` to the ``initialize``
result (the MCP SDK's stdio client, ``mode="legacy"``: the initialize handshake).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from typing import Any

from mcp import Client, StdioServerParameters

from bench import MODULES
from bench.stats import spread

__all__ = [
    "QUIET",
    "import_breakdown",
    "initialize_ms",
    "package_self_times",
    "server_env",
    "server_params",
    "spawn_ms",
    "time_initialize",
]

# The servers' one start-up log line would land in the middle of the tables.
QUIET = ("--log-level", "WARNING")
_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def server_env(**extra: str) -> dict[str, str]:
    """A server's environment: nothing PagerDuty-specific leaks in from the host."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAGERDUTY_", "SSL_CERT"))}
    env.update(extra)
    return env


def server_params(key: str, env: dict[str, str] | None = None) -> StdioServerParameters:
    """How a client starts one server on the sandbox: ``python -m <module> --sandbox``."""
    return StdioServerParameters(
        command=sys.executable, args=["-m", MODULES[key], "--sandbox", *QUIET], env=server_env(**(env or {}))
    )


async def initialize_ms(key: str, *, env: dict[str, str] | None = None) -> float:
    """Milliseconds from spawning one server process to its ``initialize`` result."""
    params = server_params(key, env)
    started = time.perf_counter()
    async with Client(params, mode="legacy", read_timeout_seconds=60) as client:
        elapsed = (time.perf_counter() - started) * 1000
        if client.server_info is None or not client.server_info.name.startswith("pagerduty"):
            raise RuntimeError(f"{key}: unexpected server {client.server_info}")
    return elapsed


async def time_initialize(key: str, runs: int, *, env: dict[str, str] | None = None) -> dict[str, Any]:
    """``initialize`` over stdio, ``runs`` cold starts: median, min, max in milliseconds."""
    return spread([await initialize_ms(key, env=env) for _ in range(runs)])


async def time_initialize_without_bytecode(key: str, runs: int) -> dict[str, Any]:
    """As after ``uv sync`` without ``--compile-bytecode`` on a read-only install: every module compiled."""
    samples = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="bench-pyc-") as empty:
            env = {"PYTHONPYCACHEPREFIX": empty, "PYTHONDONTWRITEBYTECODE": "1"}
            samples.append(await initialize_ms(key, env=env))
    return spread(samples)


def spawn_ms(code: str, runs: int) -> dict[str, Any]:
    """A fresh ``python -c code`` from spawn to exit, ``runs`` times (milliseconds)."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env=server_env())
        samples.append((time.perf_counter() - started) * 1000)
    return spread(samples)


def import_floor(key: str, runs: int) -> dict[str, Any]:
    """The layers under ``initialize``: bare Python, the ``mcp`` server import, the server module."""
    server_module = f"{MODULES[key]}.server" if key != "mcp" else "pagerduty_mcp.server"
    return {
        "python": spawn_ms("pass", runs),
        "import_mcp": spawn_ms("import mcp.server.mcpserver", runs),
        "import_server": spawn_ms(f"import {server_module}", runs),
    }


def import_breakdown(key: str, top: int = 12) -> dict[str, Any]:
    """Self time of every imported module (``python -X importtime``), summed per top-level package.

    Run as ``serve`` runs: the server module, typer's command line and the sandbox client pool.
    The absolute numbers are inflated by the profiler; the shares are what matter.
    """
    server_module = f"{MODULES[key]}.server" if key != "mcp" else "pagerduty_mcp.server"
    code = (
        f"import {server_module}\n"
        "from pagerduty_mcp.common import ClientPool, Settings\n"
        "ClientPool(Settings(sandbox=True))\n"
    )
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True, env=server_env()
    )
    return package_self_times(done.stderr, top)


def package_self_times(importtime_log: str, top: int = 12) -> dict[str, Any]:
    """Sum the self time of every module in a ``-X importtime`` log per top-level package."""
    per_package: dict[str, int] = defaultdict(int)
    total = 0
    for line in importtime_log.splitlines():
        match = _IMPORT_LINE.match(line)
        if not match:
            continue
        self_us, name = int(match.group(1)), match.group(4)
        per_package[name.split(".")[0]] += self_us
        total += self_us
    ranked = sorted(per_package.items(), key=lambda kv: kv[1], reverse=True)[:top]
    return {"total_ms": round(total / 1000, 1), "packages_ms": {k: round(v / 1000, 1) for k, v in ranked}}
