"""Users: who "me" is, finding people, and how one of them gets paged."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from pagerduty_mcp.common import (
    Envelope,
    IdList,
    PagerDutyClient,
    TeamScope,
    ToolFailure,
    apply_scope,
    asks_to_delete,
    from_email_advice,
    get_client,
    id_or_url,
    paginate,
    path,
    respond,
    tool,
)
from pagerduty_mcp.servers.people.models import UserDetail, UserSummary
from pagerduty_mcp.servers.people.params import Id, Limit, Offset
from pagerduty_mcp.servers.people.validators import nothing_to_change, refused, zone_ok

__all__ = ["create_user", "delete_user", "get_user", "get_user_data", "list_users", "update_user"]

Role = Annotated[Literal["admin", "user", "limited_user", "observer", "read_only_user"], Field(description="Role.")]
Email = Annotated[str, Field(pattern=r"^\S+@\S+$", max_length=100, description="Email.")]
# Open incidents a refused delete names, at most.
OPEN_NAMED = 10


# GET /users/me needs no scope, but a tool states one: users.read, as for any other user's profile.
@tool("Current user", scopes=("users.read",))
def get_user_data() -> Envelope:
    """Who "me" is: my profile, teams, contact methods."""
    me = get_client().current_user(include=("contact_methods", "teams"))  # one request, whatever the token
    if me is None:
        return respond(
            "users",
            [],
            "This token is account-level, so there is no current user. Every read tool still works; "
            f"scope=my_teams/assigned_to_me fall back to all. For writes that need a user: {from_email_advice()}",
            account_level_token=True,
        )
    user = UserDetail.from_api(me)
    return respond("users", [user], f"You are {user.name}")  # the row says the rest


@tool("List users")
def list_users(
    query: Annotated[str | None, Field(description="Name or email (partial).")] = None,
    team_ids: Annotated[IdList | None, Field(description="Teams.")] = None,
    scope: Annotated[TeamScope, Field(description="my_teams: teammates.")] = "all",
    limit: Limit = 25,
    offset: Offset = 0,
) -> Envelope:
    """Users by name, email or team."""
    client = get_client()
    scoped = apply_scope(client, scope, team_ids or None, None)
    params: dict[str, Any] = {"include[]": ["teams"]}
    if query:
        params["query"] = query
    if scoped.team_ids:
        params["team_ids[]"] = scoped.team_ids
    page = paginate(client, "/users", "users", params, limit=limit, offset=offset)
    page.notes = scoped.notes + page.notes
    users = [UserSummary.from_api(u) for u in page.items]
    where = f" matching {query!r}" if query else ""
    return respond("users", users, f"{len(users)} user(s){where}", page=page)


@tool("Get user")
def get_user(user_id: Annotated[Id, id_or_url("User")]) -> Envelope:
    """One user: teams, contact methods, notification and hand-off rules."""
    client = get_client()
    body = client.read(path("/users/{}", user_id), {"include[]": ["contact_methods", "notification_rules", "teams"]})
    handoffs = client.read(path("/users/{}/oncall_handoff_notification_rules", user_id))
    user = UserDetail.from_api(body["user"], handoffs.get("oncall_handoff_notification_rules") or [])
    return respond("users", [user], f"{user.name}")  # the row says the rest


@tool("Create user", "create")
def create_user(
    name: Annotated[str, Field(min_length=1, max_length=100, description="Name.")],
    email: Email,
    role: Role = "user",
    time_zone: Annotated[str | None, Field(description="IANA zone.")] = None,
) -> Envelope:
    """Add a user; PagerDuty emails an invitation."""
    user: dict[str, Any] = {"type": "user", "name": name, "email": email, "role": role}
    if time_zone:
        user["time_zone"] = zone_ok(time_zone, "time_zone")
    body = get_client().write("POST", "/users", {"user": user}, needs_from=True)
    created = UserSummary.from_api(body["user"])
    return respond("users", [created], f"Created user {created.name} ({created.id})")


@tool("Update user", "update")
def update_user(
    user_id: Annotated[Id, id_or_url("User")],
    name: Annotated[str | None, Field(min_length=1, max_length=100, description="Name.")] = None,
    email: Email | None = None,
    role: Role | None = None,
    time_zone: Annotated[str | None, Field(description="IANA zone.")] = None,
) -> Envelope:
    """Change a user."""
    change = {
        "name": name,
        "email": email,
        "role": role,
        "time_zone": None if time_zone is None else zone_ok(time_zone, "time_zone"),
    }
    user: dict[str, Any] = {k: v for k, v in change.items() if v is not None}
    changed = ", ".join(user)
    if not user:
        raise nothing_to_change("name")
    client = get_client()
    if "name" not in user or "email" not in user:
        # PagerDuty's PUT requires both: send the current ones back unchanged.
        current = client.read(path("/users/{}", user_id))["user"]
        user = {"name": current.get("name"), "email": current.get("email"), **user}
    body = client.write("PUT", path("/users/{}", user_id), {"user": {"type": "user", **user}})
    updated = UserSummary.from_api(body["user"])
    return respond("users", [updated], f"Updated user {updated.name}: {changed}")


@tool("Delete user", "delete", confirm=asks_to_delete("user", "/users/{}", "user", "user_id"))
def delete_user(user_id: Annotated[Id, id_or_url("User")]) -> Envelope:
    """Delete a user; refused, naming why, over open incidents or being alone on a layer or level."""
    client = get_client()
    user = UserSummary.from_api(client.read(path("/users/{}", user_id))["user"])
    try:
        client.write("DELETE", path("/users/{}", user_id))
    except ToolFailure as failure:
        refusal = refused(failure, f"user {user.name}", "reassign or resolve those, or change the schedule or policy")
        if refusal.code == "CONFLICT":
            _name_open_incidents(client, user, refusal)
        raise refusal from None
    return respond("users", [user], f"Deleted user {user.name} ({user.id})", deleted=True)


def _name_open_incidents(client: PagerDutyClient, user: UserSummary, refusal: ToolFailure) -> None:
    """Name the open incidents assigned to the user from our own read, whatever PagerDuty's wording."""
    params = {"user_ids[]": [user.id], "statuses[]": ["triggered", "acknowledged"]}
    page = paginate(client, "/incidents", "incidents", params, limit=OPEN_NAMED)
    if not page.items:
        return
    refusal.details["open_incidents"] = [{"id": i["id"], "number": i.get("incident_number")} for i in page.items]
    numbers = [f"#{i.get('incident_number')}" for i in page.items]
    if not all(n in refusal.message for n in numbers):
        more = f" and {page.total - len(numbers)} more" if page.total and page.total > len(numbers) else ""
        said, _, next_step = refusal.message.partition(" Next: ")
        named = f" Open incidents assigned to {user.name}: {', '.join(numbers)}{more}."
        refusal.message = said + named + (f" Next: {next_step}" if next_step else "")
