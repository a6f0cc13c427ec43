"""PagerDuty's identity service for a user's sign-in: region, the authorize URL, code and refresh."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest

from pagerduty_mcp.common.pagerduty.config import DEFAULT_API_HOST, EU_API_HOST
from pagerduty_mcp.common.pagerduty.identity import (
    IdentityError,
    PagerDutyIdentity,
    SignInApp,
    identity_host,
    pkce_pair,
)
from pagerduty_mcp.sandbox import SANDBOX_API_URL, SANDBOX_OAUTH_CLIENT_ID, SANDBOX_OAUTH_CLIENT_SECRET, Sandbox
from pagerduty_mcp.sandbox.faults import Faults

pytestmark = [pytest.mark.unit, pytest.mark.common]

CALLBACK = "http://127.0.0.1:8000/oauth/callback"


def test_the_identity_host_follows_the_region() -> None:
    assert identity_host(DEFAULT_API_HOST) == "https://identity.pagerduty.com"
    assert identity_host(EU_API_HOST) == "https://identity.eu.pagerduty.com"
    assert identity_host("https://127.0.0.1:8443") == "https://127.0.0.1:8443"  # a proxy or the HTTPS sandbox
    env = {"PAGERDUTY_OAUTH_CLIENT_ID": "app", "PAGERDUTY_OAUTH_CLIENT_SECRET": "app-secret-123"}
    eu = SignInApp.from_env(EU_API_HOST, env)
    assert eu is not None and eu.authorize_url == "https://identity.eu.pagerduty.com/oauth/authorize"
    assert eu.token_url == "https://identity.eu.pagerduty.com/oauth/token"
    assert "app-secret-123" not in repr(eu)
    assert SignInApp.from_env(DEFAULT_API_HOST, {}) is None
    with pytest.raises(ValueError, match="PAGERDUTY_OAUTH_CLIENT_SECRET"):
        SignInApp.from_env(DEFAULT_API_HOST, {"PAGERDUTY_OAUTH_CLIENT_ID": "app"})


def test_the_authorize_url_asks_for_pkce_s256_the_scopes_and_the_state() -> None:
    app = SignInApp.at("app", "secret", "https://identity.pagerduty.com")
    url = PagerDutyIdentity(app).authorize_url(CALLBACK, ("incidents.read", "users.read"), "st", "challenge")
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://identity.pagerduty.com/oauth/authorize"
    assert query == {
        "client_id": "app",
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "incidents.read users.read",
        "state": "st",
        "code_challenge": "challenge",
        "code_challenge_method": "S256",
    }
    assert "secret" not in url


@pytest.mark.anyio
async def test_code_exchange_and_refresh_against_the_sandbox() -> None:
    box = Sandbox()
    identity = PagerDutyIdentity(
        SignInApp.at(SANDBOX_OAUTH_CLIENT_ID, SANDBOX_OAUTH_CLIENT_SECRET, SANDBOX_API_URL), transport=box.transport()
    )
    verifier, challenge = pkce_pair()
    async with httpx2.AsyncClient(transport=box.transport()) as http:
        answer = await http.get(identity.authorize_url(CALLBACK, ("incidents.read",), "st", challenge))
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    with pytest.raises(IdentityError) as wrong:
        await identity.exchange_code(code, pkce_pair()[0], CALLBACK)
    assert wrong.value.error == "invalid_grant" and "code_verifier" in wrong.value.description
    verifier, challenge = pkce_pair()
    async with httpx2.AsyncClient(transport=box.transport()) as http:
        answer = await http.get(identity.authorize_url(CALLBACK, ("incidents.read",), "st", challenge))
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    grant = await identity.exchange_code(code, verifier, CALLBACK)
    assert grant.scopes == ("incidents.read",) and grant.refresh_token
    user = await identity.current_user(SANDBOX_API_URL, grant.access_token)
    assert user is not None and user["id"] == box.current_user_id
    renewed = await identity.refresh(grant.refresh_token, grant.scopes)
    assert renewed.access_token != grant.access_token
    await identity.revoke(renewed.access_token)
    assert renewed.access_token not in box.state.tables["oauth_tokens"]


class Unreachable(httpx2.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("connection refused", request=request)


@pytest.mark.anyio
async def test_an_unreachable_identity_service_says_so() -> None:
    identity = PagerDutyIdentity(
        SignInApp.at("app", "secret", "https://identity.pagerduty.com"), transport=Unreachable()
    )
    with pytest.raises(IdentityError) as failed:
        await identity.refresh("r", ())
    assert failed.value.error == "temporarily_unavailable" and "secret" not in str(failed.value)


async def _code(box: Sandbox, identity: PagerDutyIdentity, challenge: str) -> str:
    async with httpx2.AsyncClient(transport=box.transport()) as http:
        answer = await http.get(identity.authorize_url(CALLBACK, ("incidents.read",), "st", challenge))
    return str(parse_qs(urlsplit(answer.headers["location"]).query)["code"][0])


@pytest.mark.anyio
async def test_an_error_that_echoes_the_request_never_repeats_its_secrets() -> None:
    """The identity service (or a proxy before it) echoes the request's form in its error: the
    app's secret, the code, the PKCE verifier and the refresh token are masked in what we keep."""
    box = Sandbox(faults=Faults(echo_headers=True))
    identity = PagerDutyIdentity(
        SignInApp.at(SANDBOX_OAUTH_CLIENT_ID, SANDBOX_OAUTH_CLIENT_SECRET, SANDBOX_API_URL), transport=box.transport()
    )
    code = await _code(box, identity, pkce_pair()[1])
    wrong_verifier = pkce_pair()[0]
    with pytest.raises(IdentityError) as refused:
        await identity.exchange_code(code, wrong_verifier, CALLBACK)
    said = str(refused.value)
    assert refused.value.error == "invalid_grant" and "request body was" in said  # the fault echoed it
    for secret in (SANDBOX_OAUTH_CLIENT_SECRET, code, wrong_verifier):
        assert secret not in said
    assert "[REDACTED]" in said
    with pytest.raises(IdentityError) as stale:
        await identity.refresh("pdur+_0Xa-refresh-token-of-the-user", ("incidents.read",))
    assert "pdur+_0Xa-refresh-token-of-the-user" not in str(stale.value)
    assert "pdur%2B_0Xa-refresh-token-of-the-user" not in str(stale.value)  # nor as the form encodes it


class Answering(httpx2.AsyncBaseTransport):
    def __init__(self, status: int, body: object) -> None:
        self.status, self.body = status, body

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(self.status, json=self.body, request=request)


@pytest.mark.anyio
@pytest.mark.parametrize(
    "body",
    [
        {"error": {"message": "Bad Request", "errors": ["client_secret=app-secret-123 was sent"]}},
        {"error": "invalid_grant", "error_description": {"echo": "app-secret-123"}},
        {"error": "not an oauth code: app-secret-123", "error_description": "x"},
        ["app-secret-123"],
    ],
)
async def test_a_proxys_odd_error_shape_is_never_turned_into_text(body: object) -> None:
    identity = PagerDutyIdentity(
        SignInApp.at("app", "app-secret-123", "https://identity.pagerduty.com"), transport=Answering(400, body)
    )
    with pytest.raises(IdentityError) as refused:
        await identity.refresh("a-refresh-token", ())
    assert "app-secret-123" not in str(refused.value) and "{" not in str(refused.value)
    assert refused.value.error in ("http_400", "invalid_grant")
