"""An incident's records: alerts, notes and log entries (the timeline), plus the account's log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pagerduty_mcp.sandbox.model.store import Store, public
from pagerduty_mcp.sandbox.protocol import bad_request, not_found, paginate_offset
from pagerduty_mcp.sandbox.router import Context, route
from pagerduty_mcp.sandbox.routes.incidents import incident_by_id_or_number, render_incident

__all__ = ["alerts_of", "render_log_entry"]

ALERT_STATUSES = ("triggered", "resolved")
ALERT_SORTS = ("created_at", "resolved_at", "created_at:asc", "created_at:desc", "resolved_at:asc", "resolved_at:desc")
LOG_INCLUDES = ("incidents", "services", "channels", "teams")
# The overview leaves out the per-person notifications, as PagerDuty's "is_overview" does.
_DETAIL_ONLY = ("notify_log_entry",)


def alerts_of(state: Store, incident: dict[str, Any]) -> list[dict[str, Any]]:
    return [state.tables["alerts"][a] for a in incident["_alerts"]]


def _render_alert(state: Store, alert: dict[str, Any], includes: list[str]) -> dict[str, Any]:
    out = public(alert)
    if "incidents" in includes:
        out["incident"] = render_incident(state, state.get("incidents", alert["_incident_id"]))
    if "services" in includes:
        found = state.find("services", alert["service"]["id"])
        if found is not None:
            out["service"] = public(found)
    return out


@route("GET", "/incidents/{id}/alerts")
def list_alerts(ctx: Context) -> dict[str, Any]:
    incident = incident_by_id_or_number(ctx.store, ctx.params["id"])
    statuses = set(ctx.req.enum_array("statuses", ALERT_STATUSES))
    includes = ctx.req.enum_array("include", ("services", "first_trigger_log_entries", "incidents"))
    sort = ctx.req.arg("sort_by") or "created_at:asc"
    if sort not in ALERT_SORTS:
        raise bad_request(errors=[f"sort_by must be one of {list(ALERT_SORTS)}"])
    alert_key = ctx.req.arg("alert_key")
    found = [a for a in alerts_of(ctx.store, incident) if not statuses or a["status"] in statuses]
    if alert_key:
        found = [a for a in found if a["alert_key"] == alert_key]
    field, _, direction = sort.partition(":")
    found.sort(key=lambda a: a.get(field) or "", reverse=direction == "desc")
    page = paginate_offset(found, ctx.req, "alerts")
    page["alerts"] = [_render_alert(ctx.store, a, includes) for a in page["alerts"]]
    return page


@route("GET", "/incidents/{id}/alerts/{alert_id}")
def get_alert(ctx: Context) -> dict[str, Any]:
    incident = incident_by_id_or_number(ctx.store, ctx.params["id"])
    alert = ctx.store.find("alerts", ctx.params["alert_id"])
    if alert is None or alert["_incident_id"] != incident["id"]:
        raise not_found("alert", ctx.params["alert_id"])
    return {"alert": public(alert)}


@route("GET", "/incidents/{id}/notes")
def list_notes(ctx: Context) -> dict[str, Any]:
    incident = incident_by_id_or_number(ctx.store, ctx.params["id"])
    return {"notes": [public(ctx.store.tables["notes"][n]) for n in incident["_notes"]]}


def render_log_entry(state: Store, entry: dict[str, Any], includes: list[str]) -> dict[str, Any]:
    out = public(entry)
    if "incidents" in includes:
        out["incident"] = render_incident(state, state.get("incidents", entry["_incident_id"]))
    if "services" in includes and entry.get("service"):
        found = state.find("services", entry["service"]["id"])
        if found is not None:
            out["service"] = public(found)
    return out


def _log_window(ctx: Context) -> tuple[datetime | None, datetime | None]:
    since, until = ctx.req.time("since"), ctx.req.time("until")
    if since and until and until < since:
        raise bad_request(errors=["until must be after since"])
    return since, until


def _log_page(ctx: Context, entries: list[dict[str, Any]]) -> dict[str, Any]:
    since, until = _log_window(ctx)
    includes = ctx.req.enum_array("include", LOG_INCLUDES)
    overview = ctx.req.flag("is_overview")
    found = [
        e
        for e in reversed(entries)  # recorded oldest first; reversed, ties in the same second stay newest first
        if (since is None or e["_at"] >= since)
        and (until is None or e["_at"] < until)
        and not (overview and e["type"] in _DETAIL_ONLY)
    ]
    found.sort(key=lambda e: e["_at"], reverse=True)  # newest first, as PagerDuty lists them
    page = paginate_offset(found, ctx.req, "log_entries")
    page["log_entries"] = [render_log_entry(ctx.store, e, includes) for e in page["log_entries"]]
    return page


@route("GET", "/incidents/{id}/log_entries")
def list_incident_log_entries(ctx: Context) -> dict[str, Any]:
    incident = incident_by_id_or_number(ctx.store, ctx.params["id"])
    return _log_page(ctx, [ctx.store.tables["log_entries"][e] for e in incident["_log"]])


@route("GET", "/log_entries")
def list_log_entries(ctx: Context) -> dict[str, Any]:
    team_ids = set(ctx.req.array("team_ids"))
    entries = list(ctx.store.tables["log_entries"].values())
    if team_ids:
        entries = [e for e in entries if any(t["id"] in team_ids for t in e.get("teams") or [])]
    return _log_page(ctx, entries)


@route("GET", "/log_entries/{id}")
def get_log_entry(ctx: Context) -> dict[str, Any]:
    includes = ctx.req.enum_array("include", LOG_INCLUDES)
    return {"log_entry": render_log_entry(ctx.store, ctx.store.get("log_entries", ctx.params["id"]), includes)}
