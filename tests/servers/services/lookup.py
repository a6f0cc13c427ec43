"""Finding seeded objects of the sandbox by name, so tests never hard-code generated ids."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox import Sandbox

__all__ = ["by_name", "open_incidents", "sandbox_of"]


def sandbox_of(client: Any) -> Sandbox:
    """The fresh sandbox behind a ``memory_session`` client."""
    box: Sandbox = client.sandbox
    return box


def by_name(client: Any, kind: str, name: str) -> dict[str, Any]:
    """The seeded object of ``kind`` (a sandbox table, e.g. "services") called ``name``."""
    state = sandbox_of(client).state
    found = [o for o in state.all(kind) if o.get("name") == name]
    assert len(found) == 1, f"{kind} named {name!r}: {len(found)} found"
    return found[0]


def open_incidents(client: Any, service_id: str) -> list[dict[str, Any]]:
    state = sandbox_of(client).state
    return [i for i in state.all("incidents") if i["_service_id"] == service_id and i["status"] != "resolved"]
