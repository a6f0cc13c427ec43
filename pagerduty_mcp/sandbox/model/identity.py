"""Who is calling, and PagerDuty's identity service: API tokens, app tokens (client credentials),
and a user's sign-in (authorization code with PKCE, refresh, revocation).

The authorization step approves at once, as the user ``login_as`` names (an email or a user id;
the account's current user when absent), so that a sign-in runs without a browser. A real consent
screen would let the user refuse: ``deny=1`` does that. What the user is granted follows their
role: observers and read-only roles get the ``*.read`` scopes they asked for, nothing more.

Access tokens land in the ``oauth_tokens`` table, acting as their user, limited to their scopes.
Errors are those of an OAuth server (:class:`OAuthError`): a wrong verifier, a reused code, a
redirect URI that does not match, an expired or revoked token.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from pagerduty_mcp.sandbox.model.store import Store
from pagerduty_mcp.sandbox.protocol import CODE_AUTHENTICATION, ApiError

__all__ = [
    "TOKEN_LIFETIME",
    "Identity",
    "OAuthError",
    "Principal",
    "Redirect",
    "authenticate",
    "authorize",
    "client_credentials",
    "code_grant",
    "identity_of",
    "refresh_grant",
    "revoke",
    "user_token",
]

# Roles whose users PagerDuty lets read, never change.
READ_ONLY_ROLES = frozenset({"observer", "read_only_user", "read_only_limited_user", "restricted_access"})
# How long an app token (client credentials) lasts.
TOKEN_LIFETIME = timedelta(hours=24)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user token, the account-level token or an OAuth app token."""

    token: str
    user_id: str | None
    kind: str  # "user" | "account" | "oauth"
    scopes: tuple[str, ...] = ()


class OAuthError(Exception):
    """An OAuth server's error answer: ``{"error", "error_description"}`` with its status."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


@dataclass(frozen=True)
class Redirect:
    """Where the authorization step sends the browser back, with these query parameters."""

    uri: str
    params: dict[str, str | None]


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str
    user_id: str
    scopes: tuple[str, ...]
    expires: datetime
    used: bool = False


@dataclass
class _Refresh:
    client_id: str
    user_id: str
    scopes: tuple[str, ...]
    expires: datetime
    access_token: str


@dataclass
class Identity:
    """The identity service's settings and book-keeping for one account.

    Change the lifetimes to test expiry; ``redirect_uris`` lists each app's registered redirect
    URLs (loopback ``http`` URLs are always accepted, as RFC 8252 asks of native apps' servers).
    """

    access_lifetime: timedelta = timedelta(hours=1)
    refresh_lifetime: timedelta = timedelta(days=30)
    code_lifetime: timedelta = timedelta(minutes=10)
    redirect_uris: dict[str, set[str]] = field(default_factory=dict)
    codes: dict[str, _Code] = field(default_factory=dict)
    refresh_tokens: dict[str, _Refresh] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)

    def redirect_allowed(self, client_id: str, uri: str) -> bool:
        if uri in self.redirect_uris.get(client_id, set()):
            return True
        parts = urlsplit(uri)
        return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")


def identity_of(store: Store) -> Identity:
    """The identity service of ``store``'s account (created on first use)."""
    found: Identity = store.book("identity", Identity)
    return found


# -- who is calling --------------------------------------------------------------------------------
def authenticate(store: Store, authorization: str) -> Principal:
    """The caller an ``Authorization`` header names (``Token token=...`` or ``Bearer ...``); 401 otherwise."""
    header = authorization.strip()
    token = ""
    kind = ""
    if header.lower().startswith("token token="):
        token, kind = header[len("token token=") :].strip(), "token"
    elif header.lower().startswith("bearer "):
        token, kind = header[len("bearer ") :].strip(), "bearer"
    unauthorized = ApiError(
        401,
        "Authentication failed",
        CODE_AUTHENTICATION,
        ["The API key or OAuth token is missing or invalid"],
    )
    if not token:
        raise unauthorized
    if kind == "token" and token in store.tokens:
        user_id = store.tokens[token]
        return Principal(token, user_id, "user" if user_id else "account")
    oauth = store.find("oauth_tokens", token) if kind == "bearer" else None
    if oauth is not None:
        if oauth["_expires"] <= store.clock():
            raise unauthorized
        return Principal(token, oauth.get("_user_id"), "oauth", tuple(oauth["scope"].split()))
    if kind == "bearer" and token in store.tokens:
        user_id = store.tokens[token]
        return Principal(token, user_id, "user" if user_id else "account")
    raise unauthorized


def user_token(store: Store, user_id: str) -> str:
    """A user-level API token acting as ``user_id`` (404 ``ApiError`` for unknown users)."""
    store.get("users", user_id)
    token = f"sandbox-token-{user_id}"
    store.tokens[token] = user_id
    return token


# -- app tokens --------------------------------------------------------------------------------------
def client_credentials(store: Store, form: dict[str, Any], at: datetime) -> dict[str, Any]:
    """An app token for a registered client, with the scopes it asks for (``read`` by default)."""
    client = store.oauth_clients.get(str(form.get("client_id", "")))
    if client is None or client[0] != form.get("client_secret"):
        raise OAuthError(401, "invalid_client", "Unknown client_id or wrong client_secret")
    scope = " ".join(str(form.get("scope") or "read").split())
    digest = hashlib.sha256(f"{form['client_id']}:{scope}:{at.isoformat()}:{store.count('oauth_tokens')}".encode())
    token = "pdus+_0X" + digest.hexdigest()[:40]
    store.put(
        "oauth_tokens",
        {
            "id": token,
            "type": "oauth_token",
            "scope": scope,
            "_expires": at + TOKEN_LIFETIME,
            "_user_id": None,
            "_client_id": form["client_id"],
        },
    )
    return {
        "access_token": token,
        "token_type": "bearer",
        "expires_in": int(TOKEN_LIFETIME.total_seconds()),
        "scope": scope,
        "id_token": None,
    }


# -- a user's sign-in ------------------------------------------------------------------------------
def _find_user(store: Store, who: str | None) -> dict[str, Any] | None:
    if not who:
        return store.find("users", store.current_user_id)
    wanted = who.strip().lower()
    for user in store.all("users"):
        if user["id"].lower() == wanted or str(user.get("email", "")).lower() == wanted:
            return user
    return None


def _granted(user: dict[str, Any], asked: tuple[str, ...]) -> tuple[str, ...]:
    if user.get("role") in READ_ONLY_ROLES:
        return tuple(s for s in asked if s.endswith(".read") or s == "read")
    return asked


def authorize(store: Store, args: dict[str, str | None], at: datetime) -> Redirect:
    """The authorization step (``args`` are its query parameters): a code for the app's redirect
    URI, or an error sent there. An unknown app or an unregistered redirect URI is answered here
    instead (:class:`OAuthError`): never redirect to an address the app did not register."""
    book = identity_of(store)
    client_id = args.get("client_id") or ""
    redirect_uri = args.get("redirect_uri") or ""
    if client_id not in store.oauth_clients:
        raise OAuthError(400, "invalid_client", f"Unknown client_id {client_id!r}")
    if not redirect_uri or not book.redirect_allowed(client_id, redirect_uri):
        raise OAuthError(400, "invalid_request", "redirect_uri is missing or not registered for this app")
    client_state = args.get("state")
    if args.get("response_type") != "code":
        return Redirect(redirect_uri, {"error": "unsupported_response_type", "state": client_state})
    challenge = args.get("code_challenge") or ""
    if args.get("code_challenge_method") != "S256" or not challenge:
        return Redirect(
            redirect_uri,
            {
                "error": "invalid_request",
                "error_description": "PKCE is required: code_challenge with code_challenge_method=S256",
                "state": client_state,
            },
        )
    if (args.get("deny") or "").lower() in ("1", "true", "yes"):
        return Redirect(
            redirect_uri, {"error": "access_denied", "error_description": "The user declined", "state": client_state}
        )
    user = _find_user(store, args.get("login_as"))
    if user is None:
        return Redirect(
            redirect_uri, {"error": "access_denied", "error_description": "No such user", "state": client_state}
        )
    asked = tuple(dict.fromkeys((args.get("scope") or "read").split()))
    code = secrets.token_urlsafe(24)
    book.codes[code] = _Code(
        client_id, redirect_uri, challenge, user["id"], _granted(user, asked), at + book.code_lifetime
    )
    return Redirect(redirect_uri, {"code": code, "state": client_state})


def client_of(store: Store, form: dict[str, Any], authorization: str) -> str:
    """The authenticated client id (form fields or HTTP Basic); 401 ``invalid_client`` otherwise."""
    client_id, secret = str(form.get("client_id") or ""), str(form.get("client_secret") or "")
    scheme, _, value = authorization.partition(" ")
    unknown = OAuthError(401, "invalid_client", "Unknown client_id or wrong client_secret")
    if scheme.lower() == "basic" and value:
        try:
            client_id, _, secret = base64.b64decode(value.strip()).decode().partition(":")
        except ValueError:
            raise unknown from None
    known = store.oauth_clients.get(client_id)
    if known is None or not secrets.compare_digest(known[0].encode(), secret.encode()):
        raise unknown
    return client_id


def code_grant(store: Store, client_id: str, form: dict[str, Any], at: datetime) -> dict[str, Any]:
    """Exchange an authorization code (with its PKCE verifier) for tokens."""
    book = identity_of(store)
    code = book.codes.get(str(form.get("code") or ""))
    if code is None or code.client_id != client_id:
        raise OAuthError(400, "invalid_grant", "The authorization code is not valid")
    if code.used:
        # RFC 6749 §4.1.2: a code used twice revokes what it was exchanged for.
        _revoke_user_tokens(store, code)
        raise OAuthError(400, "invalid_grant", "The authorization code was already used")
    if code.expires <= at:
        raise OAuthError(400, "invalid_grant", "The authorization code has expired")
    if str(form.get("redirect_uri") or "") != code.redirect_uri:
        raise OAuthError(400, "invalid_grant", "redirect_uri does not match the one of the authorization request")
    verifier = str(form.get("code_verifier") or "")
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    if not verifier or not secrets.compare_digest(digest, code.challenge):
        raise OAuthError(400, "invalid_grant", "The code_verifier does not match the code_challenge")
    code.used = True
    return _issue(store, client_id, code.user_id, code.scopes, at)


def refresh_grant(store: Store, client_id: str, form: dict[str, Any], at: datetime) -> dict[str, Any]:
    """New tokens for a refresh token, which is rotated: the old pair stops working."""
    book = identity_of(store)
    presented = str(form.get("refresh_token") or "")
    refresh = book.refresh_tokens.get(presented)
    if refresh is None or refresh.client_id != client_id:
        reason = "was revoked" if presented in book.revoked else "is not valid"
        raise OAuthError(400, "invalid_grant", f"The refresh token {reason}")
    if refresh.expires <= at:
        del book.refresh_tokens[presented]
        raise OAuthError(400, "invalid_grant", "The refresh token has expired")
    asked = tuple((form.get("scope") or " ".join(refresh.scopes)).split())
    if not set(asked) <= set(refresh.scopes):
        raise OAuthError(400, "invalid_scope", "A refresh cannot add scopes the user did not grant")
    del book.refresh_tokens[presented]
    book.revoked.add(presented)
    store.discard("oauth_tokens", refresh.access_token)
    return _issue(store, client_id, refresh.user_id, asked, at)


def _issue(store: Store, client_id: str, user_id: str, scopes: tuple[str, ...], at: datetime) -> dict[str, Any]:
    book = identity_of(store)
    access = "pdus+_0X" + secrets.token_hex(20)
    refresh = "pdur+_0X" + secrets.token_hex(20)
    scope = " ".join(scopes)
    store.put(
        "oauth_tokens",
        {
            "id": access,
            "type": "oauth_token",
            "scope": scope,
            "_expires": at + book.access_lifetime,
            "_user_id": user_id,
            "_client_id": client_id,
        },
    )
    book.refresh_tokens[refresh] = _Refresh(client_id, user_id, scopes, at + book.refresh_lifetime, access)
    return {
        "access_token": access,
        "token_type": "bearer",
        "expires_in": int(book.access_lifetime.total_seconds()),
        "refresh_token": refresh,
        "refresh_token_expires_in": int(book.refresh_lifetime.total_seconds()),
        "scope": scope,
    }


def _revoke_user_tokens(store: Store, code: _Code) -> None:
    book = identity_of(store)
    for token, refresh in list(book.refresh_tokens.items()):
        if refresh.client_id == code.client_id and refresh.user_id == code.user_id:
            store.discard("oauth_tokens", refresh.access_token)
            del book.refresh_tokens[token]
            book.revoked.add(token)


def revoke(store: Store, token: str) -> None:
    """RFC 7009: revoke an access or a refresh token (and its pair); unknown tokens are fine."""
    book = identity_of(store)
    refresh = book.refresh_tokens.pop(token, None)
    if refresh is not None:
        book.revoked.add(token)
        store.discard("oauth_tokens", refresh.access_token)
    elif store.discard("oauth_tokens", token) is not None:
        for key, pair in list(book.refresh_tokens.items()):
            if pair.access_token == token:
                del book.refresh_tokens[key]
                book.revoked.add(key)
