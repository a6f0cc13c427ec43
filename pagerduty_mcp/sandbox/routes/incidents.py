"""Incidents (list and read) and priorities."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pagerduty_mcp.sandbox.model import incidents
from pagerduty_mcp.sandbox.model.store import public
from pagerduty_mcp.sandbox.protocol import bad_request, paginate_offset, parse_time_zone
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []


@route("GET", "/incidents")
def list_incidents(ctx: Context) -> dict[str, Any]:
    req = ctx.req
    statuses = set(req.enum_array("statuses", incidents.STATUSES))
    urgencies = set(req.enum_array("urgencies", incidents.URGENCIES))
    includes = req.enum_array("include", incidents.INCLUDES)
    service_ids = set(req.array("service_ids"))
    team_ids = set(req.array("team_ids"))
    user_ids = set(req.array("user_ids"))
    priority_ids = set(req.array("priorities"))
    incident_key = req.arg("incident_key")
    zone = parse_time_zone(req.arg("time_zone"), "UTC") if req.arg("time_zone") else None
    date_range = req.arg("date_range")
    if date_range not in (None, "", "all"):
        raise bad_request(errors=["date_range must be all"])
    sort = incidents.sort_order([s for s in (req.arg("sort_by") or "").split(",") if s])
    since: datetime | None = None
    until: datetime | None = None
    if date_range != "all" and not incident_key:
        since, until = incidents.window(req.time("since"), req.time("until"), ctx.now)
    found = incidents.listed(
        ctx.store,
        since,
        until,
        statuses=statuses,
        urgencies=urgencies,
        service_ids=service_ids,
        team_ids=team_ids,
        user_ids=user_ids,
        priority_ids=priority_ids,
        incident_key=incident_key,
        sort=sort,
    )
    page = paginate_offset(found, req, "incidents")
    shown = [incidents.shown(ctx.store, i, includes) for i in page["incidents"]]
    page["incidents"] = shown if zone is None else [incidents.retimed(ctx.store, i, zone) for i in shown]
    return page


@route("GET", "/incidents/{id}")
def get_incident(ctx: Context) -> dict[str, Any]:
    includes = ctx.req.enum_array("include", incidents.DETAIL_INCLUDES)
    incident = incidents.by_id_or_number(ctx.store, ctx.params["id"])
    return {"incident": incidents.detail(ctx.store, incident, includes)}


@route("GET", "/priorities")
def list_priorities(ctx: Context) -> dict[str, Any]:
    page = paginate_offset(ctx.store.all("priorities"), ctx.req, "priorities")
    page["priorities"] = [public(p) for p in page["priorities"]]
    return page
