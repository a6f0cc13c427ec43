"""Start-up: ``initialize`` over stdio from a cold process, and what that time is made of.

Every figure comes from fresh processes, as a client such as Claude Desktop or VS Code starts
them: the clock runs from spawning ``python -m <server> --sandbox`` to the ``initialize``
result (the MCP SDK's stdio client, ``mode="legacy"``: the initialize handshake).
"""

from __future__ import annotations

import json
import os
import re
import resource
import statistics
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
    "SDK_FLOOR",
    "cpu_to_initialize",
    "import_breakdown",
    "initialize_ms",
    "package_self_times",
    "sdk_floor_ms",
    "server_env",
    "server_params",
    "spawn_ms",
    "start_ms",
    "startup_phases",
    "time_initialize",
    "tracing_cost",
    "upstream_requests_at_start",
]

# The servers' one start-up log line would land in the middle of the tables.
QUIET = ("--log-level", "WARNING")
# What no server built on the SDK can start faster than: importing it, in a fresh process. Timed
# as the issue that set the start-up guards timed it (spawn to exit); the CPU figures stop at the
# end of the import instead, the stricter comparison with a server's answer.
SDK_FLOOR = "import mcp.server.mcpserver, mcp_types"
_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


# The host's choices about bytecode (a shell with PYTHONDONTWRITEBYTECODE=1 compiles every module at
# every start) are not the servers': only the no-bytecode figure sets them, explicitly.
_HOST_ONLY = ("PAGERDUTY_", "SSL_CERT", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")


def server_env(**extra: str) -> dict[str, str]:
    """A server's environment: nothing PagerDuty-specific, nor the host's bytecode settings, leaks in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_HOST_ONLY)}
    env.update(extra)
    return env


def server_params(key: str, env: dict[str, str] | None = None) -> StdioServerParameters:
    """How a client starts one server on the sandbox, with every tool on (the largest start-up)."""
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", MODULES[key], "--sandbox", "--enable-write-tools", *QUIET],
        env=server_env(**(env or {})),
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def start_ms(key: str, *, env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """Milliseconds from spawning one server process to its ``initialize`` result and to its tool list,
    and the CPU time the process used from start to exit (steadier than wall time on a busy machine)."""
    params = server_params(key, env)
    cpu = _children_cpu()
    started = time.perf_counter()
    async with Client(params, mode="legacy", read_timeout_seconds=60) as client:
        initialized = (time.perf_counter() - started) * 1000
        if client.server_info is None or not client.server_info.name.startswith("pagerduty"):
            raise RuntimeError(f"{key}: unexpected server {client.server_info}")
        if not (await client.list_tools()).tools:
            raise RuntimeError(f"{key}: no tools")
        listed = (time.perf_counter() - started) * 1000
    return initialized, listed, (_children_cpu() - cpu) * 1000


async def initialize_ms(key: str, *, env: dict[str, str] | None = None) -> float:
    """Milliseconds from spawning one server process to its ``initialize`` result."""
    return (await start_ms(key, env=env))[0]


def sdk_floor_ms() -> float:
    """Milliseconds from spawning ``python -c "<SDK_FLOOR>"`` to its exit: the SDK's own start."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", SDK_FLOOR], check=True, env=server_env())
    return (time.perf_counter() - started) * 1000


async def time_initialize(key: str, runs: int, *, env: dict[str, str] | None = None) -> dict[str, Any]:
    """``runs`` cold starts over stdio: ``initialize`` and then ``tools/list``, median/min/max in ms.

    Each start is paired with a start of the SDK's import alone (:data:`SDK_FLOOR`), one right
    next to the other (which goes first alternates), so that both see the same machine.
    ``floor_ratio`` is the median of the pairs' ratios: load that comes and goes (other work on a
    shared machine) slows both of a pair, and cancels out; ``ratio_of_medians`` is also given.
    """
    sdk_floor_ms()
    await start_ms(key, env=env)  # untimed: writes any bytecode not cached yet
    samples, floor, ratios = [], [], []
    for run in range(runs):
        if run % 2:
            sample = await start_ms(key, env=env)
            alone = sdk_floor_ms()
        else:
            alone = sdk_floor_ms()
            sample = await start_ms(key, env=env)
        samples.append(sample)
        floor.append(alone)
        ratios.append(sample[0] / alone)
    initialize = spread([s[0] for s in samples])
    return {
        "initialize": initialize,
        "tools_listed": spread([s[1] for s in samples]),
        "server_cpu": spread([s[2] for s in samples]),
        "sdk_floor": spread(floor),
        "floor_ratio": round(statistics.median(ratios), 3),
        "floor_ratios": spread(ratios, 3),
        "ratio_of_medians": round(float(initialize["median"]) / statistics.median(floor), 3),
    }


_INITIALIZE = (
    json.dumps(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "bench", "version": "1"},
            },
        }
    ).encode()
    + b"\n"
)
# The SDK's import, then a line to say so, then waiting: its CPU is read while it waits.
_FLOOR_READY = f"{SDK_FLOOR}; import sys; print('ready', flush=True); sys.stdin.read()"
_TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def _process_cpu_ms(pid: int) -> float:
    """User and system CPU of a running process, all its threads, from ``/proc`` (clock ticks)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * _TICK_MS


def _cpu_until_first_line(argv: list[str], send: bytes = b"") -> float:
    """CPU milliseconds a fresh process has used when its first line of output arrives."""
    process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=server_env())
    try:
        assert process.stdin is not None and process.stdout is not None
        if send:
            process.stdin.write(send)
            process.stdin.flush()
        if not process.stdout.readline():
            raise RuntimeError(f"{argv[2]} ended without answering")
        return _process_cpu_ms(process.pid)
    finally:
        if process.stdin is not None:
            process.stdin.close()
        process.wait(timeout=30)


def cpu_to_initialize(key: str, runs: int) -> dict[str, Any]:
    """CPU of a server from spawn to its ``initialize`` answer over stdio, next to the CPU of the SDK's
    import alone, in pairs (alternating which goes first); the median of the pairs' ratios.

    CPU does not grow when other work shares the machine, as wall time does; ``/proc`` counts it in
    clock ticks (10 ms), which the median of several pairs evens out."""
    server = [sys.executable, "-m", MODULES[key], "--sandbox", "--enable-write-tools", *QUIET]
    floor = [sys.executable, "-c", _FLOOR_READY]
    _cpu_until_first_line(server, _INITIALIZE)  # untimed: bytecode
    servers: list[float] = []
    floors: list[float] = []
    ratios: list[float] = []
    for run in range(runs):
        if run % 2:
            started = _cpu_until_first_line(server, _INITIALIZE)
            alone = _cpu_until_first_line(floor)
        else:
            alone = _cpu_until_first_line(floor)
            started = _cpu_until_first_line(server, _INITIALIZE)
        servers.append(started)
        floors.append(alone)
        ratios.append(started / alone)
    return {
        "server_cpu": spread(servers),
        "sdk_floor_cpu": spread(floors),
        "ratio": round(statistics.median(ratios), 3),
        "ratios": spread(ratios, 3),
    }


async def time_initialize_without_bytecode(key: str, runs: int) -> dict[str, Any]:
    """As after ``uv sync`` without ``--compile-bytecode`` on a read-only install: every module compiled."""
    samples = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="bench-pyc-") as empty:
            env = {"PYTHONPYCACHEPREFIX": empty, "PYTHONDONTWRITEBYTECODE": "1"}
            samples.append(await initialize_ms(key, env=env))
    return spread(samples)


async def upstream_requests_at_start(key: str) -> dict[str, Any]:
    """Requests a server sends to PagerDuty while it starts, initializes and lists its tools.

    The server runs as users run it, with a token and an API host: here the sandbox served over
    HTTPS on loopback, whose request log shows anything sent. Expected: none.
    """
    from pagerduty_mcp.sandbox import SANDBOX_TOKEN, Sandbox
    from pagerduty_mcp.sandbox.server import serve_in_thread

    box = Sandbox()
    with serve_in_thread(box) as upstream:
        before = len(box.request_log)
        env = server_env(
            PAGERDUTY_API_HOST=upstream.url, SSL_CERT_FILE=str(upstream.ca_path), PAGERDUTY_USER_API_KEY=SANDBOX_TOKEN
        )
        params = StdioServerParameters(
            command=sys.executable, args=["-m", MODULES[key], "--enable-write-tools", *QUIET], env=env
        )
        async with Client(params, mode="legacy", read_timeout_seconds=60) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            sent = [f"{r.method} {r.path}" for r in list(box.request_log)[before:]]
            # The same log must see a call's request, or a zero above would prove nothing.
            probe = None
            if "list_incidents" in names:
                await client.call_tool("list_incidents", {"limit": 1})
                probe = len(box.request_log) - before - len(sent)
    return {"server": key, "tools": len(names), "requests": len(sent), "paths": sent, "first_call_requests": probe}


def spawn_ms(code: str, runs: int) -> dict[str, Any]:
    """A fresh ``python -c code`` from spawn to exit, ``runs`` times (milliseconds)."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env=server_env())
        samples.append((time.perf_counter() - started) * 1000)
    return spread(samples)


_PHASES = """
import json, time
marks = [(time.perf_counter(), time.process_time())]
import mcp.server.mcpserver, mcp_types
marks.append((time.perf_counter(), time.process_time()))
import {module} as served
from pagerduty_mcp.common import ToolFilter, create_pagerduty_server
from pagerduty_mcp.common.hosting.upstream import sandbox_pool
from pagerduty_mcp.common.pagerduty.logs import configure_logging
configure_logging("WARNING")  # as serve() does before it builds the server
marks.append((time.perf_counter(), time.process_time()))
areas = list(getattr(served, "AREAS", None) or [served.AREA])
server = create_pagerduty_server("bench", areas, ToolFilter(enable_write_tools=True))
marks.append((time.perf_counter(), time.process_time()))
sandbox_pool()
marks.append((time.perf_counter(), time.process_time()))
names = ("import_mcp", "import_server", "register_tools", "sandbox_pool")
print(json.dumps({{
    "wall": {{n: marks[i + 1][0] - marks[i][0] for i, n in enumerate(names)}},
    "cpu": {{n: marks[i + 1][1] - marks[i][1] for i, n in enumerate(names)}},
    "tools": len(server._tool_manager.list_tools()),
}}))
"""


def startup_phases(key: str, runs: int) -> dict[str, Any]:
    """Where a server's start-up goes, timed inside ``runs`` fresh processes (milliseconds).

    ``python`` is an empty interpreter from spawn to exit; the other phases are timed in-process,
    in the order ``serve`` runs them: the SDK's import (the floor no server can avoid), the
    server's own modules (only its own areas), registering its tools (write tools on), and the
    sandbox client pool.
    """
    module = "pagerduty_mcp.server" if key == "mcp" else f"{MODULES[key]}.server"
    code = _PHASES.format(module=module, key=key)
    wall: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    tools = 0
    subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, env=server_env())  # bytecode
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=server_env()
        )
        timings = json.loads(done.stdout.strip().splitlines()[-1])
        tools = timings["tools"]
        for phase, seconds in timings["wall"].items():
            wall[phase].append(seconds * 1000)
        for phase, seconds in timings["cpu"].items():
            cpu[phase].append(seconds * 1000)
    per_tool = statistics.median(cpu["register_tools"]) / max(tools, 1)
    return {
        "phases": {"python": spawn_ms("pass", runs), **{p: spread(v) for p, v in wall.items()}},
        "phases_cpu": {p: spread(v) for p, v in cpu.items()},
        "tools": tools,
        "register_cpu_ms_per_tool": round(per_tool, 2),
    }


_TRACING = """
import json, sys, time
wall, cpu = time.perf_counter(), time.process_time()
import {module}
from pagerduty_mcp.common.hosting.tracing import start_tracing
start_tracing("bench")
print(json.dumps({{
    "wall": time.perf_counter() - wall,
    "cpu": time.process_time() - cpu,
    "sdk_loaded": "opentelemetry.sdk" in sys.modules,
}}))
"""
# A port nothing listens on: start-up never connects (spans are exported later, in batches).
_OTLP_ENDPOINT = "http://127.0.0.1:9"


def tracing_cost(key: str, runs: int) -> dict[str, Any]:
    """Importing a server and ``start_tracing`` in fresh processes, without and with
    ``OTEL_EXPORTER_OTLP_ENDPOINT`` (milliseconds, interleaved so machine load hits both alike)."""
    module = "pagerduty_mcp.server" if key == "mcp" else f"{MODULES[key]}.server"
    code = _TRACING.format(module=module)
    samples: dict[str, dict[str, list[float]]] = {"unset": defaultdict(list), "set": defaultdict(list)}
    loaded: dict[str, bool] = {}
    for _ in range(runs):
        for label, extra in (("unset", {}), ("set", {"OTEL_EXPORTER_OTLP_ENDPOINT": _OTLP_ENDPOINT})):
            done = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=server_env(**extra)
            )
            timing = json.loads(done.stdout.strip().splitlines()[-1])
            samples[label]["wall"].append(timing["wall"] * 1000)
            samples[label]["cpu"].append(timing["cpu"] * 1000)
            loaded[label] = timing["sdk_loaded"]
    return {
        label: {"wall": spread(v["wall"]), "cpu": spread(v["cpu"]), "sdk_loaded": loaded[label]}
        for label, v in samples.items()
    }


def import_breakdown(key: str, top: int = 12) -> dict[str, Any]:
    """Self time of every imported module (``python -X importtime``), summed per top-level package.

    Run as ``serve`` runs: the server module, typer's command line and the sandbox client pool.
    The absolute numbers are inflated by the profiler; the shares are what matter.
    """
    server_module = f"{MODULES[key]}.server" if key != "mcp" else "pagerduty_mcp.server"
    code = f"import {server_module}\nfrom pagerduty_mcp.common.hosting.upstream import sandbox_pool\nsandbox_pool()\n"
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
