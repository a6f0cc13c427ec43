"""The people area's apps: the on-call calendar, and on-call load and pay."""

from __future__ import annotations

from pathlib import Path

from pagerduty_mcp.common import App
from pagerduty_mcp.servers.people.tools.compensation import get_oncall_compensation
from pagerduty_mcp.servers.people.tools.escalation_policies import get_escalation_policy
from pagerduty_mcp.servers.people.tools.oncall import find_coverage_gaps, get_oncall_load, list_oncalls
from pagerduty_mcp.servers.people.tools.schedules import get_schedule, list_schedule_overrides, list_schedules

__all__ = ["APPS", "ONCALL_CALENDAR", "ONCALL_LOAD"]

ONCALL_CALENDAR = App(
    name="oncall-calendar",
    title="On-call calendar",
    description=(
        "Schedules of either kind over the window asked, a week or a month: a row per person, overrides marked, "
        "every gap in cover red and labelled, times in the viewer's time zone; a list view says it in text."
    ),
    draws=[get_schedule, find_coverage_gaps, list_oncalls],
    calls=[list_schedule_overrides, list_schedules, get_escalation_policy],
    source=Path(__file__).parent,
)

ONCALL_LOAD = App(
    name="oncall-load",
    title="On-call load and pay",
    description=(
        "Per person: hours on call by band, night and weekend share, incidents and off-hours interruptions, pay "
        "when rates are given, working-time flags; sortable; the team's balance at a glance."
    ),
    draws=[get_oncall_load, get_oncall_compensation],
    source=Path(__file__).parent,
)

APPS = [ONCALL_CALENDAR, ONCALL_LOAD]
