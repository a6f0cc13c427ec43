"""Technical services and their integrations."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model import services
from pagerduty_mcp.sandbox.model.store import public
from pagerduty_mcp.sandbox.protocol import Reply, paginate_offset
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []


@route("GET", "/services")
def list_services(ctx: Context) -> dict[str, Any]:
    req = ctx.req
    query = (req.arg("query") or "").lower()
    name = req.arg("name")
    team_ids = set(req.array("team_ids"))
    includes = req.enum_array("include", services.INCLUDES)
    found = services.listed(ctx.store, query, name, team_ids, req.arg("sort_by", "name"))
    page = paginate_offset(found, req, "services")
    page["services"] = [services.shown(ctx.store, s, includes) for s in page["services"]]
    return page


@route("GET", "/services/{id}")
def get_service(ctx: Context) -> dict[str, Any]:
    includes = ctx.req.enum_array("include", services.INCLUDES)
    return {"service": services.shown(ctx.store, ctx.store.get("services", ctx.params["id"]), includes)}


@route("POST", "/services")
def create_service(ctx: Context) -> Reply:
    service = services.create_service(ctx.store, ctx.req.entity("service"), ctx.now)
    return Reply({"service": services.shown(ctx.store, service)}, 201)


@route("PUT", "/services/{id}")
def update_service(ctx: Context) -> dict[str, Any]:
    service = ctx.store.get("services", ctx.params["id"])
    updated = services.update_service(ctx.store, service, ctx.req.entity("service"))
    return {"service": services.shown(ctx.store, updated)}


@route("DELETE", "/services/{id}")
def delete_service(ctx: Context) -> Reply:
    services.delete_service(ctx.store, ctx.params["id"])
    return Reply(None, 204)


@route("POST", "/services/{id}/integrations")
def create_integration(ctx: Context) -> Reply:
    service = ctx.store.get("services", ctx.params["id"])
    integration = services.add_integration(ctx.store, service, ctx.req.entity("integration"), ctx.now)
    return Reply({"integration": public(integration)}, 201)


@route("GET", "/services/{id}/integrations/{integration_id}")
def get_integration(ctx: Context) -> dict[str, Any]:
    service = ctx.store.get("services", ctx.params["id"])
    return {"integration": public(services.integration_of(ctx.store, service, ctx.params["integration_id"]))}
