"""Every pagerduty-aiops tool over stdio, with write tools on, against the --sandbox account.

The server runs as a subprocess (the combined server, so list_incidents and list_log_entries can
show what send_event did). Routing keys are secrets the tools never reveal, so the test reads them
from a local Sandbox with the same seed: seeded keys and ids do not depend on the clock.
"""

from __future__ import annotations

import json

import pytest

from pagerduty_mcp.sandbox import Sandbox
from tests.harness import fails, first, ok, stdio_session
from tests.servers.aiops.seeded import orchestration_key, service_id, service_key

pytestmark = [pytest.mark.e2e, pytest.mark.aiops, pytest.mark.anyio, pytest.mark.subprocess]

AIOPS_TOOLS = {
    "list_alert_grouping_settings",
    "get_alert_grouping_setting",
    "create_alert_grouping_setting",
    "update_alert_grouping_setting",
    "delete_alert_grouping_setting",
    "list_event_orchestrations",
    "get_event_orchestration",
    "get_event_orchestration_router",
    "get_event_orchestration_global",
    "get_event_orchestration_service",
    "get_event_orchestration_unrouted",
    "update_event_orchestration_router",
    "append_event_orchestration_router_rule",
    "update_event_orchestration_service",
    "update_event_orchestration_global",
    "list_change_events",
    "get_change_event",
    "send_event",
    "send_change_event",
}


async def test_every_aiops_tool_over_stdio() -> None:
    local = Sandbox().state  # same default seed as the subprocess's --sandbox
    ident, orchestration_routing_key = orchestration_key(local)
    checkout, cart, orders = (service_id(local, n) for n in ("Checkout API", "Cart Service", "Orders DB"))
    cart_key = service_key(local, "Cart Service")
    async with stdio_session("mcp", write=True) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert names >= AIOPS_TOOLS

        # "how is noise reduced on checkout"
        grouping = first(await ok(client, "list_alert_grouping_settings", {"service_ids": [checkout]}))
        assert grouping["type"] == "content_based"
        assert (
            first(await ok(client, "get_alert_grouping_setting", {"setting_id": grouping["id"]}))["id"]
            == grouping["id"]
        )
        rules = first(await ok(client, "get_event_orchestration_service", {"service_id": checkout}))
        assert rules["rules"][0]["when"] == ["event.severity matches 'warning'"]
        created = first(
            await ok(
                client,
                "create_alert_grouping_setting",
                {"type": "intelligent", "service_ids": [cart], "time_window": 300},
            )
        )
        updated = first(
            await ok(client, "update_alert_grouping_setting", {"setting_id": created["id"], "time_window": 600})
        )
        assert updated["config"]["time_window"] == 600
        await ok(client, "delete_alert_grouping_setting", {"setting_id": created["id"]})
        await fails(
            client, "get_alert_grouping_setting", {"setting_id": created["id"]}, "ALERT_GROUPING_SETTING_NOT_FOUND"
        )

        # "route events with source db-* to the DBA service"
        assert first(await ok(client, "list_event_orchestrations"))["id"] == ident
        detail = first(await ok(client, "get_event_orchestration", {"orchestration_id": ident}))
        assert orchestration_routing_key not in json.dumps(detail)
        await ok(client, "get_event_orchestration_unrouted", {"orchestration_id": ident})
        router = first(await ok(client, "get_event_orchestration_router", {"orchestration_id": ident, "detail": True}))
        await ok(client, "update_event_orchestration_router", {"orchestration_id": ident, "orchestration_path": router})
        glob = first(await ok(client, "get_event_orchestration_global", {"orchestration_id": ident, "detail": True}))
        await ok(client, "update_event_orchestration_global", {"orchestration_id": ident, "orchestration_path": glob})
        appended = await ok(
            client,
            "append_event_orchestration_router_rule",
            {
                "orchestration_id": ident,
                "route_to": cart,
                "conditions": ["event.source matches part 'db-'"],
                "first": True,
            },
        )
        assert first(appended)["rules"][0]["route_to"] == {"id": cart, "name": "Cart Service"}
        assert len(first(appended)["rules"]) == len(router["sets"][0]["rules"]) + 1
        routed = {
            "action": "trigger",
            "summary": "Replica lag on db-orders-3",
            "source": "db-orders-3",
            "severity": "error",
        }
        await ok(client, "send_event", {"routing_key": orchestration_routing_key, **routed})
        on_cart = await ok(client, "list_incidents", {"service_ids": [cart]})
        assert "Replica lag on db-orders-3" in {i["title"] for i in on_cart["incidents"]}
        await ok(
            client,
            "update_event_orchestration_service",
            {
                "service_id": orders,
                "orchestration_path": {"sets": [{"id": "start", "rules": []}], "catch_all": {"actions": {}}},
            },
        )

        # "send a critical test event to the staging service and resolve it"
        sent = first(
            await ok(
                client,
                "send_event",
                {
                    "routing_key": cart_key,
                    "action": "trigger",
                    "summary": "Critical test event",
                    "source": "e2e",
                    "severity": "critical",
                },
            )
        )
        incident = next(
            i
            for i in (await ok(client, "list_incidents", {"service_ids": [cart]}))["incidents"]
            if i["title"] == "Critical test event"
        )
        await ok(client, "send_event", {"routing_key": cart_key, "action": "resolve", "dedup_key": sent["dedup_key"]})
        resolved = await ok(
            client, "list_incidents", {"service_ids": [cart], "statuses": ["resolved"], "date_range": "all"}
        )
        assert incident["id"] in {i["id"] for i in resolved["incidents"]}
        log = await ok(client, "list_log_entries", {"incident_id": incident["id"]})
        assert "resolve" in {e.get("type") for e in log["log_entries"]}
        error = await fails(
            client, "send_event", {"routing_key": "9" * 32, "action": "resolve", "dedup_key": "x"}, "EVENTS_API_ERROR"
        )
        assert "Invalid routing key" in error["message"]

        # "record this deploy as a change event" and "what changed in the last hour"
        await ok(
            client,
            "send_change_event",
            {"routing_key": cart_key, "summary": "Deploy cart v7.1.0", "links": ["https://ci.example/7"]},
        )
        changes = await ok(client, "list_change_events", {"since": "1h"})
        change = next(c for c in changes["change_events"] if c["summary"] == "Deploy cart v7.1.0")
        assert change["services"][0]["id"] == cart
        assert (
            first(await ok(client, "get_change_event", {"change_event_id": change["id"]}))["links"][0]["href"]
            == "https://ci.example/7"
        )


async def test_names_work_over_stdio_on_the_aiops_server_alone() -> None:
    async with stdio_session("aiops") as client:
        # "Alert grouping settings for the Checkout API service", with no service lookup on this server.
        setting = first(await ok(client, "list_alert_grouping_settings", {"service_ids": ["Checkout API"]}))
        assert setting["type"] == "content_based"
        error = await fails(client, "list_alert_grouping_settings", {"service_ids": ["Chekout"]}, "SERVICE_NOT_FOUND")
        assert "Closest: Checkout API (" in error["message"]  # the help, with no lookup tool on this server
        router = first(
            await ok(client, "get_event_orchestration_router", {"orchestration_id": "Acme Shop global orchestration"})
        )
        assert router["rules"]
