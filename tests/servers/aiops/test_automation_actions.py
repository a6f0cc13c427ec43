"""Automation actions: listing by service, team and name, reading one with its runs, invoking one."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from pagerduty_mcp.sandbox import Store
from tests.harness import fails, first, ok
from tests.servers.aiops.seeded import service_id

pytestmark = [pytest.mark.aiops, pytest.mark.anyio, pytest.mark.server("aiops")]


def _action(state: Store, name: str) -> dict[str, Any]:
    return next(a for a in state.all("automation_actions") if a["name"] == name)


def _open_incident(state: Store, service: str) -> dict[str, Any]:
    return next(i for i in state.open_incidents_of(service_id(state, service)))


async def test_list_filters_by_service_team_name_and_type(client: Client) -> None:
    state = client.sandbox.state
    everything = (await ok(client, "list_automation_actions"))["actions"]
    assert {a["name"] for a in everything} == {a["name"] for a in state.all("automation_actions")}
    restart = next(a for a in everything if a["name"] == "Restart checkout pods")
    assert restart["action_type"] == "script" and restart["runner_type"] == "sidecar"
    assert restart["runner"] == _action(state, "Restart checkout pods")["runner"]
    assert restart["services"] == [{"id": service_id(state, "Checkout API"), "name": "Checkout API"}]
    by_service = (await ok(client, "list_automation_actions", {"service_id": "Edge CDN"}))["actions"]
    assert [a["name"] for a in by_service] == ["Clear CDN cache"]
    by_team = (await ok(client, "list_automation_actions", {"team_id": "Database"}))["actions"]
    assert [a["name"] for a in by_team] == ["Collect Postgres diagnostics"]
    by_name = (await ok(client, "list_automation_actions", {"name": "cdn"}))["actions"]
    assert [a["classification"] for a in by_name] == ["remediation"]
    runbooks = (await ok(client, "list_automation_actions", {"action_type": "process_automation"}))["actions"]
    assert [a["runner_type"] for a in runbooks] == ["runbook"]


async def test_list_pages_by_cursor(client: Client) -> None:
    page = await ok(client, "list_automation_actions", {"limit": 2})
    assert page["metadata"]["has_more"] and len(page["actions"]) == 2
    rest = await ok(client, "list_automation_actions", {"cursor": page["metadata"]["next_cursor"]})
    names = [a["name"] for a in page["actions"] + rest["actions"]]
    assert len(names) == len(set(names)) == len(client.sandbox.state.all("automation_actions"))


async def test_list_filter_by_an_unknown_service_or_team_is_an_error_not_none(client: Client) -> None:
    await fails(client, "list_automation_actions", {"service_id": "PNOSUCH"}, "SERVICE_NOT_FOUND")
    error = await fails(client, "list_automation_actions", {"team_id": "Nobody's team"}, "TEAM_NOT_FOUND")
    assert error["details"]["parameters"] == ["team_id"]
    none = await ok(client, "list_automation_actions", {"name": "no action has this name"})
    assert none["metadata"]["count"] == 0


async def test_get_by_name_shows_what_it_runs_and_its_past_runs(client: Client) -> None:
    state = client.sandbox.state
    action = _action(state, "Restart checkout pods")
    got = first(await ok(client, "get_automation_action", {"automation_action_id": "restart checkout pods"}))
    assert got["id"] == action["id"] and got["teams"] == [{"id": action["teams"][0]["id"], "name": "Checkout"}]
    assert got["executes"]["script"].startswith("kubectl") and got["only_unresolved_incidents"] is True
    past = [i for i in state.all("automation_invocations") if i["action_id"] == action["id"]]
    assert past and len(got["invocations"]) == len(past)
    assert {i["state"] for i in got["invocations"]} == {"completed"}
    assert set(got["invocations"][0]["timing"]) == {"queued", "running", "completed"}
    assert got["last_run_by"]["name"] == "Alex Rivera"
    for ident in (action["id"], action["self"], action["html_url"]):
        by_id = first(await ok(client, "get_automation_action", {"automation_action_id": ident}))
        assert by_id["name"] == "Restart checkout pods"


async def test_unknown_actions_are_clear_errors(client: Client) -> None:
    error = await fails(client, "get_automation_action", {"automation_action_id": "Reboot the moon"})
    assert error["code"] == "AUTOMATION_ACTION_NOT_FOUND"
    assert "The account's automation actions: Clear CDN cache (" in error["message"]  # three: shown whole
    error = await fails(
        client,
        "get_automation_action",
        {"automation_action_id": "01ZZZZZZZZZZZZZZZZZZZZZZZZ"},
        "AUTOMATION_ACTION_NOT_FOUND",
    )
    assert error["details"]["parameters"] == ["automation_action_id"]
    await fails(client, "get_automation_action", {"automation_action_id": "null"}, "INVALID_PARAMETER")
    incident = _open_incident(client.sandbox.state, "Checkout API")
    await fails(
        client,
        "invoke_automation_action",
        {"automation_action_id": "01ZZZZZZZZZZZZZZZZZZZZZZZZ", "incident_id": incident["id"]},
        "AUTOMATION_ACTION_NOT_FOUND",
    )


async def test_invoked_action_is_queued_then_runs_then_completes(client: Client) -> None:
    state = client.sandbox.state
    incident = _open_incident(state, "Checkout API")
    answer = await ok(
        client,
        "invoke_automation_action",
        {"automation_action_id": "Restart checkout pods", "incident_id": str(incident["incident_number"])},
    )
    invocation = first(answer)
    assert invocation["state"] == "queued" and invocation["id"]
    assert invocation["incident"]["id"] == incident["id"] and invocation["action"]["name"] == "Restart checkout pods"
    assert f"#{incident['incident_number']}" in answer["metadata"]["description"]
    seen = []
    for _ in range(3):
        got = first(await ok(client, "get_automation_action", {"automation_action_id": "Restart checkout pods"}))
        newest = got["invocations"][0]
        assert newest["id"] == invocation["id"]
        seen.append(newest["state"])
    assert seen == ["running", "completed", "completed"]
    assert got["last_run"] == newest["timing"]["queued"] and got["last_run_by"]["name"] == "Alex Rivera"


async def test_invoke_needs_a_real_incident(client: Client) -> None:
    state = client.sandbox.state
    before = len(state.all("automation_invocations"))
    error = await fails(
        client,
        "invoke_automation_action",
        {"automation_action_id": "Clear CDN cache", "incident_id": "Q0NOSUCH0000"},
        "INCIDENT_NOT_FOUND",
    )
    assert (
        error["details"]["parameters"] == ["incident_id"]
        and "list_incidents on pagerduty-incidents" in error["message"]
    )
    await fails(client, "invoke_automation_action", {"automation_action_id": "Clear CDN cache"}, "INVALID_PARAMETER")
    resolved = next(i for i in state.incidents() if i["status"] == "resolved")
    error = await fails(
        client,
        "invoke_automation_action",
        {"automation_action_id": "Restart checkout pods", "incident_id": resolved["id"]},
    )
    assert "unresolved" in error["message"]
    assert len(state.all("automation_invocations")) == before


@pytest.mark.server("aiops", write=True)
async def test_invoking_a_runbook_is_announced_as_destructive_and_not_idempotent(client: Client) -> None:
    # A client that runs non-destructive writes without asking must still ask before a restart.
    tool = next(t for t in (await client.list_tools()).tools if t.name == "invoke_automation_action")
    assert tool.annotations is not None
    assert tool.annotations.destructive_hint is True
    assert tool.annotations.idempotent_hint is False
    assert tool.annotations.read_only_hint is False
