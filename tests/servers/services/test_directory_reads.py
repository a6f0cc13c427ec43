"""The read tools of pagerduty-services through a real MCP client on a fresh sandbox."""

from __future__ import annotations

import pytest
from mcp import Client

from pagerduty_mcp.sandbox.model.users import teams_of
from tests.harness import fails, first, ok
from tests.servers.services.lookup import by_name, open_incidents, sandbox_of

pytestmark = [pytest.mark.services, pytest.mark.anyio, pytest.mark.server("services")]

BAD_IDS = ["", "null", " "]
# Not ids, so read as names: no service is called that.
UNKNOWN_NAMES = ["../users", "P1 2"]


async def test_list_services_gives_lean_summaries_with_status_policy_and_teams(client: Client) -> None:
    envelope = await ok(client, "list_services", {"limit": 100})
    services = envelope["services"]
    state = sandbox_of(client).state
    assert len(services) == len(state.all("services")) == envelope["metadata"]["total"]
    assert [s["name"] for s in services] == sorted(s["name"] for s in services)
    checkout = next(s for s in services if s["name"] == "Checkout API")
    assert set(checkout) == {"id", "name", "status", "escalation_policy", "teams"}
    assert envelope["metadata"]["url"] == "https://acme-shop.pagerduty.com/service-directory/{id}"
    assert checkout["escalation_policy"]["name"] == "Checkout Escalation"
    assert [t["name"] for t in checkout["teams"]] == ["Checkout"]
    statuses = {s["name"]: s["status"] for s in services}
    assert statuses["Catalogue Search"] == "maintenance"  # the seed's ongoing window
    for service in services:
        if statuses[service["name"]] == "active":
            assert not open_incidents(client, service["id"])
        if statuses[service["name"]] == "critical":
            assert any(i["status"] == "triggered" for i in open_incidents(client, service["id"]))


async def test_list_services_filters_by_query_and_team_and_pages(client: Client) -> None:
    found = await ok(client, "list_services", {"query": "pay"})
    assert [s["name"] for s in found["services"]] == ["Payments Gateway"]
    platform = by_name(client, "teams", "Platform")
    team = await ok(client, "list_services", {"team_ids": [platform["id"]]})
    assert {s["name"] for s in team["services"]} == {"Kubernetes Platform", "Edge CDN"}
    page = await ok(client, "list_services", {"limit": 4})
    assert page["metadata"]["has_more"] is True and page["metadata"]["next_offset"] == 4
    rest = await ok(client, "list_services", {"limit": 100, "offset": 4})
    assert rest["metadata"]["has_more"] is False
    names = [s["name"] for s in page["services"] + rest["services"]]
    assert len(names) == len(set(names)) == len(sandbox_of(client).state.all("services"))


async def test_list_services_scope_my_teams_and_its_conflict(client: Client) -> None:
    state = sandbox_of(client).state
    my_teams = set(teams_of(state, state.current_user_id))
    mine = await ok(client, "list_services", {"scope": "my_teams"})
    assert mine["services"]
    assert all({t["id"] for t in s["teams"]} & my_teams for s in mine["services"])
    error = await fails(
        client, "list_services", {"scope": "my_teams", "team_ids": [next(iter(my_teams))]}, "INVALID_PARAMETER"
    )
    assert "scope=all" in error["message"]
    error = await fails(client, "list_services", {"scope": "everyone"})
    assert "my_teams" in error["message"]
    error = await fails(client, "list_services", {"team_ids": ["../users"]}, "TEAM_NOT_FOUND")
    assert error["details"]["parameters"] == ["team_ids"] and "The account's teams: Checkout (" in error["message"]


async def test_get_service_shows_settings_and_integrations_and_what_its_status_means(client: Client) -> None:
    checkout = by_name(client, "services", "Checkout API")
    envelope = await ok(client, "get_service", {"service_id": checkout["id"]})
    service = first(envelope)
    assert service["auto_resolve_timeout"] == 14400 and service["acknowledgement_timeout"] == 1800
    assert service["incident_urgency_rule"] == {"type": "constant", "urgency": "high"}
    assert service["escalation_policy"]["name"] == "Checkout Escalation"
    assert [i["type"] for i in service["integrations"]] == ["events_api_v2_inbound_integration"]
    assert "integration_key" not in str(service)  # keys are only shown to whoever creates them
    # Its alerts are grouped by an Alert Grouping Setting, which list_alert_grouping_settings reads:
    # not asked here (PagerDuty's own get_service is one request too).
    assert "alert_grouping" not in service
    # PagerDuty sets the status from the open incidents: the description says what it means.
    high = [i for i in open_incidents(client, checkout["id"]) if i["urgency"] == "high"]
    assert high and service["status"] == "critical"
    assert envelope["metadata"]["description"] == "Checkout API is critical: open high-urgency incidents"
    payments = by_name(client, "services", "Payments Gateway")
    detail = first(await ok(client, "get_service", {"service_id": payments["html_url"]}))
    assert detail["incident_urgency_rule"]["type"] == "use_support_hours"
    assert detail["support_hours"]["days_of_week"] == [1, 2, 3, 4, 5]
    assert "alert_grouping" not in detail  # none set on the service itself


async def test_get_service_names_the_maintenance_window_now_on(client: Client) -> None:
    search = by_name(client, "services", "Catalogue Search")
    service = first(await ok(client, "get_service", {"service_id": search["id"]}))
    assert service["status"] == "maintenance"
    assert service["maintenance_window"]["description"] == "Catalogue Search reindex"
    orders = by_name(client, "services", "Orders DB")  # its only window is in the past
    assert "maintenance_window" not in first(await ok(client, "get_service", {"service_id": orders["id"]}))


@pytest.mark.parametrize("bad", BAD_IDS)
async def test_get_service_rejects_malformed_ids(bad: str, client: Client) -> None:
    error = await fails(client, "get_service", {"service_id": bad}, "INVALID_PARAMETER")
    assert "service_id" in error["message"]


@pytest.mark.parametrize("name", UNKNOWN_NAMES)
async def test_get_service_unknown_name_is_service_not_found_naming_the_parameter(name: str, client: Client) -> None:
    error = await fails(client, "get_service", {"service_id": name}, "SERVICE_NOT_FOUND")
    assert error["details"]["parameters"] == ["service_id"] and "list_services finds" in error["message"]


async def test_get_service_unknown_id_is_service_not_found(client: Client) -> None:
    error = await fails(client, "get_service", {"service_id": "PNOPE00"}, "SERVICE_NOT_FOUND")
    assert "list_services" in error["message"]


async def test_dependencies_in_both_directions_for_technical_services(client: Client) -> None:
    checkout = by_name(client, "services", "Checkout API")
    envelope = await ok(client, "get_service_dependencies", {"service_id": checkout["id"]})
    relations = {(d["relation"], d["name"], d["kind"]) for d in envelope["dependencies"]}
    assert relations == {
        ("depends_on", "Payments Gateway", "technical"),
        ("depends_on", "Orders DB", "technical"),
        ("depends_on", "Kubernetes Platform", "technical"),
        ("depends_on", "Edge CDN", "technical"),
        ("dependent", "Online Store", "business"),
    }
    assert all(d.get("status") for d in envelope["dependencies"] if d["kind"] == "technical")
    orders = by_name(client, "services", "Orders DB")
    envelope = await ok(client, "get_service_dependencies", {"service_id": orders["id"]})
    dependents = {d["name"] for d in envelope["dependencies"] if d["relation"] == "dependent"}
    assert dependents == {"Checkout API", "Cart Service", "Payments Platform", "Customer Accounts"}
    assert {d["name"] for d in envelope["dependencies"] if d["relation"] == "depends_on"} == {"Kubernetes Platform"}


async def test_dependencies_of_a_business_service_and_unknown_ids(client: Client) -> None:
    store = by_name(client, "business_services", "Online Store")
    envelope = await ok(client, "get_service_dependencies", {"service_id": store["id"]})
    assert envelope["metadata"]["service"]["name"] == "Online Store"
    assert {d["name"] for d in envelope["dependencies"]} == {
        "Checkout API",
        "Cart Service",
        "Payments Gateway",
        "Recommendations",
        "Edge CDN",
    }
    assert {d["relation"] for d in envelope["dependencies"]} == {"depends_on"}
    await fails(client, "get_service_dependencies", {"service_id": "PNOPE00"}, "SERVICE_NOT_FOUND")
    await fails(client, "get_service_dependencies", {"service_id": "null"}, "INVALID_PARAMETER")


async def test_business_services_list_and_get(client: Client) -> None:
    envelope = await ok(client, "list_business_services", {"limit": 2})
    assert envelope["metadata"]["count"] == 2 and envelope["metadata"]["has_more"] is True
    rest = await ok(client, "list_business_services", {"offset": envelope["metadata"]["next_offset"]})
    names = [b["name"] for b in envelope["business_services"] + rest["business_services"]]
    assert sorted(names) == ["Customer Accounts", "Online Store", "Payments Platform"]
    store = by_name(client, "business_services", "Online Store")
    detail = first(await ok(client, "get_business_service", {"business_service_id": store["html_url"]}))
    assert detail["team"]["name"] == "Checkout" and detail["point_of_contact"]
    await fails(client, "get_business_service", {"business_service_id": "PNOPE00"}, "BUSINESS_SERVICE_NOT_FOUND")
    await fails(client, "get_business_service", {"business_service_id": "null"}, "INVALID_PARAMETER")
    await fails(client, "get_business_service", {"business_service_id": "../x"}, "BUSINESS_SERVICE_NOT_FOUND")


async def test_maintenance_windows_by_state_service_and_team(client: Client) -> None:
    states = {}
    for wanted in ("ongoing", "future", "past", "open", "all"):
        envelope = await ok(client, "list_maintenance_windows", {"filter": wanted})
        states[wanted] = {w["description"]: w["state"] for w in envelope["maintenance_windows"]}
    assert states["ongoing"] == {"Catalogue Search reindex": "ongoing"}
    assert states["future"] == {"Payments Gateway PSP failover test": "future"}
    assert states["past"] == {"Orders DB minor version upgrade": "past"}
    assert states["open"] == {**states["ongoing"], **states["future"]}
    assert states["all"] == {**states["open"], **states["past"]}
    payments = by_name(client, "services", "Payments Gateway")
    mine = await ok(client, "list_maintenance_windows", {"service_ids": [payments["id"]]})
    assert [w["services"][0]["name"] for w in mine["maintenance_windows"]] == ["Payments Gateway"]
    database = by_name(client, "teams", "Database")
    team = await ok(client, "list_maintenance_windows", {"team_ids": [database["id"]], "filter": "all"})
    assert {w["description"] for w in team["maintenance_windows"]} == {
        "Catalogue Search reindex",
        "Orders DB minor version upgrade",
    }
    error = await fails(client, "list_maintenance_windows", {"filter": "soon"}, "INVALID_PARAMETER")
    assert "ongoing" in error["message"] and "future" in error["message"]


async def test_list_bad_paging_and_ids_are_invalid_parameters(client: Client) -> None:
    error = await fails(client, "list_business_services", {"limit": 0}, "INVALID_PARAMETER")
    assert "limit" in error["message"]
    await fails(client, "list_business_services", {"offset": -1}, "INVALID_PARAMETER")
    await fails(client, "list_services", {"limit": 101}, "INVALID_PARAMETER")
    error = await fails(client, "list_maintenance_windows", {"service_ids": ["null"]}, "INVALID_PARAMETER")
    assert "service_ids" in error["message"]
    error = await fails(client, "list_maintenance_windows", {"team_ids": ["../teams"]}, "TEAM_NOT_FOUND")
    assert "The account's teams: Checkout (" in error["message"]


async def test_list_services_takes_a_team_name_and_answers_like_its_id(client: Client) -> None:
    platform = by_name(client, "teams", "Platform")
    by_id = await ok(client, "list_services", {"team_ids": [platform["id"]]})
    by_team_name = await ok(client, "list_services", {"team_ids": ["platform"]})
    assert by_team_name["services"] and by_team_name["services"] == by_id["services"]


async def test_the_services_server_says_what_its_siblings_hold(client: Client) -> None:
    instructions = client.instructions or ""
    for sibling in ("pagerduty-incidents", "pagerduty-people", "pagerduty-aiops"):
        assert sibling in instructions
    assert "teams" in instructions and "escalation policies" in instructions
