"""Creating an event orchestration (and its routing key), and replacing its unrouted rules."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from mcp import Client

from pagerduty_mcp.common import redact
from tests.harness import fails, first, ok
from tests.servers.aiops.seeded import orchestration_key, service_id

pytestmark = [pytest.mark.aiops, pytest.mark.anyio, pytest.mark.server("aiops")]


async def test_created_orchestration_answers_with_its_key_and_is_listed_after(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    state = client.sandbox.state
    caplog.set_level(logging.DEBUG)
    created = first(
        await ok(
            client,
            "create_event_orchestration",
            {"name": "Data platform events", "team_id": "Database", "description": "Warehouse monitors"},
        )
    )
    stored = state.get("event_orchestrations", created["id"])
    key = stored["integrations"][0]["parameters"]["routing_key"]
    assert created["routing_key"] == key and created["team"]["name"] == "Database"
    assert redact(key) != key  # shaped like a routing key, so log masking covers it
    assert key not in caplog.text
    listed = (await ok(client, "list_event_orchestrations"))["orchestrations"]
    assert {"Data platform events", "Acme Shop global orchestration"} <= {o["name"] for o in listed}
    got = first(await ok(client, "get_event_orchestration", {"orchestration_id": "Data platform events"}))
    assert got["id"] == created["id"] and got["description"] == "Warehouse monitors"
    assert key not in str(got)  # only the create answer carries the key
    router = first(await ok(client, "get_event_orchestration_router", {"orchestration_id": created["id"]}))
    assert not router.get("rules") and router["catch_all"] == {"route_to": "unrouted"}
    # events sent with the new key reach the orchestration; with no rules they stay unrouted
    before = len(state.incidents())
    await ok(
        client,
        "send_event",
        {"routing_key": key, "action": "trigger", "summary": "x", "source": "etl", "severity": "error"},
    )
    assert len(state.incidents()) == before


async def test_create_refuses_an_unknown_team_and_a_blank_name(client: Client) -> None:
    error = await fails(
        client, "create_event_orchestration", {"name": "X", "team_id": "No such team"}, "TEAM_NOT_FOUND"
    )
    assert error["details"]["parameters"] == ["team_id"] and "The account's teams: Checkout (" in error["message"]
    await fails(client, "create_event_orchestration", {"name": ""}, "INVALID_PARAMETER")
    before = len(client.sandbox.state.all("event_orchestrations"))
    error = await fails(client, "create_event_orchestration", {"name": "X", "team_id": "PNOSUCH"}, "TEAM_NOT_FOUND")
    assert error["details"]["parameters"] == ["team_id"]
    assert len(client.sandbox.state.all("event_orchestrations")) == before


def _unrouted(*rules: dict[str, Any], catch_all: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"sets": [{"id": "start", "rules": list(rules)}], "catch_all": {"actions": catch_all or {}}}


async def test_replaced_unrouted_rules_show_on_the_next_read(client: Client) -> None:
    ident, _ = orchestration_key(client.sandbox.state)
    path = _unrouted(
        {"label": "Unknown hosts are warnings", "conditions": [], "actions": {"severity": "warning"}},
        catch_all={"event_action": "trigger"},
    )
    replaced = first(
        await ok(
            client,
            "update_event_orchestration_unrouted",
            {"orchestration_id": "Acme Shop global orchestration", "orchestration_path": path},
        )
    )
    assert [r["label"] for r in replaced["rules"]] == ["Unknown hosts are warnings"]
    after = first(await ok(client, "get_event_orchestration_unrouted", {"orchestration_id": ident, "detail": True}))
    assert after["sets"][0]["rules"][0]["actions"] == {"severity": "warning"}
    assert after["catch_all"] == {"actions": {"event_action": "trigger"}}
    assert all(r["id"] != "dr0pt3st" for r in after["sets"][0]["rules"])  # the seeded rule is gone


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (_unrouted({"actions": {"route_to": "PABC123"}}), "orchestration_path.sets[0].rules[0].actions.route_to"),
        (_unrouted({"actions": {"priority": "P1"}}), "orchestration_path.sets[0].rules[0].actions.priority"),
        (_unrouted({"actions": {"severity": "loud"}}), "orchestration_path.sets[0].rules[0].actions.severity"),
        (_unrouted(catch_all={"suppress": True}), "orchestration_path.catch_all.actions.suppress"),
    ],
)
async def test_malformed_unrouted_rules_name_the_field_and_send_nothing(
    client: Client, path: dict[str, Any], field: str
) -> None:
    ident, _ = orchestration_key(client.sandbox.state)
    sent = len(client.sandbox.request_log)
    error = await fails(
        client,
        "update_event_orchestration_unrouted",
        {"orchestration_id": ident, "orchestration_path": path},
        "INVALID_PARAMETER",
    )
    assert field in error["message"], error
    assert len(client.sandbox.request_log) == sent


async def test_unrouted_update_of_an_unknown_orchestration(client: Client) -> None:
    error = await fails(
        client,
        "update_event_orchestration_unrouted",
        {"orchestration_id": "PNOSUCH", "orchestration_path": _unrouted()},
        "EVENT_ORCHESTRATION_NOT_FOUND",
    )
    assert error["details"]["parameters"] == ["orchestration_id"]
    cart = service_id(client.sandbox.state, "Cart Service")
    assert cart  # a service id is no orchestration either
    await fails(
        client,
        "update_event_orchestration_unrouted",
        {"orchestration_id": cart, "orchestration_path": _unrouted()},
        "EVENT_ORCHESTRATION_NOT_FOUND",
    )
