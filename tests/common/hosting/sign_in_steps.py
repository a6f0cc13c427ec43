"""The steps of a sign-in, in-process, shared by the tests of the authorization server's parts.

The OAuth endpoints run as an ASGI app; the sandbox's identity service stands in for PagerDuty's.
:func:`authorize` follows the redirects as a browser would: it keeps cookies and answers our
consent page.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2

from pagerduty_mcp.common.hosting.budget import Bucket
from pagerduty_mcp.common.hosting.oauth_server import OAuthConfig, OAuthResource, build_oauth_resource
from pagerduty_mcp.common.hosting.sealing import Sealer
from pagerduty_mcp.common.hosting.store import MemoryStore, Store
from pagerduty_mcp.common.hosting.upstream import sandbox_sign_in
from pagerduty_mcp.common.pagerduty.identity import PagerDutyIdentity
from pagerduty_mcp.sandbox import SANDBOX_API_URL, Sandbox
from tests.consent_form import consent_form

__all__ = [
    "CLIENT_REDIRECT",
    "JONAS",
    "PUBLIC",
    "TOOLS",
    "Setup",
    "authorize",
    "authorize_url",
    "bearer",
    "build_resource",
    "oauth_setup",
    "pkce",
    "register",
    "sign_in",
    "token",
    "user_id",
]

PUBLIC = "http://127.0.0.1:8123"
CLIENT_REDIRECT = "http://127.0.0.1:40000/cb"
TOOLS = {
    "list_incidents": ("incidents.read",),
    "manage_incidents": ("incidents.read", "incidents.write"),
    "list_services": ("services.read",),
    "send_event": ("incidents.write",),
    # A tool that states no scope: nothing says what it would do, so no signed-in user sees it.
    "unscoped_probe": (),
}
JONAS = "jonas.weber@acme-shop.example"


@dataclass
class Setup:
    box: Sandbox
    store: MemoryStore
    sealer: Sealer
    resource: OAuthResource
    http: httpx2.AsyncClient


def build_resource(
    box: Sandbox, store: Store, sealer: Sealer, public: str = PUBLIC, buckets: Bucket | None = None, **config: Any
) -> OAuthResource:
    """The OAuth endpoints of a server at ``public`` (``config``: more :class:`OAuthConfig` fields;
    ``buckets``: where registrations are counted, this process by default)."""
    app, transport = sandbox_sign_in(f"{public}/oauth/callback", sandbox=box)
    settings = OAuthConfig(public, "/mcp", SANDBOX_API_URL, TOOLS, sign_in_url=f"{public}/oauth/sandbox/authorize")
    return build_oauth_resource(
        dataclasses.replace(settings, **config),
        store,
        sealer,
        PagerDutyIdentity(app, transport=transport),
        sign_in_transport=transport,
        registration_buckets=buckets,
    )


@asynccontextmanager
async def oauth_setup(box: Sandbox | None = None, public: str = PUBLIC, **config: Any) -> AsyncIterator[Setup]:
    box, store = box or Sandbox(), MemoryStore()
    sealer = Sealer.from_env({}, ephemeral_ok=True)
    resource = build_resource(box, store, sealer, public, **config)
    transport = httpx2.ASGITransport(app=resource.app)  # type: ignore[arg-type]
    async with httpx2.AsyncClient(transport=transport, base_url=public) as http:
        yield Setup(box, store, sealer, resource, http)


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    return verifier, base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


async def register(http: httpx2.AsyncClient, **metadata: Any) -> dict[str, Any]:
    body = {"redirect_uris": [CLIENT_REDIRECT], "client_name": "test", **metadata}
    answer = await http.post("/register", json=body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def authorize_url(client: dict[str, Any], challenge: str, redirect_uri: str = CLIENT_REDIRECT, **extra: str) -> str:
    query = {
        "response_type": "code",
        "client_id": client["client_id"],
        "redirect_uri": redirect_uri,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": "client-state",
        **extra,
    }
    return f"/authorize?{urlencode(query)}"


async def authorize(
    http: httpx2.AsyncClient,
    client: dict[str, Any],
    challenge: str,
    login_as: str | None = JONAS,
    decision: str = "approve",
    **extra: str,
) -> dict[str, str]:
    """Follows the redirects as a browser would, answering our consent page with ``decision``; the
    query the client's redirect URI receives."""
    url = authorize_url(client, challenge, **extra)
    for _ in range(8):
        answer = await http.get(url)
        if answer.status_code == 200:
            action, fields = consent_form(answer.text)
            answer = await http.post(action, data={**fields, "decision": decision})
        assert answer.status_code in (302, 303), answer.text
        url = answer.headers["location"]
        if url.startswith(CLIENT_REDIRECT):
            return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        if "/oauth/sandbox/authorize" in url and login_as:
            url += "&" + urlencode({"login_as": login_as})
    raise AssertionError("no redirect to the client")


async def token(http: httpx2.AsyncClient, client: dict[str, Any], **form: str) -> httpx2.Response:
    secret = {"client_secret": client["client_secret"]} if client.get("client_secret") else {}
    return await http.post("/token", data={"client_id": client["client_id"], **secret, **form})


async def sign_in(
    http: httpx2.AsyncClient, login_as: str = JONAS, client: dict[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    client = client or await register(http)
    verifier, challenge = pkce()
    code = (await authorize(http, client, challenge, login_as))["code"]
    answer = await token(
        http, client, grant_type="authorization_code", code=code, code_verifier=verifier, redirect_uri=CLIENT_REDIRECT
    )
    assert answer.status_code == 200, answer.text
    return client, dict(answer.json())


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"authorization": f"Bearer {tokens['access_token']}"}


def user_id(box: Sandbox, email: str) -> str:
    return next(u["id"] for u in box.state.all("users") if u["email"] == email)
