"""Extensions and their schemas on pagerduty-services: which Slack channels, ServiceNow syncs and
webhooks hang off which services; configuration values never shown."""

from __future__ import annotations

import pytest
from mcp import Client

from tests.harness import dumps, fails, ok
from tests.servers.services.lookup import by_name, sandbox_of

pytestmark = [pytest.mark.services, pytest.mark.anyio, pytest.mark.server("services", write=False)]


async def test_extension_schemas_are_the_kinds_with_their_send_types(session: Client) -> None:
    answer = await ok(session, "list_extension_schemas")
    schemas = {s["name"]: s for s in answer["extension_schemas"]}
    assert {"Slack", "ServiceNow", "Generic V2 Webhook"} <= set(schemas)
    assert answer["metadata"]["total"] == len(sandbox_of(session).state.all("extension_schemas"))
    assert schemas["Generic V2 Webhook"]["key"] == "generic_v2_webhook"
    assert "trigger" in schemas["Slack"]["send_types"]
    second = await ok(session, "list_extension_schemas", {"limit": 1, "offset": 1})
    assert [s["name"] for s in second["extension_schemas"]] == [s["name"] for s in answer["extension_schemas"]][1:2]


async def test_extensions_name_their_schema_and_services(session: Client) -> None:
    answer = await ok(session, "list_extensions")
    found = {e["name"]: e for e in answer["extensions"]}
    assert {found[n]["extension_schema"]["name"] for n in found} == {"Slack", "ServiceNow", "Generic V2 Webhook"}
    slack = found["#checkout-alerts"]
    assert [s["name"] for s in slack["services"]] == ["Checkout API", "Cart Service"]
    assert slack["config_keys"] == ["channel", "notify_types"]
    # Configuration values may be credentials: keys only.
    stored = by_name(session, "extensions", "ServiceNow payments sync")
    for value in stored["config"].values():
        assert f'"{value}"' not in dumps(found["ServiceNow payments sync"])


async def test_extensions_by_service_or_schema_name(session: Client) -> None:
    on_payments = await ok(session, "list_extensions", {"service_id": "Payments Gateway"})
    assert [e["name"] for e in on_payments["extensions"]] == ["ServiceNow payments sync"]
    by_schema = await ok(session, "list_extensions", {"extension_schema_id": "Slack"})
    assert [e["name"] for e in by_schema["extensions"]] == ["#checkout-alerts"]
    by_query = await ok(session, "list_extensions", {"query": "orders"})
    assert [e["name"] for e in by_query["extensions"]] == ["Orders DB change audit"]
    none_here = await ok(session, "list_extensions", {"service_id": "Edge CDN"})
    assert none_here["extensions"] == [] and none_here["metadata"]["count"] == 0


async def test_extensions_filters_say_which_ids_exist(session: Client) -> None:
    error = await fails(session, "list_extensions", {"service_id": "PZZZZZZ"}, "SERVICE_NOT_FOUND")
    assert "list_services" in error["message"]
    error = await fails(
        session, "list_extensions", {"extension_schema_id": "Carrier Pigeon"}, "EXTENSION_SCHEMA_NOT_FOUND"
    )
    assert "list_extension_schemas" in error["message"]
    await fails(session, "list_extensions", {"extension_schema_id": "PZZZZZZ"}, "EXTENSION_SCHEMA_NOT_FOUND")
