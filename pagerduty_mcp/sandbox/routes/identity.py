"""PagerDuty's identity service for a user's sign-in: authorization code with PKCE, refresh, revocation.

``GET /oauth/authorize`` approves at once, as the user ``login_as`` names (an email or a user id;
the account's current user when absent), so that a sign-in runs without a browser. A real
consent screen would let the user refuse: ``deny=1`` does that. What the user is granted follows
their role: observers and read-only roles get the ``*.read`` scopes they asked for, nothing more.

``POST /oauth/token`` (routes/oauth.py) hands ``authorization_code`` and ``refresh_token`` grants to
:func:`token_grant`; ``POST /oauth/revoke`` revokes an access or refresh token. Access tokens land in
the ``oauth_tokens`` table that the REST routes already accept, acting as their user, limited to
their scopes. Errors are those of an OAuth server: a wrong verifier, a reused code, a redirect URI
that does not match, an expired or revoked token.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import weakref
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from pagerduty_mcp.sandbox.model.store import Store
from pagerduty_mcp.sandbox.protocol import Reply
from pagerduty_mcp.sandbox.router import Context, route

__all__ = ["Identity", "identity_of", "read_form", "token_grant"]

# Roles whose users PagerDuty lets read, never change.
READ_ONLY_ROLES = frozenset({"observer", "read_only_user", "read_only_limited_user", "restricted_access"})


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


_identities: weakref.WeakKeyDictionary[Store, Identity] = weakref.WeakKeyDictionary()


def identity_of(state: Store) -> Identity:
    """The identity service of ``state``'s account (created on first use)."""
    found = _identities.get(state)
    if found is None:
        found = _identities[state] = Identity()
    return found


def _error(status: int, error: str, description: str) -> Reply:
    return Reply({"error": error, "error_description": description}, status, {"cache-control": "no-store"})


def _redirect(uri: str, **params: str | None) -> Reply:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    joiner = "&" if urlsplit(uri).query else "?"
    return Reply(None, 302, {"location": f"{uri}{joiner}{query}", "cache-control": "no-store"})


def _find_user(state: Store, who: str | None) -> dict[str, Any] | None:
    if not who:
        return state.find("users", state.current_user_id)
    wanted = who.strip().lower()
    for user in state.all("users"):
        if user["id"].lower() == wanted or str(user.get("email", "")).lower() == wanted:
            return user
    return None


def _granted(user: dict[str, Any], asked: tuple[str, ...]) -> tuple[str, ...]:
    if user.get("role") in READ_ONLY_ROLES:
        return tuple(s for s in asked if s.endswith(".read") or s == "read")
    return asked


@route("GET", "/oauth/authorize", auth=False)
def authorize(ctx: Context) -> Reply:
    req, state = ctx.req, ctx.store
    book = identity_of(state)
    client_id = req.arg("client_id") or ""
    redirect_uri = req.arg("redirect_uri") or ""
    if client_id not in state.oauth_clients:
        return _error(400, "invalid_client", f"Unknown client_id {client_id!r}")
    # Never redirect to an address the app did not register: answer here instead.
    if not redirect_uri or not book.redirect_allowed(client_id, redirect_uri):
        return _error(400, "invalid_request", "redirect_uri is missing or not registered for this app")
    client_state = req.arg("state")
    if req.arg("response_type") != "code":
        return _redirect(redirect_uri, error="unsupported_response_type", state=client_state)
    challenge = req.arg("code_challenge") or ""
    if req.arg("code_challenge_method") != "S256" or not challenge:
        return _redirect(
            redirect_uri,
            error="invalid_request",
            error_description="PKCE is required: code_challenge with code_challenge_method=S256",
            state=client_state,
        )
    if (req.arg("deny") or "").lower() in ("1", "true", "yes"):
        return _redirect(redirect_uri, error="access_denied", error_description="The user declined", state=client_state)
    user = _find_user(state, req.arg("login_as"))
    if user is None:
        return _redirect(redirect_uri, error="access_denied", error_description="No such user", state=client_state)
    asked = tuple(dict.fromkeys((req.arg("scope") or "read").split()))
    code = secrets.token_urlsafe(24)
    book.codes[code] = _Code(
        client_id, redirect_uri, challenge, user["id"], _granted(user, asked), ctx.now + book.code_lifetime
    )
    return _redirect(redirect_uri, code=code, state=client_state)


def read_form(ctx: Context) -> dict[str, Any]:
    """A token endpoint's form: URL-encoded as OAuth says, or JSON as some clients send."""
    if "json" in ctx.req.headers.get("content-type", ""):
        data = ctx.req.json()
        return data if isinstance(data, dict) else {}
    return dict(parse_qsl(ctx.req.body.decode("utf-8", "replace"), keep_blank_values=True))


def _client_ok(state: Store, form: dict[str, Any], authorization: str) -> str | None:
    """The authenticated client id (form fields or HTTP Basic), or ``None``."""
    client_id, secret = str(form.get("client_id") or ""), str(form.get("client_secret") or "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "basic" and value:
        try:
            client_id, _, secret = base64.b64decode(value.strip()).decode().partition(":")
        except ValueError:
            return None
    known = state.oauth_clients.get(client_id)
    if known is None or not secrets.compare_digest(known[0].encode(), secret.encode()):
        return None
    return client_id


def token_grant(ctx: Context, form: dict[str, Any]) -> Reply:
    """``authorization_code`` and ``refresh_token`` grants of ``POST /oauth/token``."""
    client_id = _client_ok(ctx.store, form, ctx.req.headers.get("authorization", ""))
    if client_id is None:
        return _error(401, "invalid_client", "Unknown client_id or wrong client_secret")
    if form.get("grant_type") == "authorization_code":
        return _code_grant(ctx, client_id, form)
    return _refresh_grant(ctx, client_id, form)


def _code_grant(ctx: Context, client_id: str, form: dict[str, Any]) -> Reply:
    book = identity_of(ctx.store)
    code = book.codes.get(str(form.get("code") or ""))
    if code is None or code.client_id != client_id:
        return _error(400, "invalid_grant", "The authorization code is not valid")
    if code.used:
        # RFC 6749 §4.1.2: a code used twice revokes what it was exchanged for.
        _revoke_user_tokens(ctx.store, code)
        return _error(400, "invalid_grant", "The authorization code was already used")
    if code.expires <= ctx.now:
        return _error(400, "invalid_grant", "The authorization code has expired")
    if str(form.get("redirect_uri") or "") != code.redirect_uri:
        return _error(400, "invalid_grant", "redirect_uri does not match the one of the authorization request")
    verifier = str(form.get("code_verifier") or "")
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    if not verifier or not secrets.compare_digest(digest, code.challenge):
        return _error(400, "invalid_grant", "The code_verifier does not match the code_challenge")
    code.used = True
    return _issue(ctx, client_id, code.user_id, code.scopes)


def _refresh_grant(ctx: Context, client_id: str, form: dict[str, Any]) -> Reply:
    book = identity_of(ctx.store)
    presented = str(form.get("refresh_token") or "")
    refresh = book.refresh_tokens.get(presented)
    if refresh is None or refresh.client_id != client_id:
        reason = "was revoked" if presented in book.revoked else "is not valid"
        return _error(400, "invalid_grant", f"The refresh token {reason}")
    if refresh.expires <= ctx.now:
        del book.refresh_tokens[presented]
        return _error(400, "invalid_grant", "The refresh token has expired")
    asked = tuple((form.get("scope") or " ".join(refresh.scopes)).split())
    if not set(asked) <= set(refresh.scopes):
        return _error(400, "invalid_scope", "A refresh cannot add scopes the user did not grant")
    # Rotation: the old refresh token and its access token stop working.
    del book.refresh_tokens[presented]
    book.revoked.add(presented)
    ctx.store.tables["oauth_tokens"].pop(refresh.access_token, None)
    return _issue(ctx, client_id, refresh.user_id, asked)


def _issue(ctx: Context, client_id: str, user_id: str, scopes: tuple[str, ...]) -> Reply:
    book = identity_of(ctx.store)
    access = "pdus+_0X" + secrets.token_hex(20)
    refresh = "pdur+_0X" + secrets.token_hex(20)
    scope = " ".join(scopes)
    ctx.store.tables["oauth_tokens"][access] = {
        "id": access,
        "type": "oauth_token",
        "scope": scope,
        "_expires": ctx.now + book.access_lifetime,
        "_user_id": user_id,
        "_client_id": client_id,
    }
    book.refresh_tokens[refresh] = _Refresh(client_id, user_id, scopes, ctx.now + book.refresh_lifetime, access)
    body = {
        "access_token": access,
        "token_type": "bearer",
        "expires_in": int(book.access_lifetime.total_seconds()),
        "refresh_token": refresh,
        "refresh_token_expires_in": int(book.refresh_lifetime.total_seconds()),
        "scope": scope,
    }
    return Reply(body, 200, {"cache-control": "no-store"})


def _revoke_user_tokens(state: Store, code: _Code) -> None:
    book = identity_of(state)
    for token, refresh in list(book.refresh_tokens.items()):
        if refresh.client_id == code.client_id and refresh.user_id == code.user_id:
            state.tables["oauth_tokens"].pop(refresh.access_token, None)
            del book.refresh_tokens[token]
            book.revoked.add(token)


@route("POST", "/oauth/revoke", auth=False)
def revoke(ctx: Context) -> Reply:
    """RFC 7009: revoke an access or a refresh token (and its pair); unknown tokens are fine."""
    form = read_form(ctx)
    client_id = _client_ok(ctx.store, form, ctx.req.headers.get("authorization", ""))
    if client_id is None:
        return _error(401, "invalid_client", "Unknown client_id or wrong client_secret")
    book = identity_of(ctx.store)
    token = str(form.get("token") or "")
    refresh = book.refresh_tokens.pop(token, None)
    if refresh is not None:
        book.revoked.add(token)
        ctx.store.tables["oauth_tokens"].pop(refresh.access_token, None)
    elif ctx.store.tables["oauth_tokens"].pop(token, None) is not None:
        for key, pair in list(book.refresh_tokens.items()):
            if pair.access_token == token:
                del book.refresh_tokens[key]
                book.revoked.add(key)
    return Reply(None, 200)
