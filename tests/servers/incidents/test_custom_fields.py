"""Incident types and custom fields on pagerduty-incidents: create an incident of a type, set its
fields by name, and see them in get_incident; each bad value is refused naming the field and options."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from tests.harness import fails, first, ok
from tests.servers.incidents.helpers import incident_of, open_incident, state_of

pytestmark = [pytest.mark.incidents, pytest.mark.anyio, pytest.mark.server("incidents")]


def _service(client: Client) -> dict[str, Any]:
    return state_of(client).all("services")[0]


def _options(client: Client, name: str) -> list[str]:
    return next(f["_options"] for f in state_of(client).all("custom_fields") if f["name"] == name)


async def _security_incident(client: Client) -> dict[str, Any]:
    args = {"title": "Credential stuffing on login", "service_id": _service(client)["name"]}
    return first(await ok(client, "create_incident", {**args, "incident_type": "Security Incident"}))


async def test_create_incident_takes_a_type_by_name_or_id_and_get_incident_shows_it(client: Client) -> None:
    seeded = open_incident(client)
    created = await _security_incident(client)
    assert created["incident_type"] == "security_incident"
    shown = first(await ok(client, "get_incident", {"incident_id": created["id"]}))
    assert shown["incident_type"] == "security_incident"
    kind = next(t for t in state_of(client).all("incident_types") if t["name"] == "security_incident")
    by_id = {"title": "Second", "service_id": _service(client)["id"], "incident_type": kind["id"]}
    assert first(await ok(client, "create_incident", by_id))["incident_type"] == "security_incident"
    plain = first(await ok(client, "get_incident", {"incident_id": seeded["id"]}))
    assert "incident_type" not in plain  # the base type every incident has is no news


async def test_create_incident_with_an_unknown_type_lists_the_types_and_pages_nobody(client: Client) -> None:
    before = len(state_of(client).incidents())
    args = {"title": "x", "service_id": _service(client)["id"], "incident_type": "Alien invasion"}
    error = await fails(client, "create_incident", args, "INVALID_PARAMETER")
    assert error["details"]["parameters"] == ["incident_type"] and "Security Incident" in error["message"]
    assert len(state_of(client).incidents()) == before


async def test_get_incident_shows_the_seeded_security_incident_with_its_fields(client: Client) -> None:
    example = next(i for i in state_of(client).incidents() if i.get("_incident_type"))
    shown = first(await ok(client, "get_incident", {"incident_id": example["id"]}))
    assert shown["incident_type"] == "security_incident"
    assert shown["custom_fields"]["attack_vector"] == example["_custom_fields"]["attack_vector"]
    assert shown["custom_fields"]["affected_systems"] == example["_custom_fields"]["affected_systems"]


async def test_update_incident_custom_fields_by_name_and_display_name_then_get_incident_shows_them(
    client: Client,
) -> None:
    incident = open_incident(client)
    region = _options(client, "impacted_region")[1]
    args = {"incident_id": str(incident["incident_number"]), "fields": {"Impacted region": region}}
    answer = first(await ok(client, "update_incident_custom_fields", args))
    assert answer["impacted_region"] == region
    shown = first(await ok(client, "get_incident", {"incident_id": incident["id"]}))
    assert shown["custom_fields"]["impacted_region"] == region
    cleared = {"incident_id": incident["id"], "fields": {"impacted_region": None}}
    await ok(client, "update_incident_custom_fields", cleared)
    assert incident_of(client, incident["id"])["_custom_fields"]["impacted_region"] is None


async def test_update_incident_custom_fields_checks_types_and_options_of_the_incidents_type(client: Client) -> None:
    created = await _security_incident(client)
    ident = created["id"]
    fields = {"attack_vector": "phishing", "accounts_affected": 12, "affected_systems": "payments"}
    answer = first(await ok(client, "update_incident_custom_fields", {"incident_id": ident, "fields": fields}))
    assert answer == {"attack_vector": "phishing", "accounts_affected": 12, "affected_systems": ["payments"]}
    shown = first(await ok(client, "get_incident", {"incident_id": ident}))
    assert shown["custom_fields"]["accounts_affected"] == 12

    async def refused(fields: dict[str, Any]) -> str:
        error = await fails(
            client, "update_incident_custom_fields", {"incident_id": ident, "fields": fields}, "INVALID_PARAMETER"
        )
        assert error["details"]["parameters"] == ["fields"]
        return str(error["message"])

    message = await refused({"attack_vector": "sql injection"})
    assert "attack_vector" in message and all(o in message for o in _options(client, "attack_vector"))
    assert "whole number" in await refused({"accounts_affected": "lots"})
    assert "accounts_affected" in await refused({"accounts_affected": [1, 2]})
    assert "storefront" in await refused({"affected_systems": ["payments", "mainframe"]})
    assert "attack_vector" in await refused({"favourite_colour": "blue"})  # lists the type's fields
    assert incident_of(client, ident)["_custom_fields"]["attack_vector"] == "phishing"  # nothing changed


async def test_update_incident_custom_fields_refuses_another_types_field(client: Client) -> None:
    incident = open_incident(client)
    error = await fails(
        client,
        "update_incident_custom_fields",
        {"incident_id": incident["id"], "fields": {"attack_vector": "ddos"}},
        "INVALID_PARAMETER",
    )
    assert "incident_default" in error["message"] and "impacted_region" in error["message"]


async def test_update_incident_custom_fields_on_an_unknown_incident(client: Client) -> None:
    error = await fails(client, "update_incident_custom_fields", {"incident_id": "PZZZZZZ", "fields": {"a": 1}})
    assert error["code"] == "INCIDENT_NOT_FOUND"
