"""Tools of the people area: users, teams, schedules, on-call and escalation policies."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from pydantic import Field

from pagerduty_mcp.common import (
    Limit,
    Offset,
    Page,
    apply_scope,
    get_client,
    id_or_url,
    iso,
    paginate,
    path,
    resolve_id,
    resolve_ids,
    respond,
    split_by_kind,
    tool,
)
from pagerduty_mcp.common.toolkit.filters import check_filter_ids
from pagerduty_mcp.common.toolkit.ids import IdList
from pagerduty_mcp.common.toolkit.ownership import Scope, TeamScope
from pagerduty_mcp.servers.people.lookups import window
from pagerduty_mcp.servers.people.models import (
    Member,
    OverrideInfo,
    PolicyDetail,
    ScheduleDetail,
    ScheduleSummary,
    TeamSummary,
    UserDetail,
    UserSummary,
)
from pagerduty_mcp.servers.people.tools.oncall import find_coverage_gaps, get_oncall_load, list_oncalls
from pagerduty_mcp.servers.people.tools.writes import (
    add_team_member,
    create_escalation_policy,
    create_schedule,
    create_schedule_override,
    create_team,
    delete_schedule_override,
    delete_team,
    remove_team_member,
    update_escalation_policy,
    update_schedule,
    update_team,
)

__all__ = ["READ_TOOLS", "WRITE_TOOLS"]

Query = Annotated[str | None, Field(description="Filter by name (partial match).")]
MAX_SHIFTS = 200


# -- users ----------------------------------------------------------------------------------------
@tool("Current user")
def get_user_data() -> dict:
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
) -> dict:
    """Find users by name, email or team, with their teams and roles."""
    params: dict = {"include[]": ["teams"]}
    if query:
        params["query"] = query
    if team_ids:
        params["team_ids[]"] = resolve_ids(team_ids, "team_ids")
    page = paginate(get_client(), "/users", "users", params, limit=limit, offset=offset)
    check_filter_ids(get_client(), page.items, {"team_ids": params.get("team_ids[]")})
    users = [UserSummary.from_api(u) for u in page.items]
    where = f" matching {query!r}" if query else ""
    return respond("users", users, f"{len(users)} user(s){where}", page=page)


@tool("Get user")
def get_user(user_id: Annotated[str, id_or_url("User")]) -> dict:
    """One user: profile, teams, contact methods and notification rules ("how will she be paged")."""
    ident = resolve_id(user_id, "user_id")
    body = get_client().read(
        path("/users/{}", ident), {"include[]": ["contact_methods", "notification_rules", "teams"]}
    )
    user = UserDetail.from_api(body["user"])
    return respond("users", [user], f"{user.name} ({user.email})")


# -- teams ----------------------------------------------------------------------------------------
@tool("List teams")
def list_teams(
    query: Query = None,
    scope: Annotated[TeamScope, Field(description="my_teams or all.")] = "all",
    limit: Limit = 25,
    offset: Offset = 0,
) -> dict:
    """Find teams by name; scope=my_teams for the teams you belong to."""
    client = get_client()
    scoped = apply_scope(client, scope, None, None)
    if scoped.team_ids is None:
        params = {"query": query} if query else {}
        page = paginate(client, "/teams", "teams", params, limit=limit, offset=offset)
    else:
        me = client.read("/users/me", {"include[]": ["teams"]})["user"]
        mine = [t for t in me.get("teams") or [] if not query or query.lower() in str(t.get("name", "")).lower()]
        chunk = mine[offset : offset + limit]
        more = offset + len(chunk) < len(mine)
        page = Page(chunk, more, offset + len(chunk) if more else None, total=len(mine))
    page.notes = scoped.notes + page.notes
    teams = [TeamSummary.from_api(t) for t in page.items]
    return respond("teams", teams, f"{len(teams)} team(s)", page=page)


@tool("Get team")
def get_team(team_id: Annotated[str, id_or_url("Team")]) -> dict:
    """One team with its parent, members and their roles, and its escalation policies."""
    client = get_client()
    ident = resolve_id(team_id, "team_id")
    team = TeamSummary.from_api(client.read(path("/teams/{}", ident))["team"])
    members = paginate(client, path("/teams/{}/members", ident), "members", {"include[]": ["users"]}, limit=100)
    policies = paginate(client, "/escalation_policies", "escalation_policies", {"team_ids[]": [ident]}, limit=100)
    detail = {
        **team.model_dump(exclude_none=True),
        "members": [Member.from_api(m) for m in members.items],
        "escalation_policies": [{"id": p["id"], "name": p.get("name")} for p in policies.items],
    }
    more = " (first 100 members)" if members.has_more else ""
    return respond("teams", [detail], f"Team {team.name}: {len(members.items)} member(s){more}")


@tool("List team members")
def list_team_members(team_id: Annotated[str, id_or_url("Team")], limit: Limit = 25, offset: Offset = 0) -> dict:
    """Who is on a team, with each member's team role (manager, responder, observer)."""
    ident = resolve_id(team_id, "team_id")
    page = paginate(
        get_client(), path("/teams/{}/members", ident), "members", {"include[]": ["users"]}, limit=limit, offset=offset
    )
    members = [Member.from_api(m) for m in page.items]
    return respond("members", members, f"{len(members)} member(s) of team {ident}", page=page)


# -- schedules ------------------------------------------------------------------------------------
@tool("List schedules")
def list_schedules(query: Query = None, limit: Limit = 25, offset: Offset = 0) -> dict:
    """Find on-call schedules by name, with their time zone, teams and escalation policies."""
    params = {"query": query} if query else {}
    page = paginate(get_client(), "/schedules", "schedules", params, limit=limit, offset=offset)
    schedules = [ScheduleSummary.from_api(s) for s in page.items]
    return respond("schedules", schedules, f"{len(schedules)} schedule(s)", page=page)


WindowSince = Annotated[str | None, Field(description="Window start, ISO 8601. Default: now.")]


@tool("Get schedule")
def get_schedule(
    schedule_id: Annotated[str, id_or_url("Schedule")],
    since: WindowSince = None,
    until: Annotated[str | None, Field(description="Window end, ISO 8601. Default: 7 days on.")] = None,
) -> dict:
    """A schedule's layers (rotation, users, restrictions) and its final schedule for a window as
    shifts (who, start, end), overrides included."""
    ident = resolve_id(schedule_id, "schedule_id")
    start, end = window(since, until, ahead=timedelta(days=7))
    body = get_client().read(path("/schedules/{}", ident), {"since": iso(start), "until": iso(end)})
    detail = ScheduleDetail.from_api(body["schedule"])
    notes = None
    if len(detail.final_schedule) > MAX_SHIFTS:
        notes = [f"Showing the first {MAX_SHIFTS} of {len(detail.final_schedule)} shifts; narrow the window."]
        detail.final_schedule = detail.final_schedule[:MAX_SHIFTS]
    text = (
        f"{detail.name}: {len(detail.layers)} layer(s), {len(detail.final_schedule)} shift(s) "
        f"from {iso(start)} to {iso(end)}"
    )
    return respond("schedules", [detail], text, notes=notes)


@tool("List schedule users")
def list_schedule_users(
    schedule_id: Annotated[str, id_or_url("Schedule")],
    since: WindowSince = None,
    until: Annotated[str | None, Field(description="Window end, ISO 8601. Default: 14 days on.")] = None,
) -> dict:
    """The users on call in a schedule during a window."""
    ident = resolve_id(schedule_id, "schedule_id")
    start, end = window(since, until, ahead=timedelta(days=14))
    body = get_client().read(path("/schedules/{}/users", ident), {"since": iso(start), "until": iso(end)})
    users = [UserSummary.from_api(u) for u in body.get("users") or []]
    return respond("users", users, f"{len(users)} user(s) on call in {ident} from {iso(start)} to {iso(end)}")


@tool("List schedule overrides")
def list_schedule_overrides(
    schedule_id: Annotated[str, id_or_url("Schedule")],
    since: WindowSince = None,
    until: Annotated[str | None, Field(description="Window end, ISO 8601. Default: 30 days on.")] = None,
) -> dict:
    """Overrides (someone covering a shift) on a schedule during a window, with their ids."""
    ident = resolve_id(schedule_id, "schedule_id")
    start, end = window(since, until, ahead=timedelta(days=30), maximum=timedelta(days=366))
    body = get_client().read(
        path("/schedules/{}/overrides", ident), {"since": iso(start), "until": iso(end), "overflow": "true"}
    )
    overrides = [OverrideInfo.from_api(o) for o in body.get("overrides") or []]
    return respond("overrides", overrides, f"{len(overrides)} override(s) from {iso(start)} to {iso(end)}")


# -- escalation policies --------------------------------------------------------------------------
@tool("List escalation policies")
def list_escalation_policies(
    query: Query = None,
    user_ids: Annotated[IdList | None, Field(description="Policies that page these users.")] = None,
    team_ids: Annotated[IdList | None, Field(description="Policies of these teams.")] = None,
    scope: Annotated[Scope, Field(description="my_teams, assigned_to_me (that page me) or all.")] = "all",
    limit: Limit = 25,
    offset: Offset = 0,
) -> dict:
    """Find escalation policies by name, team or user, with their levels and targets."""
    client = get_client()
    scoped = apply_scope(client, scope, resolve_ids(team_ids, "team_ids"), resolve_ids(user_ids, "user_ids"))
    params: dict[str, Any] = {}
    if query:
        params["query"] = query
    if scoped.team_ids:
        params["team_ids[]"] = scoped.team_ids
    if scoped.user_ids:
        params["user_ids[]"] = scoped.user_ids
    page = paginate(client, "/escalation_policies", "escalation_policies", params, limit=limit, offset=offset)
    page.notes = scoped.notes + page.notes
    if scope == "all":
        check_filter_ids(client, page.items, {"team_ids": scoped.team_ids, "user_ids": scoped.user_ids})
    policies = [PolicyDetail.from_api(p) for p in page.items]
    return respond("escalation_policies", policies, f"{len(policies)} escalation polic(ies)", page=page)


@tool("Get escalation policy")
def get_escalation_policy(escalation_policy_id: Annotated[str, id_or_url("Escalation policy")]) -> dict:
    """One escalation policy: its levels with delays and targets (users, schedules), loops, teams
    and the services it pages for."""
    ident = resolve_id(escalation_policy_id, "escalation_policy_id")
    body = get_client().read(path("/escalation_policies/{}", ident), {"include[]": ["services", "teams"]})
    policy = PolicyDetail.from_api(body["escalation_policy"])
    return respond("escalation_policies", [policy], f"{policy.name}: {len(policy.levels)} level(s)")


# The area's one list of tools; which are reads and which writes follows from each @tool's kind.
TOOLS = [
    get_user_data,
    list_users,
    get_user,
    list_teams,
    get_team,
    list_team_members,
    list_schedules,
    get_schedule,
    list_schedule_users,
    list_schedule_overrides,
    list_oncalls,
    list_escalation_policies,
    get_escalation_policy,
    get_oncall_load,
    find_coverage_gaps,
    create_team,
    update_team,
    delete_team,
    add_team_member,
    remove_team_member,
    create_schedule_override,
    delete_schedule_override,
    create_schedule,
    update_schedule,
    create_escalation_policy,
    update_escalation_policy,
]
READ_TOOLS, WRITE_TOOLS = split_by_kind(TOOLS)
