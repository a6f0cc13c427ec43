"""Users: read, create, change, delete (how each is reached: ``notifications``)."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model import users
from pagerduty_mcp.sandbox.protocol import ApiError, Reply, paginate_offset
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []


def _includes(ctx: Context) -> list[str]:
    return ctx.req.enum_array("include", users.INCLUDES)


@route("GET", "/users")
def list_users(ctx: Context) -> dict[str, Any]:
    query = ctx.req.arg("query")
    team_ids = ctx.req.array("team_ids")
    includes = _includes(ctx)
    page = paginate_offset(users.listed(ctx.store, query, team_ids), ctx.req, "users")
    page["users"] = [users.shown(ctx.store, u, includes) for u in page["users"]]
    return page


@route("GET", "/users/me")
def get_current_user(ctx: Context) -> dict[str, Any]:
    principal = ctx.principal
    if principal is None or principal.user_id is None:
        raise ApiError(
            400,
            "Because this request was made using an account-level access token, we were unable to "
            "determine the user's identity. Please use a user-level token.",
            2001,
            ["GET /users/me needs a user-level API token or a user's OAuth token"],
        )
    return {"user": users.shown(ctx.store, ctx.store.get("users", principal.user_id), _includes(ctx))}


@route("GET", "/users/{id}")
def get_user(ctx: Context) -> dict[str, Any]:
    return {"user": users.shown(ctx.store, ctx.store.get("users", ctx.params["id"]), _includes(ctx))}


@route("POST", "/users")
def create_user(ctx: Context) -> Reply:
    ctx.acting_user()
    user = users.create_user(ctx.store, ctx.req.entity("user"))
    return Reply({"user": users.shown(ctx.store, user)}, 201)


@route("PUT", "/users/{id}")
def update_user(ctx: Context) -> dict[str, Any]:
    user = ctx.store.get("users", ctx.params["id"])
    return {"user": users.shown(ctx.store, users.update_user(ctx.store, user, ctx.req.entity("user")))}


@route("DELETE", "/users/{id}")
def delete_user(ctx: Context) -> Reply:
    caller = ctx.principal.user_id if ctx.principal is not None else None
    users.delete_user(ctx.store, ctx.params["id"], caller)
    return Reply(None, 204)
