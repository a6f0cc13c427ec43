"""Webhook subscriptions on pagerduty-services: find them by what they are for, create, change,
re-enable, delete and test them; custom header values never come back."""

from __future__ import annotations

import hmac
import json
from typing import Any

import pytest
from mcp import Client

from pagerduty_mcp.sandbox import Sandbox
from tests.harness import dumps, fails, first, ok
from tests.servers.services.lookup import by_name, sandbox_of
from tests.servers.services.receiver import receiver

pytestmark = [pytest.mark.services, pytest.mark.anyio, pytest.mark.server("services", write=True)]

HEADER_VALUE = "s3cr3t-header-value-do-not-echo"
CHECKOUT_HOOK = "Checkout incidents to the storefront status bot"
PAYMENTS_HOOK = "Payments team incidents to ServiceNow"
AUDIT_HOOK = "Account-wide audit feed"


def _subscription(client: Client, description: str) -> dict[str, Any]:
    found = [s for s in sandbox_of(client).state.all("webhook_subscriptions") if s["description"] == description]
    assert len(found) == 1, description
    return found[0]


async def _get(client: Client, ident: str) -> dict[str, Any]:
    return first(await ok(client, "get_webhook_subscription", {"webhook_subscription_id": ident}))


# -- reads ------------------------------------------------------------------------------------------
async def test_list_by_service_team_or_account_names_what_each_is_for(client: Client) -> None:
    everything = await ok(client, "list_webhook_subscriptions")
    assert everything["metadata"]["total"] == 3
    by_service = await ok(client, "list_webhook_subscriptions", {"service_id": "Checkout API"})
    [hook] = by_service["webhook_subscriptions"]
    checkout = by_name(client, "services", "Checkout API")
    assert hook["description"] == CHECKOUT_HOOK
    assert hook["filter"] == {"type": "service", "id": checkout["id"], "name": "Checkout API"}
    assert hook["header_names"] == ["X-Acme-Token"]
    box = sandbox_of(client)
    before = len(box.request_log)
    by_team = await ok(client, "list_webhook_subscriptions", {"team_id": "Payments"})
    assert [h["description"] for h in by_team["webhook_subscriptions"]] == [PAYMENTS_HOOK]
    assert by_team["webhook_subscriptions"][0]["filter"]["name"] == "Payments"
    # The name was given: the team list that found it names it, and no GET /teams/{id} is asked.
    assert not [r.path for r in list(box.request_log)[before:] if r.path.startswith("/teams/")]
    account = await ok(client, "list_webhook_subscriptions", {"account": True})
    [audit] = account["webhook_subscriptions"]
    assert audit["filter"] == {"type": "account"} and audit["temporarily_disabled"] is True
    assert "1 not delivering" in account["metadata"]["description"]
    # Values are stored by the account, and never part of an answer.
    for subscription in sandbox_of(client).state.all("webhook_subscriptions"):
        for header in subscription["_headers"]:
            assert header["value"] not in dumps(everything)


async def test_list_by_event_and_state_pages_what_it_filters(client: Client) -> None:
    service_events = await ok(client, "list_webhook_subscriptions", {"event": "service.created"})
    assert [h["description"] for h in service_events["webhook_subscriptions"]] == [AUDIT_HOOK]
    off = await ok(client, "list_webhook_subscriptions", {"active": False})
    assert [h["description"] for h in off["webhook_subscriptions"]] == [AUDIT_HOOK]
    on = await ok(client, "list_webhook_subscriptions", {"active": True, "limit": 1})
    assert on["metadata"]["total"] == 2 and on["metadata"]["has_more"] is True
    rest = await ok(client, "list_webhook_subscriptions", {"active": True, "limit": 1, "offset": 1})
    assert rest["metadata"]["has_more"] is False
    seen = {h["id"] for h in on["webhook_subscriptions"] + rest["webhook_subscriptions"]}
    assert len(seen) == 2 and _subscription(client, AUDIT_HOOK)["id"] not in seen


async def test_list_filters_refuse_unknowns_and_mixtures(client: Client) -> None:
    error = await fails(client, "list_webhook_subscriptions", {"service_id": "No Such Service"}, "SERVICE_NOT_FOUND")
    assert "list_services" in error["message"]
    await fails(client, "list_webhook_subscriptions", {"team_id": "PZZZZZZ"}, "TEAM_NOT_FOUND")
    error = await fails(
        client, "list_webhook_subscriptions", {"service_id": "Checkout API", "account": True}, "INVALID_PARAMETER"
    )
    assert "only one of" in error["message"]


async def test_get_shows_one_by_id_and_says_which_ids_exist(client: Client) -> None:
    seeded = _subscription(client, PAYMENTS_HOOK)
    got = await _get(client, seeded["id"])
    assert got["url"] == seeded["delivery_method"]["url"]
    assert got["filter"]["name"] == "Payments" and got["header_names"] == ["Authorization", "X-ServiceNow-Instance"]
    assert "incident.priority_updated" in got["events"]
    error = await fails(
        client, "get_webhook_subscription", {"webhook_subscription_id": "PZZZZZZ"}, "WEBHOOK_SUBSCRIPTION_NOT_FOUND"
    )
    assert "list_webhook_subscriptions" in error["message"]


# -- writes -----------------------------------------------------------------------------------------
async def test_create_for_a_team_by_name_keeps_header_values_secret(client: Client) -> None:
    answer = await ok(
        client,
        "create_webhook_subscription",
        {
            "url": "https://hooks.example.com/pd",
            "team_id": "Platform",
            "events": ["incident.triggered", "incident.resolved"],
            "description": "Platform pages to the chat bridge",
            "custom_headers": {"X-Bridge-Token": HEADER_VALUE},
        },
    )
    assert HEADER_VALUE not in dumps(answer)
    assert "withheld" in answer["metadata"]["signing_secret"]
    created = first(answer)
    assert created["header_names"] == ["X-Bridge-Token"]
    got = await _get(client, created["id"])
    platform = by_name(client, "teams", "Platform")
    assert got["filter"] == {"type": "team", "id": platform["id"], "name": "Platform"}
    assert got["events"] == ["incident.triggered", "incident.resolved"]
    assert got["description"] == "Platform pages to the chat bridge"
    # PagerDuty got the value (the account keeps it, to send it), and no read shows it.
    stored = sandbox_of(client).state.get("webhook_subscriptions", created["id"])
    assert stored["_headers"] == [{"name": "X-Bridge-Token", "value": HEADER_VALUE}]
    listed = await ok(client, "list_webhook_subscriptions", {"team_id": "Platform"})
    assert created["id"] in {h["id"] for h in listed["webhook_subscriptions"]} and HEADER_VALUE not in dumps(listed)


async def test_create_account_wide_with_the_default_events(client: Client) -> None:
    created = first(await ok(client, "create_webhook_subscription", {"url": "https://hooks.example.com/all"}))
    got = await _get(client, created["id"])
    assert got["filter"] == {"type": "account"}
    assert "incident.triggered" in got["events"] and "incident.resolved" in got["events"]
    assert "header_names" not in got


async def test_create_refuses_bad_input_without_echoing_header_values(client: Client) -> None:
    base = {"url": "https://hooks.example.com/pd", "custom_headers": {"X-Token": HEADER_VALUE}}
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"url": "ftp://hooks.example.com"}, "INVALID_PARAMETER", "url"),
        ({"url": "http://hooks.example.com/plain"}, "INVALID_PARAMETER", "https"),
        ({"events": ["not an event"]}, "INVALID_PARAMETER", "events"),
        ({"events": ["incident.exploded"]}, "INVALID_PARAMETER", "webhook event type"),
        ({"custom_headers": {"Bad Header": HEADER_VALUE}}, "INVALID_PARAMETER", "Bad Header"),
        ({"custom_headers": {"X-Token": HEADER_VALUE + "\r\nX-Evil: 1"}}, "INVALID_PARAMETER", "X-Token"),
        ({"service_id": "No Such Service"}, "SERVICE_NOT_FOUND", "list_services"),
        # An id-shaped unknown reaches PagerDuty, which refuses it as a bad request: the answer is
        # about the service, naming its parameter, not about the URL and the events.
        ({"service_id": "PZZZZZZ"}, "SERVICE_NOT_FOUND", "service_id: no service with id or name 'PZZZZZZ'"),
        ({"team_id": "PZZZZZZ"}, "TEAM_NOT_FOUND", "team_id: no team"),
        ({"service_id": "Checkout API", "team_id": "Payments"}, "INVALID_PARAMETER", "only one of"),
    ]
    before = len(sandbox_of(client).state.all("webhook_subscriptions"))
    for change, code, said in cases:
        error = await fails(client, "create_webhook_subscription", {**base, **change}, code)
        assert said in error["message"], (change, error)
        assert HEADER_VALUE not in dumps(error), change
    assert len(sandbox_of(client).state.all("webhook_subscriptions")) == before


async def test_update_changes_only_what_is_given(client: Client) -> None:
    hook = _subscription(client, CHECKOUT_HOOK)
    answer = await ok(
        client,
        "update_webhook_subscription",
        {"webhook_subscription_id": hook["id"], "events": ["incident.triggered"], "service_id": "Cart Service"},
    )
    assert answer["metadata"]["updated"] == ["events", "filter"]
    got = await _get(client, hook["id"])
    assert got["events"] == ["incident.triggered"] and got["filter"]["name"] == "Cart Service"
    assert got["description"] == CHECKOUT_HOOK and got["header_names"] == ["X-Acme-Token"]
    await ok(client, "update_webhook_subscription", {"webhook_subscription_id": hook["id"], "account": True})
    assert (await _get(client, hook["id"]))["filter"] == {"type": "account"}
    error = await fails(
        client, "update_webhook_subscription", {"webhook_subscription_id": hook["id"]}, "INVALID_PARAMETER"
    )
    assert "nothing to change" in error["message"]
    await fails(
        client,
        "update_webhook_subscription",
        {"webhook_subscription_id": "PZZZZZZ", "description": "x"},
        "WEBHOOK_SUBSCRIPTION_NOT_FOUND",
    )


async def test_update_pauses_and_re_enables_a_temporarily_disabled_one(client: Client) -> None:
    checkout = _subscription(client, CHECKOUT_HOOK)
    await ok(client, "update_webhook_subscription", {"webhook_subscription_id": checkout["id"], "active": False})
    assert (await _get(client, checkout["id"]))["active"] is False
    audit = _subscription(client, AUDIT_HOOK)
    answer = await ok(client, "update_webhook_subscription", {"webhook_subscription_id": audit["id"], "active": True})
    assert answer["metadata"]["updated"] == ["re-enabled"]  # it was active, PagerDuty had stopped sending
    got = await _get(client, audit["id"])
    assert got["active"] is True and "temporarily_disabled" not in got  # said only while it is
    delivering = await ok(client, "list_webhook_subscriptions", {"active": True})
    assert {h["id"] for h in delivering["webhook_subscriptions"]} == {
        audit["id"],
        _subscription(client, PAYMENTS_HOOK)["id"],
    }


async def test_update_to_active_of_one_delivering_sends_nothing(client: Client) -> None:
    hook = _subscription(client, PAYMENTS_HOOK)
    writes = len(sandbox_of(client).request_log)
    answer = await ok(client, "update_webhook_subscription", {"webhook_subscription_id": hook["id"], "active": True})
    assert "nothing" in answer["metadata"]["description"]
    assert not [r for r in list(sandbox_of(client).request_log)[writes:] if r.method != "GET"]


async def test_delete_then_it_is_gone(client: Client) -> None:
    hook = _subscription(client, PAYMENTS_HOOK)
    answer = await ok(client, "delete_webhook_subscription", {"webhook_subscription_id": hook["id"]})
    assert answer["metadata"]["deleted"] is True and first(answer)["id"] == hook["id"]
    await fails(
        client, "get_webhook_subscription", {"webhook_subscription_id": hook["id"]}, "WEBHOOK_SUBSCRIPTION_NOT_FOUND"
    )
    listed = await ok(client, "list_webhook_subscriptions", {"team_id": "Payments"})
    assert listed["webhook_subscriptions"] == []
    await fails(
        client,
        "delete_webhook_subscription",
        {"webhook_subscription_id": hook["id"]},
        "WEBHOOK_SUBSCRIPTION_NOT_FOUND",
    )


# -- test_webhook_subscription ----------------------------------------------------------------------
async def _created_for(client: Client, url: str) -> str:
    created = first(
        await ok(
            client,
            "create_webhook_subscription",
            {"url": url, "service_id": "Checkout API", "custom_headers": {"X-Token": HEADER_VALUE}},
        )
    )
    return str(created["id"])


@pytest.mark.server("services", write=True, sandbox=Sandbox(deliver_webhooks=True))
async def test_ping_reaches_a_loopback_receiver_with_headers_and_signature(client: Client) -> None:
    with receiver() as endpoint:
        ident = await _created_for(client, endpoint.url)
        answer = await ok(client, "test_webhook_subscription", {"webhook_subscription_id": ident})
    [delivery] = endpoint.deliveries
    event = json.loads(delivery.body)["event"]
    assert event["event_type"] == "pagey.ping"
    headers = {k.lower(): v for k, v in delivery.headers.items()}
    assert headers["x-token"] == HEADER_VALUE  # sent to the endpoint, as PagerDuty does
    secret = sandbox_of(client).state.get("webhook_subscriptions", ident)["_secret"]
    assert headers["x-pagerduty-signature"] == "v1=" + hmac.new(secret.encode(), delivery.body, "sha256").hexdigest()
    meta = answer["metadata"]
    assert "accepted a test event" in meta["description"] and "not reported" in meta["description"]
    assert meta["not_verified"] == ["that the endpoint received or accepted it"]
    assert HEADER_VALUE not in dumps(answer)


@pytest.mark.server("services", write=True, sandbox=Sandbox(deliver_webhooks=True))
async def test_ping_to_a_refusing_receiver_ends_in_temporarily_disabled(client: Client) -> None:
    with receiver(status=500) as endpoint:
        ident = await _created_for(client, endpoint.url)
        answers = [await ok(client, "test_webhook_subscription", {"webhook_subscription_id": ident}) for _ in range(3)]
    assert len(endpoint.deliveries) == 3
    assert "not reported" in answers[0]["metadata"]["description"]
    assert "temporarily disabled" in answers[2]["metadata"]["description"]
    assert first(answers[2])["temporarily_disabled"] is True
    # Re-enabled, it delivers again.
    with receiver() as endpoint:
        sandbox_of(client).state.get("webhook_subscriptions", ident)["delivery_method"]["url"] = endpoint.url
        await ok(client, "update_webhook_subscription", {"webhook_subscription_id": ident, "active": True})
        await ok(client, "test_webhook_subscription", {"webhook_subscription_id": ident})
    assert len(endpoint.deliveries) == 1


@pytest.mark.server("services", write=True, sandbox=Sandbox(deliver_webhooks=True))
async def test_ping_of_an_inactive_one_says_so_and_sends_nothing(client: Client) -> None:
    with receiver() as endpoint:
        ident = await _created_for(client, endpoint.url)
        await ok(client, "update_webhook_subscription", {"webhook_subscription_id": ident, "active": False})
        answer = await ok(client, "test_webhook_subscription", {"webhook_subscription_id": ident})
    assert endpoint.deliveries == []
    assert "inactive" in answer["metadata"]["description"]


async def test_ping_elsewhere_is_accepted_and_not_claimed_delivered(client: Client) -> None:
    hook = _subscription(client, CHECKOUT_HOOK)
    answer = await ok(client, "test_webhook_subscription", {"webhook_subscription_id": hook["id"]})
    assert "not reported" in answer["metadata"]["description"]
    assert sandbox_of(client).state.get("webhook_subscriptions", hook["id"])["_deliveries"] == []  # offline
    error = await fails(
        client, "test_webhook_subscription", {"webhook_subscription_id": "PZZZZZZ"}, "WEBHOOK_SUBSCRIPTION_NOT_FOUND"
    )
    assert "list_webhook_subscriptions" in error["message"]


async def test_a_sandbox_started_without_deliveries_sends_nothing_even_to_loopback(client: Client) -> None:
    # A --sandbox server shared with a team must not be made to send requests on its own host.
    with receiver() as endpoint:
        ident = await _created_for(client, endpoint.url)
        answer = await ok(client, "test_webhook_subscription", {"webhook_subscription_id": ident})
    assert endpoint.deliveries == []
    assert "not reported" in answer["metadata"]["description"]


async def test_an_unknown_service_in_an_update_is_about_the_service(client: Client) -> None:
    subscription = sandbox_of(client).state.all("webhook_subscriptions")[0]
    args = {"webhook_subscription_id": subscription["id"], "service_id": "PZZZZZZ"}
    error = await fails(client, "update_webhook_subscription", args, "SERVICE_NOT_FOUND")
    assert error["details"]["parameters"] == ["service_id"] and "url" not in error["message"].lower()
