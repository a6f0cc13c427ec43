"""Incident types and the custom fields each gives its incidents, for every route that shows them.

A type inherits the fields of its parents (every type descends from ``incident_default``); an
incident without a type of its own is of the default type.
"""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model.store import Store
from pagerduty_mcp.sandbox.protocol import not_found

__all__ = ["MAX_MULTI", "field_values", "fields_of", "incident_type_of", "type_by_id_or_name"]

DEFAULT_TYPE = "incident_default"
MAX_MULTI = 10


def type_by_id_or_name(state: Store, ident: str) -> dict[str, Any]:
    for kind in state.all("incident_types"):
        if ident in (kind["id"], kind["name"]):
            return kind
    raise not_found("incident_type", ident)


def incident_type_of(state: Store, incident: dict[str, Any]) -> dict[str, Any] | None:
    ident = incident.get("_incident_type")
    if ident:
        return state.get("incident_types", ident)
    defaults = [t for t in state.all("incident_types") if t["name"] == DEFAULT_TYPE]
    return defaults[0] if defaults else None


def fields_of(state: Store, kind: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The type's fields and those it inherits, the base type's first."""
    chain: list[str] = []
    while kind is not None:
        chain.insert(0, kind["id"])
        parent = kind.get("parent")
        kind = state.find("incident_types", parent["id"]) if parent else None
    fields = state.all("custom_fields")
    if not chain:
        return fields
    return [f for t in chain for f in fields if f.get("_incident_type") == t]


def field_values(state: Store, incident: dict[str, Any]) -> list[dict[str, Any]]:
    """``field_value`` objects for every field of the incident's type, ``null`` where unset."""
    values = incident.get("_custom_fields") or {}
    return [
        {**_field_view(f), "type": "field_value", "value": values.get(f["name"])}
        for f in fields_of(state, incident_type_of(state, incident))
    ]


def _field_view(field: dict[str, Any]) -> dict[str, Any]:
    keep = ("id", "name", "display_name", "description", "data_type", "field_type")
    return {k: field[k] for k in keep}
