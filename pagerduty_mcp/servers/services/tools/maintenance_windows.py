"""Maintenance windows: while one is on, events open no incidents on its services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import Field

from pagerduty_mcp.common import (
    Envelope,
    IdList,
    Limit,
    Offset,
    Question,
    ToolFailure,
    fact,
    get_client,
    id_or_url,
    invalid,
    iso,
    not_found,
    paginate,
    parse_time,
    path,
    respond,
    tool,
)
from pagerduty_mcp.servers.services.models import MaintenanceWindowSummary
from pagerduty_mcp.servers.services.params import Id, ServiceIds, WindowFilter
from pagerduty_mcp.servers.services.tools.services import read_service

__all__ = ["create_maintenance_window", "delete_maintenance_window", "list_maintenance_windows"]


@tool("List maintenance windows")
def list_maintenance_windows(
    filter: Annotated[WindowFilter, Field(description="open = ongoing and future.")] = "open",
    service_ids: Annotated[IdList | None, Field(description="Only windows on these services.")] = None,
    team_ids: Annotated[IdList | None, Field(description="Only windows of these teams.")] = None,
    limit: Limit = 25,
    offset: Offset = 0,
) -> Envelope:
    """Maintenance windows (no incidents open on their services while one is on), by state, service or team."""
    params: dict[str, Any] = {"filter": filter}
    if service_ids:
        params["service_ids[]"] = service_ids
    if team_ids:
        params["team_ids[]"] = team_ids
    # An empty page filtered by an unknown id is an error from the registry's check (toolkit.names).
    page = paginate(get_client(), "/maintenance_windows", "maintenance_windows", params, limit=limit, offset=offset)
    now = datetime.now(UTC)
    windows = [MaintenanceWindowSummary.from_api(w, now) for w in page.items]
    return respond("maintenance_windows", windows, f"{len(windows)} maintenance window(s) (filter={filter})", page=page)


@tool("Create maintenance window", "create")
def create_maintenance_window(
    service_ids: ServiceIds,
    end_time: Annotated[str | None, Field(description="End, ISO 8601; or give duration_minutes.")] = None,
    duration_minutes: Annotated[int | None, Field(ge=1, le=60 * 24 * 14, description="Length from start.")] = None,
    start_time: Annotated[str | None, Field(description="Start, ISO 8601; default now.")] = None,
    description: Annotated[str | None, Field(max_length=1000, description="Why, e.g. the deploy.")] = None,
) -> Envelope:
    """Silence services for a while (a deploy, a migration): while the window is on, events open no
    incidents on them. One window can cover several services."""
    now = datetime.now(UTC)
    start = parse_time(start_time, "start_time") or now
    # PagerDuty moves a start in the past to its own "now"; a minute back absorbs clock skew.
    sent_start = start - timedelta(minutes=1) if start_time is None else start
    if (end_time is None) == (duration_minutes is None):
        raise invalid("end_time", "give either end_time or duration_minutes (exactly one)")
    end = parse_time(end_time, "end_time") or start + timedelta(minutes=duration_minutes or 0)
    if end <= max(start, now):
        raise invalid("end_time", f"must be in the future and after start_time ({iso(max(start, now))})")
    body = {
        "maintenance_window": {
            "type": "maintenance_window",
            "start_time": iso(sent_start),
            "end_time": iso(end),
            "description": description or "",
            "services": [{"id": i, "type": "service_reference"} for i in dict.fromkeys(service_ids)],
        }
    }
    client = get_client()
    try:
        created = client.write("POST", "/maintenance_windows", body, needs_from=True)["maintenance_window"]
    except ToolFailure as failure:
        if failure.code == "INVALID_PARAMETER":
            for i in service_ids:  # name the unknown service rather than quote a generic 400
                read_service(client, i, [])
        raise
    window = MaintenanceWindowSummary.from_api(created, datetime.now(UTC))
    names = ", ".join(s.name or s.id for s in window.services)
    return respond(
        "maintenance_windows",
        [window],
        f"Maintenance window on {names} from {window.start_time} to {window.end_time}: no incidents open meanwhile",
    )


def _asks_before_ending(arguments: dict[str, Any]) -> Question | None:
    """Always, unless the window is past (the tool says there is nothing to do)."""
    ident = arguments["maintenance_window_id"]
    raw = get_client().read(path("/maintenance_windows/{}", ident))["maintenance_window"]
    window = MaintenanceWindowSummary.from_api(raw, datetime.now(UTC))
    if window.state == "past":
        return None
    services = [str(s.get("summary") or s.get("id")) for s in raw.get("services") or []]
    facts = (fact("Window", str(raw.get("description") or ident)), fact("On services", services))
    if window.state == "ongoing":
        return Question("End a maintenance window now: incidents open on its services again.", facts)
    return Question("Delete a future maintenance window. This cannot be undone.", facts)


@tool("Delete maintenance window", "delete", confirm=_asks_before_ending)
def delete_maintenance_window(
    maintenance_window_id: Annotated[Id, id_or_url("Maintenance window id")],
) -> Envelope:
    """End an ongoing maintenance window now (incidents open again), or delete a future one. Past windows stay."""
    client = get_client()
    try:
        raw = client.read(path("/maintenance_windows/{}", maintenance_window_id))["maintenance_window"]
    except ToolFailure as failure:
        if failure.code == "MAINTENANCE_WINDOW_NOT_FOUND":
            raise not_found(
                "maintenance_window", maintenance_window_id, "list_maintenance_windows finds valid ids"
            ) from None
        raise
    window = MaintenanceWindowSummary.from_api(raw, datetime.now(UTC))
    if window.state == "past":
        raise ToolFailure(
            "CONFLICT",
            f"Maintenance window {maintenance_window_id} already ended at {window.end_time}; "
            "PagerDuty keeps past windows. Nothing to do.",
        )
    client.write("DELETE", path("/maintenance_windows/{}", maintenance_window_id))
    if window.state == "ongoing":
        window.state, window.end_time = "past", iso(datetime.now(UTC))
        done = "Ended"
    else:
        window.state = "deleted"
        done = "Deleted future"
    return respond("maintenance_windows", [window], f"{done} maintenance window {maintenance_window_id}")
