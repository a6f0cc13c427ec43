"""Technical services: their status, integrations and dependencies."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model.store import Store

__all__ = ["integration_by_key"]


def integration_by_key(store: Store, key: str) -> dict[str, Any] | None:
    for integration in store.all("integrations"):
        if integration.get("integration_key") == key:
            return integration
    return None
