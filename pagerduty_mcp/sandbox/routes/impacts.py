"""Business-service impact: an incident's, set by hand, and the account-wide view."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model import impacts, incidents
from pagerduty_mcp.sandbox.protocol import bad_request, paginate_cursor
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []


def _row(business: dict[str, Any]) -> dict[str, Any]:
    return {"id": business["id"], "name": business["name"], "type": "business_service", "status": "impacted"}


@route("GET", "/incidents/{id}/business_services/impacts")
def incident_impacts(ctx: Context) -> dict[str, Any]:
    incident = incidents.by_id_or_number(ctx.store, ctx.params["id"])
    rows = [_row(b) for b in impacts.business_services_impacted(ctx.store, incident)]
    return paginate_cursor(rows, ctx.req, "services")


@route("PUT", "/incidents/{id}/business_services/{business_service_id}/impacts")
def set_incident_impact(ctx: Context) -> dict[str, Any]:
    incident = incidents.by_id_or_number(ctx.store, ctx.params["id"])
    business = ctx.store.get("business_services", ctx.params["business_service_id"])
    body = ctx.req.json()
    if not isinstance(body, dict):
        raise bad_request(errors=["The request body must be a JSON object"])
    return {"relation": impacts.set_relation(ctx.store, incident, business, body.get("relation"))}


@route("GET", "/business_services/impacts")
def business_service_impacts(ctx: Context) -> dict[str, Any]:
    fields = ctx.req.enum_array("additional_fields", impacts.IMPACT_FIELDS)
    rows, impacted = impacts.impact_rows(ctx.store, ctx.req.array("ids"), fields)
    answer: dict[str, Any] = {"services": rows, "limit": impacts.MAX_LISTED, "more": False}
    if "total_impacted_count" in fields:
        answer["additional_fields"] = {"total_impacted_count": impacted}
    return answer


@route("GET", "/business_services/impactors")
def business_service_impactors(ctx: Context) -> dict[str, Any]:
    return {"impactors": impacts.impactors(ctx.store, ctx.req.array("ids")), "limit": impacts.MAX_LISTED, "more": False}
