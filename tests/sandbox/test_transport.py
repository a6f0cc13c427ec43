"""The in-process transport and the wire rules every route shares."""

from __future__ import annotations

import httpx2
import pagerduty
import pytest

from pagerduty_mcp.sandbox import (
    SANDBOX_ACCOUNT_TOKEN,
    SANDBOX_API_URL,
    SANDBOX_TOKEN,
    Sandbox,
)
from tests.sandbox.conftest import FIXED_NOW, client_for

pytestmark = [pytest.mark.unit, pytest.mark.sandbox]


def test_current_user_is_a_responder_on_two_teams(api: pagerduty.RestApiV2Client) -> None:
    me = api.rget("/users/me")
    assert me["type"] == "user"
    assert len(me["teams"]) == 2
    assert me["html_url"] == f"https://acme-shop.pagerduty.com/users/{me['id']}"
    assert me["self"] == f"{SANDBOX_API_URL}/users/{me['id']}"


def test_account_token_cannot_ask_who_it_is(sandbox: Sandbox) -> None:
    response = client_for(sandbox, SANDBOX_ACCOUNT_TOKEN).get("/users/me")
    assert response.status_code == 400
    assert "account-level access token" in response.json()["error"]["message"]


def test_account_token_reads_the_account(sandbox: Sandbox) -> None:
    users = client_for(sandbox, SANDBOX_ACCOUNT_TOKEN).rget("/users", params={"limit": 5})
    assert len(users) == 5


@pytest.mark.parametrize("header", [None, "Token token=wrong", "Bearer wrong", "Basic abc"])
def test_missing_or_unknown_credentials_get_401(sandbox: Sandbox, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    with httpx2.Client(transport=sandbox.transport(), base_url=SANDBOX_API_URL) as raw:
        response = raw.get("/users", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == 2006


def test_bearer_form_of_a_user_token_is_accepted(sandbox: Sandbox) -> None:
    with httpx2.Client(transport=sandbox.transport(), base_url=SANDBOX_API_URL) as raw:
        response = raw.get("/users/me", headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"})
    assert response.status_code == 200


def test_token_for_acts_as_that_user(sandbox: Sandbox, api: pagerduty.RestApiV2Client) -> None:
    other = next(u for u in api.iter_all("/users") if u["id"] != sandbox.current_user_id)
    me = client_for(sandbox, sandbox.token_for(other["id"])).rget("/users/me")
    assert me["id"] == other["id"]


def test_unknown_id_is_404_with_pagerduty_error_body(api: pagerduty.RestApiV2Client) -> None:
    response = api.get("/users/PNOSUCH")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == 2100
    assert response.json()["error"]["message"] == "Not Found"


def test_unknown_path_is_404(api: pagerduty.RestApiV2Client) -> None:
    assert api.get("/no_such_collection").status_code == 404


def test_offset_pagination_limit_more_and_total(api: pagerduty.RestApiV2Client) -> None:
    body = api.get("/incidents", params={"limit": 7, "offset": 14, "total": "true"}).json()
    assert (body["limit"], body["offset"], len(body["incidents"])) == (7, 14, 7)
    assert body["more"] is True
    assert body["total"] == 60
    assert api.get("/incidents", params={"limit": 7}).json()["total"] is None
    last = api.get("/incidents", params={"limit": 10, "offset": 55}).json()
    assert (len(last["incidents"]), last["more"]) == (5, False)


def test_limit_is_capped_at_100(sandbox: Sandbox) -> None:
    big = Sandbox(seed=7, size=3, now=FIXED_NOW)
    body = client_for(big, SANDBOX_TOKEN).get("/incidents", params={"limit": 500}).json()
    assert body["limit"] == 100
    assert len(body["incidents"]) == 100


def test_iter_all_walks_every_page(api: pagerduty.RestApiV2Client) -> None:
    numbers = [i["incident_number"] for i in api.iter_all("/incidents", page_size=9)]
    assert sorted(numbers) == list(range(1, 61))


def test_array_query_parameters(api: pagerduty.RestApiV2Client) -> None:
    statuses = {i["status"] for i in api.iter_all("/incidents", params={"statuses[]": ["triggered"]})}
    assert statuses == {"triggered"}
    both = list(api.iter_all("/incidents", params={"statuses": ["triggered", "acknowledged"]}))
    assert {i["status"] for i in both} == {"triggered", "acknowledged"}


def test_enum_violation_is_a_400(api: pagerduty.RestApiV2Client) -> None:
    response = api.get("/incidents", params={"statuses[]": "open"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 2001


def test_entity_wrapping_on_create(api: pagerduty.RestApiV2Client) -> None:
    team = api.rpost("/teams", json={"name": "Growth", "description": "Experiments"})
    assert team["name"] == "Growth"
    unwrapped = api.post("/teams", json={"name": "Nope"})
    assert unwrapped.status_code == 400


def test_request_log_records_and_resets(sandbox: Sandbox, api: pagerduty.RestApiV2Client) -> None:
    api.get("/priorities")
    api.get("/users/PNOSUCH")
    assert [(r.method, r.path, r.status) for r in sandbox.request_log][-2:] == [
        ("GET", "/priorities", 200),
        ("GET", "/users/PNOSUCH", 404),
    ]
    sandbox.request_log.reset()
    assert len(sandbox.request_log) == 0


def test_responses_are_usable_by_the_library_timing(api: pagerduty.RestApiV2Client) -> None:
    response = api.get("/priorities")
    assert response.elapsed.total_seconds() >= 0


@pytest.mark.anyio
async def test_transport_serves_async_clients(sandbox: Sandbox) -> None:
    async with httpx2.AsyncClient(transport=sandbox.transport(), base_url=SANDBOX_API_URL) as raw:
        response = await raw.get("/priorities", headers={"Authorization": f"Token token={SANDBOX_TOKEN}"})
    assert response.status_code == 200
    assert [p["name"] for p in response.json()["priorities"]] == ["P1", "P2", "P3", "P4", "P5"]


def test_open_incident_filter_matches_a_full_scan(sandbox: Sandbox, api: pagerduty.RestApiV2Client) -> None:
    everything = api.list_all("/incidents")
    expected = [i["id"] for i in everything if i["status"] in ("triggered", "acknowledged")]
    listed = api.list_all("/incidents", params={"statuses[]": ["triggered", "acknowledged"]})
    assert [i["id"] for i in listed] == expected
    service = listed[0]["service"]["id"]
    narrowed = api.list_all("/incidents", params={"statuses[]": ["triggered"], "service_ids[]": [service]})
    assert [i["id"] for i in narrowed] == [
        i["id"] for i in everything if i["status"] == "triggered" and i["service"]["id"] == service
    ]
