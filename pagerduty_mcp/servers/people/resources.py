"""The people area's resources to attach: a schedule (who is on call this week and next), a user,
a team and an escalation policy; and the schedules of the caller's teams in ``resources/list``.

Each reads through the tool a model would call for the same object (``get_schedule``,
``get_user``, ``get_team``, ``get_escalation_policy``), so it answers in that tool's envelope and
lean shapes. Each variable takes what that tool's parameter takes: an id, a PagerDuty URL
(URL-encoded in the URI) or an exact name (a user also by email), and completes the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp_types import Annotations, Resource

from pagerduty_mcp.common import (
    ToolFilter,
    clean_text,
    dump,
    iso,
    named,
    register_resource,
    register_resource_list,
    resolve_variable,
)
from pagerduty_mcp.servers.people.tools.escalation_policies import get_escalation_policy
from pagerduty_mcp.servers.people.tools.lookups import moment
from pagerduty_mcp.servers.people.tools.schedules import get_schedule, list_schedules
from pagerduty_mcp.servers.people.tools.teams import get_team
from pagerduty_mcp.servers.people.tools.users import get_user

__all__ = [
    "ESCALATION_POLICY_URI",
    "SCHEDULE_URI",
    "TEAM_URI",
    "USER_URI",
    "register_resources",
    "schedule_resource",
]

SCHEDULE_URI = "pagerduty://schedules/{schedule}"
USER_URI = "pagerduty://users/{user}"
TEAM_URI = "pagerduty://teams/{team}"
ESCALATION_POLICY_URI = "pagerduty://escalation_policies/{escalation_policy}"
_KIND = {"layers": "layer-based", "shifts": "shift-based"}


def this_week_and_next(now: datetime) -> tuple[datetime, datetime]:
    """From Monday 00:00 UTC of this week to the Monday two weeks on."""
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return monday, monday + timedelta(days=14)


def schedule_resource(schedule: str) -> str:
    """A schedule of either kind: its layers or rotations, its shifts this week and next, and who is on call now."""
    now = datetime.now(UTC)
    start, end = this_week_and_next(now)
    envelope = get_schedule(resolve_variable(schedule, "schedule_id", "schedule"), iso(start), iso(end))
    row = envelope["schedules"][0]
    on_now = []
    for shift in row.get("final_schedule", []):
        begins, ends = moment(shift.get("start")), moment(shift.get("end"))
        if begins is not None and ends is not None and begins <= now < ends and shift.get("user"):
            on_now.append(shift["user"])
    row["on_call_now"] = on_now or "nobody"
    return dump(envelope)


def user_resource(user: str) -> str:
    """A user with teams, contact methods and notification rules."""
    return dump(get_user(resolve_variable(user, "user_id", "user")))


def team_resource(team: str) -> str:
    """A team with its members and escalation policies."""
    return dump(get_team(resolve_variable(team, "team_id", "team")))


def escalation_policy_resource(escalation_policy: str) -> str:
    """An escalation policy: levels, delays, targets, loops, teams, services."""
    return dump(get_escalation_policy(resolve_variable(escalation_policy, "escalation_policy_id", "escalation_policy")))


def _team_schedules(offset: int, limit: int) -> tuple[list[Resource], int | None]:
    """A page of the schedules of the caller's teams (every schedule for a token without a user,
    or a user in no team), as resources a host's picker shows."""
    envelope = list_schedules(scope="my_teams", limit=limit, offset=offset)
    offered = [_offer(schedule) for schedule in envelope["schedules"]]
    meta = envelope["metadata"]
    return offered, meta.get("next_offset") if meta.get("has_more") else None


def _offer(schedule: dict[str, Any]) -> Resource:
    teams = ", ".join(t["name"] for t in schedule.get("teams", []) if t.get("name"))
    kind = _KIND.get(schedule.get("kind", ""), "on-call")
    zone = schedule.get("time_zone")
    about = f"{kind} on-call schedule" + (f" of {teams}" if teams else "") + (f" ({zone})" if zone else "")
    name = clean_text(str(schedule.get("name") or schedule["id"]), 200)
    return Resource(
        uri=f"pagerduty://schedules/{schedule['id']}",
        name=name,
        title=name,
        description=clean_text(f"{about}: who is on call this week and next", 300),
        mime_type="application/json",
        annotations=Annotations(audience=["user", "assistant"]),
    )


# Each template: its URI, its reader, the tool it reads, the tool parameter its variable stands for,
# and what a host shows for it.
_TEMPLATES: tuple[tuple[str, Callable[[str], str], Callable[..., Any], str, str, str], ...] = (
    (
        SCHEDULE_URI,
        schedule_resource,
        get_schedule,
        "schedule_id",
        "PagerDuty schedule",
        "Who is on call this week and next, either kind of schedule. {schedule}: its name, id or PagerDuty URL",
    ),
    (
        USER_URI,
        user_resource,
        get_user,
        "user_id",
        "PagerDuty user",
        "A user, their teams and contact methods. {user}: name, email, id or PagerDuty URL",
    ),
    (
        TEAM_URI,
        team_resource,
        get_team,
        "team_id",
        "PagerDuty team",
        "A team, its members and escalation policies. {team}: name, id or PagerDuty URL",
    ),
    (
        ESCALATION_POLICY_URI,
        escalation_policy_resource,
        get_escalation_policy,
        "escalation_policy_id",
        "PagerDuty escalation policy",
        "Levels, delays, targets, teams and services of an escalation policy. {escalation_policy}: name, id or "
        "PagerDuty URL",
    ),
)


def register_resources(server: MCPServer, flt: ToolFilter) -> None:
    """The four templates (each where the tool it reads is served) and the team schedules in
    ``resources/list`` (where list_schedules is too)."""
    for uri, read, tool, parameter, title, description in _TEMPLATES:
        variable = uri.rsplit("{", 1)[1].rstrip("}")
        register_resource(
            server,
            flt,
            read,
            reads=(tool,),
            uri=uri,
            name=variable,
            title=title,
            description=f"{description} (URL-encoded).",
            completions={variable: named(parameter)},
        )
    register_resource_list(
        server, flt, _team_schedules, reads=(list_schedules,), template=SCHEDULE_URI, name="schedules"
    )
