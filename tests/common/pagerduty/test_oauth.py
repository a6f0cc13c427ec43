"""OAuth: client-credentials tokens from the sandbox, renewal and scope errors."""

from __future__ import annotations

import pytest

from pagerduty_mcp.common.hosting.upstream import sandbox_pool
from pagerduty_mcp.common.pagerduty.errors import ToolFailure
from pagerduty_mcp.common.pagerduty.oauth import ClientCredentials, TokenSource, default_token_url
from pagerduty_mcp.sandbox import SANDBOX_OAUTH_CLIENT_ID, SANDBOX_OAUTH_CLIENT_SECRET, Sandbox

pytestmark = [pytest.mark.unit, pytest.mark.common]

TOKEN_URL = "https://identity.pagerduty.com/oauth/token"


def _app(*scopes: str, secret: str = SANDBOX_OAUTH_CLIENT_SECRET) -> ClientCredentials:
    return ClientCredentials(SANDBOX_OAUTH_CLIENT_ID, secret, scopes, TOKEN_URL)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- configuration ------------------------------------------------------------------------------


def test_client_credentials_from_env() -> None:
    assert ClientCredentials.from_env("https://api.pagerduty.com", {}) is None
    app = ClientCredentials.from_env(
        "https://api.eu.pagerduty.com",
        {
            "PAGERDUTY_OAUTH_CLIENT_ID": "cid",
            "PAGERDUTY_OAUTH_CLIENT_SECRET": "csecret-value",
            "PAGERDUTY_OAUTH_SCOPES": "as_account-eu.acme incidents.read,services.read",
        },
    )
    assert app is not None
    assert app.scopes == ("as_account-eu.acme", "incidents.read", "services.read")
    assert (
        app.token_url
        == default_token_url("https://api.eu.pagerduty.com")
        == ("https://identity.eu.pagerduty.com/oauth/token")
    )
    assert "csecret-value" not in repr(app)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PAGERDUTY_OAUTH_CLIENT_ID": "cid"}, "PAGERDUTY_OAUTH_CLIENT_SECRET"),
        ({"PAGERDUTY_OAUTH_CLIENT_ID": "cid", "PAGERDUTY_OAUTH_CLIENT_SECRET": "s"}, "PAGERDUTY_OAUTH_SCOPES"),
        (
            {
                "PAGERDUTY_OAUTH_CLIENT_ID": "cid",
                "PAGERDUTY_OAUTH_CLIENT_SECRET": "s",
                "PAGERDUTY_OAUTH_SCOPES": "read",
                "PAGERDUTY_OAUTH_TOKEN_URL": "http://plain.example/token",
            },
            "https://",
        ),
    ],
)
def test_incomplete_client_credentials_fail_clearly(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ClientCredentials.from_env("https://api.pagerduty.com", env)


# --- tokens from the sandbox --------------------------------------------------------------------


def _token_requests(box: Sandbox) -> int:
    return sum(1 for r in box.request_log if r.path == "/oauth/token")


def test_token_is_fetched_once_and_renewed_before_it_expires() -> None:
    box = Sandbox()
    clock = FakeClock()
    source = TokenSource(_app("incidents.read"), transport=box.transport(), clock=clock)
    first, scopes = source.current()
    assert first.kind == "bearer" and scopes == frozenset({"incidents.read"})
    assert source.current()[0] == first
    assert _token_requests(box) == 1
    clock.now += 24 * 3600 - 301  # not yet within the renewal margin (300 s) of a 24-hour token
    assert source.current()[0] == first
    clock.now += 2  # now within it
    second, _ = source.current()
    assert second != first
    assert _token_requests(box) == 2
    # The new token is one PagerDuty (the sandbox) accepts.
    pool = sandbox_pool(box)
    assert pool.get(second).read("/incidents", {"limit": 1})["incidents"]


def test_wrong_client_secret_is_unauthorized_and_never_echoed() -> None:
    box = Sandbox()
    source = TokenSource(_app("read", secret="wrong-secret-value"), transport=box.transport())
    with pytest.raises(ToolFailure) as caught:
        source.current()
    assert caught.value.code == "UNAUTHORIZED"
    assert "invalid_client" in caught.value.message
    assert "wrong-secret-value" not in caught.value.message


def test_missing_scope_is_named_before_any_request_is_sent() -> None:
    box = Sandbox()
    pool = sandbox_pool(box, oauth=_app("incidents.read"))
    client = pool.get()
    assert client.credential.kind == "bearer"
    assert client.read("/incidents", {"limit": 1})["incidents"]
    with pytest.raises(ToolFailure) as caught:
        client.read("/services")
    assert caught.value.code == "FORBIDDEN"
    assert caught.value.details == {"missing_scope": "services.read"}
    assert "services.read" in caught.value.message
    assert not any(r.path == "/services" for r in box.request_log)


def test_pagerdutys_403_to_a_bearer_token_names_the_scope() -> None:
    box = Sandbox()
    token = TokenSource(_app("incidents.read"), transport=box.transport()).current()[0]
    client = sandbox_pool(box).get(token)  # scopes unknown to the client
    with pytest.raises(ToolFailure) as caught:
        client.read("/services")
    assert caught.value.code == "FORBIDDEN"
    assert caught.value.details == {"missing_scope": "services.read"}
    assert box.request_log[-1].status == 403


def test_a_revoked_app_token_is_replaced_on_the_next_call() -> None:
    box = Sandbox()
    pool = sandbox_pool(box, oauth=_app("incidents.read"))
    client = pool.get()
    for token in box.state.tables["oauth_tokens"].values():
        token["_expires"] = box.state.clock()  # revoked early: PagerDuty no longer accepts it
    with pytest.raises(ToolFailure) as caught:
        client.read("/incidents", {"limit": 1})
    assert caught.value.code == "UNAUTHORIZED"
    fresh = pool.get()
    assert fresh.credential != client.credential
    assert fresh.read("/incidents", {"limit": 1})["incidents"]
