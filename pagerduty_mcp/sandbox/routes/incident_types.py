"""Incident types and the custom field values of an incident.

Values are checked as PagerDuty checks
them: the field must belong to the incident's type, the value must fit its data type and, for a
fixed field, be one of its options.
"""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.common.pagerduty.field_values import value_fits
from pagerduty_mcp.sandbox.model.incident_types import (
    MAX_MULTI,
    field_values,
    fields_of,
    incident_type_of,
    type_by_id_or_name,
)
from pagerduty_mcp.sandbox.model.store import public
from pagerduty_mcp.sandbox.protocol import bad_request
from pagerduty_mcp.sandbox.router import Context, route
from pagerduty_mcp.sandbox.routes.incidents import incident_by_id_or_number

__all__: list[str] = []


def _options(field: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"id": f"{field['id']}{n}", "type": "field_option", "data": {"value": value, "data_type": "string"}}
        for n, value in enumerate(field.get("_options") or [])
    ]


@route("GET", "/incidents/types")
def list_incident_types(ctx: Context) -> dict[str, Any]:
    wanted = ctx.req.arg("filter") or "enabled"
    if wanted not in ("enabled", "disabled", "all"):
        raise bad_request(errors=["filter must be enabled, disabled or all"])
    kinds = [t for t in ctx.store.all("incident_types") if wanted == "all" or t["enabled"] == (wanted == "enabled")]
    return {"incident_types": [public(t) for t in kinds]}


@route("GET", "/incidents/types/{type_id_or_name}")
def get_incident_type(ctx: Context) -> dict[str, Any]:
    return {"incident_type": public(type_by_id_or_name(ctx.store, ctx.params["type_id_or_name"]))}


@route("GET", "/incidents/types/{type_id_or_name}/custom_fields")
def list_type_fields(ctx: Context) -> dict[str, Any]:
    state = ctx.store
    kind = type_by_id_or_name(state, ctx.params["type_id_or_name"])
    with_options = bool(ctx.req.enum_array("include", ("field_options",)))
    fields = []
    for field in fields_of(state, kind):
        owner = state.get("incident_types", field["_incident_type"])
        row = {
            **public(field),
            "enabled": True,
            "incident_type": owner["id"],
            "summary": field["name"],
            "created_at": owner["created_at"],
            "updated_at": owner["updated_at"],
        }
        row.pop("html_url", None)
        if with_options and field["field_type"].endswith("_fixed"):
            row["field_options"] = _options(field)
        fields.append(row)
    return {"fields": fields}


@route("GET", "/incidents/{id}/custom_fields/values")
def get_values(ctx: Context) -> dict[str, Any]:
    incident = incident_by_id_or_number(ctx.store, ctx.params["id"])
    return {"custom_fields": field_values(ctx.store, incident)}


def _check_value(field: dict[str, Any], value: Any) -> Any:
    name = field["name"]
    if value is None:
        return None
    multi = field["field_type"].startswith("multi")
    items = value if multi else [value]
    if multi and (not isinstance(value, list) or len(value) > MAX_MULTI):
        raise bad_request(errors=[f"{name} takes a list of at most {MAX_MULTI} values"])
    for item in items:
        if not value_fits(field["data_type"], item):
            raise bad_request(errors=[f"{name} must be a {field['data_type']}"])
        if field["field_type"].endswith("_fixed") and item not in field["_options"]:
            raise bad_request(errors=[f"{name}: {item!r} is not one of its options {field['_options']}"])
    return list(dict.fromkeys(items)) if multi else value


@route("PUT", "/incidents/{id}/custom_fields/values")
def put_values(ctx: Context) -> dict[str, Any]:
    state = ctx.store
    incident = incident_by_id_or_number(state, ctx.params["id"])
    body = ctx.req.json()
    items = body.get("custom_fields") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise bad_request(errors=["custom_fields must be a list of {name or id, value}"])
    fields = fields_of(state, incident_type_of(state, incident))
    changes: dict[str, Any] = {}
    for item in items:
        key = item.get("id") or item.get("name") if isinstance(item, dict) else None
        field = next((f for f in fields if key in (f["id"], f["name"])), None)
        if field is None or "value" not in item:
            raise bad_request(errors=[f"Field {key!r} does not exist on this incident's type, or has no value"])
        changes[field["name"]] = _check_value(field, item["value"])
    incident["_custom_fields"] = {**(incident.get("_custom_fields") or {}), **changes}
    return {"custom_fields": field_values(state, incident)}
