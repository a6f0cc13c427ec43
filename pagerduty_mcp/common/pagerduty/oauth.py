"""PagerDuty OAuth client credentials: a scoped app token, fetched when needed and renewed early.

``PAGERDUTY_OAUTH_CLIENT_ID``, ``PAGERDUTY_OAUTH_CLIENT_SECRET`` and ``PAGERDUTY_OAUTH_SCOPES``
configure it (``PAGERDUTY_OAUTH_TOKEN_URL`` overrides the token endpoint). A plain bearer token
(``PAGERDUTY_OAUTH_TOKEN``) needs none of this: ``Settings`` already sends it as ``Bearer``.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx2

from pagerduty_mcp.common.pagerduty.config import Credential, check_url
from pagerduty_mcp.common.pagerduty.errors import ToolFailure
from pagerduty_mcp.common.pagerduty.logs import redact, register_secret
from pagerduty_mcp.common.pagerduty.text import clean_text

__all__ = ["ClientCredentials", "TokenSource", "app_from_env", "default_token_url"]


def app_from_env(env: Mapping[str, str]) -> tuple[str, str] | None:
    """The operator's PagerDuty OAuth app, ``(client id, secret)``, registered for redaction;
    ``None`` when no client id is set. Client credentials and sign-in share it."""
    client_id = env.get("PAGERDUTY_OAUTH_CLIENT_ID", "").strip()
    if not client_id:
        return None
    secret = env.get("PAGERDUTY_OAUTH_CLIENT_SECRET", "").strip()
    if not secret:
        raise ValueError("PAGERDUTY_OAUTH_CLIENT_ID is set but PAGERDUTY_OAUTH_CLIENT_SECRET is not")
    register_secret(secret)
    return client_id, secret


log = logging.getLogger(__name__)

# Renew this long before expiry (or at half the lifetime, for short-lived tokens).
RENEW_MARGIN_SECONDS = 300.0


def default_token_url(api_host: str) -> str:
    """PagerDuty's token endpoint for the region of ``api_host``."""
    region = ".eu" if ".eu." in api_host else ""
    return f"https://identity{region}.pagerduty.com/oauth/token"


@dataclass(frozen=True)
class ClientCredentials:
    """An OAuth app's client id and secret, the scopes it asks for, and where it asks."""

    client_id: str
    client_secret: str = field(repr=False)
    scopes: tuple[str, ...]
    token_url: str

    @classmethod
    def from_env(cls, api_host: str, env: Mapping[str, str] | None = None) -> ClientCredentials | None:
        """Read the ``PAGERDUTY_OAUTH_*`` variables; ``None`` when no client id is set."""
        env = os.environ if env is None else env
        app = app_from_env(env)
        if app is None:
            return None
        client_id, secret = app
        scopes = tuple(env.get("PAGERDUTY_OAUTH_SCOPES", "").replace(",", " ").split())
        if not scopes:
            raise ValueError(
                "PAGERDUTY_OAUTH_SCOPES is empty: list the scopes the app may use, e.g. "
                '"as_account-us.yoursubdomain incidents.read services.read"'
            )
        token_url = (env.get("PAGERDUTY_OAUTH_TOKEN_URL") or default_token_url(api_host)).strip()
        check_url("PAGERDUTY_OAUTH_TOKEN_URL", token_url)
        return cls(client_id, secret, scopes, token_url)


@dataclass(frozen=True)
class _Token:
    credential: Credential
    scopes: frozenset[str]
    renew_at: float  # time.monotonic()


class TokenSource:
    """Hands out a valid access token for one OAuth app, renewing it before it expires.

    Thread-safe: concurrent tool calls share one token and at most one renewal runs at a time.
    """

    def __init__(
        self,
        app: ClientCredentials,
        *,
        transport: httpx2.BaseTransport | None = None,
        timeout_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self._transport = transport
        self._timeout = timeout_seconds
        self._clock = clock
        self._token: _Token | None = None
        self._lock = threading.Lock()
        self.fetches = 0

    def current(self) -> tuple[Credential, frozenset[str]]:
        """A token that is not about to expire, and the scopes PagerDuty granted it."""
        with self._lock:
            token = self._token
            if token is None or self._clock() >= token.renew_at:
                token = self._token = self._fetch()
            return token.credential, token.scopes

    def invalidate(self, credential: Credential) -> None:
        """Forget ``credential`` (PagerDuty refused it), so the next call fetches a new one."""
        with self._lock:
            if self._token is not None and self._token.credential == credential:
                self._token = None

    def _fetch(self) -> _Token:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.app.client_id,
            "client_secret": self.app.client_secret,
            "scope": " ".join(self.app.scopes),
        }
        kwargs: dict[str, Any] = {"timeout": self._timeout}
        if self._transport is not None:
            kwargs["transport"] = self._transport
        try:
            with httpx2.Client(**kwargs) as http:
                response = http.post(self.app.token_url, data=form, headers={"Accept": "application/json"})
        except httpx2.TransportError as exc:
            raise ToolFailure(
                "UPSTREAM_ERROR",
                f"Could not reach PagerDuty's OAuth token endpoint ({type(exc).__name__}). Try again in a moment.",
            ) from exc
        self.fetches += 1
        body = _json(response)
        token = body.get("access_token")
        if not response.is_success or not isinstance(token, str) or not token:
            # Only the OAuth error code and its description: never echo the request (it has the secret).
            said = f" ({body.get('error')}: {body.get('error_description')})" if body.get("error") else ""
            said = clean_text(redact(said), 300)  # the endpoint's words may echo what it was sent
            raise ToolFailure(
                "UNAUTHORIZED",
                f"PagerDuty refused the OAuth client credentials with {response.status_code}{said}. Check "
                "PAGERDUTY_OAUTH_CLIENT_ID, PAGERDUTY_OAUTH_CLIENT_SECRET and PAGERDUTY_OAUTH_SCOPES.",
            )
        register_secret(token, slot="oauth-app-token")  # a renewal replaces it
        lifetime = _seconds(body.get("expires_in"), 3600.0)
        margin = min(RENEW_MARGIN_SECONDS, lifetime / 2)
        granted = frozenset(str(body.get("scope") or " ".join(self.app.scopes)).split())
        log.info("OAuth: got an app token for %d scope(s), valid %d s", len(granted), lifetime)
        return _Token(Credential(token, "bearer"), granted, self._clock() + lifetime - margin)


def _json(response: httpx2.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _seconds(value: Any, default: float) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return default
    return seconds if seconds > 0 else default
