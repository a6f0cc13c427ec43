"""Every pagerduty-aiops tool against the sandbox, each exchange checked against PagerDuty's specs.

The ``recorded_exchanges`` fixture validates every request the tools send (strictly) and every
sandbox answer at teardown; Events API exchanges (``/v2/...``) are checked against the Events API
v2 description, so what send_event and send_change_event post is held to it too.
"""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from tests.contract.recorder import Exchange
from tests.harness import fails, first, ok
from tests.servers.aiops.seeded import orchestration_key, service_id, service_key

pytestmark = [pytest.mark.contract, pytest.mark.aiops, pytest.mark.anyio, pytest.mark.server("aiops")]


async def test_aiops_tools_follow_the_spec(recorded_exchanges: list[Exchange], client: Client) -> None:
    state = client.sandbox.state
    ident, routing_key = orchestration_key(state)
    cart = service_id(state, "Cart Service")
    checkout = service_id(state, "Checkout API")
    page = await ok(client, "list_alert_grouping_settings", {"limit": 1})
    await ok(
        client,
        "list_alert_grouping_settings",
        {"cursor": page["metadata"]["next_cursor"], "service_ids": [checkout]},
    )
    created = first(
        await ok(
            client,
            "create_alert_grouping_setting",
            {"type": "content_based", "service_ids": [cart], "fields": ["summary"], "time_window": 300},
        )
    )
    await ok(client, "update_alert_grouping_setting", {"setting_id": created["id"], "type": "intelligent"})
    await ok(client, "get_alert_grouping_setting", {"setting_id": created["id"]})
    await ok(client, "delete_alert_grouping_setting", {"setting_id": created["id"]})
    await ok(client, "list_event_orchestrations")
    await ok(client, "get_event_orchestration", {"orchestration_id": ident})
    for tool in (
        "get_event_orchestration_router",
        "get_event_orchestration_global",
        "get_event_orchestration_unrouted",
    ):
        await ok(client, tool, {"orchestration_id": ident})
    await ok(client, "get_event_orchestration_service", {"service_id": checkout})
    await ok(
        client,
        "append_event_orchestration_router_rule",
        {"orchestration_id": ident, "route_to": cart, "conditions": ["event.source matches part 'db-'"]},
    )
    full: dict[str, Any] = first(
        await ok(client, "get_event_orchestration_global", {"orchestration_id": ident, "detail": True})
    )
    await ok(client, "update_event_orchestration_global", {"orchestration_id": ident, "orchestration_path": full})
    router = first(await ok(client, "get_event_orchestration_router", {"orchestration_id": ident, "detail": True}))
    await ok(client, "update_event_orchestration_router", {"orchestration_id": ident, "orchestration_path": router})
    rules = {
        "sets": [{"id": "start", "rules": [{"label": "quiet", "conditions": [], "actions": {"severity": "info"}}]}]
    }
    await ok(client, "update_event_orchestration_service", {"service_id": cart, "orchestration_path": rules})
    await ok(
        client, "list_change_events", {"since": "30d", "team_ids": [state.get("services", cart)["teams"][0]["id"]]}
    )
    change = first(await ok(client, "list_change_events", {"service_id": checkout, "limit": 1}))
    await ok(client, "get_change_event", {"change_event_id": change["id"]})
    sent = first(
        await ok(
            client,
            "send_event",
            {
                "routing_key": routing_key,
                "action": "trigger",
                "summary": "db down",
                "source": "db-1",
                "severity": "critical",
                "component": "postgres",
                "group": "data",
                "event_class": "availability",
                "custom_details": {"replica": 2},
                "dedup_key": "contract-1",
            },
        )
    )
    await ok(client, "send_event", {"routing_key": routing_key, "action": "resolve", "dedup_key": sent["dedup_key"]})
    await ok(
        client,
        "send_change_event",
        {
            "routing_key": service_key(state, "Cart Service"),
            "summary": "Deploy cart v2",
            "source": "ci",
            "links": ["https://ci.example/1"],
            "custom_details": {"sha": "abc"},
        },
    )
    await fails(
        client, "send_event", {"routing_key": "1" * 32, "action": "resolve", "dedup_key": "x"}, "EVENTS_API_ERROR"
    )
    paths = {e.path for e in recorded_exchanges}
    assert {"/v2/enqueue", "/v2/change/enqueue", "/alert_grouping_settings"} <= paths
    assert {(e.method, e.status) for e in recorded_exchanges} >= {
        ("POST", 201),
        ("PUT", 200),
        ("DELETE", 204),
        ("POST", 202),
        ("POST", 400),
    }


async def test_orchestration_lifecycle_and_automation_actions_follow_the_spec(
    recorded_exchanges: list[Exchange], client: Client
) -> None:
    state = client.sandbox.state
    ident, _ = orchestration_key(state)
    created = first(await ok(client, "create_event_orchestration", {"name": "Contract", "team_id": "Platform"}))
    await ok(client, "create_event_orchestration", {"name": "No team", "description": "none"})
    await fails(client, "create_event_orchestration", {"name": "Bad team", "team_id": "PNOSUCH"}, "TEAM_NOT_FOUND")
    unrouted = first(await ok(client, "get_event_orchestration_unrouted", {"orchestration_id": ident, "detail": True}))
    await ok(client, "update_event_orchestration_unrouted", {"orchestration_id": ident, "orchestration_path": unrouted})
    path = {
        "sets": [
            {"id": "start", "rules": [{"label": "to b", "conditions": [], "actions": {"route_to": "b"}}]},
            {"id": "b", "rules": [{"conditions": [{"expression": "event.summary matches part 'x'"}], "actions": {}}]},
        ],
        "catch_all": {"actions": {"severity": "info", "event_action": "trigger"}},
    }
    await ok(
        client, "update_event_orchestration_unrouted", {"orchestration_id": created["id"], "orchestration_path": path}
    )
    page = await ok(client, "list_automation_actions", {"limit": 1, "action_type": "script"})
    await ok(client, "list_automation_actions", {"cursor": page["metadata"]["next_cursor"], "action_type": "script"})
    await ok(client, "list_automation_actions", {"service_id": "Checkout API", "team_id": "Checkout", "name": "pods"})
    await fails(client, "list_automation_actions", {"team_id": "PNOSUCH"}, "TEAM_NOT_FOUND")
    cdn = first(await ok(client, "get_automation_action", {"automation_action_id": "Clear CDN cache"}))
    await fails(client, "get_automation_action", {"automation_action_id": "01ZZZZZZZZZZZZZZZZZZZZZZZZ"})
    incident = state.open_incidents_of(service_id(state, "Edge CDN")) or state.open_incidents_of(
        service_id(state, "Checkout API")
    )
    await ok(client, "invoke_automation_action", {"automation_action_id": cdn["id"], "incident_id": incident[0]["id"]})
    resolved = next(i for i in state.incidents() if i["status"] == "resolved")
    await fails(
        client,
        "invoke_automation_action",
        {"automation_action_id": "Restart checkout pods", "incident_id": resolved["id"]},
    )
    await ok(client, "get_automation_action", {"automation_action_id": cdn["id"]})
    seen = {(e.method, e.path, e.status) for e in recorded_exchanges}
    assert {
        ("POST", "/event_orchestrations", 201),
        ("POST", "/event_orchestrations", 400),
        ("PUT", f"/event_orchestrations/{ident}/unrouted", 200),
        ("GET", "/automation_actions/actions", 200),
        ("GET", "/automation_actions/invocations", 200),
        ("POST", f"/automation_actions/actions/{cdn['id']}/invocations", 201),
        ("GET", "/automation_actions/actions/01ZZZZZZZZZZZZZZZZZZZZZZZZ", 404),
    } <= seen
    assert any(m == "POST" and p.endswith("/invocations") and s == 400 for m, p, s in seen)
