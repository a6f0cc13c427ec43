"""PagerDuty's identity service: ``GET /oauth/authorize``, ``POST /oauth/token`` (client
credentials, authorization code, refresh token) and ``POST /oauth/revoke``.

They carry their own credentials (a client id and secret), and answer as an OAuth server does:
``{"error", "error_description"}``, redirects, and ``cache-control: no-store`` on what a user's
sign-in hands out.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from pagerduty_mcp.sandbox.model import identity
from pagerduty_mcp.sandbox.protocol import Reply
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []

_NO_STORE = {"cache-control": "no-store"}
_AUTHORIZE_ARGS = (
    "client_id",
    "redirect_uri",
    "state",
    "response_type",
    "code_challenge",
    "code_challenge_method",
    "deny",
    "login_as",
    "scope",
)


def _error(error: identity.OAuthError, headers: dict[str, str] | None = None) -> Reply:
    return Reply(error.body(), error.status, dict(headers or {}))


def _form(ctx: Context) -> dict[str, Any]:
    """A token endpoint's form: URL-encoded as OAuth says, or JSON as some clients send."""
    if "json" in ctx.req.headers.get("content-type", ""):
        data = ctx.req.json()
        return data if isinstance(data, dict) else {}
    return dict(parse_qsl(ctx.req.body.decode("utf-8", "replace"), keep_blank_values=True))


@route("GET", "/oauth/authorize", auth=False)
def authorize(ctx: Context) -> Reply:
    try:
        back = identity.authorize(ctx.store, {name: ctx.req.arg(name) for name in _AUTHORIZE_ARGS}, ctx.now)
    except identity.OAuthError as error:
        return _error(error, _NO_STORE)
    query = urlencode({k: v for k, v in back.params.items() if v is not None})
    joiner = "&" if urlsplit(back.uri).query else "?"
    return Reply(None, 302, {"location": f"{back.uri}{joiner}{query}", **_NO_STORE})


@route("POST", "/oauth/token", auth=False)
def issue_token(ctx: Context) -> Reply:
    form = _form(ctx)
    grant = form.get("grant_type")
    if grant in ("authorization_code", "refresh_token"):
        try:
            client_id = identity.client_of(ctx.store, form, ctx.req.headers.get("authorization", ""))
            exchange = identity.code_grant if grant == "authorization_code" else identity.refresh_grant
            return Reply(exchange(ctx.store, client_id, form, ctx.now), 200, dict(_NO_STORE))
        except identity.OAuthError as error:
            return _error(error, _NO_STORE)
    if grant != "client_credentials":
        wanted = "grant_type must be client_credentials, authorization_code or refresh_token"
        return _error(identity.OAuthError(400, "unsupported_grant_type", wanted))
    try:
        return Reply(identity.client_credentials(ctx.store, form, ctx.now), 200)
    except identity.OAuthError as error:
        return _error(error)


@route("POST", "/oauth/revoke", auth=False)
def revoke(ctx: Context) -> Reply:
    """RFC 7009: revoke an access or a refresh token (and its pair); unknown tokens are fine."""
    form = _form(ctx)
    try:
        identity.client_of(ctx.store, form, ctx.req.headers.get("authorization", ""))
    except identity.OAuthError as error:
        return _error(error, _NO_STORE)
    identity.revoke(ctx.store, str(form.get("token") or ""))
    return Reply(None, 200)
