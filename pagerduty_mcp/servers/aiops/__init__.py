"""pagerduty-aiops: alert grouping, event orchestration, change events, automation actions and the Events API."""

from pagerduty_mcp.common import Card

__all__ = ["CARD"]

# What the other servers say of this one and where they send a person for its objects
# (toolkit.directory): read without importing this area's tools.
CARD = Card(
    name="aiops",
    summary="alert grouping, orchestration, change events, events, automation actions",
    finders={"event_orchestrations": "list_event_orchestrations", "automation_actions": "list_automation_actions"},
)
