"""Business services, and the dependencies between services (technical and business)."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model.store import Store

__all__ = ["listed", "relationships"]


def listed(store: Store) -> list[dict[str, Any]]:
    return sorted(store.all("business_services"), key=lambda b: b["name"].lower())


def _dependency_ref(ref: dict[str, Any]) -> dict[str, str]:
    business = str(ref.get("type", "")).startswith("business")
    return {"id": ref["id"], "type": "business_service_reference" if business else "technical_service_reference"}


def relationships(store: Store, ident: str) -> list[dict[str, Any]]:
    """The dependencies a service (of either kind) takes part in, supporting or dependent."""
    return [
        {
            "id": d["id"],
            "type": "service_dependency",
            "supporting_service": _dependency_ref(d["supporting_service"]),
            "dependent_service": _dependency_ref(d["dependent_service"]),
        }
        for d in store.dependencies
        if ident in (d["supporting_service"]["id"], d["dependent_service"]["id"])
    ]
