"""OAuth client credentials: ``POST /oauth/token`` issues a scoped bearer token."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl

from pagerduty_mcp.sandbox.protocol import Reply
from pagerduty_mcp.sandbox.router import Context, route

__all__ = ["TOKEN_LIFETIME"]

TOKEN_LIFETIME = timedelta(hours=24)


def _oauth_error(status: int, error: str, description: str) -> Reply:
    return Reply({"error": error, "error_description": description}, status)


@route("POST", "/oauth/token", auth=False)
def issue_token(ctx: Context) -> Reply:
    content_type = ctx.req.headers.get("content-type", "")
    form: dict[str, Any]
    if "json" in content_type:
        data = ctx.req.json()
        form = data if isinstance(data, dict) else {}
    else:
        form = dict(parse_qsl(ctx.req.body.decode("utf-8", "replace"), keep_blank_values=True))
    if form.get("grant_type") != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "Only grant_type=client_credentials is supported")
    client = ctx.state.oauth_clients.get(str(form.get("client_id", "")))
    if client is None or client[0] != form.get("client_secret"):
        return _oauth_error(401, "invalid_client", "Unknown client_id or wrong client_secret")
    scope = " ".join(str(form.get("scope") or "read").split())
    now = ctx.now
    digest = hashlib.sha256(
        f"{form['client_id']}:{scope}:{now.isoformat()}:{len(ctx.state.tables['oauth_tokens'])}".encode()
    )
    token = "pdus+_0X" + digest.hexdigest()[:40]
    ctx.state.tables["oauth_tokens"][token] = {
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
