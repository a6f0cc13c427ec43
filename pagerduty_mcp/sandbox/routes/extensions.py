"""Extension schemas and the extensions attached to services."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model import extensions
from pagerduty_mcp.sandbox.model.store import public
from pagerduty_mcp.sandbox.protocol import paginate_offset
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []


@route("GET", "/extension_schemas")
def list_extension_schemas(ctx: Context) -> dict[str, Any]:
    page = paginate_offset(extensions.schemas(ctx.store), ctx.req, "extension_schemas")
    page["extension_schemas"] = [public(s) for s in page["extension_schemas"]]
    return page


@route("GET", "/extension_schemas/{id}")
def get_extension_schema(ctx: Context) -> dict[str, Any]:
    return {"extension_schema": public(ctx.store.get("extension_schemas", ctx.params["id"]))}


@route("GET", "/extensions")
def list_extensions(ctx: Context) -> dict[str, Any]:
    req = ctx.req
    includes = req.enum_array("include", extensions.INCLUDES)
    found = extensions.listed(
        ctx.store, req.arg("query"), req.arg("extension_object_id"), req.arg("extension_schema_id")
    )
    page = paginate_offset(found, req, "extensions")
    page["extensions"] = [extensions.shown(ctx.store, e, includes) for e in page["extensions"]]
    return page


@route("GET", "/extensions/{id}")
def get_extension(ctx: Context) -> dict[str, Any]:
    includes = ctx.req.enum_array("include", extensions.DETAIL_INCLUDES)
    return {"extension": extensions.shown(ctx.store, ctx.store.get("extensions", ctx.params["id"]), includes)}
