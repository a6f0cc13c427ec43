"""Maintenance windows: while one is on, its services open no incidents (events.py honours it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pagerduty_mcp.sandbox.model.store import Store, public
from pagerduty_mcp.sandbox.protocol import Reply, bad_request, format_time, paginate_offset, parse_time
from pagerduty_mcp.sandbox.router import Context, route

__all__ = ["window_state"]

FILTERS = ("past", "future", "ongoing", "open", "all")
INCLUDES = ("teams", "services", "users")


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


def _render(state: Store, window: dict[str, Any], includes: list[str]) -> dict[str, Any]:
    out = public(window)
    expand = {"services": "services", "teams": "teams"}
    for include, kind in expand.items():
        if include in includes:
            out[include] = [public(state.find(kind, r["id"]) or r) for r in window[include]]
    if "users" in includes and window.get("created_by"):
        user = state.find("users", window["created_by"]["id"])
        out["created_by"] = public(user) if user else window["created_by"]
    return out


@route("GET", "/maintenance_windows")
def list_maintenance_windows(ctx: Context) -> dict[str, Any]:
    req = ctx.req
    wanted = req.arg("filter") or "all"
    if wanted not in FILTERS:
        raise bad_request(errors=[f"filter must be one of {', '.join(FILTERS)}"])
    includes = req.enum_array("include", INCLUDES)
    query = (req.arg("query") or "").lower()
    service_ids = set(req.array("service_ids"))
    team_ids = set(req.array("team_ids"))
    now = ctx.now
    windows = [
        w
        for w in sorted(ctx.store.all("maintenance_windows"), key=lambda w: w["sequence_number"])
        if _matches(w, wanted, now)
        and (not query or query in (w.get("description") or "").lower())
        and (not service_ids or any(s["id"] in service_ids for s in w["services"]))
        and (not team_ids or any(t["id"] in team_ids for t in w["teams"]))
    ]
    page = paginate_offset(windows, req, "maintenance_windows")
    page["maintenance_windows"] = [_render(ctx.store, w, includes) for w in page["maintenance_windows"]]
    return page


@route("GET", "/maintenance_windows/{id}")
def get_maintenance_window(ctx: Context) -> dict[str, Any]:
    includes = ctx.req.enum_array("include", INCLUDES)
    window = ctx.store.get("maintenance_windows", ctx.params["id"])
    return {"maintenance_window": _render(ctx.store, window, includes)}


@route("POST", "/maintenance_windows")
def create_maintenance_window(ctx: Context) -> Reply:
    state = ctx.store
    user = ctx.acting_user()
    data = ctx.req.entity("maintenance_window")
    for name in ("start_time", "end_time"):
        if not data.get(name):
            raise bad_request(errors=[f"{name} can't be blank"])
    now = ctx.now
    start = max(parse_time(str(data["start_time"]), "start_time"), now)  # a past start becomes now
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
        service = state.find("services", str(ident)) if ident else None
        if service is None:
            raise bad_request(errors=[f"Service {ident} not found"])
        services.append(service)
    teams: dict[str, dict[str, Any]] = {}
    for service in services:
        for team in service.get("teams", []):
            teams.setdefault(team["id"], dict(team))
    description = str(data.get("description") or "")
    window: dict[str, Any] = {
        "id": state.new_id(),
        "sequence_number": 1 + max((w["sequence_number"] for w in state.all("maintenance_windows")), default=0),
        "start_time": format_time(start),
        "end_time": format_time(end),
        "description": description,
        "created_by": state.ref(user),
        "services": [state.ref(s) for s in services],
        "teams": list(teams.values()),
        "_start": start,
        "_end": end,
    }
    state.stamp("maintenance_windows", window, description or f"Maintenance window {window['sequence_number']}")
    state.put("maintenance_windows", window)
    return Reply({"maintenance_window": public(window)}, 201)


@route("DELETE", "/maintenance_windows/{id}")
def delete_maintenance_window(ctx: Context) -> Reply:
    """A future window is deleted, an ongoing one ends now, a past one cannot be deleted (405)."""
    state = ctx.store
    window = state.get("maintenance_windows", ctx.params["id"])
    now = ctx.now
    current = window_state(window, now)
    if current == "past":
        return Reply(None, 405)  # the spec documents this answer without a body
    if current == "future":
        del state.tables["maintenance_windows"][window["id"]]
    else:
        window["_end"] = now
        window["end_time"] = format_time(now)
    return Reply(None, 204)
