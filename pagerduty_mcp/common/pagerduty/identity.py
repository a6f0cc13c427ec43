"""PagerDuty's identity service for a user's sign-in: the authorize URL, the code exchange, refresh.

The operator's PagerDuty OAuth app (``PAGERDUTY_OAUTH_CLIENT_ID``/``_SECRET``) signs users in with
the authorization code grant and PKCE (S256). The identity host follows the region of the REST
host (``identity.pagerduty.com`` or ``identity.eu.pagerduty.com``); any other REST host (a proxy,
the HTTPS sandbox) also serves the identity endpoints, as the events host does.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, urlencode

import httpx2

from pagerduty_mcp.common.pagerduty.config import DEFAULT_API_HOST, EU_API_HOST
from pagerduty_mcp.common.pagerduty.logs import redact
from pagerduty_mcp.common.pagerduty.oauth import app_from_env
from pagerduty_mcp.common.pagerduty.text import clean_text

__all__ = ["IdentityError", "PagerDutyIdentity", "SignInApp", "UserGrant", "identity_host", "pkce_pair"]

_ERROR_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")  # RFC 6749 §5.2's codes, and the like
_DESCRIPTION_LIMIT = 300
# The fields of our requests to the identity service that nobody else may see.
_SECRET_FIELDS = frozenset({"client_secret", "code", "code_verifier", "refresh_token", "token"})


def identity_host(api_host: str) -> str:
    """Where users sign in, for the REST host ``api_host``."""
    if api_host == DEFAULT_API_HOST:
        return "https://identity.pagerduty.com"
    if api_host == EU_API_HOST:
        return "https://identity.eu.pagerduty.com"
    return api_host


def pkce_pair() -> tuple[str, str]:
    """A fresh PKCE verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


@dataclass(frozen=True)
class SignInApp:
    """The operator's PagerDuty OAuth app, and the identity endpoints it uses."""

    client_id: str
    client_secret: str = field(repr=False)
    authorize_url: str
    token_url: str
    revoke_url: str

    @classmethod
    def at(cls, client_id: str, client_secret: str, host: str) -> SignInApp:
        host = host.rstrip("/")
        return cls(client_id, client_secret, f"{host}/oauth/authorize", f"{host}/oauth/token", f"{host}/oauth/revoke")

    @classmethod
    def from_env(cls, api_host: str, env: Mapping[str, str] | None = None) -> SignInApp | None:
        """The app from ``PAGERDUTY_OAUTH_CLIENT_ID``/``_SECRET``; ``None`` when no client id is set."""
        app = app_from_env(os.environ if env is None else env)
        return None if app is None else cls.at(*app, identity_host(api_host))


@dataclass(frozen=True)
class UserGrant:
    """What PagerDuty granted a signed-in user: their token, how long it lives, and its scopes."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: float  # time.time()
    scopes: tuple[str, ...]


class IdentityError(Exception):
    """PagerDuty's identity service refused, or could not be reached."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


class PagerDutyIdentity:
    """Speaks to PagerDuty's identity service for one OAuth app (async: it runs in the web server)."""

    def __init__(
        self,
        app: SignInApp,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        timeout_seconds: float = 30.0,
    ) -> None:
        self.app = app
        self._transport = transport
        self._timeout = timeout_seconds

    def authorize_url(self, redirect_uri: str, scopes: tuple[str, ...], state: str, challenge: str) -> str:
        query = {
            "client_id": self.app.client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": " ".join(scopes),
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        return f"{self.app.authorize_url}?{urlencode(query)}"

    async def exchange_code(
        self, code: str, verifier: str, redirect_uri: str, asked: tuple[str, ...] = ()
    ) -> UserGrant:
        """The user's token for PagerDuty's ``code``; its scopes as PagerDuty says (``asked`` if silent)."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": redirect_uri,
        }
        return await self._token(form, fallback_scopes=asked)

    async def refresh(self, refresh_token: str, scopes: tuple[str, ...]) -> UserGrant:
        return await self._token({"grant_type": "refresh_token", "refresh_token": refresh_token}, scopes)

    async def revoke(self, token: str) -> None:
        """Ask PagerDuty to revoke ``token``; a failure is reported, never hidden."""
        await self._post(self.app.revoke_url, {"token": token})

    async def current_user(self, api_host: str, access_token: str) -> dict[str, Any] | None:
        """Who signed in (``GET /users/me``), for the audit line; ``None`` if PagerDuty will not say."""
        kwargs: dict[str, Any] = {"timeout": self._timeout}
        if self._transport is not None:
            kwargs["transport"] = self._transport
        headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/vnd.pagerduty+json;version=2"}
        try:
            async with httpx2.AsyncClient(**kwargs) as http:
                response = await http.get(f"{api_host.rstrip('/')}/users/me", headers=headers)
            user = response.json().get("user") if response.is_success else None
        except (httpx2.TransportError, ValueError):
            return None
        return user if isinstance(user, dict) else None

    async def _token(self, form: dict[str, str], fallback_scopes: tuple[str, ...]) -> UserGrant:
        body = await self._post(self.app.token_url, form)
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise IdentityError("invalid_grant", "PagerDuty's answer had no access token")
        # Not added to the log redaction list: users are unbounded, and nothing logs their tokens.
        refresh = body.get("refresh_token") if isinstance(body.get("refresh_token"), str) else None
        try:
            lifetime = float(body.get("expires_in") or 3600)
        except (TypeError, ValueError):
            lifetime = 3600.0
        scopes = tuple(str(body.get("scope") or "").split()) or fallback_scopes
        return UserGrant(token, refresh, time.time() + lifetime, scopes)

    async def _post(self, url: str, form: dict[str, str]) -> dict[str, Any]:
        form = {**form, "client_id": self.app.client_id, "client_secret": self.app.client_secret}
        kwargs: dict[str, Any] = {"timeout": self._timeout}
        if self._transport is not None:
            kwargs["transport"] = self._transport
        try:
            async with httpx2.AsyncClient(**kwargs) as http:
                response = await http.post(url, data=form, headers={"Accept": "application/json"})
        except httpx2.TransportError as exc:
            raise IdentityError(
                "temporarily_unavailable", f"PagerDuty's identity service could not be reached ({type(exc).__name__})"
            ) from exc
        try:
            body = response.json() if response.content else {}
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        if not response.is_success:
            raise _refusal(response.status_code, body, form)
        return body


def _refusal(status: int, body: dict[str, Any], sent: dict[str, str]) -> IdentityError:
    """PagerDuty's (or a proxy's) OAuth error, with only its code and description: never the request.

    A service or proxy that echoes the request puts the app's secret, the user's code, PKCE
    verifier or refresh token in its words; they are masked like an upstream REST error's, and
    anything but a string (a proxy's nested error object) is replaced, never turned into text.
    """
    error, description = body.get("error"), body.get("error_description")
    code = error if isinstance(error, str) and _ERROR_CODE.fullmatch(error) else f"http_{status}"
    said = description if isinstance(description, str) and description.strip() else f"PagerDuty answered {status}"
    # As sent, and as they look in an echoed form body (URL-encoded).
    values = [value for name, value in sent.items() if name in _SECRET_FIELDS and value]
    shown = {form for value in values for form in (value, quote_plus(value))}
    secrets_sent = tuple(sorted(shown, key=len, reverse=True))
    # Masked before the cut too, so that no secret survives as a prefix at the cut.
    said = redact(clean_text(redact(said, *secrets_sent), _DESCRIPTION_LIMIT), *secrets_sent)
    return IdentityError(code, said)
