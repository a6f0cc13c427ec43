"""An incident's alerts: what its events reported, and the counts the incident shows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pagerduty_mcp.sandbox.model.store import HTML_BASE, Store
from pagerduty_mcp.sandbox.protocol import format_time

__all__ = ["add_alert", "alerts_of", "move_alert", "recount_alerts"]


def alerts_of(store: Store, incident: dict[str, Any]) -> list[dict[str, Any]]:
    return [store.get("alerts", a) for a in incident["_alerts"]]


def add_alert(
    store: Store,
    incident: dict[str, Any],
    summary: str,
    at: datetime,
    severity: str = "error",
    details: dict[str, Any] | None = None,
    alert_key: str | None = None,
    integration: dict[str, Any] | None = None,
) -> dict[str, Any]:
    ident = store.new_id()
    alert: dict[str, Any] = {
        "id": ident,
        "type": "alert",
        "summary": summary,
        "self": f"{store.api_base}/incidents/{incident['id']}/alerts/{ident}",
        "html_url": f"{HTML_BASE}/alerts/{ident}",
        "created_at": format_time(at),
        "status": "resolved" if incident["status"] == "resolved" else "triggered",
        "resolved_at": incident["resolved_at"] if incident["status"] == "resolved" else None,
        "alert_key": alert_key or incident["incident_key"],
        "suppressed": False,
        "service": incident["service"],
        "severity": severity,
        "incident": store.ref(incident),
        "integration": integration,
        "body": {
            "type": "alert_body",
            "contexts": [],
            "details": details or {},
            "cef_details": {"summary": summary, "severity": severity, "details": details or {}},
        },
        "_incident_id": incident["id"],
        "_created": at,
    }
    store.put("alerts", alert)
    incident["_alerts"].append(ident)
    recount_alerts(store, incident)
    return alert


def recount_alerts(store: Store, incident: dict[str, Any]) -> None:
    alerts = alerts_of(store, incident)
    resolved = sum(1 for a in alerts if a["status"] == "resolved")
    incident["alert_counts"] = {
        "all": len(alerts),
        "triggered": len(alerts) - resolved,
        "resolved": resolved,
    }


def move_alert(store: Store, alert: dict[str, Any], source: dict[str, Any], target: dict[str, Any]) -> None:
    """Move an alert to another incident (counts are the caller's to redo)."""
    source["_alerts"].remove(alert["id"])
    target["_alerts"].append(alert["id"])
    alert["incident"] = store.ref(target)
    alert["_incident_id"] = target["id"]
    alert["self"] = f"{store.api_base}/incidents/{target['id']}/alerts/{alert['id']}"
