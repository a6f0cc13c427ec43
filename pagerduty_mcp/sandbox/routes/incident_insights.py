"""Incident insights: outliers, similar past incidents, related incidents and change events."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model import incident_insights as insights
from pagerduty_mcp.sandbox.model import incidents
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []


@route("GET", "/incidents/{id}/outlier_incident")
def outlier_incident(ctx: Context) -> dict[str, Any]:
    incident = incidents.by_id_or_number(ctx.store, ctx.params["id"])
    return {"outlier_incident": insights.outlier(ctx.store, incident, ctx.req.time("since"))}


@route("GET", "/incidents/{id}/past_incidents")
def past_incidents(ctx: Context) -> dict[str, Any]:
    incident = incidents.by_id_or_number(ctx.store, ctx.params["id"])
    limit = ctx.req.integer("limit", 5, minimum=1, maximum=999)
    scored = insights.past_incidents(ctx.store, incident)
    body: dict[str, Any] = {"past_incidents": scored[:limit], "limit": limit}
    if ctx.req.flag("total"):
        body["total"] = len(scored)
    return body


@route("GET", "/incidents/{id}/related_incidents")
def related_incidents(ctx: Context) -> dict[str, Any]:
    incident = incidents.by_id_or_number(ctx.store, ctx.params["id"])
    full = "incident" in ctx.req.enum_array("additional_details", ("incident",))
    return {"related_incidents": insights.related_incidents(ctx.store, incident, full)}


@route("GET", "/incidents/{id}/related_change_events")
def related_change_events(ctx: Context) -> dict[str, Any]:
    incident = incidents.by_id_or_number(ctx.store, ctx.params["id"])
    limit = ctx.req.integer("limit", 25, minimum=1, maximum=100)
    found = insights.related_change_events(ctx.store, incident)
    return {"change_events": found[:limit], "limit": limit, "offset": 0, "total": None, "more": len(found) > limit}
