"""The write tools of pagerduty-services: each write, then the read that shows it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from mcp import Client

from pagerduty_mcp.common.pagerduty.logs import redact
from pagerduty_mcp.sandbox import Sandbox
from tests.contract.recorder import RecordingSandbox
from tests.harness import fails, first, ok
from tests.servers.services.lookup import by_name, sandbox_of

pytestmark = [pytest.mark.services, pytest.mark.anyio, pytest.mark.server("services")]

SUPPORT_HOURS_RULE: dict[str, Any] = {
    "during_support_hours": "high",
    "outside_support_hours": "low",
    "support_hours": {
        "time_zone": "Europe/Berlin",
        "days_of_week": [1, 2, 3, 4, 5],
        "start_time": "08:00",
        "end_time": "18:30",
    },
}


async def test_create_service_with_the_day_one_choices(client: Client) -> None:
    policy = by_name(client, "escalation_policies", "Payments Escalation")
    created = first(
        await ok(
            client,
            "create_service",
            {
                "name": "Refunds API",
                "description": "Refunds and chargebacks",
                "escalation_policy_id": policy["id"],
                "urgency_rule": SUPPORT_HOURS_RULE,
                "auto_resolve_timeout": 7200,
                "acknowledgement_timeout": 600,
            },
        )
    )
    assert created["status"] == "active"
    service = first(await ok(client, "get_service", {"service_id": created["id"]}))
    assert service["name"] == "Refunds API" and service["description"] == "Refunds and chargebacks"
    assert service["escalation_policy"]["id"] == policy["id"]
    assert [t["name"] for t in service["teams"]] == ["Payments"]  # teams follow the policy
    assert service["auto_resolve_timeout"] == 7200 and service["acknowledgement_timeout"] == 600
    assert service["incident_urgency_rule"]["type"] == "use_support_hours"
    assert service["incident_urgency_rule"]["outside_support_hours"]["urgency"] == "low"
    assert service["support_hours"]["time_zone"] == "Europe/Berlin"
    assert service["support_hours"]["end_time"] == "18:30:00"
    assert service["status"] == "active"  # PagerDuty's word for none open
    # The policy now lists it, so PagerDuty would refuse to delete the policy.
    assert created["id"] in {
        s["id"] for s in sandbox_of(client).state.get("escalation_policies", policy["id"])["services"]
    }


async def test_create_service_picks_the_teams_only_policy_or_explains(client: Client) -> None:
    platform = by_name(client, "teams", "Platform")
    created = first(await ok(client, "create_service", {"name": "Build Farm", "team_ids": [platform["id"]]}))
    assert created["escalation_policy"]["name"] == "Platform Escalation"
    assert [t["id"] for t in created["teams"]] == [platform["id"]]
    checkout_policy = by_name(client, "escalation_policies", "Checkout Escalation")
    error = await fails(
        client,
        "create_service",
        {"name": "Mismatch", "team_ids": [platform["id"]], "escalation_policy_id": checkout_policy["id"]},
        "INVALID_PARAMETER",
    )
    assert error["message"].startswith("team_ids:") and "escalation policy" in error["message"]
    error = await fails(client, "create_service", {"name": "Orphan"}, "INVALID_PARAMETER")
    assert "escalation_policy_id" in error["message"]


async def test_create_service_bad_input_names_the_field(client: Client) -> None:
    policy = by_name(client, "escalation_policies", "Payments Escalation")
    base = {"name": "Ledger", "escalation_policy_id": policy["id"]}
    error = await fails(client, "create_service", {**base, "urgency_rule": {"urgncy": "high"}}, "INVALID_PARAMETER")
    assert "urgency_rule.urgncy" in error["message"] and "not a field" in error["message"]
    error = await fails(client, "create_service", {**base, "urgency_rule": {"urgency": "urgent"}})
    assert "urgency_rule.urgency" in error["message"] and "severity_based" in error["message"]
    hours = {
        **SUPPORT_HOURS_RULE,
        "support_hours": {**SUPPORT_HOURS_RULE["support_hours"], "time_zone": "Mars/Base"},
    }
    error = await fails(client, "create_service", {**base, "urgency_rule": hours}, "INVALID_PARAMETER")
    assert "urgency_rule.support_hours.time_zone" in error["message"]
    partial = {"during_support_hours": "high", "outside_support_hours": "low"}
    error = await fails(client, "create_service", {**base, "urgency_rule": partial}, "INVALID_PARAMETER")
    assert "urgency_rule.support_hours" in error["message"]
    error = await fails(client, "create_service", {**base, "acknowledgement_timeout": -5}, "INVALID_PARAMETER")
    assert "acknowledgement_timeout" in error["message"]
    error = await fails(
        client,
        "create_service",
        {"name": "Ledger", "escalation_policy_id": "PNOPE00"},
        "ESCALATION_POLICY_NOT_FOUND",
    )
    assert "list_escalation_policies" in error["message"]
    error = await fails(client, "create_service", {**base, "name": "Checkout API"}, "INVALID_PARAMETER")
    assert "already been taken" in error["message"]
    names = {s["name"] for s in sandbox_of(client).state.all("services")}
    assert "Ledger" not in names  # nothing was created by the failed calls


@pytest.mark.server("services", sandbox=RecordingSandbox())
async def test_update_service_is_partial_and_sends_only_what_was_given(client: Client) -> None:
    box: RecordingSandbox = client.sandbox  # type: ignore[attr-defined]
    checkout = by_name(client, "services", "Checkout API")
    before = first(await ok(client, "get_service", {"service_id": checkout["id"]}))
    box.exchanges.clear()
    envelope = await ok(client, "update_service", {"service_id": checkout["id"], "acknowledgement_timeout": 900})
    assert envelope["metadata"]["updated"] == ["acknowledgement_timeout"]
    puts = [e for e in box.exchanges if e.method == "PUT"]
    assert len(puts) == 1
    sent = puts[0].request_body["service"]
    # escalation_policy goes back unchanged because the spec requires it in every body.
    assert sent == {
        "type": "service",
        "acknowledgement_timeout": 900,
        "escalation_policy": {"id": before["escalation_policy"]["id"], "type": "escalation_policy_reference"},
    }
    after = first(await ok(client, "get_service", {"service_id": checkout["id"]}))
    assert after["acknowledgement_timeout"] == 900
    for field in (
        "name",
        "description",
        "auto_resolve_timeout",
        "incident_urgency_rule",
        "escalation_policy",
        "teams",
    ):
        assert after[field] == before[field], field


async def test_update_service_changes_policy_urgency_and_status(client: Client) -> None:
    cart = by_name(client, "services", "Cart Service")
    platform_policy = by_name(client, "escalation_policies", "Platform Escalation")
    envelope = await ok(
        client,
        "update_service",
        {
            "service_id": cart["id"],
            "escalation_policy_id": platform_policy["id"],
            "urgency_rule": {"urgency": "severity_based"},
            "name": "Basket Service",
        },
    )
    assert set(envelope["metadata"]["updated"]) == {"escalation_policy", "incident_urgency_rule", "name"}
    service = first(await ok(client, "get_service", {"service_id": cart["id"]}))
    assert service["name"] == "Basket Service"
    assert service["escalation_policy"]["name"] == "Platform Escalation"
    assert [t["name"] for t in service["teams"]] == ["Platform"]
    assert service["incident_urgency_rule"] == {"type": "constant", "urgency": "severity_based"}
    assert service["acknowledgement_timeout"] == 1800  # untouched
    await ok(client, "update_service", {"service_id": cart["id"], "status": "disabled"})
    assert first(await ok(client, "get_service", {"service_id": cart["id"]}))["status"] == "disabled"


async def test_update_service_bad_input(client: Client) -> None:
    checkout = by_name(client, "services", "Checkout API")
    error = await fails(client, "update_service", {"service_id": checkout["id"]}, "INVALID_PARAMETER")
    assert "nothing to change" in error["message"]
    await fails(client, "update_service", {"service_id": "PNOPE00", "name": "x"}, "SERVICE_NOT_FOUND")
    await fails(client, "update_service", {"service_id": "null", "name": "x"}, "INVALID_PARAMETER")
    await fails(client, "update_service", {"service_id": "../users", "name": "x"}, "SERVICE_NOT_FOUND")
    error = await fails(client, "update_service", {"service_id": checkout["id"], "status": "maintenance"})
    assert error["code"] == "INVALID_PARAMETER" and "disabled" in error["message"]
    error = await fails(
        client,
        "update_service",
        {"service_id": checkout["id"], "urgency_rule": {"urgency": "high", "during_support_hours": "low"}},
    )
    assert error["code"] == "INVALID_PARAMETER" and "not both" in error["message"]


async def test_delete_service_removes_it_and_what_hung_off_it(client: Client) -> None:
    recs = by_name(client, "services", "Recommendations")
    integration_ids = [i["id"] for i in recs["integrations"]]
    envelope = await ok(client, "delete_service", {"service_id": recs["id"]})
    assert envelope["metadata"]["deleted"] is True and first(envelope)["name"] == "Recommendations"
    await fails(client, "get_service", {"service_id": recs["id"]}, "SERVICE_NOT_FOUND")
    state = sandbox_of(client).state
    assert not any(state.find("integrations", i) for i in integration_ids)
    policy = state.get("escalation_policies", recs["escalation_policy"]["id"])
    assert recs["id"] not in {s["id"] for s in policy["services"]}
    search = by_name(client, "services", "Catalogue Search")
    deps = await ok(client, "get_service_dependencies", {"service_id": search["id"]})
    assert recs["id"] not in {d["id"] for d in deps["dependencies"]}
    await fails(client, "delete_service", {"service_id": recs["id"]}, "SERVICE_NOT_FOUND")
    await fails(client, "delete_service", {"service_id": "null"}, "INVALID_PARAMETER")


async def test_create_service_integration_returns_a_working_key_that_logs_never_show(client: Client) -> None:
    orders = by_name(client, "services", "Orders DB")
    envelope = await ok(client, "create_service_integration", {"service_id": orders["id"], "name": "Prometheus"})
    integration = first(envelope)
    key = integration["integration_key"]
    assert re.fullmatch(r"[0-9a-f]{32}", key)
    assert integration["type"] == "events_api_v2_inbound_integration" and integration["name"] == "Prometheus"
    assert integration["events_url"].endswith("/v2/enqueue")
    assert redact(f"key={key}") == "key=[REDACTED]"
    service = first(await ok(client, "get_service", {"service_id": orders["id"]}))
    assert "Prometheus" in {i["name"] for i in service["integrations"]}
    # The key really routes events to the service.
    before = len(sandbox_of(client).state.open_incidents.get(orders["id"], {}))
    events = _events_client(sandbox_of(client), key)
    events.trigger("Disk almost full", "db-1", dedup_key="disk-db-1", severity="error")
    assert len(sandbox_of(client).state.open_incidents.get(orders["id"], {})) == before + 1
    email = first(await ok(client, "create_service_integration", {"service_id": orders["id"], "type": "email"}))
    assert "@" in email["integration_email"] and "integration_key" not in email
    await fails(client, "create_service_integration", {"service_id": "PNOPE00"}, "SERVICE_NOT_FOUND")
    error = await fails(client, "create_service_integration", {"service_id": orders["id"], "type": "sms"})
    assert error["code"] == "INVALID_PARAMETER" and "events_api_v2" in error["message"]


def _events_client(box: Sandbox, key: str) -> Any:
    import pagerduty

    from pagerduty_mcp.sandbox import SANDBOX_EVENTS_URL

    return pagerduty.EventsApiV2Client(key, base_url=SANDBOX_EVENTS_URL, transport=box.transport())


def _service_key(box: Sandbox, service: dict[str, Any]) -> str:
    for ref in service["integrations"]:
        integration = box.state.get("integrations", ref["id"])
        if integration["type"] == "events_api_v2_inbound_integration":
            return str(integration["integration_key"])
    raise AssertionError("no Events API v2 integration")


async def test_a_maintenance_window_created_by_the_tool_suppresses_new_incidents(client: Client) -> None:
    box = sandbox_of(client)
    payments = by_name(client, "services", "Payments Gateway")
    fraud = by_name(client, "services", "Fraud Detection")
    window = first(
        await ok(
            client,
            "create_maintenance_window",
            {"service_ids": [payments["id"], fraud["id"]], "duration_minutes": 90, "description": "Deploy 4.2"},
        )
    )
    assert window["state"] == "ongoing" and {s["name"] for s in window["services"]} == {
        "Payments Gateway",
        "Fraud Detection",
    }
    detail = first(await ok(client, "get_service", {"service_id": payments["id"]}))
    assert detail["status"] == "maintenance" and detail["maintenance_window"]["id"] == window["id"]
    events = _events_client(box, _service_key(box, payments))
    before = len(box.state.all("incidents"))
    events.trigger("PSP latency high during deploy", "payments-1", dedup_key="deploy-noise", severity="critical")
    assert len(box.state.all("incidents")) == before  # accepted, but no incident
    ended = first(await ok(client, "delete_maintenance_window", {"maintenance_window_id": window["id"]}))
    assert ended["state"] == "past"
    events.trigger("PSP latency high after deploy", "payments-1", dedup_key="real-problem", severity="critical")
    assert len(box.state.all("incidents")) == before + 1
    past = await ok(client, "list_maintenance_windows", {"filter": "past", "service_ids": [payments["id"]]})
    assert window["id"] in {w["id"] for w in past["maintenance_windows"]}
    error = await fails(client, "delete_maintenance_window", {"maintenance_window_id": window["id"]}, "CONFLICT")
    assert "already ended" in error["message"]


async def test_future_windows_can_be_listed_and_deleted(client: Client) -> None:
    day = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    checkout = by_name(client, "services", "Checkout API")
    window = first(
        await ok(
            client,
            "create_maintenance_window",
            {
                "service_ids": [checkout["html_url"]],
                "start_time": f"{day}T22:00:00+01:00",
                "end_time": f"{day}T23:30:00+01:00",
            },
        )
    )
    assert window["state"] == "future" and window["start_time"] == f"{day}T21:00:00Z"
    future = await ok(client, "list_maintenance_windows", {"filter": "future"})
    assert window["id"] in {w["id"] for w in future["maintenance_windows"]}
    deleted = first(await ok(client, "delete_maintenance_window", {"maintenance_window_id": window["id"]}))
    assert deleted["state"] == "deleted"
    await fails(
        client, "delete_maintenance_window", {"maintenance_window_id": window["id"]}, "MAINTENANCE_WINDOW_NOT_FOUND"
    )


async def test_create_maintenance_window_bad_input(client: Client) -> None:
    checkout = by_name(client, "services", "Checkout API")
    ids = [checkout["id"]]
    error = await fails(client, "create_maintenance_window", {"service_ids": ids}, "INVALID_PARAMETER")
    assert "duration_minutes" in error["message"]
    error = await fails(
        client,
        "create_maintenance_window",
        {"service_ids": ids, "duration_minutes": 30, "end_time": "2030-01-01T00:00:00Z"},
        "INVALID_PARAMETER",
    )
    assert "exactly one" in error["message"]
    error = await fails(
        client,
        "create_maintenance_window",
        {"service_ids": ids, "end_time": "2020-01-01T00:00:00Z"},
        "INVALID_PARAMETER",
    )
    assert error["message"].startswith("end_time:") and "future" in error["message"]
    error = await fails(
        client, "create_maintenance_window", {"service_ids": ids, "end_time": "tonight"}, "INVALID_PARAMETER"
    )
    assert "ISO 8601" in error["message"]
    error = await fails(
        client,
        "create_maintenance_window",
        {"service_ids": [*ids, "PNOPE00"], "duration_minutes": 30},
        "SERVICE_NOT_FOUND",
    )
    assert "PNOPE00" in error["message"]
    await fails(client, "create_maintenance_window", {"service_ids": [], "duration_minutes": 30}, "INVALID_PARAMETER")
    await fails(
        client, "create_maintenance_window", {"service_ids": ["null"], "duration_minutes": 30}, "INVALID_PARAMETER"
    )
    await fails(
        client, "create_maintenance_window", {"service_ids": ["../x"], "duration_minutes": 30}, "SERVICE_NOT_FOUND"
    )
    windows = await ok(client, "list_maintenance_windows", {"filter": "all"})
    assert windows["metadata"]["count"] == 3  # only the seeded ones: no failed call created one
    await fails(
        client, "delete_maintenance_window", {"maintenance_window_id": "PNOPE00"}, "MAINTENANCE_WINDOW_NOT_FOUND"
    )
    await fails(client, "delete_maintenance_window", {"maintenance_window_id": ""}, "INVALID_PARAMETER")


# -- names where ids go, and hints that name the server holding the finder --------------------------
async def test_create_service_takes_a_policy_and_teams_by_name(client: Client) -> None:
    policy = by_name(client, "escalation_policies", "Payments Escalation")
    created = first(
        await ok(
            client,
            "create_service",
            {"name": "Chargebacks", "escalation_policy_id": "payments escalation", "team_ids": ["Payments"]},
        )
    )
    assert created["escalation_policy"]["id"] == policy["id"]
    assert [t["name"] for t in created["teams"]] == ["Payments"]


@pytest.mark.parametrize("policy", ["PNOPE00", "No Such Policy"])
async def test_an_unknown_policy_points_to_list_escalation_policies_on_pagerduty_people(
    policy: str, client: Client
) -> None:
    for tool, args in (
        ("create_service", {"name": "Ghost"}),
        ("update_service", {"service_id": by_name(client, "services", "Checkout API")["id"]}),
    ):
        error = await fails(client, tool, {**args, "escalation_policy_id": policy}, "ESCALATION_POLICY_NOT_FOUND")
        assert "list_escalation_policies on pagerduty-people" in error["message"], error
    assert "Ghost" not in {s["name"] for s in sandbox_of(client).state.all("services")}


async def test_maintenance_windows_take_service_and_team_names(client: Client) -> None:
    created = first(
        await ok(client, "create_maintenance_window", {"service_ids": ["Orders DB"], "duration_minutes": 30})
    )
    assert [s["name"] for s in created["services"]] == ["Orders DB"]
    listed = await ok(client, "list_maintenance_windows", {"service_ids": ["orders db"], "team_ids": ["Database"]})
    assert created["id"] in {w["id"] for w in listed["maintenance_windows"]}


async def test_create_service_for_an_unknown_team_says_the_team_is_unknown(client: Client) -> None:
    error = await fails(client, "create_service", {"name": "Ghost", "team_ids": ["PNOPE00"]}, "TEAM_NOT_FOUND")
    assert error["details"]["parameters"] == ["team_ids"] and "The account's teams: Checkout (" in error["message"]
    sandbox_of(client).state.put(
        "teams", sandbox_of(client).state.stamp("teams", {"name": "Policyless", "description": ""}, "Policyless")
    )
    error = await fails(client, "create_service", {"name": "Ghost", "team_ids": ["Policyless"]}, "INVALID_PARAMETER")
    assert "0 escalation policies" in error["message"]
    assert "list_escalation_policies on pagerduty-people" in error["message"]
