"""Teams: finding them, their members and roles, and changing both."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from pagerduty_mcp.common import (
    Envelope,
    Page,
    Question,
    Ref,
    TeamScope,
    ToolFailure,
    apply_scope,
    fact,
    get_client,
    id_or_url,
    not_found,
    paginate,
    path,
    respond,
    tool,
)
from pagerduty_mcp.servers.people.models import Member, TeamSummary
from pagerduty_mcp.servers.people.params import Id, Limit, Offset, Query
from pagerduty_mcp.servers.people.validators import nothing_to_change, ref

__all__ = [
    "add_team_member",
    "create_team",
    "delete_team",
    "get_team",
    "list_team_members",
    "list_teams",
    "remove_team_member",
    "update_team",
]

TeamRole = Literal["observer", "responder", "manager"]


@tool("List teams")
def list_teams(
    query: Query = None,
    scope: Annotated[TeamScope, Field(description="my_teams or all.")] = "all",
    limit: Limit = 25,
    offset: Offset = 0,
) -> Envelope:
    """Find teams by name."""
    client = get_client()
    scoped = apply_scope(client, scope, None, None)
    if scoped.team_ids is None:
        params = {"query": query} if query else {}
        page = paginate(client, "/teams", "teams", params, limit=limit, offset=offset)
    else:  # the token's user, which apply_scope has just read (and the client keeps a few minutes)
        me = client.current_user() or {}
        mine = [t for t in me.get("teams") or [] if not query or query.lower() in _team_name(t).lower()]
        chunk = mine[offset : offset + limit]
        more = offset + len(chunk) < len(mine)
        page = Page(chunk, more, offset + len(chunk) if more else None, total=len(mine))
    page.notes = scoped.notes + page.notes
    teams = [TeamSummary.from_api(t) for t in page.items]
    return respond("teams", teams, f"{len(teams)} team(s)", page=page)


def _team_name(team: dict[str, Any]) -> str:
    return str(team.get("name") or team.get("summary") or "")


@tool("Get team")
def get_team(team_id: Annotated[Id, id_or_url("Team")]) -> Envelope:
    """One team: parent, members, roles, escalation policies."""
    client = get_client()
    team = TeamSummary.from_api(client.read(path("/teams/{}", team_id))["team"])
    members = paginate(client, path("/teams/{}/members", team_id), "members", {"include[]": ["users"]}, limit=100)
    policies = paginate(client, "/escalation_policies", "escalation_policies", {"team_ids[]": [team_id]}, limit=100)
    detail = {
        **team.model_dump(exclude_none=True),
        "members": [Member.from_api(m) for m in members.items],
        "escalation_policies": [{"id": p["id"], "name": p.get("name")} for p in policies.items],
    }
    more = " (first 100 members)" if members.has_more else ""
    return respond("teams", [detail], f"Team {team.name}: {len(members.items)} member(s){more}")


@tool("List team members")
def list_team_members(team_id: Annotated[Id, id_or_url("Team")], limit: Limit = 25, offset: Offset = 0) -> Envelope:
    """Team members and roles."""
    page = paginate(
        get_client(),
        path("/teams/{}/members", team_id),
        "members",
        {"include[]": ["users"]},
        limit=limit,
        offset=offset,
    )
    members = [Member.from_api(m) for m in page.items]
    return respond("members", members, f"{len(members)} member(s) of team {team_id}", page=page)


@tool("Create team", "create")
def create_team(
    name: Annotated[str, Field(min_length=1, max_length=100, description="Name.")],
    description: Annotated[str | None, Field(max_length=1024, description="Description.")] = None,
    parent_team_id: Annotated[Id | None, id_or_url("Parent team")] = None,
) -> Envelope:
    """Create a team."""
    team: dict[str, Any] = {"type": "team", "name": name}
    if description is not None:
        team["description"] = description
    if parent_team_id:
        team["parent"] = ref("team", parent_team_id)
    body = get_client().write("POST", "/teams", {"team": team})
    created = TeamSummary.from_api(body["team"])
    return respond("teams", [created], f"Created team {created.name} ({created.id})")


@tool("Update team", "update")
def update_team(
    team_id: Annotated[Id, id_or_url("Team")],
    name: Annotated[str | None, Field(min_length=1, max_length=100, description="Name.")] = None,
    description: Annotated[str | None, Field(max_length=1024, description="Description.")] = None,
    parent_team_id: Annotated[Id | None, id_or_url("Parent team")] = None,
) -> Envelope:
    """Change a team."""
    team: dict[str, Any] = {"type": "team"}
    if name is not None:
        team["name"] = name
    if description is not None:
        team["description"] = description
    if parent_team_id:
        team["parent"] = ref("team", parent_team_id)
    if len(team) == 1:
        raise nothing_to_change("name")
    body = get_client().write("PUT", path("/teams/{}", team_id), {"team": team})
    updated = TeamSummary.from_api(body["team"])
    return respond("teams", [updated], f"Updated team {updated.name}")


def _asks_before_deleting(arguments: dict[str, Any]) -> Question:
    """Always: it deletes the team."""
    client = get_client()
    facts = [fact("Team", str(client.read(path("/teams/{}", arguments["team_id"]))["team"].get("name")))]
    heir = arguments.get("reassignment_team_id")
    if heir:
        facts.append(fact("Its objects go to", str(client.read(path("/teams/{}", heir))["team"].get("name"))))
    return Question("Delete a team. This cannot be undone.", tuple(facts))


@tool("Delete team", "delete", confirm=_asks_before_deleting)
def delete_team(
    team_id: Annotated[Id, id_or_url("Team")],
    reassignment_team_id: Annotated[Id | None, id_or_url("Takes its objects")] = None,
) -> Envelope:
    """Delete a team."""
    params = {}
    if reassignment_team_id:
        params["reassignment_team"] = reassignment_team_id
    get_client().write("DELETE", path("/teams/{}", team_id), params=params or None)
    return respond("teams", [{"id": team_id, "deleted": True}], f"Deleted team {team_id}")


def _membership_write(method: str, team: str, user: str, body: dict[str, Any] | None = None) -> None:
    """PUT/DELETE /teams/{team}/users/{user}; a 404 names whichever of the two is unknown."""
    try:
        get_client().write(method, path("/teams/{}/users/{}", team, user), body)
    except ToolFailure as failure:
        if not failure.code.endswith("_NOT_FOUND"):
            raise
        said = failure.message
        if f"team {team}" in said or f"team_{team}" in said:
            raise not_found("team", team, "list_teams finds valid ids") from None
        if "member" in said:
            raise not_found(
                "team_member", user, f"the user is not a member of team {team}; list_team_members"
            ) from None
        if f"user {user}" in said:
            raise not_found("user", user, "list_users finds valid ids") from None
        raise


def _named_user(user_id: str) -> Ref:
    """The user as ``{id, name}``: replies name people, as every list of members does.

    Read after the write succeeded, so a failure here leaves the bare id rather than an error.
    """
    try:
        return Ref.of(get_client().read(path("/users/{}", user_id)).get("user")) or Ref(id=user_id)
    except ToolFailure:
        return Ref(id=user_id)


@tool("Add team member", "update")
def add_team_member(
    team_id: Annotated[Id, id_or_url("Team")],
    user_id: Annotated[Id, id_or_url("User")],
    role: Annotated[TeamRole, Field(description="Role.")] = "responder",
) -> Envelope:
    """Add a team member or change their role."""
    _membership_write("PUT", team_id, user_id, {"role": role})
    user = _named_user(user_id)
    return respond("members", [{"user": user, "role": role}], f"{user.name or user_id} is a {role} of team {team_id}")


@tool("Remove team member", "delete")
def remove_team_member(
    team_id: Annotated[Id, id_or_url("Team")], user_id: Annotated[Id, id_or_url("User")]
) -> Envelope:
    """Remove a user from a team."""
    _membership_write("DELETE", team_id, user_id)
    user = _named_user(user_id)
    return respond("members", [{"user": user, "removed": True}], f"Removed {user.name or user_id} from team {team_id}")
