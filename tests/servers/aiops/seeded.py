"""Shared look-ups into the seeded sandbox account for the AIOps tests."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox import Store

__all__ = ["orchestration_key", "router_rules", "service_id", "service_key"]


def service_id(state: Store, name: str) -> str:
    return next(s["id"] for s in state.all("services") if s["name"] == name)


def service_key(state: Store, name: str) -> str:
    """The Events API v2 integration key of a seeded service."""
    sid = service_id(state, name)
    return next(
        i["integration_key"]
        for i in state.all("integrations")
        if i.get("_service_id") == sid and i["type"] == "events_api_v2_inbound_integration"
    )


def orchestration_key(state: Store) -> tuple[str, str]:
    """(orchestration id, its integration's routing key)."""
    orchestration = state.all("event_orchestrations")[0]
    return orchestration["id"], orchestration["integrations"][0]["parameters"]["routing_key"]


def router_rules(state: Store, orchestration_id: str) -> list[dict[str, Any]]:
    return state.get("event_orchestrations", orchestration_id)["_router"]["sets"][0]["rules"]
