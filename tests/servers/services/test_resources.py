"""The service resource and its completions, through a real MCP client on the services server."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS, ResourceTemplateReference

from pagerduty_mcp.servers.services.resources import SERVICE_URI
from tests.harness import ok

pytestmark = [pytest.mark.services, pytest.mark.anyio, pytest.mark.server("services", write=False)]

TEMPLATE = ResourceTemplateReference(uri=SERVICE_URI)


async def test_a_service_reads_as_get_service_answers_by_name_id_and_url(client: Client) -> None:
    [template] = (await client.list_resource_templates()).resource_templates
    assert template.uri_template == SERVICE_URI
    assert (await client.list_resources()).resources == []  # nothing of this area to browse
    listed = await ok(client, "list_services", {"query": "Checkout API"})
    service = listed["services"][0]
    expected = await ok(client, "get_service", {"service_id": service["id"]})
    for value in ("Checkout%20API", "checkout%20api", service["id"], quote(service["html_url"], safe="")):
        [content] = (await client.read_resource(f"pagerduty://services/{value}")).contents
        assert json.loads(content.text) == expected, value  # type: ignore[union-attr]


async def test_an_unknown_service_is_a_protocol_error_with_our_code(client: Client) -> None:
    with pytest.raises(MCPError) as unknown:
        await client.read_resource("pagerduty://services/PNOSUCH")
    assert unknown.value.error.code == INVALID_PARAMS
    assert unknown.value.error.data["code"] == "SERVICE_NOT_FOUND"  # type: ignore[index]


async def test_the_service_variable_completes_by_name_and_word(client: Client) -> None:
    services = (await ok(client, "list_services", {"limit": 100}))["services"]
    names = sorted((s["name"] for s in services), key=str.lower)
    everything = await client.complete(TEMPLATE, {"name": "service", "value": ""})
    assert everything.completion.values == names and everything.completion.total == len(names)
    api = await client.complete(TEMPLATE, {"name": "service", "value": "api"})  # a word of "Checkout API"
    assert "Checkout API" in api.completion.values
