"""Incident types and the custom fields each gives its incidents, and an incident's field values.

A type inherits the fields of its parents (every type descends from ``incident_default``); an
incident without a type of its own is of the default type. Values are checked as PagerDuty checks
them: the field must belong to the incident's type, the value must fit its data type and, for a
fixed field, be one of its options.
"""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.rules.field_values import value_fits
from pagerduty_mcp.sandbox.model.store import Store, public
from pagerduty_mcp.sandbox.protocol import bad_request, not_found

__all__ = [
    "MAX_MULTI",
    "field_values",
    "fields_of",
    "incident_type_of",
    "listed",
    "set_values",
    "type_by_id_or_name",
    "type_fields",
]

DEFAULT_TYPE = "incident_default"
MAX_MULTI = 10


def type_by_id_or_name(store: Store, ident: str) -> dict[str, Any]:
    for kind in store.all("incident_types"):
        if ident in (kind["id"], kind["name"]):
            return kind
    raise not_found("incident_type", ident)


def incident_type_of(store: Store, incident: dict[str, Any]) -> dict[str, Any] | None:
    ident = incident.get("_incident_type")
    if ident:
        return store.get("incident_types", ident)
    defaults = [t for t in store.all("incident_types") if t["name"] == DEFAULT_TYPE]
    return defaults[0] if defaults else None


def fields_of(store: Store, kind: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The type's fields and those it inherits, the base type's first."""
    chain: list[str] = []
    while kind is not None:
        chain.insert(0, kind["id"])
        parent = kind.get("parent")
        kind = store.find("incident_types", parent["id"]) if parent else None
    fields = store.all("custom_fields")
    if not chain:
        return fields
    return [f for t in chain for f in fields if f.get("_incident_type") == t]


def field_values(store: Store, incident: dict[str, Any]) -> list[dict[str, Any]]:
    """``field_value`` objects for every field of the incident's type, ``null`` where unset."""
    values = incident.get("_custom_fields") or {}
    return [
        {**_field_view(f), "type": "field_value", "value": values.get(f["name"])}
        for f in fields_of(store, incident_type_of(store, incident))
    ]


def _field_view(field: dict[str, Any]) -> dict[str, Any]:
    keep = ("id", "name", "display_name", "description", "data_type", "field_type")
    return {k: field[k] for k in keep}


def listed(store: Store, wanted: str) -> list[dict[str, Any]]:
    """The types that are ``enabled``, ``disabled`` or ``all`` of them."""
    if wanted not in ("enabled", "disabled", "all"):
        raise bad_request(errors=["filter must be enabled, disabled or all"])
    return [t for t in store.all("incident_types") if wanted == "all" or t["enabled"] == (wanted == "enabled")]


def _options(field: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"id": f"{field['id']}{n}", "type": "field_option", "data": {"value": value, "data_type": "string"}}
        for n, value in enumerate(field.get("_options") or [])
    ]


def type_fields(store: Store, kind: dict[str, Any], with_options: bool) -> list[dict[str, Any]]:
    """The fields a type's incidents have (its own and inherited), as ``GET .../custom_fields`` shows them."""
    fields = []
    for field in fields_of(store, kind):
        owner = store.get("incident_types", field["_incident_type"])
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
    return fields


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


def set_values(store: Store, incident: dict[str, Any], items: Any) -> list[dict[str, Any]]:
    """Set the incident's field values (each checked before any is set); all its values after."""
    if not isinstance(items, list):
        raise bad_request(errors=["custom_fields must be a list of {name or id, value}"])
    fields = fields_of(store, incident_type_of(store, incident))
    changes: dict[str, Any] = {}
    for item in items:
        key = item.get("id") or item.get("name") if isinstance(item, dict) else None
        field = next((f for f in fields if key in (f["id"], f["name"])), None)
        if field is None or "value" not in item:
            raise bad_request(errors=[f"Field {key!r} does not exist on this incident's type, or has no value"])
        changes[field["name"]] = _check_value(field, item["value"])
    incident["_custom_fields"] = {**(incident.get("_custom_fields") or {}), **changes}
    return field_values(store, incident)
