"""Alert grouping settings: list with cursors, CRUD with flat parameters, and bad input."""

from __future__ import annotations

import pytest
from mcp import Client

from tests.harness import fails, first, ok
from tests.servers.aiops.seeded import service_id

pytestmark = [pytest.mark.aiops, pytest.mark.anyio, pytest.mark.server("aiops")]


async def test_list_pages_with_the_after_cursor_and_filters_by_service(client: Client) -> None:
    page1 = await ok(client, "list_alert_grouping_settings", {"limit": 1})
    assert page1["metadata"]["count"] == 1 and page1["metadata"]["has_more"] is True
    cursor = page1["metadata"]["next_cursor"]
    page2 = await ok(client, "list_alert_grouping_settings", {"limit": 1, "cursor": cursor})
    assert first(page2)["id"] != first(page1)["id"]
    assert page2["metadata"]["has_more"] is False
    checkout = service_id(client.sandbox.state, "Checkout API")
    only = await ok(client, "list_alert_grouping_settings", {"service_ids": [checkout]})
    assert only["metadata"]["count"] == 1
    setting = first(only)
    assert setting["type"] == "content_based"
    assert {"id": checkout, "name": "Checkout API"} in setting["services"]
    assert setting["config"]["fields"] == ["summary", "component"]


async def test_create_update_get_delete_round_trip(client: Client) -> None:
    cart = service_id(client.sandbox.state, "Cart Service")
    created = first(
        await ok(
            client,
            "create_alert_grouping_setting",
            {
                "type": "content_based",
                "service_ids": [cart],
                "fields": ["summary", "custom_details.host"],
                "aggregate": "any",
                "time_window": 600,
                "name": "Cart noise",
            },
        )
    )
    assert created["config"] == {
        "aggregate": "any",
        "fields": ["summary", "custom_details.host"],
        "time_window": 600,
    }
    ident = created["id"]
    updated = first(await ok(client, "update_alert_grouping_setting", {"setting_id": ident, "time_window": 1200}))
    assert updated["config"]["time_window"] == 1200
    assert updated["config"]["fields"] == ["summary", "custom_details.host"]  # kept
    assert updated["name"] == "Cart noise"
    switched = first(
        await ok(client, "update_alert_grouping_setting", {"setting_id": ident, "type": "time", "time_window": 0})
    )
    assert switched["type"] == "time" and switched["config"] == {"timeout": 0}
    got = first(await ok(client, "get_alert_grouping_setting", {"setting_id": ident}))
    assert got["type"] == "time"
    await ok(client, "delete_alert_grouping_setting", {"setting_id": ident})
    await fails(client, "get_alert_grouping_setting", {"setting_id": ident}, "ALERT_GROUPING_SETTING_NOT_FOUND")


async def test_bad_input_is_named(client: Client) -> None:
    cart = service_id(client.sandbox.state, "Cart Service")
    error = await fails(
        client,
        "create_alert_grouping_setting",
        {"type": "content_based", "service_ids": [cart]},
        "INVALID_PARAMETER",
    )
    assert "fields" in error["message"]
    error = await fails(
        client,
        "create_alert_grouping_setting",
        {"type": "time", "service_ids": [cart], "time_window": 30},
        "INVALID_PARAMETER",
    )
    assert "time_window" in error["message"] and "60-86400" in error["message"]
    error = await fails(client, "create_alert_grouping_setting", {"type": "fuzzy", "service_ids": [cart]})
    assert error["code"] == "INVALID_PARAMETER" and "time" in error["message"]
    error = await fails(
        client,
        "create_alert_grouping_setting",
        {"type": "content_based_intelligent", "service_ids": [cart, cart + "X"], "fields": ["summary"]},
        "INVALID_PARAMETER",
    )
    assert "exactly one service" in error["message"]
    error = await fails(
        client, "create_alert_grouping_setting", {"type": "time", "service_ids": ["PNOSUCH"]}, "INVALID_PARAMETER"
    )
    assert "PNOSUCH" in error["message"]
    await fails(client, "get_alert_grouping_setting", {"setting_id": "PNOSUCH"}, "ALERT_GROUPING_SETTING_NOT_FOUND")
    await fails(client, "update_alert_grouping_setting", {"setting_id": "PNOSUCH"}, "ALERT_GROUPING_SETTING_NOT_FOUND")
    await fails(client, "delete_alert_grouping_setting", {"setting_id": "PNOSUCH"}, "ALERT_GROUPING_SETTING_NOT_FOUND")
    await fails(client, "list_alert_grouping_settings", {"cursor": "garbage"}, "INVALID_PARAMETER")
    await fails(client, "list_alert_grouping_settings", {"limit": 0}, "INVALID_PARAMETER")
    seeded = first(
        await ok(
            client,
            "list_alert_grouping_settings",
            {"service_ids": [service_id(client.sandbox.state, "Checkout API")]},
        )
    )
    error = await fails(
        client,
        "update_alert_grouping_setting",
        {"setting_id": seeded["id"], "time_window": 100},
        "INVALID_PARAMETER",
    )
    assert "time_window" in error["message"] and "300-86400" in error["message"]
    error = await fails(
        client,
        "update_alert_grouping_setting",
        {"setting_id": seeded["id"], "aggregate": "most"},
        "INVALID_PARAMETER",
    )
    assert "aggregate" in error["message"]


@pytest.mark.parametrize("bad", ["", "null", "../users"])
async def test_a_malformed_setting_id_is_named(client: Client, bad: str) -> None:
    error = await fails(client, "get_alert_grouping_setting", {"setting_id": bad}, "INVALID_PARAMETER")
    assert error["details"]["parameters"] == ["setting_id"] and "setting_id" in error["message"]
