"""Extension schemas (the kinds of extension: Slack, ServiceNow, generic webhook...) and the
extensions attached to services."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model.store import Store, public
from pagerduty_mcp.sandbox.protocol import matches_query, paginate_offset
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []

_INCLUDES = ("extension_objects", "extension_schemas")


@route("GET", "/extension_schemas")
def list_extension_schemas(ctx: Context) -> dict[str, Any]:
    rows = sorted(ctx.store.all("extension_schemas"), key=lambda s: s["label"].lower())
    page = paginate_offset(rows, ctx.req, "extension_schemas")
    page["extension_schemas"] = [public(s) for s in page["extension_schemas"]]
    return page


@route("GET", "/extension_schemas/{id}")
def get_extension_schema(ctx: Context) -> dict[str, Any]:
    return {"extension_schema": public(ctx.store.get("extension_schemas", ctx.params["id"]))}


def _render(state: Store, extension: dict[str, Any], includes: list[str]) -> dict[str, Any]:
    out = public(extension)
    # Included objects come whole, typed as the references the description says these fields are.
    if "extension_schemas" in includes:
        schema = extension["extension_schema"]
        out["extension_schema"] = {**public(state.get("extension_schemas", schema["id"])), "type": schema["type"]}
    if "extension_objects" in includes:
        out["extension_objects"] = [
            {**public(state.find("services", r["id"]) or r), "type": r["type"]} for r in extension["extension_objects"]
        ]
    return out


@route("GET", "/extensions")
def list_extensions(ctx: Context) -> dict[str, Any]:
    req = ctx.req
    includes = req.enum_array("include", _INCLUDES)
    query = req.arg("query")
    service = req.arg("extension_object_id")
    schema = req.arg("extension_schema_id")
    rows = [
        e
        for e in sorted(ctx.store.all("extensions"), key=lambda e: e["name"].lower())
        if matches_query(query, e["name"])
        and (not service or any(o["id"] == service for o in e["extension_objects"]))
        and (not schema or e["extension_schema"]["id"] == schema)
    ]
    page = paginate_offset(rows, req, "extensions")
    page["extensions"] = [_render(ctx.store, e, includes) for e in page["extensions"]]
    return page


@route("GET", "/extensions/{id}")
def get_extension(ctx: Context) -> dict[str, Any]:
    includes = ctx.req.enum_array("include", (*_INCLUDES, "temporarily_disabled"))
    return {"extension": _render(ctx.store, ctx.store.get("extensions", ctx.params["id"]), includes)}
