"""pagerduty-people: users, teams, schedules, on-call, escalation policies, on-call load."""

from pagerduty_mcp.common import Card

__all__ = ["CARD"]

# What the other servers say of this one and where they send a person for its objects
# (toolkit.directory): read without importing this area's tools.
CARD = Card(
    name="people",
    summary="users, teams, schedules, on-call, escalation policies, on-call pay",
    finders={
        "users": "list_users",
        "teams": "list_teams",
        "schedules": "list_schedules",
        "escalation_policies": "list_escalation_policies",
    },
)
