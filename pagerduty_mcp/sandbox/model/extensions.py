"""Extension schemas (the kinds of extension: Slack, ServiceNow, generic webhook...) and the
extensions attached to services."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model.store import Store, public
from pagerduty_mcp.sandbox.protocol import matches_query

__all__ = ["DETAIL_INCLUDES", "INCLUDES", "listed", "schemas", "shown"]

INCLUDES = ("extension_objects", "extension_schemas")
DETAIL_INCLUDES = (*INCLUDES, "temporarily_disabled")


def schemas(store: Store) -> list[dict[str, Any]]:
    return sorted(store.all("extension_schemas"), key=lambda s: s["label"].lower())


def shown(store: Store, extension: dict[str, Any], includes: list[str]) -> dict[str, Any]:
    out = public(extension)
    # Included objects come whole, typed as the references the description says these fields are.
    if "extension_schemas" in includes:
        schema = extension["extension_schema"]
        out["extension_schema"] = {**public(store.get("extension_schemas", schema["id"])), "type": schema["type"]}
    if "extension_objects" in includes:
        out["extension_objects"] = [
            {**public(store.find("services", r["id"]) or r), "type": r["type"]} for r in extension["extension_objects"]
        ]
    return out


def listed(store: Store, query: str | None, service_id: str | None, schema_id: str | None) -> list[dict[str, Any]]:
    """Extensions by name, matching ``query``, on the service and of the schema given."""
    return [
        e
        for e in sorted(store.all("extensions"), key=lambda e: e["name"].lower())
        if matches_query(query, e["name"])
        and (not service_id or any(o["id"] == service_id for o in e["extension_objects"]))
        and (not schema_id or e["extension_schema"]["id"] == schema_id)
    ]
