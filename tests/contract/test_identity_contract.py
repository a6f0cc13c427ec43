"""A user's sign-in token at work on the REST API: every exchange checked against PagerDuty's spec."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import httpx2
import pagerduty
import pytest

from pagerduty_mcp.sandbox import SANDBOX_API_URL, SANDBOX_OAUTH_CLIENT_ID, SANDBOX_OAUTH_CLIENT_SECRET, Sandbox
from tests.contract.recorder import Exchange

pytestmark = [pytest.mark.contract, pytest.mark.sandbox]

REDIRECT = "http://127.0.0.1:8000/oauth/callback"


def test_a_signed_in_users_token_reads_within_its_scopes(
    contract_sandbox: Sandbox, recorded_exchanges: list[Exchange]
) -> None:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    with httpx2.Client(transport=contract_sandbox.transport(), base_url=SANDBOX_API_URL) as http:
        authorized = http.get(
            "/oauth/authorize",
            params={
                "response_type": "code",
                "client_id": SANDBOX_OAUTH_CLIENT_ID,
                "redirect_uri": REDIRECT,
                "scope": "users.read incidents.read",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
                "login_as": "maria.santos@acme-shop.example",
            },
        )
        code = parse_qs(urlsplit(authorized.headers["location"]).query)["code"][0]
        form = {"grant_type": "authorization_code", "code": code, "code_verifier": verifier, "redirect_uri": REDIRECT}
        tokens = http.post(
            "/oauth/token",
            data={**form, "client_id": SANDBOX_OAUTH_CLIENT_ID, "client_secret": SANDBOX_OAUTH_CLIENT_SECRET},
        ).json()
    client = pagerduty.RestApiV2Client(
        tokens["access_token"], auth_type="oauth2", base_url=SANDBOX_API_URL, transport=contract_sandbox.transport()
    )
    assert client.rget("/users/me")["email"] == "maria.santos@acme-shop.example"
    assert client.list_all("/incidents", params={"statuses[]": ["triggered", "acknowledged"]}) is not None
    refused = client.get("/services")
    assert refused.status_code == 403  # services.read was not granted
    assert len([e for e in recorded_exchanges if not e.path.startswith("/oauth/")]) >= 3  # all checked at teardown
