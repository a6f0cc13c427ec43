"""What an incident leaves on the record, as the API reads it: its alerts, notes and log entries
(the timeline), and the account's log."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pagerduty_mcp.sandbox.model import incidents
from pagerduty_mcp.sandbox.model.alerts import alerts_of
from pagerduty_mcp.sandbox.model.store import Store, public
from pagerduty_mcp.sandbox.protocol import bad_request, format_time, not_found

__all__ = [
    "ALERT_INCLUDES",
    "ALERT_STATUSES",
    "LOG_INCLUDES",
    "account_log",
    "alert_of",
    "alert_view",
    "alerts_listed",
    "incident_log",
    "log_entry_view",
    "log_listed",
    "log_window",
]

ALERT_STATUSES = ("triggered", "resolved")
ALERT_INCLUDES = ("services", "first_trigger_log_entries", "incidents")
ALERT_SORTS = ("created_at", "resolved_at", "created_at:asc", "created_at:desc", "resolved_at:asc", "resolved_at:desc")
LOG_INCLUDES = ("incidents", "services", "channels", "teams")
# The overview leaves out the per-person notifications, as PagerDuty's "is_overview" does.
_DETAIL_ONLY = ("notify_log_entry",)


def _with_service(store: Store, out: dict[str, Any], record: dict[str, Any]) -> None:
    found = store.find("services", record["service"]["id"])
    if found is not None:
        out["service"] = public(found)


def alert_view(store: Store, alert: dict[str, Any], includes: list[str]) -> dict[str, Any]:
    out = public(alert)
    if "incidents" in includes:
        out["incident"] = incidents.shown(store, store.get("incidents", alert["_incident_id"]))
    if "services" in includes:
        _with_service(store, out, alert)
    return out


def alerts_listed(
    store: Store, incident: dict[str, Any], statuses: set[str], sort: str, alert_key: str | None
) -> list[dict[str, Any]]:
    """The incident's alerts with these statuses (all when empty) and key, in ``sort`` order."""
    if sort not in ALERT_SORTS:
        raise bad_request(errors=[f"sort_by must be one of {list(ALERT_SORTS)}"])
    found = [a for a in alerts_of(store, incident) if not statuses or a["status"] in statuses]
    if alert_key:
        found = [a for a in found if a["alert_key"] == alert_key]
    field, _, direction = sort.partition(":")
    found.sort(key=lambda a: a.get(field) or "", reverse=direction == "desc")
    return found


def alert_of(store: Store, incident: dict[str, Any], alert_id: str) -> dict[str, Any]:
    """One of the incident's alerts (404 for any other)."""
    alert = store.find("alerts", alert_id)
    if alert is None or alert["_incident_id"] != incident["id"]:
        raise not_found("alert", alert_id)
    return alert


def log_entry_view(
    store: Store, entry: dict[str, Any], includes: list[str], zone: ZoneInfo | None = None
) -> dict[str, Any]:
    """The entry as the API shows it; its time in ``zone`` when the request names one (``time_zone``)."""
    out = public(entry)
    if zone is not None:
        out["created_at"] = format_time(entry["_at"], zone)
    if "incidents" in includes:
        out["incident"] = incidents.shown(store, store.get("incidents", entry["_incident_id"]))
    if "services" in includes and entry.get("service"):
        _with_service(store, out, entry)
    return out


def incident_log(store: Store, incident: dict[str, Any]) -> list[dict[str, Any]]:
    return [store.get("log_entries", e) for e in incident["_log"]]


def account_log(store: Store, team_ids: set[str]) -> list[dict[str, Any]]:
    entries = store.all("log_entries")
    if team_ids:
        entries = [e for e in entries if any(t["id"] in team_ids for t in e.get("teams") or [])]
    return entries


def log_window(since: datetime | None, until: datetime | None) -> tuple[datetime | None, datetime | None]:
    if since and until and until < since:
        raise bad_request(errors=["until must be after since"])
    return since, until


def log_listed(
    entries: list[dict[str, Any]], since: datetime | None, until: datetime | None, overview: bool
) -> list[dict[str, Any]]:
    """The entries in [since, until), newest first, without per-person notifications in the overview."""
    found = [
        e
        for e in reversed(entries)  # recorded oldest first; reversed, ties in the same second stay newest first
        if (since is None or e["_at"] >= since)
        and (until is None or e["_at"] < until)
        and not (overview and e["type"] in _DETAIL_ONLY)
    ]
    found.sort(key=lambda e: e["_at"], reverse=True)  # newest first, as PagerDuty lists them
    return found
