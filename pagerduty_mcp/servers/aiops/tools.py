"""Tools of the AIOps area: alert grouping, event orchestration, change events, Events API."""

from __future__ import annotations

from pagerduty_mcp.common import Limit, Offset, get_client, paginate, respond, tool
from pagerduty_mcp.servers.aiops.models import OrchestrationSummary

__all__ = ["READ_TOOLS", "WRITE_TOOLS"]


@tool("List event orchestrations")
def list_event_orchestrations(limit: Limit = 25, offset: Offset = 0) -> dict:
    """List global event orchestrations (how incoming events are routed), with route counts."""
    page = paginate(
        get_client(),
        "/event_orchestrations",
        "orchestrations",
        {"sort_by": "name:asc"},
        limit=limit,
        offset=offset,
        with_total=False,
    )
    orchestrations = [OrchestrationSummary.from_api(o) for o in page.items]
    return respond("orchestrations", orchestrations, f"{len(orchestrations)} event orchestration(s)", page=page)


READ_TOOLS = [list_event_orchestrations]
WRITE_TOOLS: list = []
