"""OAuth client credentials: ``POST /oauth/token`` issues a scoped bearer token.

A user's sign-in grants (``authorization_code``, ``refresh_token``) go to routes/identity.py.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from pagerduty_mcp.sandbox.protocol import Reply
from pagerduty_mcp.sandbox.router import Context, route
from pagerduty_mcp.sandbox.routes.identity import read_form, token_grant

__all__ = ["TOKEN_LIFETIME"]

TOKEN_LIFETIME = timedelta(hours=24)


def _oauth_error(status: int, error: str, description: str) -> Reply:
    return Reply({"error": error, "error_description": description}, status)


@route("POST", "/oauth/token", auth=False)
def issue_token(ctx: Context) -> Reply:
    form: dict[str, Any] = read_form(ctx)
    if form.get("grant_type") in ("authorization_code", "refresh_token"):
        return token_grant(ctx, form)
    if form.get("grant_type") != "client_credentials":
        return _oauth_error(
            400,
            "unsupported_grant_type",
            "grant_type must be client_credentials, authorization_code or refresh_token",
        )
    client = ctx.store.oauth_clients.get(str(form.get("client_id", "")))
    if client is None or client[0] != form.get("client_secret"):
        return _oauth_error(401, "invalid_client", "Unknown client_id or wrong client_secret")
    scope = " ".join(str(form.get("scope") or "read").split())
    now = ctx.now
    digest = hashlib.sha256(
        f"{form['client_id']}:{scope}:{now.isoformat()}:{len(ctx.store.tables['oauth_tokens'])}".encode()
    )
    token = "pdus+_0X" + digest.hexdigest()[:40]
    ctx.store.tables["oauth_tokens"][token] = {
        "id": token,
        "type": "oauth_token",
        "scope": scope,
        "_expires": now + TOKEN_LIFETIME,
        "_user_id": None,
        "_client_id": form["client_id"],
    }
    return Reply(
        {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": int(TOKEN_LIFETIME.total_seconds()),
            "scope": scope,
            "id_token": None,
        },
        200,
    )
