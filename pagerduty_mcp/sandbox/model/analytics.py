"""Incident analytics (``POST /analytics/metrics/incidents/...``), computed from the sandbox's incidents
and their log entries: time to first acknowledgement, time to resolve, counts and escalations."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from pagerduty_mcp.sandbox.model.store import Store
from pagerduty_mcp.sandbox.protocol import bad_request, format_time, parse_time, parse_time_zone

__all__ = ["GROUPINGS", "id_filter", "incident_facts", "incident_metrics", "query_window"]

MAX_WINDOW = timedelta(days=366)
_UNITS = ("day", "week", "month")


def incident_facts(store: Store, incident: dict[str, Any]) -> dict[str, Any]:
    """What analytics needs of one incident, read from its log."""
    entries = [store.get("log_entries", e) for e in incident["_log"]]
    acks = [e["_at"] for e in entries if e["type"] == "acknowledge_log_entry"]
    escalations = [e for e in entries if e["type"] == "escalate_log_entry"]
    assigns = [e for e in entries if e["type"] == "assign_log_entry"]
    created = incident["_created"]
    return {
        "ack": (min(acks) - created).total_seconds() if acks else None,
        "resolve": (incident["_resolved"] - created).total_seconds() if incident["_resolved"] else None,
        "escalations": len(escalations),
        "manual_escalations": sum(1 for e in escalations if (e.get("agent") or {}).get("type", "").startswith("user")),
        "timeout_escalations": sum(
            1 for e in escalations if not (e.get("agent") or {}).get("type", "").startswith("user")
        ),
        "reassigned": len(assigns) > 1,
        "assignments": len(assigns),
        "notifications": sum(1 for e in entries if e["type"] == "notify_log_entry"),
    }


def _mean(values: list[float]) -> int | None:
    return round(statistics.fmean(values)) if values else None


def _percentile(values: list[float], share: float) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))])


def _metrics(facts: list[dict[str, Any]], percentiles: bool) -> dict[str, Any]:
    acks = [f["ack"] for f in facts if f["ack"] is not None]
    resolves = [f["resolve"] for f in facts if f["resolve"] is not None]
    row: dict[str, Any] = {
        "total_incident_count": len(facts),
        "total_incidents_acknowledged": len(acks),
        "mean_seconds_to_first_ack": _mean(acks),
        "mean_seconds_to_resolve": _mean(resolves),
        "total_escalation_count": sum(f["escalations"] for f in facts),
        "total_incidents_manual_escalated": sum(1 for f in facts if f["manual_escalations"]),
        "total_incidents_timeout_escalated": sum(1 for f in facts if f["timeout_escalations"]),
        "total_incidents_reassigned": sum(1 for f in facts if f["reassigned"]),
        "mean_assignment_count": _mean([f["assignments"] for f in facts]),
        "total_notifications": sum(f["notifications"] for f in facts),
        "total_interruptions": sum(f["notifications"] for f in facts),
    }
    if percentiles:
        for share in (50, 75, 90, 95):
            row[f"p{share}_seconds_to_first_ack"] = _percentile(acks, share / 100)
            row[f"p{share}_seconds_to_resolve"] = _percentile(resolves, share / 100)
    return {k: v for k, v in row.items() if v is not None}


def _bucket(moment: datetime, unit: str | None, zone: Any) -> str | None:
    if unit is None:
        return None
    local = moment.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "week":
        local -= timedelta(days=local.weekday())
    elif unit == "month":
        local = local.replace(day=1)
    return format_time(local, zone)


def query_window(body: Any, start_key: str, end_key: str) -> tuple[dict[str, Any], dict[str, Any], datetime, datetime]:
    """An analytics query's body, its filters, and the window they name (400 as PagerDuty answers)."""
    if not isinstance(body, dict):
        raise bad_request(errors=["The request body must be a JSON object"])
    filters = body.get("filters") or {}
    if not isinstance(filters, dict):
        raise bad_request(errors=["filters must be an object"])
    if not filters.get(start_key) or not filters.get(end_key):
        raise bad_request(errors=[f"filters.{start_key} and filters.{end_key} are required"])
    start = parse_time(str(filters[start_key]), start_key)
    end = parse_time(str(filters[end_key]), end_key)
    if end <= start:
        raise bad_request(errors=[f"{end_key} must be after {start_key}"])
    if end - start > MAX_WINDOW:
        raise bad_request(errors=[f"The range between {start_key} and {end_key} cannot exceed a year"])
    return body, filters, start, end


def id_filter(filters: dict[str, Any], name: str) -> set[str]:
    value = filters.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request(errors=[f"filters.{name} must be an array of ids"])
    return set(value)


def incident_metrics(store: Store, raw: Any, grouping: str, user_level: bool) -> dict[str, Any]:
    """Filter the incidents, group them (by ``grouping``: all, services or teams), and measure.

    ``user_level``: the caller used a user's key, which PagerDuty requires to name teams or services."""
    groups = _GROUPINGS[grouping]
    percentiles = grouping == "all"
    body, filters, start, end = query_window(raw, "created_at_start", "created_at_end")
    team_ids, service_ids = id_filter(filters, "team_ids"), id_filter(filters, "service_ids")
    priority_ids = id_filter(filters, "priority_ids")
    if user_level and not (team_ids or service_ids):
        raise bad_request(errors=["A team_ids or service_ids filter is required for user-level API keys"])
    urgency = filters.get("urgency")
    if urgency is not None and urgency not in ("high", "low"):
        raise bad_request(errors=["filters.urgency must be high or low"])
    unit = body.get("aggregate_unit")
    if unit is not None and unit not in _UNITS:
        raise bad_request(errors=[f"aggregate_unit must be one of {list(_UNITS)}"])
    order = body.get("order") or "desc"
    if order not in ("asc", "desc"):
        raise bad_request(errors=["order must be asc or desc"])
    zone = parse_time_zone(body.get("time_zone"), "UTC")

    buckets: dict[tuple[str | None, str], tuple[dict[str, Any], list[dict[str, Any]]]] = {}
    for incident in store.incidents(start, end):
        if urgency and incident["urgency"] != urgency:
            continue
        if service_ids and incident["_service_id"] not in service_ids:
            continue
        if team_ids and not any(t["id"] in team_ids for t in incident["teams"]):
            continue
        if priority_ids and not (incident["priority"] and incident["priority"]["id"] in priority_ids):
            continue
        facts = incident_facts(store, incident)
        when = _bucket(incident["_created"], unit, zone)
        for label in groups(store, incident):
            if team_ids and label.get("team_id") not in (None, *team_ids) and "service_id" not in label:
                continue  # grouped by team: only the teams asked for
            key = (when, "|".join(str(v) for v in label.values()))
            buckets.setdefault(key, (label, []))[1].append(facts)
    rows = []
    for (when, _), (label, group_facts) in buckets.items():
        row = {**label, **_metrics(group_facts, percentiles)}
        if when is not None:
            row["range_start"] = when
        rows.append(row)
    order_by = body.get("order_by") or ("range_start" if unit else "total_incident_count")
    rows.sort(key=lambda r: (r.get(order_by) is None, r.get(order_by) or 0), reverse=order == "desc")
    answer: dict[str, Any] = {"data": rows, "filters": filters, "order": order, "order_by": order_by}
    answer["time_zone"] = str(zone)
    if unit is not None:
        answer["aggregate_unit"] = unit
    return answer


def _everything(store: Store, incident: dict[str, Any]) -> list[dict[str, Any]]:
    return [{}]


def _by_service(store: Store, incident: dict[str, Any]) -> list[dict[str, Any]]:
    service = store.get("services", incident["_service_id"])
    label = {"service_id": service["id"], "service_name": service["name"]}
    if service.get("teams"):
        team = store.find("teams", service["teams"][0]["id"])
        if team is not None:
            label.update(team_id=team["id"], team_name=team["name"])
    return [label]


def _by_team(store: Store, incident: dict[str, Any]) -> list[dict[str, Any]]:
    labels = []
    for ref in incident["teams"]:
        team = store.find("teams", ref["id"])
        if team is not None:
            labels.append({"team_id": team["id"], "team_name": team["name"]})
    return labels


# What each endpoint groups by: each incident's group labels.
_GROUPINGS: dict[str, Callable[[Store, dict[str, Any]], Iterable[dict[str, Any]]]] = {
    "all": _everything,
    "services": _by_service,
    "teams": _by_team,
}
GROUPINGS = tuple(_GROUPINGS)
