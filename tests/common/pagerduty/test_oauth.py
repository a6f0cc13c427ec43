"""OAuth: the scope table, client-credentials tokens from the sandbox, renewal and scope errors."""

from __future__ import annotations

import json

import pytest

from pagerduty_mcp.common.hosting.upstream import sandbox_pool
from pagerduty_mcp.common.pagerduty.errors import ToolFailure
from pagerduty_mcp.common.pagerduty.oauth import ClientCredentials, TokenSource, default_token_url
from pagerduty_mcp.common.pagerduty.scope_table import (
    EVENTS_API_SCOPES,
    FALLBACK_SCOPES,
    NO_SCOPE_NEEDED,
    REQUIRED_SCOPES,
    grants,
    missing_scope,
    required_scope,
    scope_table,
    stated_scopes,
)
from pagerduty_mcp.sandbox import SANDBOX_OAUTH_CLIENT_ID, SANDBOX_OAUTH_CLIENT_SECRET, Sandbox
from tests.contract.openapi import spec_path

pytestmark = [pytest.mark.unit, pytest.mark.common]

TOKEN_URL = "https://identity.pagerduty.com/oauth/token"


def _app(*scopes: str, secret: str = SANDBOX_OAUTH_CLIENT_SECRET) -> ClientCredentials:
    return ClientCredentials(SANDBOX_OAUTH_CLIENT_ID, secret, scopes, TOKEN_URL)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- the scope table ----------------------------------------------------------------------------


def test_scope_table_matches_the_api_description() -> None:
    path = spec_path()
    if not path.is_file():
        pytest.skip(f"PagerDuty's OpenAPI description is not at {path}")
    spec = json.loads(path.read_text(encoding="utf-8"))
    assert scope_table(spec) == REQUIRED_SCOPES, (
        "regenerate: python -m pagerduty_mcp.common.pagerduty.scope_table <spec>"
    )


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("GET", "/incidents", "incidents.read"),
        ("get", "/incidents/PABC123/notes", "incidents.read"),
        ("PUT", "/incidents/PABC123", "incidents.write"),
        ("GET", "/services?limit=5", "services.read"),
        ("GET", "/schedules/P1/overrides", "schedules.read"),
        ("GET", "/oncalls", "oncalls.read"),
        ("GET", "/users/me", None),  # no scope: any token may ask who it is
        ("GET", "/no/such/endpoint", None),
        # PagerDuty's description states none for these: the fallbacks name the nearest scope.
        ("GET", "/v3/schedules", "schedules.read"),
        ("POST", "/v3/schedules/P1/rotations", "schedules.write"),
        ("DELETE", "/v3/schedules/P1/custom_shifts/CS1", "schedules.write"),
        ("POST", "/automation_actions/actions/01ABC/invocations", "incidents.write"),
        ("GET", "/automation_actions/actions", "services.read"),
    ],
)
def test_required_scope_matches_concrete_paths(method: str, path: str, scope: str | None) -> None:
    assert required_scope(method, path) == scope


def test_every_fallback_fills_a_gap_of_the_description_with_a_scope_pagerduty_offers() -> None:
    offered = set(REQUIRED_SCOPES.values()) - {""}
    stale = sorted(k for k in FALLBACK_SCOPES if REQUIRED_SCOPES.get(k) != "")
    assert not stale, f"PagerDuty states a scope for these now (or has no such operation): drop {stale}"
    assert set(FALLBACK_SCOPES.values()) | set(EVENTS_API_SCOPES.values()) <= offered
    for key, scope in FALLBACK_SCOPES.items():
        assert scope.endswith(".read" if key.startswith("GET ") else ".write"), (key, scope)


def test_no_operation_is_left_without_a_scope() -> None:
    """Generation stays honest (the table above is PagerDuty's word), and silence opens nothing."""
    unscoped = {key for key, scope in stated_scopes().items() if not scope}
    assert unscoped == NO_SCOPE_NEEDED, f"add a fallback for {sorted(unscoped - NO_SCOPE_NEEDED)}"
    assert all(REQUIRED_SCOPES[key] == "" for key in NO_SCOPE_NEEDED)


def test_literal_segments_win_over_parameters() -> None:
    literal = next(k for k in REQUIRED_SCOPES if k.startswith("GET /incidents/types"))
    assert required_scope("GET", literal.split(" ", 1)[1]) == REQUIRED_SCOPES[literal]


def test_classic_read_and_write_scopes_cover_the_specific_ones() -> None:
    assert grants({"read"}, "incidents.read") and not grants({"read"}, "incidents.write")
    assert grants({"write"}, "incidents.write") and grants({"write"}, "services.read")
    assert grants({"incidents.write"}, "incidents.read")
    assert not grants({"incidents.read"}, "services.read")
    assert missing_scope({"incidents.read"}, "GET", "/services") == "services.read"
    assert missing_scope({"incidents.read"}, "GET", "/incidents") is None


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
