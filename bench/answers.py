"""A fixed set of answers a responder asks for: their size, their upstream cost, their latency.

- Size and upstream requests: in-process (the real MCP client and server, a fresh sandbox),
  because only there can the sandbox's request log be read. Each answer is asked twice: the
  first time with a fresh client pool (nothing cached), then again (what caching saves).
- Latency: over stdio against ``--sandbox`` (the in-process sandbox of the server process), as
  a client sees it: one warm-up call, then the timed calls.

An answer whose tool does not exist (yet) is skipped and reported as such.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mcp import Client

from bench.startup import server_params
from bench.stats import spread, tokens

__all__ = ["ANSWERS", "Answer", "Ids", "measure_answers", "measure_latency", "measure_slow_upstream", "sandbox_ids"]

SLOW_UPSTREAM_MS = 100.0


@dataclass(frozen=True)
class Ids:
    """Ids of the seeded sandbox account (seed 7 is what ``--sandbox`` serves) the answers ask about."""

    incident: str
    team: str
    service: str
    orchestration: str


def sandbox_ids() -> Ids:
    """The newest incident, its service, the current user's first team, the first orchestration."""
    from pagerduty_mcp.sandbox import Sandbox

    state = Sandbox().state
    incident = state.tables["incidents"][state.incident_order[-1]]
    teams = [t for t, members in state.memberships.items() if state.current_user_id in members]
    return Ids(
        incident=incident["id"],
        team=(teams or list(state.tables["teams"]))[0],
        service=incident["service"]["id"],
        orchestration=next(iter(state.tables["event_orchestrations"])),
    )


@dataclass(frozen=True)
class Answer:
    """One question: the tool that answers it, the id it is about (if any), and optional arguments.

    The id goes to the tool's one required parameter, whatever the tool names it; optional
    arguments are passed only where the tool's schema has them.
    """

    name: str
    tool: str
    subject: Callable[[Ids], str | list[str]] | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def arguments(self, ids: Ids, schema: dict[str, Any]) -> dict[str, Any]:
        properties = schema.get("properties", {})
        args = {k: v for k, v in self.options.items() if k in properties}
        required = [p for p in schema.get("required", []) if p not in args]
        if self.subject is not None:
            if len(required) != 1:
                raise LookupError(f"{self.tool} needs {required or 'no id'}; cannot place the id")
            value = self.subject(ids)
            kind = properties[required[0]].get("type")
            args[required[0]] = value if kind == "array" or isinstance(value, str) else value[0]
        elif required:
            raise LookupError(f"{self.tool} needs {required}")
        return args


ANSWERS = (
    Answer(
        "25 incidents",
        "list_incidents",
        options={"limit": 25, "statuses": ["triggered", "acknowledged", "resolved"], "scope": "all"},
    ),
    Answer("one incident in detail", "get_incident", lambda ids: ids.incident),
    Answer(
        "on call for a team",
        "list_oncalls",
        options={"team_ids": ["{team}"], "scope": "all"},
    ),
    Answer("one service", "get_service", lambda ids: ids.service),
    Answer("one orchestration router", "get_event_orchestration_router", lambda ids: ids.orchestration),
    # Reference data the servers may cache per credential: the cached column shows whether they do.
    Answer("my teams' open incidents", "list_incidents", options={"scope": "my_teams"}),
    Answer("my teams", "list_teams", options={"scope": "my_teams"}),
    Answer("priorities", "list_priorities"),
    # A name where an id goes: one cached list request resolves it.
    Answer(
        "incidents by team name",
        "list_incidents",
        options={"team_ids": ["Platform"], "statuses": ["triggered", "acknowledged", "resolved"], "scope": "all"},
    ),
    # An account-wide figure: no filters at all.
    Answer("account-wide metrics", "get_incident_metrics"),
    # The second wave, each asked by name as a user would.
    Answer("a status page's choices", "get_status_page", options={"status_page_id": "Acme Shop Status"}),
    Answer("a team's webhooks", "list_webhook_subscriptions", options={"team_id": "Payments"}),
    Answer("a shift-based schedule", "get_schedule", options={"schedule_id": "Personalization Shifts"}),
    Answer("a team's on-call pay", "get_oncall_compensation", options={"team_id": "Database", "rates": [0, 8, 12, 20]}),
    # Issue 26's families: impact, stakeholders, extension kinds (names where people use names).
    Answer("an incident's business impact", "get_incident_business_impact", lambda ids: ids.incident),
    Answer(
        "is a business service impacted, by what",
        "list_business_service_impacts",
        options={"business_service_ids": ["Online Store"]},
    ),
    Answer("an incident's stakeholders", "list_incident_subscribers", lambda ids: ids.incident),
    Answer("an extension kind", "get_extension_schema", options={"extension_schema_id": "Slack"}),
    # Issue 26's families, each asked by name: how a person is paged, a shift-based schedule's
    # overrides with the people named, and a quarter longer than /oncalls answers at once.
    Answer("how a person is paged", "get_user", options={"user_id": "Noah Kim"}),
    Answer(
        "a shift-based schedule's overrides",
        "list_schedule_overrides",
        options={"schedule_id": "Personalization Shifts"},
    ),
    Answer("a team's load over a quarter", "get_oncall_load", options={"team_id": "Database", "since": "92d"}),
)


def _fill(value: Any, ids: Ids) -> Any:
    """Put the sandbox's ids into ``{team}``-style placeholders of the fixed options."""
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, str):
        return value.format(**ids.__dict__)
    return value


def _arguments(answer: Answer, ids: Ids, schema: dict[str, Any]) -> dict[str, Any]:
    return {k: _fill(v, ids) for k, v in answer.arguments(ids, schema).items()}


def _text(result: Any) -> str:
    return "".join(getattr(c, "text", "") for c in result.content)


def _envelope(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


async def measure_answers(ids: Ids) -> dict[str, dict[str, Any]]:
    """Bytes, estimated tokens and upstream requests of every answer, in-process on ``pagerduty-mcp``."""
    from pagerduty_mcp.catalog import SERVERS, areas_of
    from pagerduty_mcp.common import ToolFilter, create_pagerduty_server
    from pagerduty_mcp.common.hosting.upstream import sandbox_pool
    from pagerduty_mcp.sandbox import Sandbox

    box = Sandbox()
    box.ensure_seeded()
    server = create_pagerduty_server(SERVERS["mcp"], areas_of("mcp"), ToolFilter(enable_write_tools=False))
    results: dict[str, dict[str, Any]] = {}
    try:
        async with Client(server) as client:
            schemas = {t.name: t.input_schema for t in (await client.list_tools()).tools}
            for answer in ANSWERS:
                if answer.tool not in schemas:
                    results[answer.name] = {"tool": answer.tool, "skipped": f"{answer.tool} does not exist yet"}
                    continue
                args = _arguments(answer, ids, schemas[answer.tool])
                server.pool = sandbox_pool(box)  # nothing cached
                sent, texts = [], []
                for _ in range(2):
                    before = len(box.request_log)
                    result = await client.call_tool(answer.tool, args)
                    sent.append([f"{r.method} {r.path}" for r in list(box.request_log)[before:]])
                    texts.append(_text(result))
                envelope = _envelope(texts[0])
                entry: dict[str, Any] = {
                    "tool": answer.tool,
                    "arguments": args,
                    "response_bytes": len(texts[0].encode()),
                    "response_tokens": tokens(len(texts[0].encode())),
                    "items": envelope.get("metadata", {}).get("count"),
                    "upstream_requests": len(sent[0]),
                    "upstream_requests_again": len(sent[1]),
                    "requests": sent[0],
                }
                if result.is_error:
                    entry["error"] = envelope.get("error", {}).get("code", texts[0][:200])
                results[answer.name] = entry
    finally:
        server.pool = None
    return results


async def measure_slow_upstream(
    ids: Ids, latency_ms: float = SLOW_UPSTREAM_MS, calls: int = 3
) -> dict[str, dict[str, Any]]:
    """Each answer's time when every PagerDuty request takes ``latency_ms`` (milliseconds).

    In-process, warm (one call first). The sandbox answers in a few milliseconds, PagerDuty in
    about a hundred: this shows how many round trips an answer waits for one after another.
    """
    from pagerduty_mcp.catalog import SERVERS, areas_of
    from pagerduty_mcp.common import ToolFilter, create_pagerduty_server
    from pagerduty_mcp.common.hosting.upstream import sandbox_pool
    from pagerduty_mcp.sandbox import Faults, Sandbox

    box = Sandbox(faults=Faults(latency_ms=latency_ms))
    box.ensure_seeded()
    server = create_pagerduty_server(SERVERS["mcp"], areas_of("mcp"), ToolFilter(enable_write_tools=False))
    results: dict[str, dict[str, Any]] = {}
    server.pool = sandbox_pool(box)
    try:
        async with Client(server) as client:
            schemas = {t.name: t.input_schema for t in (await client.list_tools()).tools}
            for answer in ANSWERS:
                if answer.tool not in schemas:
                    continue
                args = _arguments(answer, ids, schemas[answer.tool])
                await client.call_tool(answer.tool, args)
                box.request_log.reset()
                samples = []
                for _ in range(calls):
                    started = time.perf_counter()
                    await client.call_tool(answer.tool, args)
                    samples.append((time.perf_counter() - started) * 1000)
                # Warm calls may ask PagerDuty nothing at all (cached reference data).
                requests = round(len(box.request_log) / calls, 1)
                results[answer.name] = {"upstream_latency_ms": latency_ms, "requests": requests, **spread(samples)}
    finally:
        server.pool = None
    return results


async def measure_latency(key: str, ids: Ids, calls: int) -> dict[str, dict[str, Any]]:
    """Per-call latency over stdio on one server, for the answers its tools cover (milliseconds)."""
    params = server_params(key)
    results: dict[str, dict[str, Any]] = {}
    async with Client(params, mode="legacy", read_timeout_seconds=60) as client:
        schemas = {t.name: t.input_schema for t in (await client.list_tools()).tools}
        for answer in ANSWERS:
            if answer.tool not in schemas:
                continue
            args = _arguments(answer, ids, schemas[answer.tool])
            started = time.perf_counter()
            first = await client.call_tool(answer.tool, args)  # warm-up; may seed the sandbox
            first_ms = (time.perf_counter() - started) * 1000
            samples = []
            for _ in range(calls):
                started = time.perf_counter()
                result = await client.call_tool(answer.tool, args)
                samples.append((time.perf_counter() - started) * 1000)
            entry = {"first_call_ms": round(first_ms, 1), **spread(samples)}
            if first.is_error or result.is_error:
                entry["error"] = _envelope(_text(result)).get("error", {}).get("code", "error")
            results[answer.name] = entry
    return results
