"""A fixed set of answers a responder asks for: their size, their upstream cost, their latency.

- Size and upstream requests: in-process (the real MCP client and server, a fresh sandbox),
  because only there can the sandbox's request log be read. Each answer is asked twice: the
  first time with a fresh client pool (nothing cached), then again (what caching saves).
- Latency: over stdio against ``--sandbox`` (the in-process sandbox of the server process), as
  a client sees it: one warm-up call, then the timed calls.

An answer whose tool does not exist (yet) is skipped and reported as such.

Each answer writes down what the person who asked needs from it (``needs``, paths into the
answer: ``incidents[].title`` in every row, ``incidents[?].priority`` in at least one, ``a|b`` in
either field): the bench checks that every one of them is still there, so that an answer made
smaller has dropped no fact its question needs. ``bench.pagerduty_server`` says what PagerDuty's
own server spends on each.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mcp import Client

from bench.pagerduty_server import NO_TOOL, THEIRS
from bench.startup import server_params
from bench.stats import spread, tokens

__all__ = [
    "ANSWERS",
    "Answer",
    "Ids",
    "measure_answers",
    "measure_latency",
    "measure_slow_upstream",
    "missing_facts",
    "sandbox_ids",
]

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
    needs: tuple[str, ...] = ()

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


# What a responder reads in any list of incidents.
_INCIDENT_ROWS = (
    "metadata.has_more",
    "incidents[].id",
    "incidents[].number",
    "incidents[].title",
    "incidents[].status|resolved_at",  # a resolved incident's resolved_at says its status
    "incidents[].urgency",
    "incidents[].service",
    "incidents[].created_at",
)

ANSWERS = (
    # Triage: what is going on, how bad, where, who has it; how many more there are.
    Answer(
        "25 incidents",
        "list_incidents",
        options={"limit": 25, "statuses": ["triggered", "acknowledged", "resolved"], "scope": "all"},
        needs=(
            *_INCIDENT_ROWS,
            "metadata.total",
            "incidents[?].priority",
            "incidents[?].assignees[].name",
            "incidents[?].resolved_at",
        ),
    ),
    # Working one incident: the above, plus who is on it, what the monitor said, where to click.
    Answer(
        "one incident in detail",
        "get_incident",
        lambda ids: ids.incident,
        needs=(
            *_INCIDENT_ROWS,
            "incidents[].assignees[].name",
            "incidents[].html_url",
            "incidents[].details",
            "incidents[].escalation_policy.name",
            "incidents[].teams[].name",
            "incidents[].alert_counts",
            "incidents[].responders[].name",
            "incidents[].responders[].state",
        ),
    ),
    # Who to call now, until when, and who takes over.
    Answer(
        "on call for a team",
        "list_oncalls",
        options={"team_ids": ["{team}"], "scope": "all"},
        needs=(
            "oncalls[].escalation_policy.name",
            "oncalls[].levels[].level",
            "oncalls[].levels[].on_call[].user.name",
            "oncalls[?].levels[?].on_call[?].until",
            "oncalls[?].levels[?].next[].user.name",
            "oncalls[?].levels[?].next[].until",
        ),
    ),
    # What the service is, its state, who answers for it, how events reach it and become incidents.
    Answer(
        "one service",
        "get_service",
        lambda ids: ids.service,
        needs=(
            "services[].id",
            "services[].name",
            "services[].description",
            "services[].status",
            "services[].escalation_policy.name",
            "services[].teams[].name",
            "services[].html_url",
            "services[].integrations[].name",
            "services[].incident_urgency_rule",
            "services[].acknowledgement_timeout",
            "services[].auto_resolve_timeout",
        ),
    ),
    # Which events go to which service, by name, and what happens to the rest.
    Answer(
        "one orchestration router",
        "get_event_orchestration_router",
        lambda ids: ids.orchestration,
        needs=(
            "orchestration_paths[].rules[].label",
            "orchestration_paths[].rules[].when",
            "orchestration_paths[].rules[].route_to.name",
            "orchestration_paths[].catch_all",
        ),
    ),
    # Reference data the servers may cache per credential: the cached column shows whether they do.
    Answer(
        "my teams' open incidents",
        "list_incidents",
        options={"scope": "my_teams"},
        needs=(*_INCIDENT_ROWS, "incidents[?].assignees[].name"),
    ),
    Answer("my teams", "list_teams", options={"scope": "my_teams"}, needs=("teams[].id", "teams[].name")),
    Answer(
        "priorities",
        "list_priorities",
        needs=("priorities[].id", "priorities[].name", "priorities[].description"),
    ),
    # A name where an id goes: one cached list request resolves it.
    Answer(
        "incidents by team name",
        "list_incidents",
        options={"team_ids": ["Platform"], "statuses": ["triggered", "acknowledged", "resolved"], "scope": "all"},
        needs=(*_INCIDENT_ROWS, "incidents[?].resolved_at"),
    ),
    # An account-wide figure: no filters at all; and what it measured.
    Answer(
        "account-wide metrics",
        "get_incident_metrics",
        needs=("metrics[].incidents", "metrics[].mtta_seconds", "metrics[].mttr_seconds", "metadata.measured"),
    ),
    # The second wave, each asked by name as a user would.
    # What a post on the page may say: its services, and the statuses, severities, impacts per post type.
    Answer(
        "a status page's choices",
        "get_status_page",
        options={"status_page_id": "Acme Shop Status"},
        needs=(
            "status_pages[].id",
            "status_pages[].name",
            "status_pages[].services",
            "status_pages[].incident.statuses",
            "status_pages[].incident.severities",
            "status_pages[].incident.impacts",
            "status_pages[].maintenance.statuses",
        ),
    ),
    # Where the team's events are sent, which events, and whether delivery works.
    Answer(
        "a team's webhooks",
        "list_webhook_subscriptions",
        options={"team_id": "Payments"},
        needs=(
            "webhook_subscriptions[].id",
            "webhook_subscriptions[].description",
            "webhook_subscriptions[].url",
            "webhook_subscriptions[].events",
            "webhook_subscriptions[].active",
            "webhook_subscriptions[].filter.name",
        ),
    ),
    # How the schedule is built, who is on when this week, and what it leaves uncovered.
    Answer(
        "a shift-based schedule",
        "get_schedule",
        options={"schedule_id": "Personalization Shifts"},
        needs=(
            "schedules[].name",
            "schedules[].time_zone",
            "schedules[].teams[].name",
            "schedules[].rotations[].events[].name",
            "schedules[].rotations[].events[].repeats",
            "schedules[].rotations[].events[].users[].name",
            "schedules[].final_schedule[].user.name",
            "schedules[].final_schedule[].start",
            "schedules[].final_schedule[].end",
            "schedules[?].final_schedule[?].source",
            "schedules[].coverage_percentage",
        ),
    ),
    # What each person is owed, of which kind of hours, at which rates.
    Answer(
        "a team's on-call pay",
        "get_oncall_compensation",
        options={"team_id": "Database", "rates": [0, 8, 12, 20]},
        needs=(
            "metadata.currency",
            "metadata.rates",
            "metadata.window",
            "people[].user.name",
            "people[].hours.total",
            "people[].pay.total",
            "people[].shifts",
            "people[?].pay.weekend",
        ),
    ),
    # Issue 26's families: impact, stakeholders, extension kinds (names where people use names).
    # Which business services the incident hurts, and how badly.
    Answer(
        "an incident's business impact",
        "get_incident_business_impact",
        lambda ids: ids.incident,
        needs=("business_services[].name", "business_services[].status"),
    ),
    # Whether the store is hurt now, how badly, and by which incidents.
    Answer(
        "is a business service impacted, by what",
        "list_business_service_impacts",
        options={"business_service_ids": ["Online Store"]},
        needs=(
            "business_services[].name",
            "business_services[].status",
            "business_services[?].highest_priority",
            "business_services[?].impacted_by[].id",
            "business_services[?].impacted_by[].title",
            "business_services[?].impacted_by[].status",
        ),
    ),
    # Who hears of the incident's status updates, by name and kind.
    Answer(
        "an incident's stakeholders",
        "list_incident_subscribers",
        lambda ids: ids.incident,
        needs=("subscribers[].id", "subscribers[].type", "subscribers[].name"),
    ),
    # What the extension does, which events it sends, what it is configured with, where it is installed.
    Answer(
        "an extension kind",
        "get_extension_schema",
        options={"extension_schema_id": "Slack"},
        needs=(
            "extension_schemas[].id",
            "extension_schemas[].name",
            "extension_schemas[].description",
            "extension_schemas[].send_types",
            "extension_schemas[].config_keys",
            "extension_schemas[].guide_url",
            "extension_schemas[?].extensions[].name",
        ),
    ),
    # Issue 26's families, each asked by name: how a person is paged, a shift-based schedule's
    # overrides with the people named, and a quarter longer than /oncalls answers at once.
    # Where the person is reached, how soon for each urgency, and hand-off warnings; ids to change them.
    Answer(
        "how a person is paged",
        "get_user",
        options={"user_id": "Noah Kim"},
        needs=(
            "users[].name",
            "users[].time_zone",
            "users[].contact_methods[].id",
            "users[].contact_methods[].type",
            "users[].contact_methods[].address",
            "users[].notification_rules[].id",
            "users[].notification_rules[].urgency",
            "users[].notification_rules[].delay_minutes",
            "users[].notification_rules[].contact_method.name",
            "users[?].handoff_rules[].minutes_before",
            "users[?].handoff_rules[].contact_method.name",
        ),
    ),
    # Who covers whom, when: by name, with the ids a change or removal takes.
    Answer(
        "a shift-based schedule's overrides",
        "list_schedule_overrides",
        options={"schedule_id": "Personalization Shifts"},
        needs=(
            "metadata.window",
            "overrides[].id",
            "overrides[].user.name",
            "overrides[].start",
            "overrides[].end",
            "overrides[?].replaces.name",
        ),
    ),
    # Each person's hours, nights and weekends and interruptions over the whole quarter, and the balance.
    Answer(
        "a team's load over a quarter",
        "get_oncall_load",
        options={"team_id": "Database", "since": "92d"},
        needs=(
            "metadata.window.since",
            "metadata.window.until",
            "metadata.balance",
            "people[].user.name",
            "people[].hours",
            "people[].night_hours|night_share",
            "people[].weekend_hours|weekend_share",
            "people[].incidents",
            "people[].incidents_off_hours",
        ),
    ),
)


def _present(node: Any, parts: list[str]) -> bool:
    if not parts:
        return node is not None and node not in ("", [], {})
    head, rest = parts[0], parts[1:]
    if "|" in head:  # either field says the fact
        return any(_present(node, [alternative, *rest]) for alternative in head.split("|"))
    key, _, mode = head.partition("[")
    value = node.get(key) if isinstance(node, dict) else None
    if not mode:
        return _present(value, rest)
    if not isinstance(value, list) or not value:
        return False
    found = (_present(item, rest) for item in value)
    return all(found) if mode == "]" else any(found)


def missing_facts(envelope: dict[str, Any], needs: tuple[str, ...]) -> list[str]:
    """The paths of ``needs`` the answer does not fill (``a.b``, ``rows[].x`` every row, ``rows[?].x`` one,
    ``a|b`` either)."""
    return [need for need in needs if not _present(envelope, need.split("."))]


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
                if answer.needs:
                    entry["facts_needed"] = len(answer.needs)
                    entry["missing_facts"] = missing_facts(envelope, answer.needs)
                if answer.name in THEIRS:
                    entry["pagerduty_server_requests"] = THEIRS[answer.name].requests
                elif answer.name in NO_TOOL:
                    entry["pagerduty_server_requests"] = "no tool"
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
