"""Extensions and their schemas on pagerduty-services: which Slack channels, ServiceNow syncs and
webhooks hang off which services; configuration values never shown."""

from __future__ import annotations

import pytest
from mcp import Client

from tests.harness import dumps, fails, first, ok
from tests.servers.services.lookup import by_name, sandbox_of

pytestmark = [pytest.mark.services, pytest.mark.anyio, pytest.mark.server("services", write=False)]


async def test_extension_schemas_are_the_kinds_with_their_send_types(client: Client) -> None:
    answer = await ok(client, "list_extension_schemas")
    schemas = {s["name"]: s for s in answer["extension_schemas"]}
    assert {"Slack", "ServiceNow", "Generic V2 Webhook"} <= set(schemas)
    assert answer["metadata"]["total"] == len(sandbox_of(client).state.all("extension_schemas"))
    assert schemas["Generic V2 Webhook"]["key"] == "generic_v2_webhook"
    assert "trigger" in schemas["Slack"]["send_types"]
    second = await ok(client, "list_extension_schemas", {"limit": 1, "offset": 1})
    assert [s["name"] for s in second["extension_schemas"]] == [s["name"] for s in answer["extension_schemas"]][1:2]


async def test_extensions_name_their_schema_and_services(client: Client) -> None:
    answer = await ok(client, "list_extensions")
    found = {e["name"]: e for e in answer["extensions"]}
    assert {found[n]["extension_schema"]["name"] for n in found} == {"Slack", "ServiceNow", "Generic V2 Webhook"}
    slack = found["#checkout-alerts"]
    assert [s["name"] for s in slack["services"]] == ["Checkout API", "Cart Service"]
    assert slack["config_keys"] == ["channel", "notify_types"]
    # Configuration values may be credentials: keys only.
    stored = by_name(client, "extensions", "ServiceNow payments sync")
    for value in stored["config"].values():
        assert f'"{value}"' not in dumps(found["ServiceNow payments sync"])


async def test_extensions_by_service_or_schema_name(client: Client) -> None:
    on_payments = await ok(client, "list_extensions", {"service_id": "Payments Gateway"})
    assert [e["name"] for e in on_payments["extensions"]] == ["ServiceNow payments sync"]
    by_schema = await ok(client, "list_extensions", {"extension_schema_id": "Slack"})
    assert [e["name"] for e in by_schema["extensions"]] == ["#checkout-alerts"]
    by_query = await ok(client, "list_extensions", {"query": "orders"})
    assert [e["name"] for e in by_query["extensions"]] == ["Orders DB change audit"]
    none_here = await ok(client, "list_extensions", {"service_id": "Edge CDN"})
    assert none_here["extensions"] == [] and none_here["metadata"]["count"] == 0


async def test_extensions_filters_say_which_ids_exist(client: Client) -> None:
    error = await fails(client, "list_extensions", {"service_id": "PZZZZZZ"}, "SERVICE_NOT_FOUND")
    assert "list_services" in error["message"]
    error = await fails(
        client, "list_extensions", {"extension_schema_id": "Carrier Pigeon"}, "EXTENSION_SCHEMA_NOT_FOUND"
    )
    assert "The account's extension schemas: Generic V2 Webhook (" in error["message"]
    await fails(client, "list_extensions", {"extension_schema_id": "PZZZZZZ"}, "EXTENSION_SCHEMA_NOT_FOUND")


async def test_one_schema_by_name_gives_its_guide_what_it_sends_and_the_settings_in_use(client: Client) -> None:
    stored = next(s for s in sandbox_of(client).state.all("extension_schemas") if s["label"] == "Slack")
    shown = first(await ok(client, "get_extension_schema", {"extension_schema_id": "Slack"}))
    assert shown["id"] == stored["id"] and shown["guide_url"] == stored["guide_url"]
    assert shown["send_types"] == stored["send_types"] and shown["url"] == stored["url"]
    assert shown["config_keys"] == ["channel", "notify_types"]  # what #checkout-alerts sets, keys only
    assert [e["name"] for e in shown["extensions"]] == ["#checkout-alerts"]
    unused = first(await ok(client, "get_extension_schema", {"extension_schema_id": "Microsoft Teams"}))
    assert "config_keys" not in unused and "extensions" not in unused  # none of this account's uses it
    stored_sync = by_name(client, "extensions", "ServiceNow payments sync")
    servicenow = first(await ok(client, "get_extension_schema", {"extension_schema_id": "ServiceNow"}))
    for value in stored_sync["config"].values():
        assert f'"{value}"' not in dumps(servicenow)  # values may be credentials


async def test_an_unknown_schema_names_the_parameter_and_the_list(client: Client) -> None:
    for unknown in ("PZZZZZZ", "No Such Kind"):
        error = await fails(
            client, "get_extension_schema", {"extension_schema_id": unknown}, "EXTENSION_SCHEMA_NOT_FOUND"
        )
        assert error["details"]["parameters"] == ["extension_schema_id"]
        assert "The account's extension schemas: Generic V2 Webhook (" in error["message"]  # four: the list itself


async def test_the_schema_list_points_to_the_get_tool(client: Client) -> None:
    tool = next(t for t in (await client.list_tools()).tools if t.name == "list_extension_schemas")
    assert "get_extension_schema" in (tool.description or "")
