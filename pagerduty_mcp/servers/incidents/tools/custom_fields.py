"""Incident types and custom fields: which type an incident is, and the values of the fields its type
gives it, each checked against the field's data type and options before PagerDuty sees it."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from pagerduty_mcp.common import (
    Envelope,
    PagerDutyClient,
    clean_text,
    clean_tree,
    get_client,
    invalid,
    path,
    respond,
    tool,
    value_fits,
)
from pagerduty_mcp.servers.incidents.params import IncidentId, incident_id_of

__all__ = ["incident_type_named", "update_incident_custom_fields"]

DEFAULT_TYPE = "incident_default"
MAX_VALUES = 10  # a multi-value field holds at most 10
_TYPE_NAMES = {"integer": "a whole number", "float": "a number", "boolean": "true or false", "url": "an http(s) URL"}


def incident_type_named(client: PagerDutyClient, value: str) -> str:
    """The name of the enabled incident type that ``value`` names (id, name or display name)."""
    kinds = client.read("/incidents/types", {"filter": "enabled"}).get("incident_types") or []
    wanted = value.strip().lower()
    for kind in kinds:
        if wanted in (
            str(kind.get("id")).lower(),
            str(kind.get("name")).lower(),
            str(kind.get("display_name")).lower(),
        ):
            return str(kind["name"])
    valid = ", ".join(f"{k.get('display_name')} ({k.get('name')})" for k in kinds) or "none"
    raise invalid("incident_type", f"no enabled incident type {clean_text(value, 80)!r}; types: {valid}")


def _checked(field: dict[str, Any], value: Any) -> Any:
    """The value to send for ``field``, or INVALID_PARAMETER naming the field and what it takes."""
    name = str(field["name"])
    if value is None:
        return None  # clears the field
    multi = str(field.get("field_type", "")).startswith("multi")
    items = value if isinstance(value, list) else [value]
    if not multi and isinstance(value, list):
        raise invalid("fields", f"{name} takes one value, not a list")
    if len(items) > MAX_VALUES:
        raise invalid("fields", f"{name} takes at most {MAX_VALUES} values")
    data_type = str(field.get("data_type") or "string")
    options = [str((o.get("data") or {}).get("value")) for o in field.get("field_options") or []]
    for item in items:
        if options and item not in options:
            raise invalid(
                "fields", f"{name}: {clean_text(str(item), 80)!r} is not allowed; options: {', '.join(options)}"
            )
        if not value_fits(data_type, item):
            raise invalid("fields", f"{name} must be {_TYPE_NAMES.get(data_type, f'a {data_type} (max 200 chars)')}")
    return list(dict.fromkeys(items)) if multi else value


@tool("Update incident custom fields", "update")
def update_incident_custom_fields(
    incident_id: IncidentId,
    fields: Annotated[
        dict[str, Any],
        Field(min_length=1, description="Field name -> value (a list for multi-value fields; null clears)."),
    ],
) -> Envelope:
    """Set custom field values on an incident, checked against each field's type and options."""
    client = get_client()
    ident = incident_id_of(client, incident_id)
    incident = client.read(path("/incidents/{}", ident))["incident"]
    kind = str((incident.get("incident_type") or {}).get("name") or DEFAULT_TYPE)
    known = client.read(path("/incidents/types/{}/custom_fields", kind), {"include[]": ["field_options"]})["fields"]
    by_name = {str(k).lower(): f for f in known for k in (f.get("name"), f.get("display_name"), f.get("id")) if k}
    values = []
    for given, value in fields.items():
        field = by_name.get(given.strip().lower())
        if field is None:
            names = ", ".join(str(f.get("name")) for f in known) or "none"
            raise invalid("fields", f"{clean_text(given, 80)!r} is not a field of {kind} incidents; fields: {names}")
        values.append({"name": field["name"], "value": _checked(field, value)})
    saved = client.write("PUT", path("/incidents/{}/custom_fields/values", ident), {"custom_fields": values})
    shown = {
        clean_text(str(f.get("name")), 100): clean_tree(f.get("value"))
        for f in saved.get("custom_fields") or []
        if f.get("value") is not None
    }
    return respond("custom_fields", [shown], f"Set {len(values)} field(s) on incident {ident} ({kind})", untrusted=True)
