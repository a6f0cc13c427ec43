"""``uv run python -m bench``: measure every server, print the tables, write ``bench/results.json``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio

from bench import SERVER_KEYS
from bench.budgets import propose_budgets
from bench.guards import check
from bench.stats import TOKEN_METHOD

RESULTS = Path(__file__).with_name("results.json")
# The fixed answer set's bytes as recorded before a change to answers: the report shows both.
ANSWERS_BEFORE = Path(__file__).with_name("answers_before.json")
UPSTREAM_METHOD = (
    "requests (first/again): what the sandbox logged while answering, in-process (real MCP client and server, fresh "
    "sandbox); shown as the first call with nothing cached / the same call again."
)


def _progress(message: str) -> None:
    sys.stderr.write(f"bench: {message}\n")
    sys.stderr.flush()


def _failure(exc: BaseException) -> dict[str, str]:
    # A broken server or a tool that is not ready must not stop the rest of the measurements.
    _progress("".join(traceback.format_exception_only(type(exc), exc)).strip())
    return {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}


async def _guard(step: Callable[..., Awaitable[Any]], *args: Any) -> Any:
    try:
        return await step(*args)
    except Exception as exc:
        return _failure(exc)


def _guard_sync(step: Callable[..., Any], *args: Any) -> Any:
    try:
        return step(*args)
    except Exception as exc:
        return _failure(exc)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from bench.answers import measure_answers, measure_latency, measure_slow_upstream, sandbox_ids
    from bench.pages import measure_pages
    from bench.startup import (
        cpu_to_initialize,
        import_breakdown,
        startup_phases,
        time_initialize,
        time_initialize_without_bytecode,
        tracing_cost,
        upstream_requests_at_start,
    )
    from bench.surface import measure_surface
    from pagerduty_mcp.catalog import SERVERS

    keys = args.servers
    results: dict[str, Any] = {
        "generated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(terse=True),
            "cpus": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        "settings": {"initialize_runs": args.runs, "latency_calls": args.calls},
        "method": {
            "tokens": TOKEN_METHOD,
            "upstream": UPSTREAM_METHOD,
            "initialize": "spawn of `python -m <server> --sandbox` to the initialize result "
            "(mcp stdio client, legacy handshake), each run a new process.",
            "latency": "stdio, --sandbox, one warm-up call then the timed calls, one process per server.",
        },
        "servers": {},
    }
    ids = sandbox_ids()
    _progress("answers (in-process)")
    results["answers"] = await _guard(measure_answers, ids)
    if ANSWERS_BEFORE.exists():
        results["answers_before"] = json.loads(ANSWERS_BEFORE.read_text())
    _progress("answers with a 100 ms PagerDuty (in-process)")
    results["slow_upstream"] = await _guard(measure_slow_upstream, ids)
    for key in keys:
        _progress(f"{SERVERS[key]}: tools/list")
        surface = await _guard(measure_surface, key)
        names = surface.pop("names", []) if isinstance(surface, dict) else []
        server: dict[str, Any] = {"command": SERVERS[key], "tool_names": names, "surface": surface}
        if not args.no_stdio:
            _progress(f"{SERVERS[key]}: initialize x{args.runs}")
            started = await _guard(time_initialize, key, args.runs)
            server["initialize"] = started.get("initialize", started)
            server["tools_listed"] = started.get("tools_listed", started)
            server["server_cpu"] = started.get("server_cpu", started)
            server["sdk_floor"] = started.get("sdk_floor", started)
            server["floor_ratio"] = started.get("floor_ratio")
            server["floor_ratios"] = started.get("floor_ratios")
            server["ratio_of_medians"] = started.get("ratio_of_medians")
            _progress(f"{SERVERS[key]}: CPU to initialize x{args.runs}")
            server["cpu_to_initialize"] = _guard_sync(cpu_to_initialize, key, args.runs)
            _progress(f"{SERVERS[key]}: latency")
            server["latency"] = await _guard(measure_latency, key, ids, args.calls)
        results["servers"][key] = server
    if not args.no_stdio:
        _progress("start-up layers")
        floor_key = "mcp" if "mcp" in keys else keys[0]
        results["startup"] = {
            "server": SERVERS[floor_key],
            "layers": _guard_sync(startup_phases, floor_key, args.runs),
            "import_breakdown": _guard_sync(import_breakdown, floor_key),
        }
        results["startup"]["per_server_cpu"] = {
            key: _guard_sync(startup_phases, key, max(3, args.runs // 2)) for key in keys if key != floor_key
        }
        results["startup"]["upstream_requests"] = await _guard(upstream_requests_at_start, floor_key)
        _progress("start-up without and with OTEL_EXPORTER_OTLP_ENDPOINT")
        results["startup"]["tracing"] = _guard_sync(tracing_cost, floor_key, args.runs)
        if not args.no_bytecode:
            _progress("initialize without cached bytecode")
            results["startup"]["without_bytecode"] = await _guard(
                time_initialize_without_bytecode, floor_key, max(3, args.runs // 2)
            )
    results["proposed_budgets"] = propose_budgets(results["servers"])
    _progress("pagination")
    results["pages"] = _guard_sync(measure_pages)
    return results


def _concurrency() -> dict[str, Any]:
    # Runs its own event loops and processes, so it stays outside ``run``'s loop.
    try:
        from bench import concurrency

        return concurrency.run()
    except Exception as exc:
        return _failure(exc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="cold starts per server for initialize (default 7)")
    parser.add_argument("--calls", type=int, default=10, help="timed calls per answer over stdio (default 10)")
    parser.add_argument("--servers", nargs="+", choices=SERVER_KEYS, default=list(SERVER_KEYS))
    parser.add_argument("--no-stdio", action="store_true", help="sizes and upstream requests only (fast)")
    parser.add_argument(
        "--no-concurrency", action="store_true", help="skip bench.concurrency (50 calls at once over HTTP)"
    )
    parser.add_argument(
        "--no-bytecode", action="store_true", help="skip timing a start with no cached bytecode (about 15 s)"
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON file (default bench/results.json)")
    parser.add_argument("--no-write", action="store_true", help="print the tables only")
    parser.add_argument(
        "--render", type=Path, metavar="JSON", help="print the tables of a results file, measure nothing"
    )
    args = parser.parse_args(argv)
    if args.render is not None:
        from bench.report import render

        recorded = json.loads(args.render.read_text())
        sys.stdout.write(render(recorded))
        return 1 if any(g.passed is False for g in check(recorded)) else 0
    started = time.perf_counter()
    results = anyio.run(run, args)
    if not args.no_concurrency:
        _progress("concurrency over streamable HTTP (bench.concurrency)")
        results["concurrency"] = _concurrency()
    results["settings"]["seconds"] = round(time.perf_counter() - started, 1)
    guards = check(results)
    results["guards"] = [dataclasses.asdict(g) for g in guards]
    if not args.no_write:  # before rendering, so that no figure is lost to a rendering bug
        args.output.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
        _progress(f"wrote {args.output}")
    from bench.report import render

    sys.stdout.write(render(results))
    return 1 if any(g.passed is False for g in guards) else 0


if __name__ == "__main__":
    raise SystemExit(main())
