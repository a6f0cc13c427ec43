"""Business services, and service dependencies (of technical and business services)."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model import business_services
from pagerduty_mcp.sandbox.model.store import public
from pagerduty_mcp.sandbox.protocol import paginate_offset
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []


@route("GET", "/business_services")
def list_business_services(ctx: Context) -> dict[str, Any]:
    page = paginate_offset(business_services.listed(ctx.store), ctx.req, "business_services")
    page["business_services"] = [public(b) for b in page["business_services"]]
    return page


@route("GET", "/business_services/{id}")
def get_business_service(ctx: Context) -> dict[str, Any]:
    return {"business_service": public(ctx.store.get("business_services", ctx.params["id"]))}


@route("GET", "/service_dependencies/technical_services/{id}")
def technical_service_dependencies(ctx: Context) -> dict[str, Any]:
    ctx.store.get("services", ctx.params["id"])
    return {"relationships": business_services.relationships(ctx.store, ctx.params["id"])}


@route("GET", "/service_dependencies/business_services/{id}")
def business_service_dependencies(ctx: Context) -> dict[str, Any]:
    ctx.store.get("business_services", ctx.params["id"])
    return {"relationships": business_services.relationships(ctx.store, ctx.params["id"])}
