"""Teams and their members."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model.store import Store, public
from pagerduty_mcp.sandbox.protocol import Reply, bad_request, matches_query, not_found, paginate_offset
from pagerduty_mcp.sandbox.router import Context, route
from pagerduty_mcp.sandbox.routes.users import render_user

__all__: list[str] = []

TEAM_ROLES = ("observer", "responder", "manager")


@route("GET", "/teams")
def list_teams(ctx: Context) -> dict[str, Any]:
    query = ctx.req.arg("query")
    teams = sorted((t for t in ctx.state.all("teams") if matches_query(query, t["name"])), key=lambda t: t["name"])
    page = paginate_offset(teams, ctx.req, "teams")
    page["teams"] = [public(t) for t in page["teams"]]
    return page


def _check_team_fields(state: Store, data: dict[str, Any], exclude: str | None = None) -> None:
    name = data.get("name")
    if name is not None:
        if not isinstance(name, str) or not name.strip():
            raise bad_request(errors=["Name can't be blank"])
        if any(t["name"].lower() == name.strip().lower() and t["id"] != exclude for t in state.all("teams")):
            raise bad_request(errors=["Name has already been taken"])
    if "description" in data and data["description"] is not None and not isinstance(data["description"], str):
        raise bad_request(errors=["description must be a string"])
    parent = data.get("parent")
    if parent is not None:
        if not isinstance(parent, dict) or "id" not in parent:
            raise bad_request(errors=["parent must be a team reference"])
        state.get("teams", parent["id"])


@route("POST", "/teams")
def create_team(ctx: Context) -> Reply:
    data = ctx.req.entity("team")
    if not data.get("name"):
        raise bad_request(errors=["Name can't be blank"])
    _check_team_fields(ctx.state, data)
    team: dict[str, Any] = {
        "name": data["name"].strip(),
        "description": data.get("description") or "",
        "default_role": data.get("default_role", "manager"),
        "parent": ctx.state.ref_to("teams", data["parent"]["id"]) if data.get("parent") else None,
    }
    ctx.state.stamp("teams", team, team["name"])
    ctx.state.put("teams", team)
    ctx.state.memberships[team["id"]] = {}
    return Reply({"team": public(team)}, 201)


@route("GET", "/teams/{id}")
def get_team(ctx: Context) -> dict[str, Any]:
    return {"team": public(ctx.state.get("teams", ctx.params["id"]))}


@route("PUT", "/teams/{id}")
def update_team(ctx: Context) -> dict[str, Any]:
    team = ctx.state.get("teams", ctx.params["id"])
    data = ctx.req.entity("team")
    _check_team_fields(ctx.state, data, exclude=team["id"])
    if data.get("name"):
        team["name"] = team["summary"] = data["name"].strip()
    if "description" in data:
        team["description"] = data["description"] or ""
    if "parent" in data:
        team["parent"] = ctx.state.ref_to("teams", data["parent"]["id"]) if data["parent"] else None
    ctx.state.refresh_summaries(team)
    return {"team": public(team)}


@route("DELETE", "/teams/{id}")
def delete_team(ctx: Context) -> Reply:
    state = ctx.state
    team = state.get("teams", ctx.params["id"])
    reassign = ctx.req.arg("reassignment_team")
    if reassign:
        state.get("teams", reassign)
    del state.tables["teams"][team["id"]]
    state.memberships.pop(team["id"], None)
    for kind in ("services", "escalation_policies"):
        for obj in state.all(kind):
            obj["teams"] = [t for t in obj.get("teams", []) if t["id"] != team["id"]]
    for schedule in state.all("schedules"):
        schedule["_team_ids"] = [t for t in schedule.get("_team_ids", []) if t != team["id"]]
    return Reply(None, 204)


@route("GET", "/teams/{id}/members")
def list_team_members(ctx: Context) -> dict[str, Any]:
    state = ctx.state
    team = state.get("teams", ctx.params["id"])
    includes = ctx.req.enum_array("include", ("users",))
    members = sorted(state.memberships.get(team["id"], {}).items(), key=lambda m: state.get("users", m[0])["name"])
    page = paginate_offset(members, ctx.req, "members")
    page["members"] = [
        {
            "user": render_user(state, state.get("users", uid)) if "users" in includes else state.ref_to("users", uid),
            "role": role,
        }
        for uid, role in page["members"]
    ]
    return page


@route("PUT", "/teams/{id}/users/{user_id}")
def add_team_member(ctx: Context) -> Reply:
    state = ctx.state
    team = state.get("teams", ctx.params["id"])
    user = state.get("users", ctx.params["user_id"])
    role = team.get("default_role", "manager")
    if ctx.req.body:
        data = ctx.req.json()
        if not isinstance(data, dict):
            raise bad_request(errors=['The body must be an object such as {"role": "responder"}'])
        role = data.get("role", role)
    if role not in TEAM_ROLES:
        raise bad_request(errors=[f"role must be one of {', '.join(TEAM_ROLES)}"])
    state.memberships.setdefault(team["id"], {})[user["id"]] = role
    return Reply(None, 204)


@route("DELETE", "/teams/{id}/users/{user_id}")
def remove_team_member(ctx: Context) -> Reply:
    state = ctx.state
    team = state.get("teams", ctx.params["id"])
    user = state.get("users", ctx.params["user_id"])
    members = state.memberships.get(team["id"], {})
    if user["id"] not in members:
        raise not_found("team member", user["id"])
    del members[user["id"]]
    return Reply(None, 204)
