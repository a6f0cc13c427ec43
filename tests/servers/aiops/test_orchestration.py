"""Event orchestrations: compact and full path reads, replacing paths, and appending router rules."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from pagerduty_mcp.sandbox import Store
from tests.harness import fails, first, ok
from tests.servers.aiops.seeded import orchestration_key, router_rules, service_id

pytestmark = [pytest.mark.aiops, pytest.mark.anyio, pytest.mark.server("aiops")]


async def test_reads_give_compact_rule_summaries_and_full_json_on_request(client: Client) -> None:
    state = client.sandbox.state
    ident, _ = orchestration_key(state)
    listed = first(await ok(client, "list_event_orchestrations"))
    assert listed["id"] == ident and listed["routes"] == 3
    detail = first(await ok(client, "get_event_orchestration", {"orchestration_id": ident}))
    assert detail["integrations"][0]["label"] == "Monitoring"
    assert "routing_key" not in str(detail) and orchestration_key(state)[1] not in str(detail)
    router = first(await ok(client, "get_event_orchestration_router", {"orchestration_id": ident}))
    database = next(r for r in router["rules"] if r["id"] == "d4tabase")
    assert database["when"] == ["event.source matches part 'db'", "event.summary matches part 'postgres'"]
    assert database["route_to"] == {"id": service_id(state, "Orders DB"), "name": "Orders DB"}
    assert router["catch_all"] == {"route_to": "unrouted"}
    full = first(await ok(client, "get_event_orchestration_router", {"orchestration_id": ident, "detail": True}))
    assert full["sets"][0]["rules"][2]["conditions"][0] == {"expression": "event.source matches part 'db'"}
    glob = first(await ok(client, "get_event_orchestration_global", {"orchestration_id": ident}))
    assert glob["rules"][0]["actions"]["annotate"].startswith("Raised to P2")
    unrouted = first(await ok(client, "get_event_orchestration_unrouted", {"orchestration_id": ident}))
    assert unrouted["rules"][0]["actions"] == {"severity": "info"}
    checkout = service_id(state, "Checkout API")
    service = first(await ok(client, "get_event_orchestration_service", {"service_id": checkout}))
    assert service["rules"][0]["when"] == ["event.severity matches 'warning'"]  # the Checkout API's own rule


@pytest.mark.parametrize(
    "tool", ["get_event_orchestration", "get_event_orchestration_router", "get_event_orchestration_global"]
)
async def test_unknown_and_malformed_orchestration_ids(client: Client, tool: str) -> None:
    await fails(client, tool, {"orchestration_id": "PNOSUCH"}, "EVENT_ORCHESTRATION_NOT_FOUND")
    error = await fails(client, tool, {"orchestration_id": "null"}, "INVALID_PARAMETER")
    assert error["details"]["parameters"] == ["orchestration_id"]
    error = await fails(client, tool, {"orchestration_id": "../users"}, "EVENT_ORCHESTRATION_NOT_FOUND")
    assert error["details"]["parameters"] == ["orchestration_id"]


async def test_unknown_and_malformed_ids_and_pages(client: Client) -> None:
    await fails(client, "get_event_orchestration_unrouted", {"orchestration_id": "null"}, "INVALID_PARAMETER")
    await fails(client, "get_event_orchestration_service", {"service_id": "PNOSUCH"}, "SERVICE_NOT_FOUND")
    error = await fails(client, "list_event_orchestrations", {"limit": 500}, "INVALID_PARAMETER")
    assert "limit" in error["message"]
    await fails(client, "list_event_orchestrations", {"offset": -1}, "INVALID_PARAMETER")


def _event(state: Store, source: str, summary: str = "disk usage high") -> tuple[str, dict[str, Any]]:
    _, key = orchestration_key(state)
    return key, {"action": "trigger", "summary": summary, "source": source, "severity": "error"}


async def test_appended_rule_changes_where_the_next_event_goes(client: Client) -> None:
    state = client.sandbox.state
    ident, key = orchestration_key(state)
    dba = service_id(state, "Fraud Detection")  # stands in for a DBA service
    before = [r["id"] for r in router_rules(state, ident)]
    await ok(client, "send_event", {"routing_key": key, **_event(state, "db-orders-1")[1]})
    assert state.incidents()[-1]["service"]["id"] == service_id(state, "Orders DB")  # the seeded 'db' rule
    added = await ok(
        client,
        "append_event_orchestration_router_rule",
        {
            "orchestration_id": ident,
            "route_to": dba,
            "conditions": ["event.source matches part 'db-'"],
            "label": "DB events to the DBA team",
            "first": True,
        },
    )
    rules = first(added)["rules"]
    assert rules[0]["route_to"]["id"] == dba and rules[0]["label"] == "DB events to the DBA team"
    assert [r["id"] for r in rules[1:]] == before  # nothing lost, order kept
    assert added["metadata"]["attempts"] == 1
    await ok(client, "send_event", {"routing_key": key, **_event(state, "db-orders-2", "replica lag")[1]})
    incident = state.incidents()[-1]
    assert incident["title"] == "replica lag" and incident["service"]["id"] == dba
    # appended at the end (the default), a rule is shadowed by earlier matches but still kept
    await ok(client, "append_event_orchestration_router_rule", {"orchestration_id": ident, "route_to": dba})
    assert len(router_rules(state, ident)) == len(before) + 2
    assert router_rules(state, ident)[-1]["conditions"] == []


async def test_append_redoes_its_work_when_the_router_changes_under_it(client: Client) -> None:
    state = client.sandbox.state
    ident, _ = orchestration_key(state)
    payments = service_id(state, "Payments Gateway")
    fired: list[str] = []

    def concurrent_writer(state: Store, orchestration: dict[str, Any], kind: str, path: dict[str, Any]) -> None:
        if kind == "router" and not fired:  # another user adds a rule right after our first read
            fired.append("x")
            path["sets"][0]["rules"].append(
                {"id": "0ther001", "label": "Added elsewhere", "conditions": [], "actions": {"route_to": payments}}
            )
            path["version"] = "changed-by-someone-else"

    state.on("orchestration_path_read", concurrent_writer)
    answer = await ok(
        client,
        "append_event_orchestration_router_rule",
        {"orchestration_id": ident, "route_to": payments, "conditions": ["event.class matches 'billing'"]},
    )
    assert answer["metadata"]["attempts"] == 2
    ids = [r["id"] for r in router_rules(state, ident)]
    assert "0ther001" in ids and {"ch3ck0ut", "pay3ment", "d4tabase"} <= set(ids)
    assert router_rules(state, ident)[-1]["conditions"] == [{"expression": "event.class matches 'billing'"}]


async def test_append_fails_loudly_when_the_router_never_settles(client: Client) -> None:
    state = client.sandbox.state
    ident, _ = orchestration_key(state)
    count = len(router_rules(state, ident))

    def churn(state: Store, orchestration: dict[str, Any], kind: str, path: dict[str, Any]) -> None:
        path["version"] = f"churn-{state.rng.random()}"

    state.on("orchestration_path_read", churn)
    error = await fails(
        client,
        "append_event_orchestration_router_rule",
        {"orchestration_id": ident, "route_to": service_id(state, "Cart Service")},
        "CONFLICT",
    )
    assert "kept changing" in error["message"] and "get_event_orchestration_router" in error["message"]
    assert len(router_rules(state, ident)) == count  # nothing written


def _start(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"orchestration_path": {"sets": [{"id": "start", "rules": list(rules)}]}}


APPEND, ROUTER = "append_event_orchestration_router_rule", "update_event_orchestration_router"
MALFORMED: list[tuple[str, dict[str, Any], str]] = [
    (APPEND, {"route_to": "PABC123", "conditions": ["event.source matches part 'db-"]}, "conditions[0]"),
    (APPEND, {"route_to": "PABC123", "conditions": ["source matches 'x'"]}, "conditions[0]"),
    (APPEND, {"route_to": "PABC123", "conditions": ["event.source matches regex '(['"]}, "does not compile"),
    (APPEND, {"route_to": "null"}, "route_to"),
    (ROUTER, {"orchestration_path": {"sets": []}}, "orchestration_path.sets"),
    (ROUTER, {"orchestration_path": {"sets": [{"id": "main", "rules": []}]}}, "orchestration_path.sets[0].id"),
    (ROUTER, _start({"label": "x", "actions": {}}), "actions.route_to"),
    (ROUTER, _start({"conditons": [], "actions": {"route_to": "PABC123"}}), "rules[0].conditons"),
    (ROUTER, _start({"actions": {"route_to": "P1", "severity": "high"}}), "actions.severity"),
    ("update_event_orchestration_global", _start({"actions": {"severity": "loud"}}), "critical, error, warning, info"),
    ("update_event_orchestration_service", _start({"actions": {"route_to": "nowhere"}}), "another set"),
]


@pytest.mark.parametrize(("tool", "arguments", "expected"), MALFORMED)
async def test_malformed_rules_are_rejected_before_any_request(
    client: Client, tool: str, arguments: dict[str, Any], expected: str
) -> None:
    state = client.sandbox.state
    if tool.endswith("_service"):
        target = {"service_id": service_id(state, "Cart Service")}
    else:
        target = {"orchestration_id": orchestration_key(state)[0]}
    sent = len(client.sandbox.request_log)
    error = await fails(client, tool, {**target, **arguments}, "INVALID_PARAMETER")
    assert expected in error["message"], error
    assert len(client.sandbox.request_log) == sent  # it never reached PagerDuty


async def test_replacing_paths_changes_what_later_reads_and_events_see(client: Client) -> None:
    state = client.sandbox.state
    ident, key = orchestration_key(state)
    cart = service_id(state, "Cart Service")
    full = first(await ok(client, "get_event_orchestration_router", {"orchestration_id": ident, "detail": True}))
    full["sets"][0]["rules"] = [
        {"label": "Everything to Cart", "conditions": [], "actions": {"route_to": cart}},
    ]
    replaced = first(
        await ok(client, "update_event_orchestration_router", {"orchestration_id": ident, "orchestration_path": full})
    )
    assert [r["label"] for r in replaced["rules"]] == ["Everything to Cart"]
    await fails(
        client,
        "update_event_orchestration_router",
        {
            "orchestration_id": ident,
            "orchestration_path": {"sets": [{"id": "start", "rules": [{"actions": {"route_to": "PNOSUCH"}}]}]},
        },
        "INVALID_PARAMETER",
    )
    drop = {
        "sets": [
            {
                "id": "start",
                "rules": [
                    {
                        "conditions": [{"expression": "event.source matches 'noisy'"}],
                        "actions": {"route_to": "quiet"},
                    }
                ],
            },
            {"id": "quiet", "rules": [{"actions": {"drop_event": True}}]},
        ]
    }
    glob = first(
        await ok(client, "update_event_orchestration_global", {"orchestration_id": ident, "orchestration_path": drop})
    )
    assert glob["rules"][0]["route_to"] == "quiet" and glob["set:quiet"][0]["actions"] == {"drop_event": True}
    incidents = len(state.incidents())
    await ok(
        client,
        "send_event",
        {"routing_key": key, "action": "trigger", "summary": "s", "source": "noisy", "severity": "info"},
    )
    assert len(state.incidents()) == incidents  # dropped by the global rule
    await ok(
        client,
        "send_event",
        {"routing_key": key, "action": "trigger", "summary": "s", "source": "calm", "severity": "warning"},
    )
    assert state.incidents()[-1]["service"]["id"] == cart
    suppress = {
        "sets": [
            {
                "id": "start",
                "rules": [
                    {"conditions": [{"expression": "event.severity matches 'info'"}], "actions": {"suppress": True}}
                ],
            }
        ]
    }
    await ok(client, "update_event_orchestration_service", {"service_id": cart, "orchestration_path": suppress})
    service = first(await ok(client, "get_event_orchestration_service", {"service_id": cart}))
    assert service["rules"][0]["actions"] == {"suppress": True}
    incidents = len(state.incidents())
    await ok(
        client,
        "send_event",
        {"routing_key": key, "action": "trigger", "summary": "t", "source": "calm", "severity": "info"},
    )
    assert len(state.incidents()) == incidents  # suppressed by the service's rules
