"""Who hears about an incident and what customers feel: business-service impact, status-update
subscribers, and cancelling a responder request, each write seen by a later read."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from tests.harness import fails, first, ok
from tests.servers.incidents.helpers import incident_of, open_incident, state_of

pytestmark = [pytest.mark.incidents, pytest.mark.anyio, pytest.mark.server("incidents")]


def _named(client: Client, kind: str, name: str) -> dict[str, Any]:
    return next(o for o in state_of(client).all(kind) if o["name"] == name)


def _sent(client: Client, method: str, fragment: str) -> int:
    """Requests that PagerDuty (the sandbox) accepted: a refused one changed nothing."""
    log = client.sandbox.request_log  # type: ignore[attr-defined]
    return sum(1 for r in log if r.method == method and fragment in r.path and r.status < 300)


def _open_high(client: Client) -> dict[str, Any]:
    """The newest open, high-urgency incident: the seed's rule makes it impact a business service."""
    return next(
        i for i in reversed(state_of(client).incidents()) if i["status"] != "resolved" and i["urgency"] == "high"
    )


# -- business-service impact -----------------------------------------------------------------------
async def test_an_open_incident_shows_the_business_services_it_impacts(client: Client) -> None:
    incident = _open_high(client)
    store = _named(client, "business_services", "Online Store")
    shown = await ok(client, "get_incident_business_impact", {"incident_id": str(incident["incident_number"])})
    assert shown["business_services"] == [{"id": store["id"], "name": "Online Store", "status": "impacted"}]
    resolved = next(i for i in state_of(client).incidents() if i["status"] == "resolved")
    none = await ok(client, "get_incident_business_impact", {"incident_id": resolved["id"]})
    assert none["business_services"] == [] and none["metadata"]["description"].endswith("impacts 0 business service(s)")


async def test_marking_impact_by_name_is_read_back_and_clearing_it_removes_it(client: Client) -> None:
    incident = _open_high(client)
    args = {"incident_id": incident["id"], "business_service_ids": ["Payments Platform", "Online Store"]}
    marked = await ok(client, "update_incident_business_impact", {**args, "impacted": True})
    names = {b["name"] for b in marked["business_services"]}
    assert names == {"Payments Platform", "Online Store"}
    read = await ok(client, "get_incident_business_impact", {"incident_id": incident["id"]})
    assert {b["name"] for b in read["business_services"]} == names
    cleared = await ok(client, "update_incident_business_impact", {**args, "impacted": False})
    assert cleared["business_services"] == []  # cleared overrides the seed's own rule too
    assert _sent(client, "PUT", "/business_services/") == 4


async def test_an_unknown_business_service_or_incident_changes_nothing(client: Client) -> None:
    incident = _open_high(client)
    args = {"incident_id": incident["id"], "business_service_ids": ["Online Store", "PZZZZZZ"], "impacted": True}
    error = await fails(client, "update_incident_business_impact", args, "BUSINESS_SERVICE_NOT_FOUND")
    assert error["details"]["parameters"] == ["business_service_ids"]
    error = await fails(
        client,
        "update_incident_business_impact",
        {**args, "business_service_ids": ["Nowhere"]},
        "BUSINESS_SERVICE_NOT_FOUND",
    )
    assert "The account's business services: Customer Accounts (" in error["message"]  # three: shown whole
    error = await fails(
        client,
        "update_incident_business_impact",
        {**args, "incident_id": "PNOPE00", "business_service_ids": ["Online Store"]},
        "INCIDENT_NOT_FOUND",
    )
    assert error["details"]["parameters"] == ["incident_id"]
    assert _sent(client, "PUT", "/business_services/") == 0


# -- subscribers -------------------------------------------------------------------------------------
async def test_the_seeded_stakeholders_are_listed_by_name(client: Client) -> None:
    incident = _open_high(client)
    listed = await ok(client, "list_incident_subscribers", {"incident_id": incident["id"]})
    assert {(s["type"], s["name"]) for s in listed["subscribers"]} == {("team", "Checkout"), ("user", "Chloe Martin")}
    quiet = next(i for i in state_of(client).incidents() if i["status"] == "resolved")
    none = await ok(client, "list_incident_subscribers", {"incident_id": quiet["id"]})
    assert none["subscribers"] == [] and none["metadata"]["count"] == 0


async def test_subscribe_and_unsubscribe_by_name_each_answer_with_the_subscribers_now(client: Client) -> None:
    incident = _open_high(client)
    args = {"incident_id": incident["id"], "user_ids": ["Sam Taylor", "Chloe Martin"], "team_ids": ["Platform"]}
    added = await ok(client, "manage_incident_subscribers", {**args, "action": "subscribe"})
    assert added["metadata"]["description"].startswith("2 subscribed, 1 already were")
    assert {s["name"] for s in added["subscribers"]} == {"Checkout", "Chloe Martin", "Sam Taylor", "Platform"}
    again = await ok(client, "manage_incident_subscribers", {**args, "action": "subscribe"})
    assert again["metadata"]["description"].startswith("0 subscribed, 3 already were")
    gone = await ok(
        client,
        "manage_incident_subscribers",
        {"incident_id": incident["id"], "action": "unsubscribe", "user_ids": ["Sam Taylor", "Alex Rivera"]},
    )
    assert gone["metadata"]["description"].startswith("1 unsubscribed, 1 were not subscribed")
    listed = await ok(client, "list_incident_subscribers", {"incident_id": incident["id"]})
    assert {s["name"] for s in listed["subscribers"]} == {"Checkout", "Chloe Martin", "Platform"}
    assert [s["subscriber_id"] for s in incident_of(client, incident["id"])["_subscribers"]] == [
        s["id"] for s in listed["subscribers"]
    ]


async def test_an_unknown_subscriber_or_none_at_all_is_refused_before_anything_is_sent(client: Client) -> None:
    incident = _open_high(client)
    base = {"incident_id": incident["id"], "action": "subscribe"}
    error = await fails(client, "manage_incident_subscribers", {**base, "user_ids": ["PZZZZZZ"]}, "USER_NOT_FOUND")
    assert error["details"]["parameters"] == ["user_ids"]
    await fails(client, "manage_incident_subscribers", {**base, "team_ids": ["No Such Team"]}, "TEAM_NOT_FOUND")
    error = await fails(client, "manage_incident_subscribers", base, "INVALID_PARAMETER")
    assert "user_ids or team_ids" in error["message"]
    await fails(client, "manage_incident_subscribers", {**base, "action": "follow", "user_ids": ["Sam Taylor"]})
    assert _sent(client, "POST", "/status_updates/") == 0


# -- cancelling a responder request -------------------------------------------------------------------
async def test_a_cancelled_request_stops_paging_and_who_answered_stays(client: Client) -> None:
    record = open_incident(client)
    paged = await ok(
        client,
        "add_responders",
        {"incident_id": record["id"], "user_ids": ["Sam Taylor"], "escalation_policy_ids": ["Payments Escalation"]},
    )
    via_policy = {r["id"] for r in paged["responders"] if r.get("escalation_policy")}
    assert via_policy
    rows = incident_of(client, record["id"])["incidents_responders"]
    sam = next(r for r in rows if r["user"]["summary"] == "Sam Taylor")
    sam["state"] = "joined"  # he answered meanwhile
    answer = await ok(
        client,
        "cancel_responder_request",
        {
            "incident_id": str(record["incident_number"]),
            "user_ids": ["Sam Taylor", "Chloe Martin"],
            "escalation_policy_ids": ["Payments Escalation"],
        },
    )
    chloe = _named(client, "users", "Chloe Martin")["id"]
    results = {r["id"]: (r.get("name"), r["result"]) for r in answer["responder_requests"]}
    assert results[sam["user"]["id"]] == ("Sam Taylor", "not cancelled: already joined")
    assert results[chloe][1] == "not cancelled: no request to them on this incident"
    policy = _named(client, "escalation_policies", "Payments Escalation")["id"]
    assert results[policy] == ("Payments Escalation", "cancelled: no longer paged")
    assert answer["metadata"]["description"] == f"Cancelled 1 of 3 request(s) on incident {record['id']}"
    shown = first(await ok(client, "get_incident", {"incident_id": record["id"]}))
    states = {r["id"]: r["state"] for r in shown["responders"]}
    assert states[sam["user"]["id"]] == "joined"
    assert {states[u] for u in via_policy} == {"user_cancelled"}


async def test_cancel_needs_a_known_target_and_sends_nothing_otherwise(client: Client) -> None:
    record = open_incident(client)
    error = await fails(client, "cancel_responder_request", {"incident_id": record["id"]}, "INVALID_PARAMETER")
    assert "user_ids or escalation_policy_ids" in error["message"]
    error = await fails(
        client, "cancel_responder_request", {"incident_id": record["id"], "user_ids": ["PZZZZZZ"]}, "USER_NOT_FOUND"
    )
    assert error["details"]["parameters"] == ["user_ids"]
    error = await fails(
        client,
        "cancel_responder_request",
        {"incident_id": "PNOPE00", "user_ids": ["Sam Taylor"]},
        "INCIDENT_NOT_FOUND",
    )
    assert error["message"].startswith("incident_id: ")
    assert _sent(client, "PUT", "/responder_requests/cancel") == 0
