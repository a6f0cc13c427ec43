"""Alert grouping settings: CRUD with ``after``/``before`` cursors, and grouping new alerts.

Grouping (called by Events API ingestion, :mod:`.events`) puts a triggered alert
into an open incident instead of opening a new one:
- ``time``: the newest open incident on the setting's services created within ``timeout``
  seconds (0: while it is open);
- ``content_based`` / ``content_based_intelligent``: an open incident whose first alert matches
  on ``fields`` (``all`` or ``any``), whose newest alert is within ``time_window`` seconds;
- ``intelligent``: like content-based on ``iag_fields`` (default ``summary``), an approximation
  of PagerDuty's learned grouping that keeps the sandbox deterministic.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any

from pagerduty_mcp.sandbox.model.alerts import alerts_of
from pagerduty_mcp.sandbox.model.store import Store
from pagerduty_mcp.sandbox.protocol import bad_request, format_time

__all__ = ["GROUPING_TYPES", "create_setting", "group_alert", "page", "shown", "update_setting"]

GROUPING_TYPES = ("content_based", "content_based_intelligent", "intelligent", "time")
_AGGREGATES = ("all", "any")
# Event fields as the alert body stores them (cef_details), for content-based matching.
_CEF_FIELDS = {
    "summary": "summary",
    "source": "source_origin",
    "component": "source_component",
    "group": "service_group",
    "class": "event_class",
    "severity": "severity",
}


def shown(store: Store, setting: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in setting.items() if not k.startswith("_")}
    services = []
    for item in setting["services"]:
        service = store.find("services", item["id"])
        ref = store.ref(service) if service else {"id": item["id"], "type": "service_reference"}
        services.append({**ref, "name": service["name"] if service else None})
    out["services"] = services
    return out


def _encode(position: int) -> str:
    return base64.urlsafe_b64encode(f"ags:{position}".encode()).decode().rstrip("=")


def _decode(cursor: str, name: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith("ags:"):
            raise ValueError(text)
        return max(0, int(text[4:]))
    except (ValueError, UnicodeDecodeError):
        raise bad_request(errors=[f"{name} is not a cursor this API returned"]) from None


def _checked(store: Store, body: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    """The setting after applying ``body``, or 400 with PagerDuty-like messages."""
    merged = {**(current or {}), **{k: v for k, v in body.items() if k in ("name", "description", "type", "config")}}
    if "services" in body:
        merged["services"] = body["services"]
    errors: list[str] = []
    type_ = merged.get("type")
    if type_ not in GROUPING_TYPES:
        errors.append(f"type must be one of {', '.join(GROUPING_TYPES)}")
    services = merged.get("services")
    if not isinstance(services, list) or not services or not all(isinstance(s, dict) and s.get("id") for s in services):
        errors.append("services must be a non-empty array of service references")
        services = []
    for item in services:
        if store.find("services", str(item["id"])) is None:
            errors.append(f"Service {item['id']} not found")
    if type_ == "content_based_intelligent" and len(services) > 1:
        errors.append("content_based_intelligent settings apply to exactly one service")
    raw_config = merged.get("config")
    config: dict[str, Any] = raw_config if isinstance(raw_config, dict) else {}
    if type_ == "time":
        timeout = config.get("timeout", 0)
        if not isinstance(timeout, int) or not (timeout == 0 or 60 <= timeout <= 86400):
            errors.append("config.timeout must be 0 or between 60 and 86400 seconds")
    elif type_ in ("content_based", "content_based_intelligent"):
        if config.get("aggregate") not in _AGGREGATES:
            errors.append("config.aggregate must be all or any")
        fields = config.get("fields")
        if not isinstance(fields, list) or not fields or not all(isinstance(f, str) and f for f in fields):
            errors.append("config.fields must be a non-empty array of field names")
        high = 86400 if type_ == "content_based" else 3600
        window = config.get("time_window", 0)
        if not isinstance(window, int) or not (window == 0 or 300 <= window <= high or window == 86400):
            errors.append(f"config.time_window must be 0 or between 300 and {high} seconds")
    elif type_ == "intelligent":
        window = config.get("time_window", 0)
        if not isinstance(window, int) or not (window == 0 or 300 <= window <= 3600):
            errors.append("config.time_window must be 0 or between 300 and 3600 seconds")
    if errors:
        raise bad_request(errors=errors)
    merged["config"] = config
    merged["services"] = [{"id": str(s["id"])} for s in services]
    return merged


def page(
    store: Store, limit: int, service_ids: set[str], after: str | None, before: str | None
) -> tuple[dict[str, Any], int]:
    """One page of settings by ``after``/``before`` cursor (not both), oldest first, and how many
    there are in all."""
    items = sorted(store.all("alert_grouping_settings"), key=lambda s: (s["created_at"], s["id"]))
    if service_ids:
        items = [s for s in items if service_ids & {x["id"] for x in s["services"]}]
    if after and before:
        raise bad_request(errors=["Use after or before, not both"])
    if before:
        end = _decode(before, "before")
        start = max(0, end - limit)
    else:
        start = _decode(after, "after") if after else 0
        end = start + limit
    found = items[start:end]
    body: dict[str, Any] = {
        "alert_grouping_settings": [shown(store, s) for s in found],
        "after": _encode(start + len(found)) if start + len(found) < len(items) else None,
        "before": _encode(start) if start > 0 else None,
        "limit": limit,
    }
    return body, len(items)


def create_setting(store: Store, body: dict[str, Any], now: datetime) -> dict[str, Any]:
    setting = _checked(store, body, None)
    stamp = format_time(now)
    setting.update(
        {
            "id": store.new_id(),
            "name": setting.get("name"),
            "description": setting.get("description"),
            "created_at": stamp,
            "updated_at": stamp,
        }
    )
    return store.put("alert_grouping_settings", setting)


def update_setting(store: Store, current: dict[str, Any], body: dict[str, Any], now: datetime) -> dict[str, Any]:
    updated = _checked(store, body, current)
    updated["updated_at"] = format_time(now)
    current.clear()
    current.update(updated)
    return current


# -- grouping ------------------------------------------------------------------------------------
def _event_value(payload: dict[str, Any], field: str) -> Any:
    if field.startswith("custom_details."):
        value: Any = payload.get("custom_details") or {}
        for part in field.split(".")[1:]:
            value = value.get(part) if isinstance(value, dict) else None
        return value
    return payload.get(field)


def _alert_value(alert: dict[str, Any], field: str) -> Any:
    cef = alert["body"].get("cef_details") or {}
    if field.startswith("custom_details."):
        value: Any = cef.get("details") or {}
        for part in field.split(".")[1:]:
            value = value.get(part) if isinstance(value, dict) else None
        return value
    return cef.get(_CEF_FIELDS.get(field, field))


def _matches(alert: dict[str, Any], payload: dict[str, Any], fields: list[str], aggregate: str) -> bool:
    results = [
        _event_value(payload, f) is not None and _event_value(payload, f) == _alert_value(alert, f) for f in fields
    ]
    return any(results) if aggregate == "any" else all(results)


def group_alert(store: Store, service: dict[str, Any], event: dict[str, Any], now: datetime) -> dict[str, Any] | None:
    """The open incident a new alert on ``service`` joins under its grouping setting, or None."""
    payload = event.get("payload") or {}
    for setting in store.all("alert_grouping_settings"):
        service_ids = [s["id"] for s in setting["services"]]
        if service["id"] not in service_ids:
            continue
        config = setting.get("config") or {}
        candidates = [i for sid in service_ids for i in store.open_incidents_of(sid)]
        candidates.sort(key=lambda i: i["_created"], reverse=True)
        for incident in candidates:
            alerts = alerts_of(store, incident)
            if not alerts:
                continue
            if setting["type"] == "time":
                timeout = int(config.get("timeout") or 0)
                if timeout == 0 or incident["_created"] >= now - timedelta(seconds=timeout):
                    return incident
                continue
            window = int(config.get("time_window") or 300)
            newest = max(a["_created"] for a in alerts)
            if newest < now - timedelta(seconds=window):
                continue
            if setting["type"] == "intelligent":
                fields, aggregate = list(config.get("iag_fields") or ["summary"]), "all"
            else:
                fields, aggregate = list(config.get("fields") or []), str(config.get("aggregate") or "all")
            if fields and _matches(alerts[0], payload, fields, aggregate):
                return incident
    return None
