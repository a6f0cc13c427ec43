"""Every pagerduty-services tool against the sandbox, with each exchange checked against PagerDuty's spec.

A ``RecordingSandbox`` keeps every request the tools send and every answer the sandbox gives, and
each is validated against the spec: requests strictly, as written in it.
"""

from __future__ import annotations

from typing import Any

import pagerduty
import pytest
from mcp import Client

from pagerduty_mcp.sandbox import SANDBOX_API_URL, SANDBOX_TOKEN
from tests.contract.conftest import CONTRACT_NOW
from tests.contract.openapi import Spec
from tests.contract.recorder import Exchange, RecordingSandbox, assert_follows_spec
from tests.harness import first, ok
from tests.servers.services.lookup import by_name

pytestmark = [pytest.mark.contract, pytest.mark.services, pytest.mark.anyio]


@pytest.mark.server("services", sandbox=RecordingSandbox())
async def test_service_directory_reads_and_writes_follow_the_spec(rest_spec: Spec, client: Client) -> None:
    exchanges: list[Exchange] = client.sandbox.exchanges  # type: ignore[attr-defined]
    checkout = by_name(client, "services", "Checkout API")
    store = by_name(client, "business_services", "Online Store")
    platform = by_name(client, "teams", "Platform")
    await ok(client, "list_services", {"query": "a", "team_ids": [platform["id"]], "limit": 2})
    await ok(client, "list_services", {"scope": "my_teams"})
    await ok(client, "get_service", {"service_id": checkout["id"]})
    await ok(client, "get_service", {"service_id": by_name(client, "services", "Catalogue Search")["id"]})
    await ok(client, "get_service_dependencies", {"service_id": checkout["id"]})
    await ok(client, "get_service_dependencies", {"service_id": store["id"]})
    await ok(client, "list_business_services", {"limit": 2})
    await ok(client, "get_business_service", {"business_service_id": store["id"]})
    await ok(client, "list_business_service_impacts", {})
    await ok(client, "list_business_service_impacts", {"business_service_ids": [store["id"]]})
    created = first(
        await ok(
            client,
            "create_service",
            {
                "name": "Contract Service",
                "team_ids": [platform["id"]],
                "urgency_rule": {
                    "during_support_hours": "high",
                    "outside_support_hours": "low",
                    "support_hours": {
                        "time_zone": "UTC",
                        "days_of_week": [1, 2, 3],
                        "start_time": "09:00",
                        "end_time": "17:00",
                    },
                },
                "auto_resolve_timeout": 3600,
            },
        )
    )
    await ok(client, "update_service", {"service_id": created["id"], "description": "checked", "status": "disabled"})
    await ok(client, "create_service_integration", {"service_id": created["id"]})
    await ok(client, "create_service_integration", {"service_id": created["id"], "type": "email"})
    window = first(
        await ok(client, "create_maintenance_window", {"service_ids": [checkout["id"]], "duration_minutes": 5})
    )
    await ok(client, "list_maintenance_windows", {"filter": "ongoing", "service_ids": [checkout["id"]]})
    await ok(client, "list_maintenance_windows", {"filter": "all", "team_ids": [platform["id"]]})
    await ok(client, "delete_maintenance_window", {"maintenance_window_id": window["id"]})
    await ok(client, "delete_service", {"service_id": created["id"]})
    methods = {(e.method, e.status) for e in exchanges}
    assert {("POST", 201), ("PUT", 200), ("DELETE", 204), ("GET", 200)} <= methods
    assert_follows_spec(exchanges)


def test_sandbox_endpoints_the_tools_do_not_reach_yet(rest_spec: Spec) -> None:
    box = RecordingSandbox(seed=7, now=CONTRACT_NOW)
    api = pagerduty.RestApiV2Client(SANDBOX_TOKEN, base_url=SANDBOX_API_URL, transport=box.transport())
    api.headers["From"] = "alex.rivera@acme-shop.example"
    service = api.get("/services", params={"limit": 1}).json()["services"][0]
    integration = service["integrations"][0]["id"]
    assert api.get(f"/services/{service['id']}/integrations/{integration}").status_code == 200
    assert api.get(f"/services/{service['id']}/integrations/PNOPE00").status_code == 404
    windows = api.get("/maintenance_windows", params={"include[]": ["services", "teams"], "filter": "past"}).json()
    past = windows["maintenance_windows"][0]
    assert api.get(f"/maintenance_windows/{past['id']}").status_code == 200
    assert api.delete(f"/maintenance_windows/{past['id']}").status_code == 405
    assert api.get("/service_dependencies/technical_services/PNOPE00").status_code == 404
    assert api.get("/business_services/PNOPE00").status_code == 404
    bad = api.post(
        "/services",
        json={
            "service": {
                "type": "service",
                "name": "x",
                "escalation_policy": {"id": "PNOPE00", "type": "escalation_policy_reference"},
            }
        },
    )
    assert bad.status_code == 400
    assert_follows_spec(box.exchanges)


@pytest.mark.server("services", sandbox=RecordingSandbox())
async def test_webhook_and_extension_tools_follow_the_spec(rest_spec: Spec, client: Client) -> None:
    exchanges: list[Exchange] = client.sandbox.exchanges  # type: ignore[attr-defined]
    await ok(client, "list_webhook_subscriptions")
    await ok(client, "list_webhook_subscriptions", {"service_id": "Checkout API", "event": "incident.triggered"})
    await ok(client, "list_webhook_subscriptions", {"team_id": "Payments", "active": True})
    await ok(client, "list_webhook_subscriptions", {"account": True})
    created = first(
        await ok(
            client,
            "create_webhook_subscription",
            {"url": "https://hooks.example.com/pd", "team_id": "Platform", "custom_headers": {"X-Token": "abcdefgh"}},
        )
    )
    await ok(client, "get_webhook_subscription", {"webhook_subscription_id": created["id"]})
    await ok(
        client,
        "update_webhook_subscription",
        {"webhook_subscription_id": created["id"], "events": ["incident.resolved"], "account": True, "active": False},
    )
    await ok(client, "test_webhook_subscription", {"webhook_subscription_id": created["id"]})
    audit = next(s for s in client.sandbox.state.all("webhook_subscriptions") if s["_disabled"])  # type: ignore[attr-defined]
    await ok(client, "update_webhook_subscription", {"webhook_subscription_id": audit["id"], "active": True})
    await ok(client, "delete_webhook_subscription", {"webhook_subscription_id": created["id"]})
    await ok(client, "list_extension_schemas", {"limit": 2})
    await ok(client, "get_extension_schema", {"extension_schema_id": "Slack"})
    await ok(client, "list_extensions", {"service_id": "Checkout API", "extension_schema_id": "Slack", "query": "a"})
    seen = {
        (e.method, e.path.rsplit("/", 1)[-1] if e.path.endswith(("enable", "ping")) else "", e.status)
        for e in exchanges
    }
    assert {("POST", "enable", 200), ("POST", "ping", 202)} <= seen
    assert {("DELETE", 204), ("PUT", 200), ("POST", 200)} <= {(e.method, e.status) for e in exchanges}
    assert_follows_spec(exchanges)


def test_webhook_and_extension_endpoints_the_tools_do_not_reach(rest_spec: Spec) -> None:
    box = RecordingSandbox(seed=7, now=CONTRACT_NOW)
    api = pagerduty.RestApiV2Client(SANDBOX_TOKEN, base_url=SANDBOX_API_URL, transport=box.transport())
    schema = api.get("/extension_schemas").json()["extension_schemas"][0]
    assert api.get(f"/extension_schemas/{schema['id']}").status_code == 200
    assert api.get("/extension_schemas/PNOPE00").status_code == 404
    listed = api.get("/extensions", params={"include[]": ["extension_objects", "extension_schemas"]}).json()
    extension = listed["extensions"][0]
    assert api.get(f"/extensions/{extension['id']}", params={"include[]": ["temporarily_disabled"]}).status_code == 200
    assert api.get("/extensions/PNOPE00").status_code == 404
    assert api.get("/webhook_subscriptions", params={"filter_type": "service"}).status_code == 400
    for method in ("GET", "PUT", "DELETE"):
        body = {"json": {"webhook_subscription": {"description": "x"}}} if method == "PUT" else {}
        assert api.request(method, "/webhook_subscriptions/PNOPE00", **body).status_code == 404
    assert api.post("/webhook_subscriptions/PNOPE00/ping").status_code == 404
    assert api.post("/webhook_subscriptions/PNOPE00/enable").status_code == 404
    bad: dict[str, Any] = {"type": "webhook_subscription", "events": ["pagey.ping"]}
    bad["filter"] = {"type": "service_reference", "id": "PNOPE00"}
    bad["delivery_method"] = {"type": "http_delivery_method", "url": "https://hooks.example.com"}
    assert api.post("/webhook_subscriptions", json={"webhook_subscription": bad}).status_code == 400
    assert_follows_spec(box.exchanges)
