"""Incident types, their custom fields, and the custom field values of an incident."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model import incident_types, incidents
from pagerduty_mcp.sandbox.model.store import public
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []


@route("GET", "/incidents/types")
def list_incident_types(ctx: Context) -> dict[str, Any]:
    kinds = incident_types.listed(ctx.store, ctx.req.arg("filter") or "enabled")
    return {"incident_types": [public(t) for t in kinds]}


@route("GET", "/incidents/types/{type_id_or_name}")
def get_incident_type(ctx: Context) -> dict[str, Any]:
    return {"incident_type": public(incident_types.type_by_id_or_name(ctx.store, ctx.params["type_id_or_name"]))}


@route("GET", "/incidents/types/{type_id_or_name}/custom_fields")
def list_type_fields(ctx: Context) -> dict[str, Any]:
    kind = incident_types.type_by_id_or_name(ctx.store, ctx.params["type_id_or_name"])
    with_options = bool(ctx.req.enum_array("include", ("field_options",)))
    return {"fields": incident_types.type_fields(ctx.store, kind, with_options)}


@route("GET", "/incidents/{id}/custom_fields/values")
def get_values(ctx: Context) -> dict[str, Any]:
    incident = incidents.by_id_or_number(ctx.store, ctx.params["id"])
    return {"custom_fields": incident_types.field_values(ctx.store, incident)}


@route("PUT", "/incidents/{id}/custom_fields/values")
def put_values(ctx: Context) -> dict[str, Any]:
    incident = incidents.by_id_or_number(ctx.store, ctx.params["id"])
    body = ctx.req.json()
    items = body.get("custom_fields") if isinstance(body, dict) else None
    return {"custom_fields": incident_types.set_values(ctx.store, incident, items)}
