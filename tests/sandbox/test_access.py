"""Who may do what in the sandbox, on endpoints PagerDuty's description gives no scope: shift-based
schedules and automation actions are refused to an OAuth token without the nearest scope, and to a
user whose role only reads (an observer), whatever the token; a user's own token still writes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from pagerduty_mcp.sandbox import SANDBOX_API_URL, Sandbox
from tests.sandbox.test_identity import authorize, exchange, pkce, redirected

pytestmark = [pytest.mark.sandbox]

SCOPES = "schedules.read schedules.write incidents.read incidents.write users.read services.read"
NEW_SCHEDULE = {"schedule": {"name": "Access probe", "time_zone": "UTC"}}


@pytest.fixture
def http(sandbox: Sandbox) -> Iterator[httpx2.Client]:
    with httpx2.Client(transport=sandbox.transport(), base_url=SANDBOX_API_URL) as client:
        yield client


def _signed_in(http: httpx2.Client, email: str, scopes: str = SCOPES) -> tuple[str, list[str]]:
    verifier, challenge = pkce()
    code = redirected(authorize(http, challenge, login_as=email, scope=scopes))["code"]
    tokens = exchange(http, code, verifier).json()
    return f"Bearer {tokens['access_token']}", tokens["scope"].split()


def _user(sandbox: Sandbox, role: str) -> dict[str, Any]:
    return next(u for u in sandbox.state.all("users") if u["role"] == role)


def _open_incident(sandbox: Sandbox) -> str:
    return next(i["id"] for i in sandbox.state.all("incidents") if i["status"] != "resolved")


def _invoke(http: httpx2.Client, sandbox: Sandbox, authorization: str) -> httpx2.Response:
    action = sandbox.state.all("automation_actions")[0]["id"]
    body = {"invocation": {"metadata": {"incident_id": _open_incident(sandbox)}}}
    return http.post(
        f"/automation_actions/actions/{action}/invocations", json=body, headers={"Authorization": authorization}
    )


def test_an_observer_signed_in_with_read_scopes_cannot_write_shift_schedules_or_run_actions(
    sandbox: Sandbox, http: httpx2.Client
) -> None:
    authorization, granted = _signed_in(http, _user(sandbox, "observer")["email"])
    assert "schedules.write" not in granted and "schedules.read" in granted
    headers = {"Authorization": authorization}
    assert http.get("/v3/schedules", headers=headers).status_code == 200
    refused = http.post("/v3/schedules", json=NEW_SCHEDULE, headers=headers)
    assert refused.status_code == 403
    assert "schedules.write" in refused.text
    assert _invoke(http, sandbox, authorization).status_code == 403
    assert not any(s["name"] == "Access probe" for s in sandbox.state.all("schedules"))


def test_a_token_without_the_scope_is_refused_and_one_with_it_is_not(sandbox: Sandbox, http: httpx2.Client) -> None:
    jonas = "jonas.weber@acme-shop.example"
    reader, _ = _signed_in(http, jonas, "schedules.read")
    assert http.post("/v3/schedules", json=NEW_SCHEDULE, headers={"Authorization": reader}).status_code == 403
    writer, _ = _signed_in(http, jonas, "schedules.write")
    assert http.post("/v3/schedules", json=NEW_SCHEDULE, headers={"Authorization": writer}).status_code == 201
    responder, _ = _signed_in(http, jonas, "incidents.read")
    assert _invoke(http, sandbox, responder).status_code == 403
    runner, _ = _signed_in(http, jonas, "incidents.write")
    assert _invoke(http, sandbox, runner).status_code == 201


def test_an_observers_own_api_key_cannot_write_either(sandbox: Sandbox, http: httpx2.Client) -> None:
    observer = _user(sandbox, "observer")
    key = {"Authorization": f"Token token={sandbox.token_for(observer['id'])}"}
    assert http.get("/v3/schedules", headers=key).status_code == 200
    assert http.get("/incidents", headers=key).status_code == 200
    refused = http.post("/v3/schedules", json=NEW_SCHEDULE, headers=key)
    assert refused.status_code == 403 and "observer" in refused.text
    assert _invoke(http, sandbox, key["Authorization"]).status_code == 403
    # A user whose role writes still may, with the same kind of token.
    user = _user(sandbox, "user")
    writer = {"Authorization": f"Token token={sandbox.token_for(user['id'])}"}
    assert http.post("/v3/schedules", json=NEW_SCHEDULE, headers=writer).status_code == 201
