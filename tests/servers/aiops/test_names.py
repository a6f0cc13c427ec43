"""Questions in words on pagerduty-aiops alone: names where ids go, unknown ones as errors, teams named.

Every test runs on the aiops server by itself, the way a user loads it, so a hint that points to a
tool must say which server has it when this one does not.
"""

from __future__ import annotations

import re

import pytest
from mcp import Client

from tests.harness import call, fails, first, ok
from tests.servers.aiops.seeded import orchestration_key, service_id

# A tool name as instructions and hints write one (list_teams, get_event_orchestration_router).
TOOL_NAME = re.compile(r"\b(?:list|get|create|update|delete|add|remove|find|send|append|manage)_[a-z_]+\b")

pytestmark = [pytest.mark.aiops, pytest.mark.anyio, pytest.mark.server("aiops")]


def rename_service(client: Client, old: str, new: str) -> str:
    """Give a seeded service another name in the account behind the session; its id."""
    service = client.sandbox.state.get("services", service_id(client.sandbox.state, old))  # type: ignore[attr-defined]
    service["name"] = service["summary"] = new
    return str(service["id"])


async def test_alert_grouping_settings_for_the_database_service_by_name(client: Client) -> None:
    database = rename_service(client, "Orders DB", "Database")
    # No setting yet: a real service with none is an honest empty answer.
    empty = await ok(client, "list_alert_grouping_settings", {"service_ids": ["Database"]})
    assert empty["metadata"]["count"] == 0
    created = first(
        await ok(
            client,
            "create_alert_grouping_setting",
            {"type": "content_based", "service_ids": ["database"], "fields": ["summary"]},  # any case
        )
    )
    assert created["services"] == [{"id": database, "name": "Database"}]
    assert created["config"]["aggregate"] == "all"  # the default the schema shows
    listed = await ok(client, "list_alert_grouping_settings", {"service_ids": ["Database"]})
    assert [s["id"] for s in listed["alert_grouping_settings"]] == [created["id"]]


@pytest.mark.parametrize("unknown", ["Databse", "PNOSUCH"])
async def test_an_unknown_service_is_an_error_not_no_settings(client: Client, unknown: str) -> None:
    error = await fails(client, "list_alert_grouping_settings", {"service_ids": [unknown]}, "SERVICE_NOT_FOUND")
    assert error["details"]["parameters"] == ["service_ids"]
    # The lookup tool lives on another server: the hint says which.
    assert "list_services on pagerduty-services" in error["message"]


async def test_a_team_name_is_not_taken_for_a_service(client: Client) -> None:
    # "Payments" names a team in the seeded account, and no service: the service lookup says so.
    await fails(client, "list_alert_grouping_settings", {"service_ids": ["Payments"]}, "SERVICE_NOT_FOUND")


async def test_change_events_by_team_name_and_unknown_teams_and_integrations(client: Client) -> None:
    state = client.sandbox.state  # type: ignore[attr-defined]
    payments = next(t["id"] for t in state.all("teams") if t["name"] == "Payments")
    by_name = await ok(client, "list_change_events", {"team_ids": ["Payments"], "limit": 100})
    by_id = await ok(client, "list_change_events", {"team_ids": [payments], "limit": 100})
    assert by_name["change_events"] and by_name["change_events"] == by_id["change_events"]
    error = await fails(client, "list_change_events", {"team_ids": ["Paymnets"]}, "TEAM_NOT_FOUND")
    assert error["details"]["suggestions"] == [{"id": payments, "name": "Payments"}]  # the help, on this server
    error = await fails(client, "list_change_events", {"team_ids": ["No Such Thing Anywhere"]}, "TEAM_NOT_FOUND")
    assert "The account's teams: Checkout (" in error["message"]  # five, none near: shown whole
    unknown = {"service_ids": ["No Such Thing Anywhere"]}
    error = await fails(client, "list_alert_grouping_settings", unknown, "SERVICE_NOT_FOUND")
    assert "list_services on pagerduty-services" in error["message"]  # nine: the server that lists them
    await fails(client, "list_change_events", {"team_ids": ["PNOSUCH"]}, "TEAM_NOT_FOUND")
    error = await fails(client, "list_change_events", {"integration_ids": ["PNOSUCH"]}, "INTEGRATION_NOT_FOUND")
    assert error["details"]["parameters"] == ["integration_ids"]
    assert "get_service on pagerduty-services" in error["message"]


async def test_a_real_integration_with_no_change_events_is_an_honest_empty_answer(client: Client) -> None:
    state = client.sandbox.state  # type: ignore[attr-defined]
    used = {(e.get("integration") or {}).get("id") for e in state.all("change_events")}
    quiet = next(i["id"] for i in state.all("integrations") if i["id"] not in used)
    envelope = await ok(client, "list_change_events", {"integration_ids": [quiet]})
    assert envelope["metadata"]["count"] == 0
    # An orchestration's integration is an integration too.
    orchestration = state.get("event_orchestrations", orchestration_key(state)[0])
    await ok(client, "list_change_events", {"integration_ids": [orchestration["integrations"][0]["id"]]})


async def test_orchestrations_give_their_team_as_id_and_name(client: Client) -> None:
    listed = first(await ok(client, "list_event_orchestrations"))
    assert listed["team"] == {"id": listed["team"]["id"], "name": "Platform"}
    detail = first(await ok(client, "get_event_orchestration", {"orchestration_id": listed["id"]}))
    assert detail["team"] == listed["team"]
    by_name = first(await ok(client, "get_event_orchestration", {"orchestration_id": "acme shop global orchestration"}))
    assert by_name["id"] == listed["id"]


async def test_a_router_rule_routes_to_a_service_named_in_words(client: Client) -> None:
    ident, _ = orchestration_key(client.sandbox.state)  # type: ignore[attr-defined]
    cart = service_id(client.sandbox.state, "Cart Service")  # type: ignore[attr-defined]
    appended = first(
        await ok(
            client, "append_event_orchestration_router_rule", {"orchestration_id": ident, "route_to": "Cart Service"}
        )
    )
    assert appended["rules"][-1]["route_to"] == {"id": cart, "name": "Cart Service"}
    await fails(
        client,
        "append_event_orchestration_router_rule",
        {"orchestration_id": ident, "route_to": "Kart"},
        "SERVICE_NOT_FOUND",
    )


async def test_relative_times_everywhere_with_the_absolute_window_echoed(client: Client) -> None:
    is_error, envelope = await call(client, "list_change_events", {"since": "7d", "until": "1h"})
    assert not is_error
    window = envelope["metadata"]["window"]
    assert window["since"] < window["until"] and window["since"].endswith("Z")


async def test_the_instructions_name_the_siblings_and_only_tools_this_server_has(client: Client) -> None:
    instructions = client.instructions or ""
    for sibling in ("pagerduty-incidents", "pagerduty-services", "pagerduty-people"):
        assert sibling in instructions
    tools = {t.name for t in (await client.list_tools()).tools}
    assert set(TOOL_NAME.findall(instructions)) <= tools


async def test_an_orchestration_whose_team_is_gone_keeps_the_bare_id(client: Client) -> None:
    state = client.sandbox.state  # type: ignore[attr-defined]
    orchestration = state.get("event_orchestrations", orchestration_key(state)[0])
    orchestration["team"] = {"id": "PGONE00", "type": "team_reference"}
    assert first(await ok(client, "list_event_orchestrations"))["team"] == {"id": "PGONE00"}


async def test_schemas_show_the_aggregate_default_and_the_time_forms(client: Client) -> None:
    tools = {t.name: t.input_schema for t in (await client.list_tools()).tools}
    aggregate = tools["create_alert_grouping_setting"]["properties"]["aggregate"]
    assert aggregate["default"] == "all" and aggregate["enum"] == ["all", "any"]
    for name in ("since", "until"):
        said = tools["list_change_events"]["properties"][name]["description"]
        assert "24h" in said or "same forms" in said
