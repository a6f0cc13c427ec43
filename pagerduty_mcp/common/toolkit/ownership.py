"""``scope``: narrowing a list to the current user's teams or assignments, honestly.

A filter that conflicts with the scope is an error, never a silent override, and a token with no
user (account-level) falls back to ``all`` with a note in the answer's metadata.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pagerduty_mcp.common.pagerduty.client import PagerDutyClient
from pagerduty_mcp.common.pagerduty.errors import ToolFailure

__all__ = ["Scope", "ScopedFilters", "TeamScope", "apply_scope"]

Scope = Literal["my_teams", "assigned_to_me", "all"]
# For objects that belong to teams but are never assigned to a person (services, schedules).
TeamScope = Literal["my_teams", "all"]


@dataclass
class ScopedFilters:
    team_ids: list[str] | None
    user_ids: list[str] | None
    notes: list[str] = field(default_factory=list)


def apply_scope(
    client: PagerDutyClient,
    scope: Scope | TeamScope,
    team_ids: list[str] | None,
    user_ids: list[str] | None,
    *,
    user_filter: str = "user_ids",
) -> ScopedFilters:
    """Turn ``scope`` into explicit team/user filters, or fail on a conflicting filter."""
    if scope == "all":
        return ScopedFilters(team_ids, user_ids)
    if scope == "my_teams" and team_ids:
        raise ToolFailure(
            "INVALID_PARAMETER",
            "team_ids conflicts with scope=my_teams; pass scope=all to filter by other teams.",
            {"parameters": ["scope", "team_ids"]},
        )
    if scope == "assigned_to_me" and user_ids:
        raise ToolFailure(
            "INVALID_PARAMETER",
            f"{user_filter} conflicts with scope=assigned_to_me; pass scope=all to filter by other users.",
            {"parameters": ["scope", user_filter]},
        )
    me = client.current_user()
    if me is None:
        return ScopedFilters(
            team_ids,
            user_ids,
            [f"scope={scope} needs a user token; this token is account-level, so scope=all was used."],
        )
    if scope == "assigned_to_me":
        return ScopedFilters(team_ids, [me["id"]])
    my_teams = [t["id"] for t in me.get("teams") or [] if t.get("id")]
    if not my_teams:
        return ScopedFilters(None, user_ids, ["You belong to no team, so scope=all was used."])
    return ScopedFilters(my_teams, user_ids)
