"""Maintenance windows: while one is on, its services open no incidents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pagerduty_mcp.sandbox.model.store import Store

__all__ = ["active_maintenance"]


def active_maintenance(store: Store, service_id: str, at: datetime) -> list[dict[str, Any]]:
    return [
        w
        for w in store.all("maintenance_windows")
        if w["_start"] <= at < w["_end"] and any(s["id"] == service_id for s in w["services"])
    ]
