"""The account-wide impact view on pagerduty-services: which business services open incidents
impact now, how badly, and by which incidents; and how it follows a change of one incident's impact."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from tests.harness import fails, ok
from tests.servers.services.lookup import by_name, sandbox_of

pytestmark = [pytest.mark.services, pytest.mark.anyio, pytest.mark.server("services", write=False)]


def _row(answer: dict[str, Any], name: str) -> dict[str, Any]:
    return next(b for b in answer["business_services"] if b["name"] == name)


def _impacting(client: Client, service_names: list[str]) -> list[dict[str, Any]]:
    """The seed's rule: open, high-urgency incidents on a supporting service."""
    state = sandbox_of(client).state
    ids = {by_name(client, "services", n)["id"] for n in service_names}
    return [i for i in state.open_incidents_in() if i["_service_id"] in ids and i["urgency"] == "high"]


async def test_impacted_business_services_come_first_with_their_incidents_and_priority(client: Client) -> None:
    answer = await ok(client, "list_business_service_impacts")
    rows = answer["business_services"]
    statuses = [r["status"] for r in rows]
    assert statuses == sorted(statuses, key=lambda s: s != "impacted")  # impacted first
    store = _row(answer, "Online Store")
    supporting = ["Checkout API", "Cart Service", "Payments Gateway", "Recommendations", "Edge CDN"]
    expected = _impacting(client, supporting)
    assert store["status"] == "impacted" and expected
    assert {i["id"] for i in store["impacted_by"]} == {i["id"] for i in expected}
    assert all(
        i["number"] and i["title"] and i["status"] in ("triggered", "acknowledged") for i in store["impacted_by"]
    )
    priorities = [i["priority"]["summary"] for i in expected if i.get("priority")]
    assert store.get("highest_priority") == (min(priorities) if priorities else None)
    quiet = [r for r in rows if r["status"] == "not_impacted"]
    assert all("impacted_by" not in r for r in quiet)
    impacted = len(rows) - len(quiet)
    assert answer["metadata"]["description"] == f"{impacted} business service(s) impacted now"
    assert answer["metadata"]["untrusted_content"]  # incident titles are outside text


async def test_a_chosen_business_service_by_name_and_an_unknown_one(client: Client) -> None:
    one = await ok(client, "list_business_service_impacts", {"business_service_ids": ["Customer Accounts"]})
    assert [r["name"] for r in one["business_services"]] == ["Customer Accounts"]
    for unknown in ("PZZZZZZ", "No Such Business"):
        error = await fails(
            client, "list_business_service_impacts", {"business_service_ids": [unknown]}, "BUSINESS_SERVICE_NOT_FOUND"
        )
        assert error["details"]["parameters"] == ["business_service_ids"]


@pytest.mark.server("mcp", write=True)
async def test_the_view_follows_an_incidents_impact_set_by_hand(client: Client) -> None:
    before = _row(await ok(client, "list_business_service_impacts"), "Customer Accounts")
    assert before["status"] == "not_impacted"
    incident = sandbox_of(client).state.open_incidents_in()[0]
    args = {"incident_id": incident["id"], "business_service_ids": ["Customer Accounts"], "impacted": True}
    await ok(client, "update_incident_business_impact", args)
    after = _row(await ok(client, "list_business_service_impacts"), "Customer Accounts")
    assert after["status"] == "impacted" and [i["id"] for i in after["impacted_by"]] == [incident["id"]]
