"""An incident's log entries: its timeline (trigger, acknowledge, assign, notify, annotate, resolve...)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pagerduty_mcp.sandbox.model.store import HTML_BASE, Store
from pagerduty_mcp.sandbox.protocol import format_time

__all__ = ["add_log_entry"]


def add_log_entry(
    store: Store,
    incident: dict[str, Any],
    kind: str,
    at: datetime,
    agent: dict[str, Any] | None,
    summary: str,
    channel: dict[str, Any] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """Append a ``<kind>_log_entry`` (trigger, acknowledge, resolve, assign, notify, annotate...)."""
    if agent is not None and agent.get("type", "").endswith("_integration_reference"):
        # the spec types a log entry's agent as user, service or integration reference
        agent = {**agent, "type": "integration_reference"}
    entry: dict[str, Any] = {
        "id": store.new_id(),
        "type": f"{kind}_log_entry",
        "summary": summary,
        "self": "",
        "html_url": None,
        "created_at": format_time(at),
        "agent": agent,
        "channel": channel or {"type": "api" if agent else "auto"},
        "service": incident["service"],
        "incident": store.ref(incident),
        "teams": incident.get("teams", []),
        "contexts": [],
        "_at": at,
        "_incident_id": incident["id"],
        **fields,
    }
    entry["self"] = f"{store.api_base}/log_entries/{entry['id']}"
    entry["html_url"] = f"{HTML_BASE}/incidents/{incident['id']}/log_entries/{entry['id']}"
    store.put("log_entries", entry)
    incident["_log"].append(entry["id"])
    return entry
