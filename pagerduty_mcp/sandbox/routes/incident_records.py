"""An incident's records: alerts, notes and log entries (the timeline), plus the account's log."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model import incident_records as records
from pagerduty_mcp.sandbox.model import incidents
from pagerduty_mcp.sandbox.model.store import public
from pagerduty_mcp.sandbox.protocol import paginate_offset, parse_time_zone
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []


@route("GET", "/incidents/{id}/alerts")
def list_alerts(ctx: Context) -> dict[str, Any]:
    incident = incidents.by_id_or_number(ctx.store, ctx.params["id"])
    statuses = set(ctx.req.enum_array("statuses", records.ALERT_STATUSES))
    includes = ctx.req.enum_array("include", records.ALERT_INCLUDES)
    sort = ctx.req.arg("sort_by") or "created_at:asc"
    found = records.alerts_listed(ctx.store, incident, statuses, sort, ctx.req.arg("alert_key"))
    page = paginate_offset(found, ctx.req, "alerts")
    page["alerts"] = [records.alert_view(ctx.store, a, includes) for a in page["alerts"]]
    return page


@route("GET", "/incidents/{id}/alerts/{alert_id}")
def get_alert(ctx: Context) -> dict[str, Any]:
    incident = incidents.by_id_or_number(ctx.store, ctx.params["id"])
    return {"alert": public(records.alert_of(ctx.store, incident, ctx.params["alert_id"]))}


@route("GET", "/incidents/{id}/notes")
def list_notes(ctx: Context) -> dict[str, Any]:
    incident = incidents.by_id_or_number(ctx.store, ctx.params["id"])
    return {"notes": [public(n) for n in incidents.notes_of(ctx.store, incident)]}


def _log_page(ctx: Context, entries: list[dict[str, Any]]) -> dict[str, Any]:
    since, until = records.log_window(ctx.req.time("since"), ctx.req.time("until"))
    includes = ctx.req.enum_array("include", records.LOG_INCLUDES)
    overview = ctx.req.flag("is_overview")
    zone = parse_time_zone(ctx.req.arg("time_zone")) if ctx.req.arg("time_zone") else None
    page = paginate_offset(records.log_listed(entries, since, until, overview), ctx.req, "log_entries")
    page["log_entries"] = [records.log_entry_view(ctx.store, e, includes, zone) for e in page["log_entries"]]
    return page


@route("GET", "/incidents/{id}/log_entries")
def list_incident_log_entries(ctx: Context) -> dict[str, Any]:
    incident = incidents.by_id_or_number(ctx.store, ctx.params["id"])
    return _log_page(ctx, records.incident_log(ctx.store, incident))


@route("GET", "/log_entries")
def list_log_entries(ctx: Context) -> dict[str, Any]:
    return _log_page(ctx, records.account_log(ctx.store, set(ctx.req.array("team_ids"))))


@route("GET", "/log_entries/{id}")
def get_log_entry(ctx: Context) -> dict[str, Any]:
    includes = ctx.req.enum_array("include", records.LOG_INCLUDES)
    entry = ctx.store.get("log_entries", ctx.params["id"])
    return {"log_entry": records.log_entry_view(ctx.store, entry, includes)}
