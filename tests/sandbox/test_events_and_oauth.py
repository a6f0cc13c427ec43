"""Events API v2 ingestion and OAuth client credentials."""

from __future__ import annotations

from typing import Any

import httpx2
import pagerduty
import pytest

from pagerduty_mcp.sandbox import (
    SANDBOX_API_URL,
    SANDBOX_EVENTS_URL,
    SANDBOX_OAUTH_CLIENT_ID,
    SANDBOX_OAUTH_CLIENT_SECRET,
    Sandbox,
)
from tests.sandbox.conftest import FIXED_NOW

pytestmark = [pytest.mark.unit, pytest.mark.sandbox]


def routing_key(sandbox: Sandbox, service_name: str) -> tuple[str, str]:
    state = sandbox.state
    service = next(s for s in state.all("services") if s["name"] == service_name)
    for reference in service["integrations"]:
        integration = state.get("integrations", reference["id"])
        if integration["type"] == "events_api_v2_inbound_integration":
            return service["id"], integration["integration_key"]
    raise AssertionError(f"{service_name} has no Events API v2 integration")


def send(sandbox: Sandbox, body: dict[str, Any], path: str = "/v2/enqueue") -> httpx2.Response:
    with httpx2.Client(transport=sandbox.transport(), base_url=SANDBOX_EVENTS_URL) as client:
        return client.post(path, json=body)


def trigger(key: str, summary: str, dedup_key: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "routing_key": key,
        "event_action": "trigger",
        "payload": {"summary": summary, "source": "web-1", "severity": "critical"},
    }
    if dedup_key:
        event["dedup_key"] = dedup_key
    return event


def test_trigger_opens_an_incident_with_an_alert_on_the_keys_service(
    sandbox: Sandbox, api: pagerduty.RestApiV2Client
) -> None:
    service_id, key = routing_key(sandbox, "Checkout API")
    response = send(sandbox, trigger(key, "Checkout 500s", "checkout-500"))
    assert response.status_code == 202
    assert response.json() == {"status": "success", "message": "Event processed", "dedup_key": "checkout-500"}
    (incident,) = api.list_all("/incidents", params={"incident_key": "checkout-500"})
    assert (incident["service"]["id"], incident["status"], incident["urgency"]) == (service_id, "triggered", "high")
    assert incident["alert_counts"]["all"] == 1
    again = send(sandbox, trigger(key, "Checkout 500s", "checkout-500"))
    assert again.status_code == 202
    assert len(api.list_all("/incidents", params={"incident_key": "checkout-500"})) == 1


def test_acknowledge_and_resolve_by_dedup_key(sandbox: Sandbox, api: pagerduty.RestApiV2Client) -> None:
    _, key = routing_key(sandbox, "Orders DB")
    send(sandbox, trigger(key, "Replication lag", "lag-1"))
    assert send(sandbox, {"routing_key": key, "event_action": "acknowledge", "dedup_key": "lag-1"}).status_code == 202
    (incident,) = api.list_all("/incidents", params={"incident_key": "lag-1"})
    assert incident["status"] == "acknowledged"
    send(sandbox, {"routing_key": key, "event_action": "resolve", "dedup_key": "lag-1"})
    resolved = api.rget(f"/incidents/{incident['id']}")
    assert resolved["status"] == "resolved"
    assert resolved["resolved_at"] is not None


@pytest.mark.parametrize(
    "change",
    [
        {"routing_key": "short"},
        {"routing_key": "0" * 32},
        {"event_action": "explode"},
        {"payload": {"summary": "x", "source": "y", "severity": "catastrophic"}},
        {"payload": {"source": "y", "severity": "info"}},
    ],
)
def test_invalid_events_get_pagerduty_400(sandbox: Sandbox, change: dict[str, Any]) -> None:
    _, key = routing_key(sandbox, "Checkout API")
    response = send(sandbox, {**trigger(key, "Something"), **change})
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "invalid event"
    assert body["errors"]


def test_service_in_maintenance_opens_no_incident(sandbox: Sandbox, api: pagerduty.RestApiV2Client) -> None:
    in_maintenance = {
        s["id"]
        for w in sandbox.state.all("maintenance_windows")
        if w["_start"] <= FIXED_NOW < w["_end"]
        for s in w["services"]
    }
    name = next(s["name"] for s in sandbox.state.all("services") if s["id"] in in_maintenance)
    _, key = routing_key(sandbox, name)
    assert send(sandbox, trigger(key, "Reindex noise", "reindex-1")).status_code == 202
    assert api.list_all("/incidents", params={"incident_key": "reindex-1"}) == []


def test_change_event_is_recorded(sandbox: Sandbox) -> None:
    service_id, key = routing_key(sandbox, "Payments Gateway")
    before = len(sandbox.state.all("change_events"))
    response = send(
        sandbox,
        {"routing_key": key, "payload": {"summary": "Deploy v2.4.1", "source": "ci", "custom_details": {"sha": "abc"}}},
        "/v2/change/enqueue",
    )
    assert response.status_code == 202
    assert response.json()["status"] == "success"
    events = sandbox.state.all("change_events")
    assert len(events) == before + 1
    assert events[-1]["summary"] == "Deploy v2.4.1"
    assert events[-1]["services"][0]["id"] == service_id


def test_events_client_library_round_trip(sandbox: Sandbox, api: pagerduty.RestApiV2Client) -> None:
    _, key = routing_key(sandbox, "Edge CDN")
    events = pagerduty.EventsApiV2Client(key, base_url=SANDBOX_EVENTS_URL, transport=sandbox.transport())
    dedup_key = events.trigger("CDN 502s", "edge-3")
    assert api.list_all("/incidents", params={"incident_key": dedup_key})


def token_request(sandbox: Sandbox, **form: str) -> httpx2.Response:
    with httpx2.Client(transport=sandbox.transport(), base_url=SANDBOX_API_URL) as raw:
        return raw.post("/oauth/token", data=form)


def test_client_credentials_give_a_scoped_bearer_token(sandbox: Sandbox) -> None:
    response = token_request(
        sandbox,
        grant_type="client_credentials",
        client_id=SANDBOX_OAUTH_CLIENT_ID,
        client_secret=SANDBOX_OAUTH_CLIENT_SECRET,
        scope="incidents.read priorities.read",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] > 0
    assert body["scope"] == "incidents.read priorities.read"
    api = pagerduty.RestApiV2Client(
        body["access_token"], auth_type="bearer", base_url=SANDBOX_API_URL, transport=sandbox.transport()
    )
    assert api.rget("/priorities")
    assert api.get("/users/me").status_code == 400  # an app token has no user behind it
    assert sandbox.state.tables["oauth_tokens"][body["access_token"]]["scope"] == "incidents.read priorities.read"


def test_oauth_token_client_from_the_library(sandbox: Sandbox) -> None:
    oauth = pagerduty.OAuthTokenClient(
        SANDBOX_OAUTH_CLIENT_SECRET, SANDBOX_OAUTH_CLIENT_ID, base_url=SANDBOX_API_URL, transport=sandbox.transport()
    )
    answer = oauth.get_scoped_app_token("read")
    assert answer["access_token"] and answer["expiration_date"]


@pytest.mark.parametrize(
    ("form", "status"),
    [
        ({"grant_type": "client_credentials", "client_id": SANDBOX_OAUTH_CLIENT_ID, "client_secret": "wrong"}, 401),
        ({"grant_type": "password", "client_id": SANDBOX_OAUTH_CLIENT_ID, "client_secret": "x"}, 400),
    ],
)
def test_bad_token_requests(sandbox: Sandbox, form: dict[str, str], status: int) -> None:
    assert token_request(sandbox, **form).status_code == status
