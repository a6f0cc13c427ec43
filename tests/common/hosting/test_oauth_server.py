"""Sign in with PagerDuty, in-process: discovery, the three legs, tokens, audience, revocation, outages.

The OAuth endpoints run as an ASGI app; the sandbox's identity service stands in for PagerDuty's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import anyio
import httpx2
import pytest

from pagerduty_mcp.common.hosting.client_auth import Rejection
from pagerduty_mcp.common.hosting.sealing import Sealer
from pagerduty_mcp.common.hosting.store import MemoryStore, StoreUnavailable
from pagerduty_mcp.common.pagerduty.context import Caller
from tests.common.hosting.sign_in_steps import (
    CLIENT_REDIRECT,
    JONAS,
    PUBLIC,
    TOOLS,
    Setup,
    authorize,
    bearer,
    build_resource,
    oauth_setup,
    pkce,
    register,
    sign_in,
    token,
    user_id,
)

pytestmark = [pytest.mark.unit, pytest.mark.common, pytest.mark.anyio]

MARIA = "maria.santos@acme-shop.example"


@pytest.fixture
async def setup() -> AsyncIterator[Setup]:
    async with oauth_setup() as ready:
        yield ready


async def test_protected_resource_metadata_at_both_well_known_paths(setup: Setup) -> None:
    for path in ("/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"):
        body = (await setup.http.get(path)).json()
        assert body["resource"] == f"{PUBLIC}/mcp"
        assert body["authorization_servers"] == [PUBLIC]
        assert set(body["scopes_supported"]) == {"incidents.read", "incidents.write", "services.read"}
    server = (await setup.http.get("/.well-known/oauth-authorization-server")).json()
    assert server["registration_endpoint"] == f"{PUBLIC}/register"
    assert server["revocation_endpoint"] == f"{PUBLIC}/revoke"
    assert server["code_challenge_methods_supported"] == ["S256"]


async def test_no_token_gets_a_challenge_pointing_at_the_metadata(setup: Setup) -> None:
    verdict = await setup.resource.authenticate({})
    assert isinstance(verdict, Rejection) and verdict.status == 401
    assert verdict.challenge == f'Bearer resource_metadata="{PUBLIC}/.well-known/oauth-protected-resource/mcp"'
    wrong = await setup.resource.authenticate({"authorization": "Bearer pdmcp_at_not-a-token"})
    assert isinstance(wrong, Rejection) and 'error="invalid_token"' in wrong.challenge


async def test_a_signed_in_user_calls_with_their_own_pagerduty_token(setup: Setup) -> None:
    _, tokens = await sign_in(setup.http)
    assert tokens["token_type"] == "Bearer" and tokens["refresh_token"] and 0 < tokens["expires_in"] <= 3600
    caller = await setup.resource.authenticate(bearer(tokens))
    assert isinstance(caller, Caller)
    jonas = user_id(setup.box, JONAS)
    assert caller.identity == f"user:{jonas}"
    assert caller.credential is not None and caller.credential.kind == "bearer"
    assert setup.box.state.tables["oauth_tokens"][caller.credential.secret]["_user_id"] == jonas
    assert caller.credential.secret != tokens["access_token"]  # ours maps to theirs, never is theirs
    # Granted what the tools ask for, less what Jonas's role lacks: nothing, so every tool that
    # states its scopes (scope hiding fails closed).
    assert caller.narrowing.tools == frozenset(TOOLS) - {"unscoped_probe"}


async def test_tools_follow_the_scopes_the_user_was_granted(setup: Setup) -> None:
    observer = next(u for u in setup.box.state.all("users") if u["role"] == "observer")
    _, tokens = await sign_in(setup.http, observer["email"])
    assert "incidents.write" not in tokens["scope"].split()
    caller = await setup.resource.authenticate(bearer(tokens))
    assert isinstance(caller, Caller)
    # Not send_event (it triggers incidents: incidents.write), nor the tool that states no scope.
    assert caller.narrowing.tools == {"list_incidents", "list_services"}
    narrowed = await setup.resource.authenticate({**bearer(tokens), "x-mcp-tools": "list_incidents,manage_incidents"})
    assert isinstance(narrowed, Caller) and narrowed.narrowing.tools == {"list_incidents"}


async def test_the_store_holds_no_token_in_clear(setup: Setup) -> None:
    client, tokens = await sign_in(setup.http)
    caller = await setup.resource.authenticate(bearer(tokens))
    assert isinstance(caller, Caller) and caller.credential is not None
    dump = repr(setup.store._items)
    for secret in (tokens["access_token"], tokens["refresh_token"], caller.credential.secret, client["client_secret"]):
        assert secret not in dump


async def test_a_token_for_another_resource_is_refused(setup: Setup) -> None:
    _, tokens = await sign_in(setup.http)
    other = build_resource(setup.box, setup.store, setup.sealer, "http://127.0.0.1:9999")  # same store, other resource
    assert isinstance(await other.authenticate(bearer(tokens)), Rejection)
    assert isinstance(await setup.resource.authenticate(bearer(tokens)), Caller)
    client = await register(setup.http)
    _, challenge = pkce()
    refused = await authorize(setup.http, client, challenge, resource="https://elsewhere.example/mcp")
    assert refused["error"] == "invalid_target"


async def test_codes_are_single_use_and_bound_to_the_verifier(setup: Setup) -> None:
    client = await register(setup.http)
    verifier, challenge = pkce()
    code = (await authorize(setup.http, client, challenge))["code"]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": CLIENT_REDIRECT}
    wrong = await token(setup.http, client, **form, code_verifier=pkce()[0])
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert (await token(setup.http, client, **form, code_verifier=verifier)).status_code == 200
    again = await token(setup.http, client, **form, code_verifier=verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


async def test_refresh_rotates_and_the_old_refresh_token_is_spent(setup: Setup) -> None:
    client, tokens = await sign_in(setup.http)
    first = await token(setup.http, client, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert first.status_code == 200
    renewed = first.json()
    assert renewed["refresh_token"] != tokens["refresh_token"]
    assert isinstance(await setup.resource.authenticate(bearer(renewed)), Caller)
    replay = await token(setup.http, client, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


async def test_the_pagerduty_token_is_renewed_before_ours_would_outlive_it(setup: Setup) -> None:
    setup.box.identity.access_lifetime = timedelta(seconds=120)
    client, tokens = await sign_in(setup.http)
    assert tokens["expires_in"] <= 60  # capped by PagerDuty's token, less a margin
    before = await setup.resource.authenticate(bearer(tokens))
    renewed = (
        await token(setup.http, client, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    ).json()
    after = await setup.resource.authenticate(bearer(renewed))
    assert isinstance(before, Caller) and isinstance(after, Caller)
    assert before.credential != after.credential
    assert after.credential is not None and after.credential.secret in setup.box.state.tables["oauth_tokens"]


@pytest.mark.parametrize("which", ["access_token", "refresh_token"])
async def test_revocation_ends_the_sign_in_here_and_at_pagerduty(setup: Setup, which: str) -> None:
    client, tokens = await sign_in(setup.http)
    caller = await setup.resource.authenticate(bearer(tokens))
    assert isinstance(caller, Caller) and caller.credential is not None
    form = {"token": tokens[which], "client_id": client["client_id"], "client_secret": client["client_secret"]}
    assert (await setup.http.post("/revoke", data=form)).status_code == 200
    assert isinstance(await setup.resource.authenticate(bearer(tokens)), Rejection)
    refresh = await token(setup.http, client, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refresh.status_code == 400
    assert caller.credential.secret not in setup.box.state.tables["oauth_tokens"]


async def test_a_callback_without_a_pending_sign_in_is_refused(setup: Setup) -> None:
    answer = await setup.http.get("/oauth/callback?code=x&state=never-issued")
    assert answer.status_code == 400 and "start the sign-in again" in answer.json()["error_description"]


async def test_a_declined_sign_in_reaches_the_client_as_access_denied(setup: Setup) -> None:
    client = await register(setup.http)
    _, challenge = pkce()
    declined = await authorize(setup.http, client, challenge, login_as="nobody@example.com")
    assert declined["error"] == "access_denied" and declined["state"] == "client-state"


class DownStore(MemoryStore):
    """Redis gone: every operation raises, as RedisStore does (tested against a real Redis elsewhere)."""

    async def get(self, key: str) -> dict[str, Any] | None:
        raise StoreUnavailable("Redis is unreachable (ConnectionError)")

    async def take(self, key: str) -> dict[str, Any] | None:
        raise StoreUnavailable("Redis is unreachable (ConnectionError)")

    async def put(self, key: str, value: dict[str, Any], ttl_seconds: float) -> None:
        raise StoreUnavailable("Redis is unreachable (ConnectionError)")


async def test_while_the_store_is_down_known_tokens_work_and_writes_fail_closed(setup: Setup) -> None:
    _, seen = await sign_in(setup.http)
    _, unseen = await sign_in(setup.http)
    assert isinstance(await setup.resource.authenticate(bearer(seen)), Caller)
    setup.resource.provider.store = DownStore()
    assert isinstance(await setup.resource.authenticate(bearer(seen)), Caller)
    refused = await setup.resource.authenticate(bearer(unseen))
    assert isinstance(refused, Rejection) and refused.status == 503 and "Redis" in refused.message
    answer = await setup.http.post("/register", json={"redirect_uris": [CLIENT_REDIRECT]})
    assert answer.status_code == 503 and answer.json()["error"] == "temporarily_unavailable"


class Unreachable(httpx2.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("connection refused", request=request)


async def test_pagerduty_unreachable_during_a_refresh_costs_no_sign_in(setup: Setup) -> None:
    setup.box.identity.access_lifetime = timedelta(seconds=120)  # so a refresh renews PagerDuty's token
    client, tokens = await sign_in(setup.http)
    identity = setup.resource.provider.identity
    working, identity._transport = identity._transport, Unreachable()
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    down = await token(setup.http, client, **form)
    assert down.status_code == 503 and down.json()["error"] == "temporarily_unavailable"
    identity._transport = working
    again = await token(setup.http, client, **form)
    assert again.status_code == 200, again.text  # the same refresh token, handed back


# --- a stolen refresh token or code ends the sign-in (RFC 9700) ------------------------------------


async def test_a_reused_refresh_token_ends_the_whole_sign_in_for_everyone(setup: Setup) -> None:
    """The thief refreshes first; the honest client's later refresh with the same token is a reuse:
    every token of the sign-in dies, the thief's new ones too, and PagerDuty's token is revoked."""
    client, tokens = await sign_in(setup.http)
    caller = await setup.resource.authenticate(bearer(tokens))
    assert isinstance(caller, Caller) and caller.credential is not None
    stolen = await token(setup.http, client, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert stolen.status_code == 200
    thief = stolen.json()
    assert isinstance(await setup.resource.authenticate(bearer(thief)), Caller)
    honest = await token(setup.http, client, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert honest.status_code == 400 and honest.json()["error"] == "invalid_grant"
    for held in (tokens, thief):
        assert isinstance(await setup.resource.authenticate(bearer(held)), Rejection)
    renewed = await token(setup.http, client, grant_type="refresh_token", refresh_token=thief["refresh_token"])
    assert renewed.status_code == 400  # the thief's refresh token is dead as well
    assert not any(key.startswith("grant:") for key in setup.store._items)
    pagerduty_tokens = setup.box.state.tables["oauth_tokens"]
    assert caller.credential.secret not in pagerduty_tokens
    assert not any(row["_user_id"] == user_id(setup.box, JONAS) for row in pagerduty_tokens.values())


async def test_any_older_refresh_token_of_a_sign_in_counts_as_reuse_and_costs_no_memory(setup: Setup) -> None:
    client, tokens = await sign_in(setup.http)
    held = len(setup.store._items)
    chain = [tokens]
    for _ in range(3):
        form = {"grant_type": "refresh_token", "refresh_token": chain[-1]["refresh_token"]}
        chain.append((await token(setup.http, client, **form)).json())
    # Each refresh adds its access token (an hour's life) and nothing else: no memory of spent tokens.
    assert len(setup.store._items) == held + 3
    oldest = await token(setup.http, client, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert oldest.status_code == 400
    assert isinstance(await setup.resource.authenticate(bearer(chain[-1])), Rejection)
    made_up = "pdmcp_rt_" + "A" * 24 + ".guess"  # no such sign-in: nothing to end, nothing breaks
    answer = await token(setup.http, client, grant_type="refresh_token", refresh_token=made_up)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


async def test_two_refreshes_racing_with_one_token_end_the_sign_in(setup: Setup) -> None:
    client, tokens = await sign_in(setup.http)
    answers: list[httpx2.Response] = []

    async def refresh() -> None:
        form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
        answers.append(await token(setup.http, client, **form))

    async with anyio.create_task_group() as group:
        group.start_soon(refresh)
        group.start_soon(refresh)
    assert sorted(a.status_code for a in answers) == [200, 400]
    winner = next(a for a in answers if a.status_code == 200).json()
    assert isinstance(await setup.resource.authenticate(bearer(winner)), Rejection)


async def test_a_replayed_code_revokes_what_it_was_exchanged_for(setup: Setup) -> None:
    client = await register(setup.http)
    verifier, challenge = pkce()
    code = (await authorize(setup.http, client, challenge))["code"]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": verifier,
        "redirect_uri": CLIENT_REDIRECT,
    }
    first = await token(setup.http, client, **form)
    assert first.status_code == 200
    assert isinstance(await setup.resource.authenticate(bearer(first.json())), Caller)
    replay = await token(setup.http, client, **form)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert isinstance(await setup.resource.authenticate(bearer(first.json())), Rejection)
    refresh = await token(setup.http, client, grant_type="refresh_token", refresh_token=first.json()["refresh_token"])
    assert refresh.status_code == 400


async def test_codes_and_refresh_tokens_are_refused_by_another_server_sharing_the_store(setup: Setup) -> None:
    """Two servers (two public URLs) on one Redis: what one issued, the other refuses, and refusing
    it ends nothing (the token was not reused, only taken to the wrong place)."""
    other = build_resource(setup.box, setup.store, setup.sealer, "http://127.0.0.1:9999")
    transport = httpx2.ASGITransport(app=other.app)  # type: ignore[arg-type]
    async with httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1:9999") as elsewhere:
        client = await register(setup.http)
        verifier, challenge = pkce()
        code = (await authorize(setup.http, client, challenge))["code"]
        form = {"grant_type": "authorization_code", "code": code, "code_verifier": verifier}
        moved = await token(elsewhere, client, **form, redirect_uri=CLIENT_REDIRECT)
        assert moved.status_code == 400 and moved.json()["error"] == "invalid_grant"
        here = await token(setup.http, client, **form, redirect_uri=CLIENT_REDIRECT)
        assert here.status_code == 200
        tokens = here.json()
        refreshed = await token(elsewhere, client, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
        assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
    assert isinstance(await setup.resource.authenticate(bearer(tokens)), Caller)  # still signed in here
    again = await token(setup.http, client, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert again.status_code == 200


# --- smaller: a dropped sealing key, public clients revoking --------------------------------------


async def test_after_the_old_token_key_is_dropped_clients_are_told_to_register_and_sign_in_again(
    setup: Setup,
) -> None:
    client, tokens = await sign_in(setup.http)
    _new_key(setup)  # the operator put a new key in PAGERDUTY_MCP_TOKEN_KEY and dropped the old one
    refused = await token(setup.http, client, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    assert "Register the client again" in refused.json()["error_description"]
    revoke = await setup.http.post("/revoke", data={"token": tokens["access_token"], **_credentials(client)})
    assert revoke.status_code == 401 and revoke.json()["error"] == "invalid_client"
    verdict = await setup.resource.authenticate(bearer(tokens))
    assert isinstance(verdict, Rejection) and verdict.status == 401 and 'error="invalid_token"' in verdict.challenge
    # A public client (no secret to open) still holds a sign-in sealed with the old key: it ends cleanly.
    public = await register(setup.http, token_endpoint_auth_method="none")
    _, mine = await sign_in(setup.http, client=public)
    _new_key(setup)
    ended = await token(setup.http, public, grant_type="refresh_token", refresh_token=mine["refresh_token"])
    assert ended.status_code == 400 and ended.json()["error"] == "invalid_grant"
    assert "sign in again" in ended.json()["error_description"]


def _new_key(setup: Setup) -> None:
    setup.resource.provider.sealer = setup.resource.provider.browser.sealer = Sealer.from_env({}, ephemeral_ok=True)


def _credentials(client: dict[str, Any]) -> dict[str, str]:
    secret = client.get("client_secret")
    return {"client_id": client["client_id"], **({"client_secret": secret} if secret else {})}


async def test_public_clients_revoke_their_own_tokens_without_a_secret(setup: Setup) -> None:
    public = await register(setup.http, token_endpoint_auth_method="none")
    assert "client_secret" not in public
    _, mine = await sign_in(setup.http, client=public)
    other, theirs = await sign_in(setup.http, MARIA)
    # Someone else's token, named with this client's id: ignored (200, as RFC 7009 asks), not revoked.
    answer = await setup.http.post("/revoke", data={"token": theirs["access_token"], "client_id": public["client_id"]})
    assert answer.status_code == 200
    assert isinstance(await setup.resource.authenticate(bearer(theirs)), Caller)
    answer = await setup.http.post("/revoke", data={"token": mine["refresh_token"], "client_id": public["client_id"]})
    assert answer.status_code == 200
    assert isinstance(await setup.resource.authenticate(bearer(mine)), Rejection)
    missing = await setup.http.post("/revoke", data={"client_id": public["client_id"]})
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    # A confidential client still needs its secret.
    unproven = await setup.http.post("/revoke", data={"token": theirs["access_token"], "client_id": other["client_id"]})
    assert unproven.status_code == 401 and unproven.json()["error"] == "invalid_client"
