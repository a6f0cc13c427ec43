"""Tools of the AIOps area: alert grouping, event orchestration, change events, Events API."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import Field

from pagerduty_mcp.common import (
    Limit,
    Offset,
    ToolFailure,
    get_client,
    get_pool,
    id_or_url,
    invalid,
    iso,
    paginate,
    paginate_cursor,
    parse_time,
    path,
    resolve_id,
    resolve_ids,
    respond,
    split_by_kind,
    tool,
)
from pagerduty_mcp.common.pagerduty.errors import failure_from_response, upstream_message
from pagerduty_mcp.common.pagerduty.logs import redact
from pagerduty_mcp.common.toolkit.ids import IdList
from pagerduty_mcp.servers.aiops.models import (
    AlertGroupingSetting,
    ChangeEvent,
    OrchestrationDetail,
    OrchestrationSummary,
    check_condition,
    check_path,
    summarize_path,
)

__all__ = ["APPEND_ATTEMPTS", "READ_TOOLS", "WRITE_TOOLS"]

GroupingType = Literal["content_based", "content_based_intelligent", "intelligent", "time"]
OrchestrationId = Annotated[str, id_or_url("Event orchestration id")]
ServiceId = Annotated[str, id_or_url("Service id")]
SettingId = Annotated[str, id_or_url("Alert grouping setting id")]
Detail = Annotated[bool, Field(description="Full rule JSON instead of compact summaries.")]
PathBody = Annotated[
    dict[str, Any],
    Field(
        description='Whole path: {"sets":[{"id":"start","rules":[{"label","conditions":[{"expression":PCL}],'
        '"actions":{...}}]}],"catch_all":{"actions":{}}}. Replaces all rules: read with detail=true first.'
    ),
]
RoutingKey = Annotated[str, Field(description="Integration or orchestration routing key (secret; never shown).")]

APPEND_ATTEMPTS = 3
_AGE = re.compile(r"^\s*(\d{1,5})\s*([mhd])\s*$", re.IGNORECASE)


# -- alert grouping settings -------------------------------------------------------------------------
def _grouping_config(
    type_: str, time_window: int | None, fields: list[str] | None, aggregate: str | None, base: dict[str, Any]
) -> dict[str, Any]:
    """The ``config`` object of a grouping type, from the flat parameters over ``base``."""
    config = dict(base)
    if type_ == "time":
        if time_window is not None:
            config = {"timeout": time_window}
        config = {"timeout": config.get("timeout", 0)}
        if not (config["timeout"] == 0 or 60 <= config["timeout"] <= 86400):
            raise invalid("time_window", "for type time: 0 (until the incident resolves) or 60-86400 seconds")
        return config
    if type_ == "intelligent":
        out = {"time_window": time_window if time_window is not None else config.get("time_window", 0)}
        if fields or config.get("iag_fields"):
            out["iag_fields"] = fields or config["iag_fields"]
        if not (out["time_window"] == 0 or 300 <= out["time_window"] <= 3600):
            raise invalid("time_window", "for type intelligent: 0 (recommended) or 300-3600 seconds")
        return out
    high = 86400 if type_ == "content_based" else 3600
    out = {
        "aggregate": aggregate or config.get("aggregate") or "all",
        "fields": fields or config.get("fields") or [],
        "time_window": time_window if time_window is not None else config.get("time_window", 0),
    }
    if not out["fields"]:
        raise invalid("fields", f'{type_} grouping needs fields, e.g. ["summary", "component"]')
    if not (out["time_window"] == 0 or 300 <= out["time_window"] <= high):
        raise invalid("time_window", f"for type {type_}: 0 (recommended) or 300-{high} seconds")
    return out


def _setting_answer(body: dict[str, Any], verb: str) -> dict[str, Any]:
    setting = AlertGroupingSetting.from_api(body["alert_grouping_setting"])
    return respond("alert_grouping_settings", [setting], f"{verb} alert grouping setting {setting.name or setting.id}")


@tool("List alert grouping settings")
def list_alert_grouping_settings(
    service_ids: Annotated[IdList | None, Field(description="Only settings for these services.")] = None,
    limit: Limit = 25,
    cursor: Annotated[str | None, Field(description="next_cursor of the previous page.")] = None,
) -> dict:
    """How alerts are grouped into incidents (noise reduction), per service: type, window, fields."""
    params: dict[str, Any] = {}
    ids = resolve_ids(service_ids, "service_ids")
    if ids:
        params["service_ids[]"] = ids
    page = paginate_cursor(
        get_client(),
        "/alert_grouping_settings",
        "alert_grouping_settings",
        params,
        limit=limit,
        cursor=cursor,
        cursor_param="after",
        next_field="after",
    )
    settings = [AlertGroupingSetting.from_api(s) for s in page.items]
    return respond("alert_grouping_settings", settings, f"{len(settings)} alert grouping setting(s)", page=page)


@tool("Get alert grouping setting")
def get_alert_grouping_setting(setting_id: SettingId) -> dict:
    """One alert grouping setting in full."""
    ident = resolve_id(setting_id, "setting_id")
    return _setting_answer(get_client().read(path("/alert_grouping_settings/{}", ident)), "The")


GroupingFields = Annotated[
    list[str] | None, Field(description="Content fields to match, e.g. summary, component, custom_details.host.")
]
TimeWindow = Annotated[
    int | None, Field(ge=0, le=86400, description="Seconds: grouping window (type time: timeout; 0 = default).")
]
Aggregate = Annotated[Literal["all", "any"] | None, Field(description="Content match: all fields or any.")]
Name = Annotated[str | None, Field(max_length=255, description="Name.")]
Description = Annotated[str | None, Field(max_length=1024, description="Description.")]


@tool("Create alert grouping setting", "create")
def create_alert_grouping_setting(
    type: Annotated[GroupingType, Field(description="Grouping type.")],
    service_ids: Annotated[IdList, Field(min_length=1, description="Services it applies to.")],
    time_window: TimeWindow = None,
    fields: GroupingFields = None,
    aggregate: Aggregate = None,
    name: Name = None,
    description: Description = None,
) -> dict:
    """Group related alerts into one incident on these services (reduces noise)."""
    ids = resolve_ids(service_ids, "service_ids") or []
    if type == "content_based_intelligent" and len(ids) != 1:
        raise invalid("service_ids", "content_based_intelligent applies to exactly one service")
    setting = {
        "type": type,
        "config": _grouping_config(type, time_window, fields, aggregate, {}),
        "services": [{"id": i, "type": "service_reference"} for i in ids],
        **({"name": name} if name else {}),
        **({"description": description} if description else {}),
    }
    body = get_client().write("POST", "/alert_grouping_settings", {"alert_grouping_setting": setting})
    return _setting_answer(body, "Created")


@tool("Update alert grouping setting", "update")
def update_alert_grouping_setting(
    setting_id: SettingId,
    type: Annotated[GroupingType | None, Field(description="New grouping type.")] = None,
    service_ids: Annotated[IdList | None, Field(description="Replaces the services.")] = None,
    time_window: TimeWindow = None,
    fields: GroupingFields = None,
    aggregate: Aggregate = None,
    name: Name = None,
    description: Description = None,
) -> dict:
    """Change some fields of an alert grouping setting; others stay as they are."""
    ident = resolve_id(setting_id, "setting_id")
    client = get_client()
    current = client.read(path("/alert_grouping_settings/{}", ident))["alert_grouping_setting"]
    new_type = type or current["type"]
    base = current.get("config") or {} if new_type == current["type"] else {}
    ids = resolve_ids(service_ids, "service_ids") or [s["id"] for s in current.get("services") or []]
    if new_type == "content_based_intelligent" and len(ids) != 1:
        raise invalid("service_ids", "content_based_intelligent applies to exactly one service")
    setting = {
        "name": name if name is not None else current.get("name"),
        "description": description if description is not None else current.get("description"),
        "type": new_type,
        "config": _grouping_config(new_type, time_window, fields, aggregate, base),
        "services": [{"id": i, "type": "service_reference"} for i in ids],
    }
    setting = {k: v for k, v in setting.items() if v is not None}
    body = client.write("PUT", path("/alert_grouping_settings/{}", ident), {"alert_grouping_setting": setting})
    return _setting_answer(body, "Updated")


@tool("Delete alert grouping setting", "delete")
def delete_alert_grouping_setting(setting_id: SettingId) -> dict:
    """Delete an alert grouping setting: its services stop grouping alerts."""
    ident = resolve_id(setting_id, "setting_id")
    get_client().write("DELETE", path("/alert_grouping_settings/{}", ident))
    return respond(
        "alert_grouping_settings", [{"id": ident, "deleted": True}], f"Deleted alert grouping setting {ident}"
    )


# -- event orchestrations ----------------------------------------------------------------------------
@tool("List event orchestrations")
def list_event_orchestrations(limit: Limit = 25, offset: Offset = 0) -> dict:
    """List global event orchestrations (how incoming events are routed), with route counts."""
    page = paginate(
        get_client(),
        "/event_orchestrations",
        "orchestrations",
        {"sort_by": "name:asc"},
        limit=limit,
        offset=offset,
        with_total=False,
    )
    orchestrations = [OrchestrationSummary.from_api(o) for o in page.items]
    return respond("orchestrations", orchestrations, f"{len(orchestrations)} event orchestration(s)", page=page)


@tool("Get event orchestration")
def get_event_orchestration(orchestration_id: OrchestrationId) -> dict:
    """One global event orchestration: team, route count, integrations (ids and labels)."""
    ident = resolve_id(orchestration_id, "orchestration_id")
    orchestration = OrchestrationDetail.from_api(
        get_client().read(path("/event_orchestrations/{}", ident))["orchestration"]
    )
    return respond("orchestrations", [orchestration], f"Event orchestration {orchestration.name or ident}")


def _service_names(targets: set[str]) -> dict[str, str]:
    """Names of the services rules route to (one request; ids stay bare beyond the first 100)."""
    if not targets - {"unrouted"}:
        return {}
    body = get_client().read("/services", {"limit": 100})
    return {
        s["id"]: s.get("name") or s.get("summary") or s["id"] for s in body.get("services") or [] if s["id"] in targets
    }


def _read_path(url: str) -> dict[str, Any]:
    return get_client().read(url)["orchestration_path"]


def _path_answer(orchestration_path: dict[str, Any], detail: bool, what: str) -> dict[str, Any]:
    rules = [r for s in orchestration_path.get("sets") or [] for r in s.get("rules") or []]
    description = f"{what}: {len(rules)} rule(s)"
    if detail:
        return respond("orchestration_paths", [orchestration_path], description)
    targets = (
        {str((r.get("actions") or {}).get("route_to")) for r in rules}
        if orchestration_path.get("type") == "router"
        else set()
    )
    return respond("orchestration_paths", [summarize_path(orchestration_path, _service_names(targets))], description)


@tool("Get event orchestration router")
def get_event_orchestration_router(orchestration_id: OrchestrationId, detail: Detail = False) -> dict:
    """Routing rules of an orchestration: which events go to which service (first match wins)."""
    ident = resolve_id(orchestration_id, "orchestration_id")
    return _path_answer(_read_path(path("/event_orchestrations/{}/router", ident)), detail, "Router")


@tool("Get event orchestration global rules")
def get_event_orchestration_global(orchestration_id: OrchestrationId, detail: Detail = False) -> dict:
    """Global rules applied to every event of an orchestration before routing (drop, suppress, priority)."""
    ident = resolve_id(orchestration_id, "orchestration_id")
    return _path_answer(_read_path(path("/event_orchestrations/{}/global", ident)), detail, "Global rules")


@tool("Get event orchestration unrouted rules")
def get_event_orchestration_unrouted(orchestration_id: OrchestrationId, detail: Detail = False) -> dict:
    """Rules for events no router rule matched."""
    ident = resolve_id(orchestration_id, "orchestration_id")
    return _path_answer(_read_path(path("/event_orchestrations/{}/unrouted", ident)), detail, "Unrouted rules")


@tool("Get service orchestration")
def get_event_orchestration_service(service_id: ServiceId, detail: Detail = False) -> dict:
    """A service's event rules (suppress, severity, priority...) applied to its events."""
    ident = resolve_id(service_id, "service_id")
    return _path_answer(_read_path(path("/event_orchestrations/services/{}", ident)), detail, "Service rules")


def _replace(url: str, body: dict[str, Any], kind: str, what: str) -> dict[str, Any]:
    checked = check_path(body, kind, "orchestration_path")
    written = get_client().write("PUT", url, {"orchestration_path": checked})["orchestration_path"]
    return _path_answer(written, False, f"{what} replaced")


@tool("Replace event orchestration router", "update")
def update_event_orchestration_router(orchestration_id: OrchestrationId, orchestration_path: PathBody) -> dict:
    """Replace all routing rules of an orchestration. To add one rule, use append_event_orchestration_router_rule."""
    ident = resolve_id(orchestration_id, "orchestration_id")
    return _replace(path("/event_orchestrations/{}/router", ident), orchestration_path, "router", "Router")


@tool("Replace event orchestration global rules", "update")
def update_event_orchestration_global(orchestration_id: OrchestrationId, orchestration_path: PathBody) -> dict:
    """Replace the global rules of an orchestration."""
    ident = resolve_id(orchestration_id, "orchestration_id")
    return _replace(path("/event_orchestrations/{}/global", ident), orchestration_path, "global", "Global rules")


@tool("Replace service orchestration", "update")
def update_event_orchestration_service(service_id: ServiceId, orchestration_path: PathBody) -> dict:
    """Replace a service's event rules."""
    ident = resolve_id(service_id, "service_id")
    return _replace(path("/event_orchestrations/services/{}", ident), orchestration_path, "service", "Service rules")


def _start_rules(orchestration_path: dict[str, Any]) -> list[dict[str, Any]]:
    return list(((orchestration_path.get("sets") or [{}])[0]).get("rules") or [])


def _fingerprint(orchestration_path: dict[str, Any]) -> str:
    return json.dumps([orchestration_path.get("version"), orchestration_path.get("sets")], sort_keys=True)


@tool("Append router rule", "create")
def append_event_orchestration_router_rule(
    orchestration_id: OrchestrationId,
    route_to: Annotated[str, id_or_url("Service id to route matching events to")],
    conditions: Annotated[
        list[str] | None,
        Field(
            max_length=20,
            description="PCL, any may match, e.g. event.source matches part 'db-' (also: matches, matches regex). "
            "None: every event.",
        ),
    ] = None,
    label: Annotated[str | None, Field(max_length=255, description="What the rule is for.")] = None,
    first: Annotated[bool, Field(description="Put it before the other rules (first match wins).")] = False,
) -> dict:
    """Add one routing rule to an orchestration's router, keeping every other rule."""
    ident = resolve_id(orchestration_id, "orchestration_id")
    service = resolve_id(route_to, "route_to")
    for i, expression in enumerate(conditions or []):
        check_condition(expression, f"conditions[{i}]")
    rule = {
        "label": label or f"Route to {service}",
        "conditions": [{"expression": c} for c in conditions or []],
        "actions": {"route_to": service},
    }
    url = path("/event_orchestrations/{}/router", ident)
    client = get_client()
    added: str | None = None  # our rule's id once a write went through
    for attempt in range(1, APPEND_ATTEMPTS + 1):
        seen = _read_path(url)
        rules = _start_rules(seen)
        seen_ids = {r.get("id") for r in rules}
        if added not in seen_ids:  # (re)write unless an earlier attempt's rule is already there
            body = {
                "sets": [{"id": "start", "rules": [rule, *rules] if first else [*rules, rule]}],
                "catch_all": seen.get("catch_all") or {"actions": {"route_to": "unrouted"}},
            }
            checked = check_path(body, "router")
            if _fingerprint(_read_path(url)) != _fingerprint(seen):
                continue  # changed between our read and our write: start again from the fresh router
            try:
                written = client.write("PUT", url, {"orchestration_path": checked})["orchestration_path"]
            except ToolFailure as failure:
                if failure.code == "CONFLICT":
                    continue  # PagerDuty saw a concurrent change: redo from a fresh read
                raise
            added = next((r.get("id") for r in _start_rules(written) if r.get("id") not in seen_ids), None)
        after = _read_path(url)
        after_ids = {r.get("id") for r in _start_rules(after)}
        if added in after_ids and seen_ids <= after_ids:
            answer = _path_answer(after, False, f"Router: rule {added} added")
            answer["metadata"]["attempts"] = attempt
            return answer
    raise ToolFailure(
        "CONFLICT",
        f"The router of {ident} kept changing while the rule was being added ({APPEND_ATTEMPTS} attempts), "
        "so it was not added safely. Read it with get_event_orchestration_router and try again.",
    )


# -- change events -----------------------------------------------------------------------------------
def _since(value: str | None, parameter: str) -> datetime | None:
    """An ISO time, or an age such as 1h, 30m or 7d before now."""
    if value and (age := _AGE.match(value)):
        amount, unit = int(age[1]), age[2].lower()
        return datetime.now(UTC) - timedelta(**{{"m": "minutes", "h": "hours", "d": "days"}[unit]: amount})
    return parse_time(value, parameter)


@tool("List change events")
def list_change_events(
    service_id: Annotated[str | None, id_or_url("Only this service")] = None,
    since: Annotated[str | None, Field(description="Start: ISO 8601 or an age like 1h, 30m, 7d.")] = None,
    until: Annotated[str | None, Field(description="End: ISO 8601 or an age.")] = None,
    team_ids: Annotated[IdList | None, Field(description="Only services of these teams.")] = None,
    integration_ids: Annotated[IdList | None, Field(description="Only from these integrations.")] = None,
    limit: Limit = 25,
    offset: Offset = 0,
) -> dict:
    """What changed (deploys, config changes), newest first, account-wide or for one service."""
    start, end = _since(since, "since"), _since(until, "until")
    if start and end and end <= start:
        raise invalid("until", "must be after since")
    params: dict[str, Any] = {}
    if start:
        params["since"] = iso(start)
    if end:
        params["until"] = iso(end)
    for name, values in (("team_ids", team_ids), ("integration_ids", integration_ids)):
        ids = resolve_ids(values, name)
        if ids:
            params[f"{name}[]"] = ids
    url = "/change_events"
    if service_id:
        url = path("/services/{}/change_events", resolve_id(service_id, "service_id"))
    page = paginate(get_client(), url, "change_events", params, limit=limit, offset=offset)
    changes = [ChangeEvent.from_api(e) for e in page.items]
    return respond("change_events", changes, f"{len(changes)} change event(s)", page=page, untrusted=True)


@tool("Get change event")
def get_change_event(change_event_id: Annotated[str, id_or_url("Change event id")]) -> dict:
    """One change event with its custom details and links."""
    ident = resolve_id(change_event_id, "change_event_id")
    change = ChangeEvent.from_api(get_client().read(path("/change_events/{}", ident))["change_event"], detail=True)
    return respond("change_events", [change], f"Change event: {change.summary}", untrusted=True)


# -- Events API v2 -----------------------------------------------------------------------------------
def _post_event(routing_key: str, url: str, event: dict[str, Any]) -> dict[str, Any]:
    """Send one event to the Events API of the account's region; the routing key never leaves."""
    key = routing_key.strip()
    if not key or any(c.isspace() for c in key) or len(key) > 128:
        raise invalid("routing_key", "must be the integration key of an Events API v2 integration, with no spaces")
    client = get_pool().events(key)
    try:
        response = client.request("POST", url, json=event)
    finally:
        client.close()
    if response.is_success:
        return response.json() if response.content else {}
    said = redact(upstream_message(response), key)
    if response.status_code in (400, 404, 413, 422):
        raise ToolFailure(
            "EVENTS_API_ERROR",
            f'The Events API rejected the event ({response.status_code}): "{said}". '
            "Check the routing key (an Events API v2 integration key) and the fields.",
        )
    failure = failure_from_response(response, write=True)
    failure.message = redact(failure.message, key)
    raise failure


@tool("Send event", "create")
def send_event(
    routing_key: RoutingKey,
    action: Annotated[Literal["trigger", "acknowledge", "resolve"], Field(description="Event action.")],
    summary: Annotated[str | None, Field(max_length=1024, description="Alert title (trigger).")] = None,
    source: Annotated[str | None, Field(max_length=255, description="Affected host or system (trigger).")] = None,
    severity: Annotated[
        Literal["critical", "error", "warning", "info"] | None, Field(description="Severity (trigger).")
    ] = None,
    dedup_key: Annotated[str | None, Field(max_length=255, description="Alert key; required to ack/resolve.")] = None,
    component: Annotated[str | None, Field(description="Component.")] = None,
    group: Annotated[str | None, Field(description="Logical group.")] = None,
    event_class: Annotated[str | None, Field(description="Event class/type.")] = None,
    custom_details: Annotated[dict[str, Any] | None, Field(description="Extra details object.")] = None,
) -> dict:
    """Trigger, acknowledge or resolve an alert through the Events API v2; returns the dedup key."""
    event: dict[str, Any] = {"event_action": action}
    if dedup_key:
        event["dedup_key"] = dedup_key
    if action == "trigger":
        for name, value in (("summary", summary), ("source", source), ("severity", severity)):
            if not value:
                raise invalid(name, "is required to trigger (severity: critical, error, warning or info)")
        payload: dict[str, Any] = {"summary": summary, "source": source, "severity": severity}
        for name, value in (("component", component), ("group", group), ("class", event_class)):
            if value:
                payload[name] = value
        if custom_details:
            payload["custom_details"] = custom_details
        event["payload"] = payload
    elif not dedup_key:
        raise invalid("dedup_key", f"is required to {action}: use the dedup key send_event returned")
    body = _post_event(routing_key, "/v2/enqueue", event)
    key = body.get("dedup_key") or dedup_key
    result = {"action": action, "dedup_key": key, "status": body.get("status"), "message": body.get("message")}
    return respond("events", [result], f"{action} accepted; dedup_key {key}")


@tool("Send change event", "create")
def send_change_event(
    routing_key: RoutingKey,
    summary: Annotated[str, Field(min_length=1, max_length=1024, description="What changed, e.g. Deploy v1.4.2.")],
    source: Annotated[str | None, Field(max_length=255, description="Tool or system that made it.")] = None,
    timestamp: Annotated[str | None, Field(description="When, ISO 8601 (default now).")] = None,
    links: Annotated[list[str] | None, Field(max_length=5, description="https URLs (PR, build, release).")] = None,
    custom_details: Annotated[dict[str, Any] | None, Field(description="Extra details object.")] = None,
) -> dict:
    """Record a deploy or other change on the routing key's service (shows in list_change_events)."""
    when = parse_time(timestamp, "timestamp") or datetime.now(UTC)
    payload: dict[str, Any] = {"summary": summary, "timestamp": iso(when)}
    if source:
        payload["source"] = source
    if custom_details:
        payload["custom_details"] = custom_details
    event: dict[str, Any] = {"payload": payload}
    for i, link in enumerate(links or []):
        if not link.startswith(("https://", "http://")):
            raise invalid(f"links[{i}]", "must be an http(s) URL")
    if links:
        event["links"] = [{"href": link} for link in links]
    body = _post_event(routing_key, "/v2/change/enqueue", event)
    result = {"summary": summary, "timestamp": iso(when), "status": body.get("status"), "message": body.get("message")}
    return respond("change_events", [result], "Change event accepted")


# The area's one list of tools; which are reads and which writes follows from each @tool's kind.
TOOLS = [
    list_alert_grouping_settings,
    get_alert_grouping_setting,
    list_event_orchestrations,
    get_event_orchestration,
    get_event_orchestration_router,
    get_event_orchestration_global,
    get_event_orchestration_service,
    get_event_orchestration_unrouted,
    list_change_events,
    get_change_event,
    create_alert_grouping_setting,
    update_alert_grouping_setting,
    delete_alert_grouping_setting,
    update_event_orchestration_router,
    append_event_orchestration_router_rule,
    update_event_orchestration_service,
    update_event_orchestration_global,
    send_event,
    send_change_event,
]
READ_TOOLS, WRITE_TOOLS = split_by_kind(TOOLS)
