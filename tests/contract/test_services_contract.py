"""Every pagerduty-services tool against the sandbox, with each exchange checked against PagerDuty's spec.

A ``RecordingSandbox`` keeps every request the tools send and every answer the sandbox gives, and
each is validated against the spec: requests strictly, as written in it.
"""

from __future__ import annotations

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
async def test_service_directory_reads_and_writes_follow_the_spec(rest_spec: Spec, session: Client) -> None:
    exchanges: list[Exchange] = session.sandbox.exchanges  # type: ignore[attr-defined]
    checkout = by_name(session, "services", "Checkout API")
    store = by_name(session, "business_services", "Online Store")
    platform = by_name(session, "teams", "Platform")
    await ok(session, "list_services", {"query": "a", "team_ids": [platform["id"]], "limit": 2})
    await ok(session, "list_services", {"scope": "my_teams"})
    await ok(session, "get_service", {"service_id": checkout["id"]})
    await ok(session, "get_service", {"service_id": by_name(session, "services", "Catalogue Search")["id"]})
    await ok(session, "get_service_dependencies", {"service_id": checkout["id"]})
    await ok(session, "get_service_dependencies", {"service_id": store["id"]})
    await ok(session, "list_business_services", {"limit": 2})
    await ok(session, "get_business_service", {"business_service_id": store["id"]})
    created = first(
        await ok(
            session,
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
    await ok(session, "update_service", {"service_id": created["id"], "description": "checked", "status": "disabled"})
    await ok(session, "create_service_integration", {"service_id": created["id"]})
    await ok(session, "create_service_integration", {"service_id": created["id"], "type": "email"})
    window = first(
        await ok(session, "create_maintenance_window", {"service_ids": [checkout["id"]], "duration_minutes": 5})
    )
    await ok(session, "list_maintenance_windows", {"filter": "ongoing", "service_ids": [checkout["id"]]})
    await ok(session, "list_maintenance_windows", {"filter": "all", "team_ids": [platform["id"]]})
    await ok(session, "delete_maintenance_window", {"maintenance_window_id": window["id"]})
    await ok(session, "delete_service", {"service_id": created["id"]})
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
