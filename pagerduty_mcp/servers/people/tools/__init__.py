"""Tools of the people area: users, teams, schedules, on-call, escalation policies and on-call pay."""

from __future__ import annotations

from pagerduty_mcp.common import split_by_kind
from pagerduty_mcp.servers.people.tools.compensation import get_oncall_compensation
from pagerduty_mcp.servers.people.tools.escalation_policies import (
    create_escalation_policy,
    delete_escalation_policy,
    get_escalation_policy,
    list_escalation_policies,
    update_escalation_policy,
)
from pagerduty_mcp.servers.people.tools.notifications import manage_user_notifications
from pagerduty_mcp.servers.people.tools.oncall import find_coverage_gaps, get_oncall_load, list_oncalls
from pagerduty_mcp.servers.people.tools.responders import get_responder_metrics
from pagerduty_mcp.servers.people.tools.schedules import (
    create_schedule,
    create_schedule_override,
    delete_schedule_override,
    get_schedule,
    list_schedule_overrides,
    list_schedule_users,
    list_schedules,
    update_schedule,
)
from pagerduty_mcp.servers.people.tools.shift_edits import manage_schedule_shifts
from pagerduty_mcp.servers.people.tools.shift_schedules import (
    create_schedule_custom_shifts,
    create_schedule_rotation,
    delete_schedule,
    delete_schedule_custom_shift,
    delete_schedule_rotation,
)
from pagerduty_mcp.servers.people.tools.teams import (
    add_team_member,
    create_team,
    delete_team,
    get_team,
    list_team_members,
    list_teams,
    remove_team_member,
    update_team,
)
from pagerduty_mcp.servers.people.tools.users import (
    create_user,
    delete_user,
    get_user,
    get_user_data,
    list_users,
    update_user,
)

__all__ = ["READ_TOOLS", "TOOLS", "WRITE_TOOLS"]

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
    delete_schedule,
    create_schedule_rotation,
    delete_schedule_rotation,
    create_schedule_custom_shifts,
    delete_schedule_custom_shift,
    create_escalation_policy,
    update_escalation_policy,
    # user administration, responder analytics and pay
    get_responder_metrics,
    get_oncall_compensation,
    create_user,
    update_user,
    delete_user,
    delete_escalation_policy,
    # issue 26: shift-based edits, and how a person is paged (grouped: see docs/tools.md)
    manage_schedule_shifts,
    manage_user_notifications,
]
READ_TOOLS, WRITE_TOOLS = split_by_kind(TOOLS)
