"""Maintenance windows: while one is on, its services open no incidents (events honour it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pagerduty_mcp.sandbox.model.store import Store, public
from pagerduty_mcp.sandbox.protocol import bad_request, format_time, parse_time

__all__ = [
    "FILTERS",
    "INCLUDES",
    "active_maintenance",
    "check_filter",
    "create_window",
    "end_window",
    "listed",
    "shown",
    "window_state",
]

FILTERS = ("past", "future", "ongoing", "open", "all")
INCLUDES = ("teams", "services", "users")


def active_maintenance(store: Store, service_id: str, at: datetime) -> list[dict[str, Any]]:
    return [
        w
        for w in store.all("maintenance_windows")
        if w["_start"] <= at < w["_end"] and any(s["id"] == service_id for s in w["services"])
    ]


def window_state(window: dict[str, Any], now: datetime) -> str:
    if window["_end"] <= now:
        return "past"
    if window["_start"] > now:
        return "future"
    return "ongoing"


def _matches(window: dict[str, Any], wanted: str, now: datetime) -> bool:
    if wanted == "all":
        return True
    current = window_state(window, now)
    return current in ("ongoing", "future") if wanted == "open" else current == wanted


def shown(store: Store, window: dict[str, Any], includes: list[str]) -> dict[str, Any]:
    out = public(window)
    expand = {"services": "services", "teams": "teams"}
    for include, kind in expand.items():
        if include in includes:
            out[include] = [public(store.find(kind, r["id"]) or r) for r in window[include]]
    if "users" in includes and window.get("created_by"):
        user = store.find("users", window["created_by"]["id"])
        out["created_by"] = public(user) if user else window["created_by"]
    return out


def check_filter(wanted: str) -> str:
    if wanted not in FILTERS:
        raise bad_request(errors=[f"filter must be one of {', '.join(FILTERS)}"])
    return wanted


def listed(
    store: Store, wanted: str, query: str, service_ids: set[str], team_ids: set[str], now: datetime
) -> list[dict[str, Any]]:
    """Windows that are ``wanted`` (past, future, ongoing, open or all) now, matching the filters."""
    return [
        w
        for w in sorted(store.all("maintenance_windows"), key=lambda w: w["sequence_number"])
        if _matches(w, wanted, now)
        and (not query or query in (w.get("description") or "").lower())
        and (not service_ids or any(s["id"] in service_ids for s in w["services"]))
        and (not team_ids or any(t["id"] in team_ids for t in w["teams"]))
    ]


def create_window(store: Store, data: dict[str, Any], user: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A window on services (its teams are theirs); a start in the past becomes now."""
    for name in ("start_time", "end_time"):
        if not data.get(name):
            raise bad_request(errors=[f"{name} can't be blank"])
    start = max(parse_time(str(data["start_time"]), "start_time"), now)
    end = parse_time(str(data["end_time"]), "end_time")
    if end <= now:
        raise bad_request(errors=["end_time must be in the future"])
    if end <= start:
        raise bad_request(errors=["end_time must be after start_time"])
    refs = data.get("services")
    if not isinstance(refs, list) or not refs:
        raise bad_request(errors=["services must list at least one service"])
    services = []
    for ref in refs:
        ident = ref.get("id") if isinstance(ref, dict) else None
        service = store.find("services", str(ident)) if ident else None
        if service is None:
            raise bad_request(errors=[f"Service {ident} not found"])
        services.append(service)
    teams: dict[str, dict[str, Any]] = {}
    for service in services:
        for team in service.get("teams", []):
            teams.setdefault(team["id"], dict(team))
    description = str(data.get("description") or "")
    window: dict[str, Any] = {
        "id": store.new_id(),
        "sequence_number": 1 + max((w["sequence_number"] for w in store.all("maintenance_windows")), default=0),
        "start_time": format_time(start),
        "end_time": format_time(end),
        "description": description,
        "created_by": store.ref(user),
        "services": [store.ref(s) for s in services],
        "teams": list(teams.values()),
        "_start": start,
        "_end": end,
    }
    store.stamp("maintenance_windows", window, description or f"Maintenance window {window['sequence_number']}")
    return store.put("maintenance_windows", window)


def end_window(store: Store, window_id: str, now: datetime) -> str:
    """A future window is deleted, an ongoing one ends now, a past one stays; what it was."""
    window = store.get("maintenance_windows", window_id)
    current = window_state(window, now)
    if current == "future":
        store.remove("maintenance_windows", window["id"])
    elif current == "ongoing":
        window["_end"] = now
        window["end_time"] = format_time(now)
    return current
