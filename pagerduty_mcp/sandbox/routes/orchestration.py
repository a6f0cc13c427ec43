"""Event orchestrations: the orchestrations, their router, global and unrouted paths, and each
service's own path."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model import orchestration as orchestrations
from pagerduty_mcp.sandbox.model.store import public
from pagerduty_mcp.sandbox.protocol import Reply, paginate_offset
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []


@route("GET", "/event_orchestrations")
def list_event_orchestrations(ctx: Context) -> dict[str, Any]:
    found = orchestrations.listed(ctx.store, ctx.req.arg("sort_by", "name:asc") or "")
    page = paginate_offset(found, ctx.req, "orchestrations")
    page["orchestrations"] = [public(o) for o in page["orchestrations"]]
    return page


@route("POST", "/event_orchestrations")
def create_orchestration(ctx: Context) -> Reply:
    body = ctx.req.entity("orchestration")
    user_id = ctx.principal.user_id if ctx.principal is not None else None
    made = orchestrations.create_orchestration(ctx.store, body, user_id, ctx.now)
    return Reply({"orchestration": public(made)}, status=201)


@route("GET", "/event_orchestrations/{id}")
def get_orchestration(ctx: Context) -> dict[str, Any]:
    return {"orchestration": public(ctx.store.get("event_orchestrations", ctx.params["id"]))}


def _path_routes(kind: str) -> None:
    """``GET`` and ``PUT /event_orchestrations/{id}/<kind>``, the same for each kind of path."""

    def read(ctx: Context) -> dict[str, Any]:
        orchestration = ctx.store.get("event_orchestrations", ctx.params["id"])
        return orchestrations.read_path(ctx.store, orchestration, kind)

    def write(ctx: Context) -> dict[str, Any]:
        orchestration = ctx.store.get("event_orchestrations", ctx.params["id"])
        body = ctx.req.entity("orchestration_path")
        user_id = ctx.principal.user_id if ctx.principal is not None else None
        return orchestrations.write_path(ctx.store, orchestration, kind, body, user_id, ctx.now)

    read.__name__, write.__name__ = f"get_{kind}", f"put_{kind}"
    route("GET", f"/event_orchestrations/{{id}}/{kind}")(read)
    route("PUT", f"/event_orchestrations/{{id}}/{kind}")(write)


for _kind in orchestrations.PATH_KINDS:
    _path_routes(_kind)


@route("GET", "/event_orchestrations/services/{service_id}")
def get_service_path(ctx: Context) -> dict[str, Any]:
    service_id = ctx.params["service_id"]
    path = orchestrations.service_path(ctx.store, service_id)
    return orchestrations.service_path_view(ctx.store, service_id, path)


@route("PUT", "/event_orchestrations/services/{service_id}")
def put_service_path(ctx: Context) -> dict[str, Any]:
    service_id = ctx.params["service_id"]
    path = orchestrations.service_path(ctx.store, service_id)
    orchestrations.replace_path(ctx.store, path, ctx.req.entity("orchestration_path"), "service", ctx.now)
    return orchestrations.service_path_view(ctx.store, service_id, path)
