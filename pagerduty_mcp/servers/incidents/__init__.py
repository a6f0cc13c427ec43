"""pagerduty-incidents: incidents, alerts, notes, timeline, responders, insights, analytics."""

from pagerduty_mcp.common import Card

__all__ = ["CARD"]

# What the other servers say of this one and where they send a person for its objects
# (toolkit.directory): read without importing this area's tools.
CARD = Card(
    name="incidents",
    summary="incidents, alerts, notes, priorities, impact, workflows, status pages",
    finders={"incidents": "list_incidents", "priorities": "list_priorities", "status_pages": "list_status_pages"},
)
