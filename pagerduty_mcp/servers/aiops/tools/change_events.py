"""Change events: what changed (deploys, config changes), account-wide or for one service."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import Field

from pagerduty_mcp.common import (
    Id,
    IdList,
    Limit,
    Offset,
    get_client,
    id_or_url,
    iso,
    paginate,
    parse_time,
    path,
    respond,
    tool,
)
from pagerduty_mcp.common.toolkit.times import check_order
from pagerduty_mcp.servers.aiops.models import ChangeEvent

__all__ = ["get_change_event", "list_change_events"]


@tool("List change events")
def list_change_events(
    service_id: Annotated[Id | None, id_or_url("Only this service")] = None,
    since: Annotated[str | None, Field(description="Start: ISO 8601 or an age like 1h, 30m, 7d.")] = None,
    until: Annotated[str | None, Field(description="End: ISO 8601 or an age.")] = None,
    team_ids: Annotated[IdList | None, Field(description="Only services of these teams.")] = None,
    integration_ids: Annotated[IdList | None, Field(description="Only from these integrations.")] = None,
    limit: Limit = 25,
    offset: Offset = 0,
) -> dict:
    """What changed (deploys, config changes), newest first, account-wide or for one service."""
    now = datetime.now(UTC)
    start, end = parse_time(since, "since", now=now), parse_time(until, "until", now=now)
    check_order(start, end)
    params: dict[str, Any] = {}
    if start:
        params["since"] = iso(start)
    if end:
        params["until"] = iso(end)
    if team_ids:
        params["team_ids[]"] = team_ids
    if integration_ids:
        params["integration_ids[]"] = integration_ids
    url = path("/services/{}/change_events", service_id) if service_id else "/change_events"
    page = paginate(get_client(), url, "change_events", params, limit=limit, offset=offset)
    changes = [ChangeEvent.from_api(e) for e in page.items]
    return respond("change_events", changes, f"{len(changes)} change event(s)", page=page, untrusted=True)


@tool("Get change event")
def get_change_event(change_event_id: Annotated[Id, id_or_url("Change event id")]) -> dict:
    """One change event with its custom details and links."""
    body = get_client().read(path("/change_events/{}", change_event_id))
    change = ChangeEvent.from_api(body["change_event"], detail=True)
    return respond("change_events", [change], f"Change event: {change.summary}", untrusted=True)
