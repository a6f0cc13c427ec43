"""Concurrency over streamable HTTP: 50 tool calls at once against a slow PagerDuty.

The sandbox serves HTTPS on loopback with 200 ms added to every request; a server process runs
``--transport streamable-http --auth pagerduty`` in front of it; the ``mcp`` SDK's client fires 50
``tools/call`` requests at once and the clock runs until the last answer. If calls were handled
one after another this would take 50 latencies; the figure to look for is about one.

Scenarios:
- ``10 callers x 5``: ten users, each with their own PagerDuty token (the multi-tenant case);
- ``1 caller x 50, cap 50``: one credential, ``--max-concurrent-per-credential 50``;
- ``1 caller x 50, cap 16``: one credential at the default cap, which queues the excess (the cap
  working as meant: PagerDuty rate-limits per token).

Each burst is also run without the added latency: that is the CPU cost of the same work on this
machine (client, server and sandbox share it), and the difference is what the latency added.

Run: ``uv run python -m bench.concurrency`` (``--rounds``, ``--latency-ms``, ``--calls``, ``--json``).
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from bench.startup import server_env
from bench.stats import spread
from pagerduty_mcp.sandbox import Faults, Sandbox
from pagerduty_mcp.sandbox.server import serve_in_thread

__all__ = ["main", "run"]

TOOL = "get_incident"
STARTUP_SECONDS = 60.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _server(upstream: Any, extra: list[str]) -> Iterator[tuple[str, Path]]:
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="bench-http-") as directory:
        log_path = Path(directory) / "stderr.log"
        env = server_env(PAGERDUTY_API_HOST=upstream.url, SSL_CERT_FILE=str(upstream.ca_path))
        argv = [sys.executable, "-m", "pagerduty_mcp", "--transport", "streamable-http", "--port", str(port)]
        with log_path.open("wb") as log:
            process = subprocess.Popen([*argv, "--auth", "pagerduty", *extra], env=env, stdout=log, stderr=log)
            try:
                base = f"http://127.0.0.1:{port}"
                deadline = time.monotonic() + STARTUP_SECONDS
                while True:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"server did not start: {log_path.read_text()[-1500:]}")
                    try:
                        if httpx2.get(f"{base}/healthz", timeout=1).status_code == 200:
                            break
                    except httpx2.TransportError:
                        time.sleep(0.05)
                yield f"{base}/mcp", log_path
            finally:
                process.terminate()
                process.wait(timeout=15)


async def _burst(url: str, tokens: list[str], per_caller: int, incident_id: str) -> float:
    """Seconds from firing ``len(tokens) * per_caller`` calls at once to the last answer."""
    async with AsyncExitStack() as stack:
        clients = []
        for token in tokens:
            http = await stack.enter_async_context(
                httpx2.AsyncClient(headers={"Authorization": f"Token token={token}"}, timeout=120)
            )
            clients.append(await stack.enter_async_context(Client(streamable_http_client(url, http_client=http))))
        failures: list[str] = []

        async def one(client: Client) -> None:
            result = await client.call_tool(TOOL, {"incident_id": incident_id})
            if result.is_error:
                failures.append(result.content[0].text[:200])  # type: ignore[union-attr]

        # Untimed: each session's first call also fetches tools/list (the SDK validates results).
        for client in clients:
            await one(client)
        started = time.perf_counter()
        async with anyio.create_task_group() as group:
            for client in clients:
                for _ in range(per_caller):
                    group.start_soon(one, client)
        elapsed = time.perf_counter() - started
        if failures:
            raise RuntimeError(f"{len(failures)} calls failed, e.g. {failures[0]}")
        return elapsed


def _upstream_calls(log_path: Path) -> list[int]:
    return [int(n) for n in re.findall(rf"tool={TOOL} outcome=ok .*?upstream_calls=(\d+)", log_path.read_text())]


def _set_latency(box: Sandbox, latency_ms: float) -> None:
    box.faults = box.injector.faults = Faults(latency_ms=latency_ms)


async def _sequential(url: str, token: str, calls: int, incident_id: str) -> float:
    """Seconds for ``calls`` calls one after another, on one session."""
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Token token={token}"}, timeout=120) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        started = time.perf_counter()
        for _ in range(calls):
            result = await client.call_tool(TOOL, {"incident_id": incident_id})
            if result.is_error:
                raise RuntimeError(result.content[0].text[:200])  # type: ignore[union-attr]
        return time.perf_counter() - started


def run(rounds: int = 3, latency_ms: float = 200.0, calls: int = 50) -> dict[str, Any]:
    """Each burst runs twice: with the added latency, and without it (the CPU floor of the same work
    on this machine). Their difference is what the latency added: about one latency if the calls
    overlap, ``calls`` latencies if they queue."""
    box = Sandbox()
    box.ensure_seeded()
    users = sorted(box.state.tables["users"])[:10]
    tokens = [box.token_for(uid) for uid in users]
    incident_id = sorted(box.state.tables["incidents"])[0]
    latency = latency_ms / 1000
    scenarios = [
        ("10 callers x 5", [], tokens[:10], calls // 10),
        ("1 caller x 50, cap 50", ["--max-concurrent-per-credential", str(calls)], tokens[:1], calls),
        ("1 caller x 50, cap 16 (default)", [], tokens[:1], calls),
    ]
    results: dict[str, Any] = {"latency_ms": latency_ms, "calls": calls, "tool": TOOL, "scenarios": {}}
    with serve_in_thread(box) as upstream:
        for index, (name, flags, callers, per_caller) in enumerate(scenarios):
            with _server(upstream, flags) as (url, log_path):
                _set_latency(box, 0)
                anyio.run(_burst, url, callers, per_caller, incident_id)  # warm-up: connections, caches
                floor = [anyio.run(_burst, url, callers, per_caller, incident_id) for _ in range(rounds)]
                _set_latency(box, latency_ms)
                slow = [anyio.run(_burst, url, callers, per_caller, incident_id) for _ in range(rounds)]
                if index == 0:
                    one_by_one = anyio.run(_sequential, url, tokens[0], 10, incident_id) / 10
                    results["sequential_seconds_per_call"] = round(one_by_one, 3)
                    results["sequential_estimate_seconds"] = round(one_by_one * calls, 2)
                upstream_calls = sorted(set(_upstream_calls(log_path)))
            with_latency, without = spread(slow, 3), spread(floor, 3)
            added = float(with_latency["median"]) - float(without["median"])
            results["scenarios"][name] = {
                "seconds": with_latency,
                "latencies": round(float(with_latency["median"]) / latency, 1) if latency else None,
                "seconds_without_latency": without,
                "added_by_latency_seconds": round(added, 3),
                "added_in_latencies": round(added / latency, 1) if latency else None,
                "upstream_calls_per_tool_call": upstream_calls,
            }
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=200.0)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    results = run(args.rounds, args.latency_ms, args.calls)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(
        f"{args.calls} concurrent {TOOL} calls over streamable HTTP, sandbox latency {args.latency_ms:.0f} ms; "
        f"one after another: {results['sequential_seconds_per_call']:.3f} s a call, "
        f"~{results['sequential_estimate_seconds']:.1f} s for {args.calls}"
    )
    print(f"{'scenario':34} {'median s':>9} {'min':>7} {'max':>7} {'no-latency s':>13} {'added':>7} {'latencies':>10}")
    for name, row in results["scenarios"].items():
        s, floor = row["seconds"], row["seconds_without_latency"]
        print(
            f"{name:34} {s['median']:>9.3f} {s['min']:>7.3f} {s['max']:>7.3f} {floor['median']:>13.3f} "
            f"{row['added_by_latency_seconds']:>7.3f} {row['added_in_latencies'] or 0:>10.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
