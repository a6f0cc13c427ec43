"""pagerduty-services over stdio, as a client runs it, with write tools on: every tool, each write
followed by the read that shows it. The sandbox is served over HTTPS by this process, so the test
can send Events API traffic to the very account the server subprocess works on."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from typing import Any

import pagerduty
import pytest

from pagerduty_mcp.sandbox import SANDBOX_TOKEN, Sandbox
from pagerduty_mcp.sandbox.server import ServerInfo, serve_in_thread
from tests.harness import fails, first, ok, stdio_session
from tests.servers.services.receiver import receiver

pytestmark = [pytest.mark.e2e, pytest.mark.services, pytest.mark.anyio, pytest.mark.subprocess]

TOOLS = {
    "list_services",
    "get_service",
    "get_service_dependencies",
    "list_business_services",
    "get_business_service",
    "list_maintenance_windows",
    "create_service",
    "update_service",
    "delete_service",
    "create_service_integration",
    "create_maintenance_window",
    "delete_maintenance_window",
    "list_webhook_subscriptions",
    "get_webhook_subscription",
    "create_webhook_subscription",
    "update_webhook_subscription",
    "delete_webhook_subscription",
    "test_webhook_subscription",
    "list_extension_schemas",
    "get_extension_schema",
    "list_extensions",
    "list_business_service_impacts",
}


@pytest.fixture
def account() -> Iterator[tuple[Sandbox, ServerInfo]]:
    box = Sandbox(deliver_webhooks=True)
    with serve_in_thread(box) as info:
        yield box, info


def _named(box: Sandbox, kind: str, name: str) -> dict[str, Any]:
    return next(o for o in box.state.all(kind) if o.get("name") == name)


def _incidents_on(box: Sandbox, service_id: str) -> int:
    return sum(1 for i in box.state.all("incidents") if i["_service_id"] == service_id)


async def test_every_services_tool_over_stdio(account: tuple[Sandbox, ServerInfo]) -> None:
    box, info = account
    env = {"PAGERDUTY_USER_API_KEY": SANDBOX_TOKEN, "PAGERDUTY_API_HOST": info.url, "SSL_CERT_FILE": str(info.ca_path)}
    async with stdio_session("services", write=True, sandbox=False, env=env) as client:
        assert {t.name for t in (await client.list_tools()).tools} == TOOLS

        # "What services does my team own and which are unhealthy?"
        mine = await ok(client, "list_services", {"scope": "my_teams"})
        assert mine["services"] and all(s["status"] for s in mine["services"])
        checkout = _named(box, "services", "Checkout API")
        detail = first(await ok(client, "get_service", {"service_id": checkout["html_url"]}))
        assert detail["status"] == "critical"  # PagerDuty's word for open high-urgency incidents
        # Names work where ids go, and a wrong one is answered with the teams there are (five).
        assert first(await ok(client, "get_service", {"service_id": "checkout api"}))["id"] == checkout["id"]
        error = await fails(client, "list_services", {"team_ids": ["No Such Team"]}, "TEAM_NOT_FOUND")
        assert "The account's teams: Checkout (" in error["message"]

        # "What depends on checkout?"
        deps = await ok(client, "get_service_dependencies", {"service_id": checkout["id"]})
        assert ("dependent", "Online Store") in {(d["relation"], d["name"]) for d in deps["dependencies"]}
        businesses = await ok(client, "list_business_services", {})
        store = next(b for b in businesses["business_services"] if b["name"] == "Online Store")
        assert first(await ok(client, "get_business_service", {"business_service_id": store["id"]}))["team"]
        # "Which business services are impacted right now, and by what?"
        impacts = await ok(client, "list_business_service_impacts", {})
        online = next(b for b in impacts["business_services"] if b["name"] == "Online Store")
        assert online["status"] == "impacted" and all(i["title"] for i in online["impacted_by"])

        # "Set up a new service with an Events API integration for our monitor."
        created = first(
            await ok(
                client,
                "create_service",
                {"name": "Inventory Sync", "team_ids": ["Database"], "urgency_rule": {"urgency": "high"}},
            )
        )
        integration = first(await ok(client, "create_service_integration", {"service_id": created["id"]}))
        key = integration["integration_key"]
        events = pagerduty.EventsApiV2Client(
            key, base_url=info.url, verify=ssl.create_default_context(cafile=str(info.ca_path))
        )
        events.trigger("Inventory lag", "sync-1", dedup_key="lag-1", severity="critical")
        assert _incidents_on(box, created["id"]) == 1
        shown = first(await ok(client, "get_service", {"service_id": created["id"]}))
        assert shown["status"] == "critical"
        assert "Events API v2" in {i["name"] for i in shown["integrations"]}

        # A partial update leaves the rest as it was.
        await ok(client, "update_service", {"service_id": created["id"], "acknowledgement_timeout": 600})
        updated = first(await ok(client, "get_service", {"service_id": created["id"]}))
        assert updated["acknowledgement_timeout"] == 600
        assert updated["name"] == shown["name"] and updated["incident_urgency_rule"] == shown["incident_urgency_rule"]
        assert updated["escalation_policy"] == shown["escalation_policy"]

        # "Silence it for tonight's deploy": events open no incident while the window is on.
        window = first(
            await ok(
                client,
                "create_maintenance_window",
                {"service_ids": ["Inventory Sync"], "duration_minutes": 120, "description": "deploy"},
            )
        )
        ongoing = await ok(client, "list_maintenance_windows", {"filter": "ongoing"})
        assert window["id"] in {w["id"] for w in ongoing["maintenance_windows"]}
        events.trigger("Noise during deploy", "sync-1", dedup_key="noise-1", severity="critical")
        assert _incidents_on(box, created["id"]) == 1
        await ok(client, "delete_maintenance_window", {"maintenance_window_id": window["id"]})
        events.trigger("Real trouble after deploy", "sync-1", dedup_key="after-1", severity="critical")
        assert _incidents_on(box, created["id"]) == 2

        # "Which webhooks and Slack channels does Checkout send to?", then a webhook of its own, tested.
        hooks = await ok(client, "list_webhook_subscriptions", {"service_id": "Checkout API"})
        assert [h["filter"]["name"] for h in hooks["webhook_subscriptions"]] == ["Checkout API"]
        slack = await ok(client, "list_extensions", {"service_id": "Checkout API", "extension_schema_id": "Slack"})
        assert [e["extension_schema"]["name"] for e in slack["extensions"]] == ["Slack"]
        assert "Slack" in {s["name"] for s in (await ok(client, "list_extension_schemas"))["extension_schemas"]}
        slack_kind = first(await ok(client, "get_extension_schema", {"extension_schema_id": "Slack"}))
        assert slack_kind["guide_url"] and slack_kind["config_keys"] == ["channel", "notify_types"]
        with receiver() as endpoint:
            hook = first(
                await ok(
                    client,
                    "create_webhook_subscription",
                    {"url": endpoint.url, "service_id": "Inventory Sync", "custom_headers": {"X-Key": "k-93hf8s"}},
                )
            )
            tested = await ok(client, "test_webhook_subscription", {"webhook_subscription_id": hook["id"]})
            error = await fails(
                client,
                "create_webhook_subscription",
                {"url": endpoint.url, "service_id": "PZZZZZZ"},
                "SERVICE_NOT_FOUND",
            )
            assert error["details"]["parameters"] == ["service_id"]
        assert len(endpoint.deliveries) == 1 and "not reported" in tested["metadata"]["description"]
        await ok(client, "update_webhook_subscription", {"webhook_subscription_id": hook["id"], "active": False})
        got = first(await ok(client, "get_webhook_subscription", {"webhook_subscription_id": hook["id"]}))
        assert got["active"] is False and got["filter"]["name"] == "Inventory Sync"
        await ok(client, "delete_webhook_subscription", {"webhook_subscription_id": hook["id"]})
        await fails(
            client,
            "get_webhook_subscription",
            {"webhook_subscription_id": hook["id"]},
            "WEBHOOK_SUBSCRIPTION_NOT_FOUND",
        )

        await ok(client, "delete_service", {"service_id": created["id"]})
        await fails(client, "get_service", {"service_id": created["id"]}, "SERVICE_NOT_FOUND")
        error = await fails(client, "get_service", {"service_id": "null"}, "INVALID_PARAMETER")
        assert "service_id" in error["message"]
