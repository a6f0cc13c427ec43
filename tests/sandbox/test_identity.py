"""The sandbox as PagerDuty's identity service: a user's sign-in with PKCE, refresh and revocation."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest

from pagerduty_mcp.sandbox import SANDBOX_API_URL, SANDBOX_OAUTH_CLIENT_ID, SANDBOX_OAUTH_CLIENT_SECRET, Sandbox

pytestmark = [pytest.mark.sandbox]

REDIRECT = "http://127.0.0.1:8000/oauth/callback"
CLIENT = {"client_id": SANDBOX_OAUTH_CLIENT_ID, "client_secret": SANDBOX_OAUTH_CLIENT_SECRET}


@pytest.fixture
def http(sandbox: Sandbox) -> Iterator[httpx2.Client]:
    with httpx2.Client(transport=sandbox.transport(), base_url=SANDBOX_API_URL) as client:
        yield client


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def authorize(http: httpx2.Client, challenge: str, **extra: str) -> httpx2.Response:
    params = {
        "response_type": "code",
        "client_id": SANDBOX_OAUTH_CLIENT_ID,
        "redirect_uri": REDIRECT,
        "scope": "incidents.read incidents.write users.read",
        "state": "s-1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    return http.get("/oauth/authorize", params=params)


def redirected(response: httpx2.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT)
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def sign_in(http: httpx2.Client, login_as: str | None = None) -> dict[str, Any]:
    verifier, challenge = pkce()
    extra = {"login_as": login_as} if login_as else {}
    code = redirected(authorize(http, challenge, **extra))["code"]
    response = exchange(http, code, verifier)
    assert response.status_code == 200, response.text
    return dict(response.json())


def exchange(http: httpx2.Client, code: str, verifier: str, redirect_uri: str = REDIRECT) -> httpx2.Response:
    form = {"grant_type": "authorization_code", "code": code, "code_verifier": verifier, "redirect_uri": redirect_uri}
    return http.post("/oauth/token", data={**form, **CLIENT})


def me(http: httpx2.Client, token: str) -> httpx2.Response:
    return http.get("/users/me", headers={"Authorization": f"Bearer {token}"})


def user_by_email(sandbox: Sandbox, email: str) -> dict[str, Any]:
    return next(u for u in sandbox.state.all("users") if u["email"] == email)


def test_sign_in_as_a_chosen_user_acts_as_that_user_with_the_granted_scopes(
    sandbox: Sandbox, http: httpx2.Client
) -> None:
    tokens = sign_in(http, "jonas.weber@acme-shop.example")
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] > 0 and tokens["refresh_token"]
    assert tokens["scope"] == "incidents.read incidents.write users.read"
    answer = me(http, tokens["access_token"])
    assert answer.status_code == 200
    assert answer.json()["user"]["email"] == "jonas.weber@acme-shop.example"
    # Not granted: the REST API refuses what the scopes do not cover, as PagerDuty does.
    refused = http.get("/services", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert refused.status_code == 403
    assert "services.read" in refused.text


def test_without_login_as_the_accounts_current_user_signs_in(sandbox: Sandbox, http: httpx2.Client) -> None:
    tokens = sign_in(http)
    assert me(http, tokens["access_token"]).json()["user"]["id"] == sandbox.current_user_id


def test_an_observer_is_granted_only_read_scopes(sandbox: Sandbox, http: httpx2.Client) -> None:
    observer = next(u for u in sandbox.state.all("users") if u["role"] == "observer")
    tokens = sign_in(http, observer["email"])
    assert tokens["scope"] == "incidents.read users.read"


def test_the_state_comes_back_and_a_declined_sign_in_says_so(http: httpx2.Client) -> None:
    _, challenge = pkce()
    assert redirected(authorize(http, challenge))["state"] == "s-1"
    declined = redirected(authorize(http, challenge, deny="1"))
    assert declined["error"] == "access_denied" and declined["state"] == "s-1"
    unknown = redirected(authorize(http, challenge, login_as="nobody@example.com"))
    assert unknown["error"] == "access_denied"


def test_pkce_is_required_and_only_s256(http: httpx2.Client) -> None:
    _, challenge = pkce()
    assert redirected(authorize(http, challenge, code_challenge_method="plain"))["error"] == "invalid_request"
    assert redirected(authorize(http, "", code_challenge_method="S256"))["error"] == "invalid_request"


def test_a_wrong_verifier_is_refused(http: httpx2.Client) -> None:
    _, challenge = pkce()
    code = redirected(authorize(http, challenge))["code"]
    wrong, _ = pkce()
    answer = exchange(http, code, wrong)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"
    assert "code_verifier" in answer.json()["error_description"]


def test_a_reused_code_is_refused_and_revokes_what_it_gave(http: httpx2.Client) -> None:
    verifier, challenge = pkce()
    code = redirected(authorize(http, challenge))["code"]
    first = exchange(http, code, verifier).json()
    again = exchange(http, code, verifier)
    assert again.status_code == 400 and "already used" in again.json()["error_description"]
    assert me(http, first["access_token"]).status_code == 401


def test_an_expired_code_is_refused(sandbox: Sandbox, http: httpx2.Client) -> None:
    sandbox.identity.code_lifetime = timedelta(0)
    verifier, challenge = pkce()
    code = redirected(authorize(http, challenge))["code"]
    answer = exchange(http, code, verifier)
    assert answer.status_code == 400 and "expired" in answer.json()["error_description"]


def test_redirect_uri_must_be_registered_and_match(sandbox: Sandbox, http: httpx2.Client) -> None:
    verifier, challenge = pkce()
    elsewhere = authorize(http, challenge, redirect_uri="https://attacker.example/callback")
    assert elsewhere.status_code == 400 and "location" not in elsewhere.headers
    assert elsewhere.json()["error"] == "invalid_request"
    sandbox.identity.redirect_uris[SANDBOX_OAUTH_CLIENT_ID] = {"https://mcp.example.com/oauth/callback"}
    registered = authorize(http, challenge, redirect_uri="https://mcp.example.com/oauth/callback")
    assert registered.headers["location"].startswith("https://mcp.example.com/oauth/callback?code=")
    code = redirected(authorize(http, challenge))["code"]
    mismatch = exchange(http, code, verifier, redirect_uri="http://127.0.0.1:9999/oauth/callback")
    assert mismatch.status_code == 400 and "redirect_uri" in mismatch.json()["error_description"]


def test_the_client_must_authenticate(http: httpx2.Client) -> None:
    verifier, challenge = pkce()
    code = redirected(authorize(http, challenge))["code"]
    form = {"grant_type": "authorization_code", "code": code, "code_verifier": verifier, "redirect_uri": REDIRECT}
    answer = http.post("/oauth/token", data={**form, "client_id": SANDBOX_OAUTH_CLIENT_ID, "client_secret": "wrong"})
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"
    basic = base64.b64encode(f"{SANDBOX_OAUTH_CLIENT_ID}:{SANDBOX_OAUTH_CLIENT_SECRET}".encode()).decode()
    ok = http.post("/oauth/token", data=form, headers={"Authorization": f"Basic {basic}"})
    assert ok.status_code == 200


def test_refresh_rotates_both_tokens(http: httpx2.Client) -> None:
    tokens = sign_in(http)
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], **CLIENT}
    fresh = http.post("/oauth/token", data=form)
    assert fresh.status_code == 200
    renewed = fresh.json()
    assert renewed["access_token"] != tokens["access_token"]
    assert renewed["refresh_token"] != tokens["refresh_token"]
    assert me(http, renewed["access_token"]).status_code == 200
    assert me(http, tokens["access_token"]).status_code == 401
    replay = http.post("/oauth/token", data=form)
    assert replay.status_code == 400 and "revoked" in replay.json()["error_description"]


def test_refresh_cannot_widen_the_scopes(http: httpx2.Client) -> None:
    tokens = sign_in(http)
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "scope": "services.read"}
    answer = http.post("/oauth/token", data={**form, **CLIENT})
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_scope"


def test_an_expired_access_token_is_refused(sandbox: Sandbox, http: httpx2.Client) -> None:
    sandbox.identity.access_lifetime = timedelta(0)
    tokens = sign_in(http)
    assert me(http, tokens["access_token"]).status_code == 401


def test_an_expired_refresh_token_is_refused(sandbox: Sandbox, http: httpx2.Client) -> None:
    sandbox.identity.refresh_lifetime = timedelta(0)
    tokens = sign_in(http)
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], **CLIENT}
    answer = http.post("/oauth/token", data=form)
    assert answer.status_code == 400 and "expired" in answer.json()["error_description"]


@pytest.mark.parametrize("which", ["access_token", "refresh_token"])
def test_revoking_either_token_ends_the_pair(http: httpx2.Client, which: str) -> None:
    tokens = sign_in(http)
    assert http.post("/oauth/revoke", data={"token": tokens[which], **CLIENT}).status_code == 200
    assert me(http, tokens["access_token"]).status_code == 401
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], **CLIENT}
    assert http.post("/oauth/token", data=form).json()["error"] == "invalid_grant"
