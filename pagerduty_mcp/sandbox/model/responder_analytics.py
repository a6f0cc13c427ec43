"""Responder analytics (``POST /analytics/metrics/responders/{all,teams}``), from the incidents' logs.

Per responder (a user an incident was assigned to or notified): incidents, interruptions (one per
incident that notified them), notifications, time to acknowledge and engaged time. Interruptions
are read on the responder's own clock, in three bands that do not overlap: sleep hours 22:00-08:00
every day, business hours 08:00-18:00 Monday to Friday, and off hours (the rest: weekday evenings
and weekend days).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pagerduty_mcp.sandbox.model.analytics import id_filter, query_window
from pagerduty_mcp.sandbox.model.store import Store
from pagerduty_mcp.sandbox.model.users import teams_of
from pagerduty_mcp.sandbox.protocol import bad_request, parse_time_zone

__all__ = ["all_responders", "by_team", "hour_band"]


def hour_band(at: datetime, zone: ZoneInfo) -> str:
    """``sleep``, ``business`` or ``off`` for a moment on the clock of ``zone``."""
    local = at.astimezone(zone)
    if local.hour >= 22 or local.hour < 8:
        return "sleep"
    return "business" if local.weekday() < 5 and local.hour < 18 else "off"


def _responder_facts(store: Store, incident: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """What each responder of one incident did: first paged, notifications, first acknowledgement."""
    facts: dict[str, dict[str, Any]] = {}

    def of(user_id: str) -> dict[str, Any]:
        return facts.setdefault(user_id, {"paged": None, "notifications": 0, "ack": None})

    for entry_id in incident["_log"]:
        entry = store.get("log_entries", entry_id)
        at, kind = entry["_at"], entry["type"]
        if kind == "assign_log_entry":
            for ref in entry.get("assignees") or []:
                mine = of(ref["id"])
                mine["paged"] = mine["paged"] or at
        elif kind == "notify_log_entry" and entry.get("user"):
            mine = of(entry["user"]["id"])
            mine["notifications"] += 1
            mine["paged"] = mine["paged"] or at
            mine.setdefault("notified", at)
        elif kind == "acknowledge_log_entry" and str((entry.get("agent") or {}).get("type", "")).startswith("user"):
            mine = of(entry["agent"]["id"])
            mine["ack"] = mine["ack"] or at
    return facts


Item = tuple[dict[str, Any], dict[str, Any], ZoneInfo]  # an incident, what one responder did, their zone


def _row(items: list[Item]) -> dict[str, Any]:
    bands = {"business": 0, "off": 0, "sleep": 0}
    acks, engaged = [], []
    for incident, fact, zone in items:
        if "notified" in fact:
            bands[hour_band(fact["notified"], zone)] += 1
        if fact["ack"] is not None:
            acks.append((fact["ack"] - (fact["paged"] or fact["ack"])).total_seconds())
            if incident["_resolved"]:
                engaged.append((incident["_resolved"] - fact["ack"]).total_seconds())
    row = {
        "total_incident_count": len(items),
        "total_incidents_acknowledged": len(acks),
        "total_interruptions": sum(bands.values()),
        "total_business_hour_interruptions": bands["business"],
        "total_off_hour_interruptions": bands["off"],
        "total_sleep_hour_interruptions": bands["sleep"],
        "total_notifications": sum(f["notifications"] for _, f, _ in items),
        "total_engaged_seconds": round(sum(engaged)),
    }
    if acks:
        row["mean_time_to_acknowledge_seconds"] = round(statistics.fmean(acks))
    if engaged:
        row["mean_engaged_seconds"] = round(statistics.fmean(engaged))
    return row


def _zone(store: Store, user_id: str) -> ZoneInfo:
    user = store.find("users", user_id)
    try:
        return ZoneInfo((user or {}).get("time_zone") or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def _responders(store: Store, raw: Any) -> tuple[dict[str, Any], dict[str, list[Item]]]:
    """The request body, and per responder the incidents (with what they did) that match its filters."""
    body, filters, start, end = query_window(raw, "date_range_start", "date_range_end")
    urgency = filters.get("urgency")
    if urgency is not None and urgency not in ("high", "low"):
        raise bad_request(errors=["filters.urgency must be high or low"])
    if body.get("order") not in (None, "asc", "desc"):
        raise bad_request(errors=["order must be asc or desc"])
    parse_time_zone(body.get("time_zone"), "UTC")
    team_ids, responder_ids = id_filter(filters, "team_ids"), id_filter(filters, "responder_ids")
    priority_ids = id_filter(filters, "priority_ids")
    found: dict[str, list[Item]] = defaultdict(list)
    for incident in store.incidents(start, end):
        if urgency and incident["urgency"] != urgency:
            continue
        if team_ids and not any(t["id"] in team_ids for t in incident["teams"]):
            continue
        if priority_ids and not (incident["priority"] and incident["priority"]["id"] in priority_ids):
            continue
        for user_id, fact in _responder_facts(store, incident).items():
            if not responder_ids or user_id in responder_ids:
                found[user_id].append((incident, fact, _zone(store, user_id)))
    return body, found


def _answer(body: dict[str, Any], rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    order = body.get("order") or "desc"
    order_by = body.get("order_by") or "total_interruptions"
    data = sorted(rows, key=lambda r: (r.get(order_by) is None, r.get(order_by) or 0), reverse=order == "desc")
    return {
        "data": data,
        "filters": body.get("filters") or {},
        "time_zone": body.get("time_zone") or "Etc/UTC",
        "order": order,
        "order_by": order_by,
    }


def all_responders(store: Store, raw: Any) -> dict[str, Any]:
    """One row for every responder together."""
    body, found = _responders(store, raw)
    everything = [item for items in found.values() for item in items]
    if not everything:
        return _answer(body, [])
    row = _row(everything)
    row["total_incident_count"] = len({incident["id"] for incident, _, _ in everything})
    return _answer(body, [row])


def by_team(store: Store, raw: Any) -> dict[str, Any]:
    """One row per responder and team (the teams the filter names, or all of theirs)."""
    body, found = _responders(store, raw)
    wanted = set(id_filter(body.get("filters") or {}, "team_ids"))
    rows = []
    for user_id, items in found.items():
        user = store.find("users", user_id)
        if user is None:
            continue  # deleted since: PagerDuty's analytics keep them, but have no name to show
        metrics = _row(items)
        for team_id in teams_of(store, user_id):
            if wanted and team_id not in wanted:
                continue
            team = store.get("teams", team_id)
            label = {"responder_id": user_id, "responder_name": user["name"], "team_id": team_id}
            rows.append({**label, "team_name": team["name"], **metrics})
    return _answer(body, rows)
