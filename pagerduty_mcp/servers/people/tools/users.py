"""Users: who "me" is, finding people, and how one of them gets paged."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from pagerduty_mcp.common import Envelope, IdList, Limit, Offset, get_client, id_or_url, paginate, path, respond, tool
from pagerduty_mcp.servers.people.models import UserDetail, UserSummary
from pagerduty_mcp.servers.people.params import Id

__all__ = ["get_user", "get_user_data", "list_users"]


@tool("Current user")
def get_user_data() -> Envelope:
    """The user this token acts as: profile, teams and contact methods. Use it to learn who "me" is."""
    client = get_client()
    me = client.current_user()
    if me is None:
        return respond(
            "users",
            [],
            "This token is account-level, so there is no current user. Every read tool still works; "
            "scope=my_teams/assigned_to_me fall back to all, and writes need PAGERDUTY_USER_EMAIL.",
            account_level_token=True,
        )
    body = client.read("/users/me", {"include[]": ["contact_methods", "teams"]})
    user = UserDetail.from_api(body["user"])
    return respond("users", [user], f"You are {user.name} ({user.email}), in {len(user.teams)} team(s)")


@tool("List users")
def list_users(
    query: Annotated[str | None, Field(description="Filter by name or email (partial match).")] = None,
    team_ids: Annotated[IdList | None, Field(description="Only members of these teams.")] = None,
    limit: Limit = 25,
    offset: Offset = 0,
) -> Envelope:
    """Find users by name, email or team, with their teams and roles."""
    params: dict[str, Any] = {"include[]": ["teams"]}
    if query:
        params["query"] = query
    if team_ids:
        params["team_ids[]"] = team_ids
    page = paginate(get_client(), "/users", "users", params, limit=limit, offset=offset)
    users = [UserSummary.from_api(u) for u in page.items]
    where = f" matching {query!r}" if query else ""
    return respond("users", users, f"{len(users)} user(s){where}", page=page)


@tool("Get user")
def get_user(user_id: Annotated[Id, id_or_url("User")]) -> Envelope:
    """One user: profile, teams, contact methods and notification rules ("how will she be paged")."""
    body = get_client().read(
        path("/users/{}", user_id), {"include[]": ["contact_methods", "notification_rules", "teams"]}
    )
    user = UserDetail.from_api(body["user"])
    return respond("users", [user], f"{user.name} ({user.email})")
