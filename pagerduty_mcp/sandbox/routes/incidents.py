"""Incidents and priorities (reads; the incidents area adds writes and sub-resources here)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pagerduty_mcp.sandbox.model.incident_types import field_values, incident_type_of
from pagerduty_mcp.sandbox.model.store import Store, public
from pagerduty_mcp.sandbox.protocol import bad_request, format_time, paginate_offset, parse_time_zone
from pagerduty_mcp.sandbox.router import Context, route

__all__ = ["INCIDENT_INCLUDES", "render_incident"]

INCIDENT_STATUSES = ("triggered", "acknowledged", "resolved")
INCIDENT_URGENCIES = ("high", "low")
INCIDENT_INCLUDES = (
    "acknowledgers",
    "agents",
    "assignees",
    "conference_bridge",
    "escalation_policies",
    "first_trigger_log_entries",
    "priorities",
    "services",
    "teams",
    "users",
)
SORT_FIELDS = ("incident_number", "created_at", "resolved_at", "urgency")
MAX_RANGE = timedelta(days=180)
DEFAULT_RANGE = timedelta(days=30)


def render_incident(
    state: Store, incident: dict[str, Any], includes: list[str] | tuple[str, ...] = ()
) -> dict[str, Any]:
    """The incident as the API shows it, with ``include[]`` expansions."""
    out = public(incident)
    if not includes:
        return out

    def full(kind: str, reference: dict[str, Any] | None) -> dict[str, Any] | None:
        if reference is None:
            return None
        found = state.find(kind, reference["id"])
        return public(found) if found is not None else reference

    if "services" in includes:
        out["service"] = full("services", incident["service"])
    if "escalation_policies" in includes:
        out["escalation_policy"] = full("escalation_policies", incident["escalation_policy"])
    if "teams" in includes:
        out["teams"] = [full("teams", t) for t in incident["teams"]]
    if "priorities" in includes and incident["priority"]:
        out["priority"] = full("priorities", incident["priority"])
    if "assignees" in includes or "users" in includes:
        out["assignments"] = [{**a, "assignee": full("users", a["assignee"])} for a in incident["assignments"]]
    if "acknowledgers" in includes or "users" in includes:
        out["acknowledgements"] = [
            {
                **a,
                "acknowledger": full("users", a["acknowledger"])
                if a["acknowledger"]["type"].startswith("user")
                else a["acknowledger"],
            }
            for a in incident["acknowledgements"]
        ]
    if "first_trigger_log_entries" in includes and incident["first_trigger_log_entry"]:
        entry = state.find("log_entries", incident["first_trigger_log_entry"]["id"])
        if entry is not None:
            out["first_trigger_log_entry"] = public(entry)
    return out


def _sort_key(spec: list[str]) -> list[tuple[str, bool]]:
    keys = []
    for item in spec:
        field, _, direction = item.partition(":")
        if field not in SORT_FIELDS or direction not in ("", "asc", "desc"):
            raise bad_request(errors=[f"sort_by {item!r}: fields are {', '.join(SORT_FIELDS)}, directions asc or desc"])
        keys.append((field, direction == "desc"))
    if len(keys) > 2:
        raise bad_request(errors=["sort_by takes at most two fields"])
    return keys


def _incident_window(since: datetime | None, until: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    """PagerDuty's defaults: the last month when neither is given, a month either side of the
    one given; at most six months."""
    if since is None and until is None:
        since, until = now - DEFAULT_RANGE, now
    elif since is None:
        assert until is not None
        since = until - DEFAULT_RANGE
    elif until is None:
        until = max(now, since)
    if until < since:
        raise bad_request(errors=["until must be after since"])
    if until - since > MAX_RANGE:
        raise bad_request(errors=["The range between since and until cannot exceed 6 months"])
    return since, until


def _open_incidents(
    state: Store, service_ids: set[str], since: datetime | None, until: datetime | None
) -> list[dict[str, Any]]:
    services = service_ids or state.open_incidents.keys()
    table = state.tables["incidents"]
    found = [table[i] for sid in services for i in state.open_incidents.get(sid, {}) if i in table]
    if since is not None and until is not None:
        found = [i for i in found if since <= i["_created"] < until]
    found.sort(key=lambda i: (i["_created"], i["incident_number"]))  # the history's own order
    return found


_SORT_KEYS: dict[str, Any] = {
    "created_at": lambda i: i["_created"],
    "resolved_at": lambda i: (i["_resolved"] is None, i["_resolved"] or i["_created"]),
    "urgency": lambda i: i["urgency"] == "low",
    "incident_number": lambda i: i["incident_number"],
}


@route("GET", "/incidents")
def list_incidents(ctx: Context) -> dict[str, Any]:
    state = ctx.store
    req = ctx.req
    statuses = set(req.enum_array("statuses", INCIDENT_STATUSES))
    urgencies = set(req.enum_array("urgencies", INCIDENT_URGENCIES))
    includes = req.enum_array("include", INCIDENT_INCLUDES)
    service_ids = set(req.array("service_ids"))
    team_ids = set(req.array("team_ids"))
    user_ids = set(req.array("user_ids"))
    priority_ids = set(req.array("priorities"))
    incident_key = req.arg("incident_key")
    zone = parse_time_zone(req.arg("time_zone"), "UTC") if req.arg("time_zone") else None
    date_range = req.arg("date_range")
    if date_range not in (None, "", "all"):
        raise bad_request(errors=["date_range must be all"])
    sort = _sort_key([s for s in (req.arg("sort_by") or "").split(",") if s])
    since: datetime | None = None
    until: datetime | None = None
    if date_range != "all" and not incident_key:
        since, until = _incident_window(req.time("since"), req.time("until"), ctx.now)
    if user_ids and not statuses:
        statuses = {"triggered", "acknowledged"}  # resolved incidents have no assignees
    found: Sequence[dict[str, Any]]
    if statuses and "resolved" not in statuses:
        # open incidents only: start from the per-service index instead of the whole history
        found = _open_incidents(state, service_ids, since, until)
    else:
        found = state.incidents(since, until)
    if statuses:
        found = [i for i in found if i["status"] in statuses]
    if urgencies:
        found = [i for i in found if i["urgency"] in urgencies]
    if service_ids:
        found = [i for i in found if i["_service_id"] in service_ids]
    if team_ids:
        found = [i for i in found if any(t["id"] in team_ids for t in i["teams"])]
    if user_ids:
        found = [i for i in found if any(a["assignee"]["id"] in user_ids for a in i["assignments"])]
    if priority_ids:
        found = [i for i in found if i["priority"] is not None and i["priority"]["id"] in priority_ids]
    if incident_key:
        found = [i for i in found if i["incident_key"] == incident_key]
    if sort:
        ordered = list(found)
        for field, descending in reversed(sort):
            ordered.sort(key=_SORT_KEYS[field], reverse=descending)
        found = ordered
    page = paginate_offset(found, req, "incidents")
    rendered = [render_incident(state, i, includes) for i in page["incidents"]]
    if zone is not None:
        for item in rendered:
            for key in ("created_at", "updated_at", "last_status_change_at", "resolved_at"):
                if item.get(key):
                    source = state.get("incidents", item["id"])
                    moment = {
                        "created_at": source["_created"],
                        "updated_at": source["_updated"],
                        "resolved_at": source["_resolved"],
                    }.get(key)
                    if moment is not None:
                        item[key] = format_time(moment, zone)
    page["incidents"] = rendered
    return page


def incident_by_id_or_number(state: Store, ident: str) -> dict[str, Any]:
    """PagerDuty accepts an incident's id or its number in ``/incidents/{id}``."""
    if ident.isdigit() and int(ident) in state.incident_numbers:
        return state.get("incidents", state.incident_numbers[int(ident)])
    return state.get("incidents", ident)


@route("GET", "/incidents/{id}")
def get_incident(ctx: Context) -> dict[str, Any]:
    # The detail endpoint also takes include[]=custom_fields (the list endpoint does not), and
    # include[]=body, which the spec's Incident.body describes but its include[] enum omits.
    includes = ctx.req.enum_array("include", (*INCIDENT_INCLUDES, "custom_fields", "body"))
    incident = incident_by_id_or_number(ctx.store, ctx.params["id"])
    out = render_incident(ctx.store, incident, includes)
    if "body" in includes:
        out["body"] = dict(incident["_body"])
    if "custom_fields" in includes:
        out["custom_fields"] = field_values(ctx.store, incident)
    kind = incident_type_of(ctx.store, incident)
    if kind is not None:
        out["incident_type"] = {"name": kind["name"]}
    return {"incident": out}


@route("GET", "/priorities")
def list_priorities(ctx: Context) -> dict[str, Any]:
    page = paginate_offset(ctx.store.all("priorities"), ctx.req, "priorities")
    page["priorities"] = [public(p) for p in page["priorities"]]
    return page
