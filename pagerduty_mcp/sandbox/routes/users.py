"""Users, with their contact methods and notification rules."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model.store import Store, public
from pagerduty_mcp.sandbox.model.users import teams_of
from pagerduty_mcp.sandbox.protocol import ApiError, bad_request, matches_query, paginate_offset
from pagerduty_mcp.sandbox.router import Context, route

__all__ = ["render_user"]

USER_INCLUDES = ("contact_methods", "notification_rules", "teams", "subdomains")


def render_user(state: Store, user: dict[str, Any], includes: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    out = public(user)
    out["teams"] = [state.ref_to("teams", t) for t in teams_of(state, user["id"])]
    if "contact_methods" in includes:
        out["contact_methods"] = [public(state.get("contact_methods", c["id"])) for c in user["contact_methods"]]
    if "notification_rules" in includes:
        out["notification_rules"] = [
            public(state.get("notification_rules", r["id"])) for r in user["notification_rules"]
        ]
    if "teams" in includes:
        out["teams"] = [public(state.get("teams", t["id"])) for t in out["teams"]]
    return out


def _user_includes(ctx: Context) -> list[str]:
    return ctx.req.enum_array("include", USER_INCLUDES)


def _user(ctx: Context, ident: str) -> dict[str, Any]:
    return ctx.state.get("users", ident)


# -- users --------------------------------------------------------------------------------------
@route("GET", "/users")
def list_users(ctx: Context) -> dict[str, Any]:
    query = ctx.req.arg("query")
    team_ids = ctx.req.array("team_ids")
    includes = _user_includes(ctx)
    state = ctx.state
    users = [
        u
        for u in state.all("users")
        if matches_query(query, u["name"], u["email"])
        and (not team_ids or any(t in teams_of(state, u["id"]) for t in team_ids))
    ]
    users.sort(key=lambda u: u["name"])
    page = paginate_offset(users, ctx.req, "users")
    page["users"] = [render_user(state, u, includes) for u in page["users"]]
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
    return {"user": render_user(ctx.state, _user(ctx, principal.user_id), _user_includes(ctx))}


@route("GET", "/users/{id}")
def get_user(ctx: Context) -> dict[str, Any]:
    return {"user": render_user(ctx.state, _user(ctx, ctx.params["id"]), _user_includes(ctx))}


@route("GET", "/users/{id}/contact_methods")
def list_contact_methods(ctx: Context) -> dict[str, Any]:
    user = _user(ctx, ctx.params["id"])
    return {"contact_methods": [public(ctx.state.get("contact_methods", c["id"])) for c in user["contact_methods"]]}


@route("GET", "/users/{id}/notification_rules")
def list_notification_rules(ctx: Context) -> dict[str, Any]:
    user = _user(ctx, ctx.params["id"])
    urgency = ctx.req.arg("urgency", "high")
    if urgency not in ("high", "low", "all"):
        raise bad_request(errors=["urgency must be one of high, low, all"])
    includes = ctx.req.enum_array("include", ("contact_methods",))
    rules = []
    for reference in user["notification_rules"]:
        rule = public(ctx.state.get("notification_rules", reference["id"]))
        if urgency != "all" and rule["urgency"] != urgency:
            continue
        if "contact_methods" in includes:
            rule["contact_method"] = public(ctx.state.get("contact_methods", rule["contact_method"]["id"]))
        rules.append(rule)
    return {"notification_rules": rules}
