"""Concurrency over streamable HTTP: 50 tool calls at once against a slow PagerDuty.

The sandbox serves HTTPS on loopback with 200 ms added to every request; a server process runs
``--transport streamable-http --auth pagerduty`` in front of it; the ``mcp`` SDK's client fires 50
``tools/call`` requests at once and the clock runs until the last answer. If calls were handled
one after another this would take 50 latencies; the figure to look for is about one.

Scenarios, each with the per-credential request budget off (``--budget-per-minute 0``): with it
on, the warm-up and no-latency rounds spend the bucket's burst and the timed rounds then wait for
its refill, which measures the budget instead of the server.
- ``10 callers x 5``: ten users, each with their own PagerDuty token (the multi-tenant case);
- ``1 caller x 50, cap 50``: one credential, ``--max-concurrent-per-credential 50``;
- ``1 caller x 50, cap 16``: one credential at the default cap, which queues the excess (the cap
  working as meant: PagerDuty rate-limits per token).

Each burst is also run without the added latency: that is the CPU cost of the same work on this
machine (client, server and sandbox share it), and the difference is what the latency added.

Then the budget on its own (:func:`budget_bursts`): one caller's bursts back to back at
PagerDuty's limit, each burst's time measured next to what the bucket's size and refill predict.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from bench.startup import server_env
from bench.stats import spread
from pagerduty_mcp.common.hosting.budget import DEFAULT_REQUESTS_PER_MINUTE, CredentialBudget, MemoryBuckets
from pagerduty_mcp.common.pagerduty.client import DEFAULT_MAX_CONCURRENT_PER_CREDENTIAL
from pagerduty_mcp.sandbox import Faults, Sandbox
from pagerduty_mcp.sandbox.server import serve_in_thread

__all__ = ["BudgetBurst", "budget_bursts", "expected_budget_bursts", "main", "run", "started_with"]

TOOL = "get_incident"
STARTUP_SECONDS = 60.0
BUDGET_BURSTS = 7
_STARTED = re.compile(r"starting \((.*)\)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _server(upstream: Any, extra: list[str], budget_per_minute: int = 0) -> Iterator[tuple[str, Path]]:
    """A ``pagerduty-mcp`` process over streamable HTTP in front of ``upstream``; yields its URL and log.

    The per-credential request budget is off unless ``budget_per_minute`` says otherwise."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="bench-http-") as directory:
        log_path = Path(directory) / "stderr.log"
        env = server_env(PAGERDUTY_API_HOST=upstream.url, SSL_CERT_FILE=str(upstream.ca_path))
        argv = [sys.executable, "-m", "pagerduty_mcp", "--transport", "streamable-http", "--port", str(port)]
        argv += ["--auth", "pagerduty", "--budget-per-minute", str(budget_per_minute), *extra]
        with log_path.open("wb") as log:
            process = subprocess.Popen(argv, env=env, stdout=log, stderr=log)
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


def started_with(log_path: Path) -> str:
    """What the server said it started with (transport, upstream, request budget), from its log."""
    found = _STARTED.search(log_path.read_text())
    return found.group(1) if found else "no start-up line in the server log"


async def _sessions(stack: AsyncExitStack, url: str, tokens: list[str]) -> list[Client]:
    clients = []
    for token in tokens:
        http = await stack.enter_async_context(
            httpx2.AsyncClient(headers={"Authorization": f"Token token={token}"}, timeout=120)
        )
        clients.append(await stack.enter_async_context(Client(streamable_http_client(url, http_client=http))))
    return clients


async def _call(client: Client, incident_id: str, failures: list[str]) -> None:
    result = await client.call_tool(TOOL, {"incident_id": incident_id})
    if result.is_error:
        failures.append(result.content[0].text[:200])  # type: ignore[union-attr]


async def _fire(clients: list[Client], per_caller: int, incident_id: str, failures: list[str]) -> float:
    """Seconds from firing ``per_caller`` calls on every session at once to the last answer."""
    started = time.perf_counter()
    async with anyio.create_task_group() as group:
        for client in clients:
            for _ in range(per_caller):
                group.start_soon(_call, client, incident_id, failures)
    return time.perf_counter() - started


def _raise_on(failures: list[str]) -> None:
    if failures:
        raise RuntimeError(f"{len(failures)} calls failed, e.g. {failures[0]}")


async def _burst(url: str, tokens: list[str], per_caller: int, incident_id: str) -> float:
    """Seconds from firing ``len(tokens) * per_caller`` calls at once to the last answer."""
    async with AsyncExitStack() as stack:
        clients = await _sessions(stack, url, tokens)
        failures: list[str] = []
        # Untimed: each session's first call also fetches tools/list (the SDK validates results).
        for client in clients:
            await _call(client, incident_id, failures)
        elapsed = await _fire(clients, per_caller, incident_id, failures)
        _raise_on(failures)
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


@dataclass(frozen=True)
class BudgetBurst:
    """One burst of a caller's: when it started (seconds after the caller's first request) and its size."""

    at: float
    requests: int


def expected_budget_bursts(
    bursts: list[BudgetBurst], capacity: float, rate: float, first_requests: int = 0
) -> list[dict[str, float]]:
    """What a token bucket of ``capacity`` refilled at ``rate`` a second makes each burst wait.

    The bucket is full at time 0, when ``first_requests`` (a warm-up) are taken. A burst takes what
    the bucket holds at once; the rest go one by one as it refills, the last after
    ``(requests - tokens) / rate`` seconds, after which the bucket is empty.
    """
    tokens, last = capacity - first_requests, 0.0
    rows = []
    for burst in bursts:
        start = max(burst.at, last)
        tokens = min(capacity, tokens + (start - last) * rate)
        wait = max(0.0, (burst.requests - tokens) / rate)
        rows.append({"tokens_at_start": round(tokens, 1), "wait_seconds": round(wait, 3)})
        tokens, last = max(0.0, tokens - burst.requests), start + wait
    return rows


async def _budget_bursts(url: str, token: str, calls: int, bursts: int, incident_id: str) -> dict[str, Any]:
    async with AsyncExitStack() as stack:
        (client,) = await _sessions(stack, url, [token])
        failures: list[str] = []
        origin = time.perf_counter()
        await _call(client, incident_id, failures)  # the warm-up takes one request from the full bucket
        timeline: list[BudgetBurst] = []
        seconds: list[float] = []
        for _ in range(bursts):
            timeline.append(BudgetBurst(time.perf_counter() - origin, calls))
            seconds.append(await _fire([client], calls, incident_id, failures))
        _raise_on(failures)
        return {"timeline": timeline, "seconds": seconds}


def budget_bursts(
    box: Sandbox,
    upstream: Any,
    token: str,
    incident_id: str,
    *,
    latency_ms: float,
    calls: int,
    bursts: int = BUDGET_BURSTS,
    budget_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE,
) -> dict[str, Any]:
    """One caller's bursts of ``calls`` at once, back to back, with the request budget on; each
    burst's time next to what the bucket predicts (one latency, plus its wait for the refill)."""
    bucket = CredentialBudget(MemoryBuckets(), budget_per_minute)
    _set_latency(box, latency_ms)
    with _server(upstream, ["--max-concurrent-per-credential", str(calls)], budget_per_minute) as (url, log_path):
        measured = anyio.run(_budget_bursts, url, token, calls, bursts, incident_id)
        per_call = sorted(set(_upstream_calls(log_path)))
        said = started_with(log_path)
    if per_call != [1]:
        raise RuntimeError(f"{TOOL} sent {per_call} requests a call; the prediction assumes one")
    expected = expected_budget_bursts(measured["timeline"], bucket.capacity, bucket.rate, first_requests=1)
    latency = latency_ms / 1000
    rows = [
        {
            "burst": index + 1,
            "tokens_at_start": row["tokens_at_start"],
            "expected_seconds": round(row["wait_seconds"] + latency, 3),
            "measured_seconds": round(seconds, 3),
        }
        for index, (row, seconds) in enumerate(zip(expected, measured["seconds"], strict=True))
    ]
    return {
        "budget_per_minute": budget_per_minute,
        "capacity": bucket.capacity,
        "refill_per_second": round(bucket.rate, 3),
        "calls_per_burst": calls,
        "server_started_with": said,
        "bursts": rows,
    }


def run(rounds: int = 5, latency_ms: float = 200.0, calls: int = 50) -> dict[str, Any]:
    """Each burst runs twice: with the added latency, and without it (the CPU floor of the same work
    on this machine). Their difference is what the latency added: about one latency if the calls
    overlap, ``calls`` latencies if they queue. The request budget is off in these scenarios; the
    ``budget`` entry shows what it does on its own."""
    box = Sandbox()
    box.ensure_seeded()
    users = sorted(box.state.tables["users"])[:10]
    tokens = [box.token_for(uid) for uid in users]
    incident_id = sorted(box.state.tables["incidents"])[0]
    latency = latency_ms / 1000
    scenarios = [
        ("10 callers x 5", [], tokens[:10], calls // 10),
        ("1 caller x 50, cap 50", ["--max-concurrent-per-credential", str(calls)], tokens[:1], calls),
        (f"1 caller x 50, cap {DEFAULT_MAX_CONCURRENT_PER_CREDENTIAL} (default)", [], tokens[:1], calls),
    ]
    results: dict[str, Any] = {
        "latency_ms": latency_ms,
        "calls": calls,
        "tool": TOOL,
        "budget_per_minute": 0,
        "scenarios": {},
    }
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
                said = started_with(log_path)
            with_latency, without = spread(slow, 3), spread(floor, 3)
            added = float(with_latency["median"]) - float(without["median"])
            results["scenarios"][name] = {
                "server_started_with": said,
                "seconds": with_latency,
                "latencies": round(float(with_latency["median"]) / latency, 1) if latency else None,
                "seconds_without_latency": without,
                "added_by_latency_seconds": round(added, 3),
                "added_in_latencies": round(added / latency, 1) if latency else None,
                "upstream_calls_per_tool_call": upstream_calls,
            }
        results["budget"] = budget_bursts(box, upstream, tokens[0], incident_id, latency_ms=latency_ms, calls=calls)
    return results


def main(argv: list[str] | None = None) -> int:
    from bench.report import concurrency_lines

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--latency-ms", type=float, default=200.0)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    results = run(args.rounds, args.latency_ms, args.calls)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print("\n".join(concurrency_lines(results)).strip("\n"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
