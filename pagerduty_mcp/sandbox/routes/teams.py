"""Teams and their members."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model import teams
from pagerduty_mcp.sandbox.protocol import Reply, bad_request, paginate_offset
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []


@route("GET", "/teams")
def list_teams(ctx: Context) -> dict[str, Any]:
    page = paginate_offset(teams.listed(ctx.store, ctx.req.arg("query")), ctx.req, "teams")
    page["teams"] = [teams.shown(t) for t in page["teams"]]
    return page


@route("POST", "/teams")
def create_team(ctx: Context) -> Reply:
    return Reply({"team": teams.shown(teams.create_team(ctx.store, ctx.req.entity("team")))}, 201)


@route("GET", "/teams/{id}")
def get_team(ctx: Context) -> dict[str, Any]:
    return {"team": teams.shown(ctx.store.get("teams", ctx.params["id"]))}


@route("PUT", "/teams/{id}")
def update_team(ctx: Context) -> dict[str, Any]:
    team = ctx.store.get("teams", ctx.params["id"])
    return {"team": teams.shown(teams.update_team(ctx.store, team, ctx.req.entity("team")))}


@route("DELETE", "/teams/{id}")
def delete_team(ctx: Context) -> Reply:
    teams.delete_team(ctx.store, ctx.params["id"], ctx.req.arg("reassignment_team"))
    return Reply(None, 204)


@route("GET", "/teams/{id}/members")
def list_team_members(ctx: Context) -> dict[str, Any]:
    team = ctx.store.get("teams", ctx.params["id"])
    with_users = "users" in ctx.req.enum_array("include", ("users",))
    page = paginate_offset(teams.members(ctx.store, team), ctx.req, "members")
    page["members"] = [teams.member_view(ctx.store, uid, role, with_users) for uid, role in page["members"]]
    return page


@route("PUT", "/teams/{id}/users/{user_id}")
def add_team_member(ctx: Context) -> Reply:
    team = ctx.store.get("teams", ctx.params["id"])
    user = ctx.store.get("users", ctx.params["user_id"])
    role = teams.default_role(team)
    if ctx.req.body:
        data = ctx.req.json()
        if not isinstance(data, dict):
            raise bad_request(errors=['The body must be an object such as {"role": "responder"}'])
        role = data.get("role", role)
    teams.add_member(ctx.store, team, user, role)
    return Reply(None, 204)


@route("DELETE", "/teams/{id}/users/{user_id}")
def remove_team_member(ctx: Context) -> Reply:
    team = ctx.store.get("teams", ctx.params["id"])
    teams.remove_member(ctx.store, team, ctx.store.get("users", ctx.params["user_id"]))
    return Reply(None, 204)
