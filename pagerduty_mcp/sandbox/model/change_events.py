"""Change events: deploys, config changes and the like, on services (recorded by the Events API)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pagerduty_mcp.sandbox.model.store import Store
from pagerduty_mcp.sandbox.protocol import CODE_INVALID_INPUT, ApiError

__all__ = ["listed"]


def listed(
    store: Store,
    since: datetime | None,
    until: datetime | None,
    *,
    service_id: str | None,
    team_ids: set[str],
    integration_ids: set[str],
) -> list[dict[str, Any]]:
    """Change events in [since, until) of the service, teams and integrations given, newest first."""
    if since and until and until < since:
        raise ApiError(400, "Invalid Input Provided", CODE_INVALID_INPUT, ["until must be after since"])
    out = []
    for event in store.all("change_events"):
        if (since and event["_at"] < since) or (until and event["_at"] >= until):
            continue
        service_ids = {s["id"] for s in event["services"]}
        if service_id and service_id not in service_ids:
            continue
        if integration_ids and (event.get("integration") or {}).get("id") not in integration_ids:
            continue
        if team_ids:
            owners = {t["id"] for sid in service_ids for t in (store.find("services", sid) or {}).get("teams", [])}
            if not team_ids & owners:
                continue
        out.append(event)
    out.sort(key=lambda e: e["_at"], reverse=True)  # newest first, as PagerDuty lists them
    return out
