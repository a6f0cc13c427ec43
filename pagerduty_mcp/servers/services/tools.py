"""Tools of the services area: the service directory and what hangs off each service."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import Field

from pagerduty_mcp.common import (
    Limit,
    Offset,
    Ref,
    ToolFailure,
    apply_scope,
    clean_text,
    get_client,
    get_pool,
    id_or_url,
    invalid,
    iso,
    not_found,
    paginate,
    parse_time,
    path,
    resolve_id,
    resolve_ids,
    respond,
    split_by_kind,
    tool,
)
from pagerduty_mcp.common.pagerduty.client import PagerDutyClient
from pagerduty_mcp.common.toolkit.filters import check_filter_ids
from pagerduty_mcp.common.toolkit.ids import IdList
from pagerduty_mcp.common.toolkit.ownership import TeamScope
from pagerduty_mcp.servers.services.models import (
    BusinessServiceDetail,
    Dependency,
    IntegrationSummary,
    MaintenanceWindowSummary,
    NewIntegration,
    ServiceDetail,
    ServiceSummary,
    UrgencyRule,
    grouping_from_setting,
)

__all__ = ["READ_TOOLS", "WRITE_TOOLS"]

_NAME_LOOKUPS = 25  # dependency neighbours named per call; more are listed by id only
_LOOKUP_THREADS = 4

ServiceIds = Annotated[IdList, Field(min_length=1, max_length=20, description="Service ids or URLs.")]
UrgencyRuleParam = Annotated[
    dict[str, Any] | None,
    Field(
        description='Incident urgency. Constant: {"urgency":"high"} (high, low or severity_based). '
        'By support hours: {"during_support_hours":"high","outside_support_hours":"low","support_hours":'
        '{"time_zone":"America/New_York","days_of_week":[1,2,3,4,5],"start_time":"09:00","end_time":"17:00"}} '
        "(days 1=Monday)."
    ),
]
AutoResolve = Annotated[
    int | None, Field(ge=0, le=86400 * 30, description="Auto-resolve open incidents after this many seconds; 0 = off.")
]
AckTimeout = Annotated[
    int | None, Field(ge=0, le=86400, description="Re-trigger acknowledged incidents after this many seconds; 0 = off.")
]


# -- reads -------------------------------------------------------------------------------------
@tool("List services")
def list_services(
    query: Annotated[str | None, Field(description="Filter by name (partial match).")] = None,
    team_ids: Annotated[IdList | None, Field(description="Only these teams' services (needs scope=all).")] = None,
    scope: Annotated[TeamScope, Field(description="my_teams or all.")] = "all",
    limit: Limit = 25,
    offset: Offset = 0,
) -> dict:
    """Find technical services by name or team, with status (critical: triggered incidents; warning:
    acknowledged; maintenance; disabled; active: none open), escalation policy and teams."""
    client = get_client()
    scoped = apply_scope(client, scope, resolve_ids(team_ids, "team_ids"), None)
    params: dict = {"sort_by": "name"}  # references already carry names: no include[] needed
    if query:
        params["query"] = query
    if scoped.team_ids:
        params["team_ids[]"] = scoped.team_ids
    page = paginate(client, "/services", "services", params, limit=limit, offset=offset)
    page.notes = scoped.notes + page.notes
    check_filter_ids(client, page.items, {"team_ids": scoped.team_ids if scope == "all" else None})
    services = [ServiceSummary.from_api(s) for s in page.items]
    unhealthy = sum(1 for s in services if s.status in ("critical", "warning"))
    return respond("services", services, f"{len(services)} service(s), {unhealthy} with open incidents", page=page)


def _open_incident_counts(client: PagerDutyClient, service_id: str) -> dict[str, int]:
    """Open incidents by urgency in one request (two when more than a page is open)."""
    params: dict[str, Any] = {
        "service_ids[]": [service_id],
        "statuses[]": ["triggered", "acknowledged"],
        "date_range": "all",
        "limit": 100,
        "total": "true",
    }
    body = client.read("/incidents", params)
    items = body.get("incidents") or []
    reported = body.get("total")
    total: int = reported if isinstance(reported, int) else len(items)
    high = sum(1 for i in items if i.get("urgency") == "high")
    if total > len(items):
        high_body = client.read("/incidents", {**params, "urgencies[]": ["high"], "limit": 1})
        high = int(high_body.get("total") or 0)
    return {"high": high, "low": total - high}


def _read_service(client: PagerDutyClient, ident: str, includes: list[str]) -> dict[str, Any]:
    try:
        return client.read(path("/services/{}", ident), {"include[]": includes} if includes else None)["service"]
    except ToolFailure as failure:
        if failure.code == "SERVICE_NOT_FOUND":
            raise not_found("service", ident, "list_services finds valid ids") from None
        raise


@tool("Get service")
def get_service(
    service_id: Annotated[str, id_or_url("Service id")],
) -> dict:
    """One service in detail: escalation policy, teams, urgency rule, auto-resolve and acknowledgement
    timeouts, alert grouping, integrations, open incidents by urgency, and any maintenance window now on."""
    client = get_client()
    raw = _read_service(client, resolve_id(service_id, "service_id"), ["integrations"])
    service = ServiceDetail.from_api(raw)
    # "active" means no open incidents; every other status may hide some.
    service.open_incidents = (
        {"high": 0, "low": 0} if service.status == "active" else _open_incident_counts(client, service.id)
    )
    if service.alert_grouping is None or "type" not in service.alert_grouping:
        service.alert_grouping = _alert_grouping_setting(client, service.id)
    if service.status == "maintenance":
        windows = client.read(
            "/maintenance_windows", {"service_ids[]": [service.id], "filter": "ongoing", "limit": 1}
        ).get("maintenance_windows")
        if windows:
            window = MaintenanceWindowSummary.from_api(windows[0], datetime.now(UTC))
            service.maintenance_window = window.model_dump(include={"id", "end_time", "description"}, exclude_none=True)
    counts = service.open_incidents
    return respond(
        "services",
        [service],
        f"{service.name} is {service.status}: {counts['high']} high and {counts['low']} low urgency open incident(s)",
    )


def _alert_grouping_setting(client: PagerDutyClient, service_id: str) -> dict[str, Any]:
    """The Alert Grouping Setting that groups this service's alerts, or {"type": "none"}."""
    try:
        body = client.read("/alert_grouping_settings", {"service_ids[]": [service_id], "limit": 1})
    except ToolFailure as failure:
        if failure.code != "FORBIDDEN":
            raise
        return {"unknown": "alert grouping settings are not readable with this plan or token"}
    settings = body.get("alert_grouping_settings") or []
    return grouping_from_setting(settings[0]) if settings else {"type": "none"}


def _find_any_service(client: PagerDutyClient, ident: str) -> tuple[str, dict[str, Any]]:
    """A technical service, else a business service, with that id: ("technical"|"business", object)."""
    try:
        return "technical", client.read(path("/services/{}", ident))["service"]
    except ToolFailure as failure:
        if failure.code != "SERVICE_NOT_FOUND":
            raise
    try:
        return "business", client.read(path("/business_services/{}", ident))["business_service"]
    except ToolFailure as failure:
        if failure.code == "BUSINESS_SERVICE_NOT_FOUND":
            raise not_found(
                "service", ident, "no technical or business service has it; list_services finds valid ids"
            ) from None
        raise


def _name_neighbours(client: PagerDutyClient, neighbours: list[Dependency]) -> list[str]:
    """Fill in names (and technical services' status) with a bounded fan-out; returns notes."""
    unique = list(dict.fromkeys((d.kind, d.id) for d in neighbours))
    named, rest = unique[:_NAME_LOOKUPS], unique[_NAME_LOOKUPS:]

    def lookup(key: tuple[str, str]) -> dict[str, Any] | None:
        kind, ident = key
        try:
            if kind == "technical":
                return client.read(path("/services/{}", ident))["service"]
            return client.read(path("/business_services/{}", ident))["business_service"]
        except ToolFailure as failure:
            if failure.code.endswith("_NOT_FOUND"):
                return None
            raise

    context = copy_context()
    with ThreadPoolExecutor(max_workers=_LOOKUP_THREADS) as pool:
        found = dict(zip(named, pool.map(lambda k: context.copy().run(lookup, k), named), strict=True))
    for dependency in neighbours:
        obj = found.get((dependency.kind, dependency.id))
        if obj:
            dependency.name = clean_text(str(obj.get("name") or obj.get("summary") or ""), 200) or None
            dependency.status = obj.get("status")
    return [f"{len(rest)} neighbour(s) are listed by id only; get_service names them."] if rest else []


@tool("Get service dependencies")
def get_service_dependencies(
    service_id: Annotated[str, id_or_url("Technical or business service id")],
) -> dict:
    """What a service depends on and what depends on it (immediate neighbours, both directions), for
    technical and business services, with names and status. Use it for impact: "what depends on checkout"."""
    client = get_client()
    ident = resolve_id(service_id, "service_id")
    kind, center = _find_any_service(client, ident)
    collection = "technical_services" if kind == "technical" else "business_services"
    body = client.read(path("/service_dependencies/" + collection + "/{}", ident))
    neighbours: list[Dependency] = []
    direction: Literal["depends_on", "dependent"]
    for relation in body.get("relationships") or []:
        supporting, dependent = relation.get("supporting_service") or {}, relation.get("dependent_service") or {}
        if supporting.get("id") == ident and dependent.get("id"):
            other, direction = dependent, "dependent"
        elif dependent.get("id") == ident and supporting.get("id"):
            other, direction = supporting, "depends_on"
        else:
            continue
        business = str(other.get("type", "")).startswith("business")
        neighbours.append(Dependency(relation=direction, id=other["id"], kind="business" if business else "technical"))
    notes = _name_neighbours(client, neighbours)
    name = clean_text(str(center.get("name") or ident), 200)
    ups = sum(1 for d in neighbours if d.relation == "depends_on")
    downs = len(neighbours) - ups
    return respond(
        "dependencies",
        neighbours,
        f"{name} ({kind}) depends on {ups} service(s); {downs} depend on it",
        service=Ref(id=ident, name=name),
        notes=notes or None,
    )


@tool("List business services")
def list_business_services(limit: Limit = 25, offset: Offset = 0) -> dict:
    """Business services (what customers experience, e.g. "Online Store") with owner team and contact."""
    page = paginate(get_client(), "/business_services", "business_services", {}, limit=limit, offset=offset)
    items = [BusinessServiceDetail.from_api(b) for b in page.items]
    return respond("business_services", items, f"{len(items)} business service(s)", page=page)


@tool("Get business service")
def get_business_service(
    business_service_id: Annotated[str, id_or_url("Business service id")],
) -> dict:
    """One business service; get_service_dependencies shows the technical services behind it."""
    ident = resolve_id(business_service_id, "business_service_id")
    try:
        body = get_client().read(path("/business_services/{}", ident))
    except ToolFailure as failure:
        if failure.code == "BUSINESS_SERVICE_NOT_FOUND":
            raise not_found("business_service", ident, "list_business_services finds valid ids") from None
        raise
    item = BusinessServiceDetail.from_api(body["business_service"])
    return respond("business_services", [item], f"Business service {item.name}")


WindowFilter = Literal["ongoing", "future", "past", "open", "all"]


@tool("List maintenance windows")
def list_maintenance_windows(
    filter: Annotated[WindowFilter, Field(description="open = ongoing and future.")] = "open",
    service_ids: Annotated[IdList | None, Field(description="Only windows on these services.")] = None,
    team_ids: Annotated[IdList | None, Field(description="Only windows of these teams.")] = None,
    limit: Limit = 25,
    offset: Offset = 0,
) -> dict:
    """Maintenance windows (no incidents open on their services while one is on), by state, service or team."""
    params: dict[str, Any] = {"filter": filter}
    if service_ids:
        params["service_ids[]"] = resolve_ids(service_ids, "service_ids")
    if team_ids:
        params["team_ids[]"] = resolve_ids(team_ids, "team_ids")
    page = paginate(get_client(), "/maintenance_windows", "maintenance_windows", params, limit=limit, offset=offset)
    check_filter_ids(
        get_client(), page.items, {"service_ids": params.get("service_ids[]"), "team_ids": params.get("team_ids[]")}
    )
    now = datetime.now(UTC)
    windows = [MaintenanceWindowSummary.from_api(w, now) for w in page.items]
    return respond("maintenance_windows", windows, f"{len(windows)} maintenance window(s) (filter={filter})", page=page)


# -- writes ------------------------------------------------------------------------------------
def _read_policy(client: PagerDutyClient, ident: str) -> dict[str, Any]:
    try:
        return client.read(path("/escalation_policies/{}", ident))["escalation_policy"]
    except ToolFailure as failure:
        if failure.code == "ESCALATION_POLICY_NOT_FOUND":
            raise not_found("escalation_policy", ident, "list_escalation_policies finds valid ids") from None
        raise


def _policy_for_teams(client: PagerDutyClient, policy_id: str | None, team_ids: list[str] | None) -> dict[str, Any]:
    """The escalation policy of a new service. PagerDuty derives a service's teams from its policy,
    so the teams asked for must be the policy's; without a policy, the teams' only one is used."""
    if policy_id:
        policy = _read_policy(client, policy_id)
        have = {t["id"]: t.get("summary") or t["id"] for t in policy.get("teams") or []}
        missing = [t for t in team_ids or [] if t not in have]
        if missing:
            owners = ", ".join(f"{name} ({ident})" for ident, name in have.items()) or "no team"
            raise invalid(
                "team_ids",
                f"a service's teams come from its escalation policy, and {policy.get('name')} belongs to "
                f"{owners}, not {', '.join(missing)}. Pick a policy of those teams, or omit team_ids.",
            )
        return policy
    if not team_ids:
        raise invalid("escalation_policy_id", "required: pass the escalation policy, or team_ids to use theirs")
    found = client.read("/escalation_policies", {"team_ids[]": team_ids, "limit": 25}).get("escalation_policies")
    fitting = [p for p in found or [] if set(team_ids) <= {t["id"] for t in p.get("teams") or []}]
    if len(fitting) != 1:
        listed = ", ".join(f"{p.get('name')} ({p['id']})" for p in fitting) or "none"
        raise invalid(
            "escalation_policy_id",
            f"the teams have {len(fitting)} escalation policies ({listed}); pass escalation_policy_id.",
        )
    return fitting[0]


def _settings_body(
    name: str | None,
    description: str | None,
    urgency_rule: dict[str, Any] | None,
    auto_resolve_timeout: int | None,
    acknowledgement_timeout: int | None,
) -> dict[str, Any]:
    """The service fields that were given, and only those: absent means unchanged, never null."""
    body: dict[str, Any] = {}
    if name is not None:
        if not name.strip():
            raise invalid("name", "must not be blank")
        body["name"] = name.strip()
    if description is not None:
        body["description"] = description
    if urgency_rule is not None:
        body.update(UrgencyRule.parse(urgency_rule, "urgency_rule").to_api())
    if auto_resolve_timeout is not None:
        body["auto_resolve_timeout"] = auto_resolve_timeout
    if acknowledgement_timeout is not None:
        body["acknowledgement_timeout"] = acknowledgement_timeout
    return body


def _policy_ref(policy: dict[str, Any]) -> dict[str, str]:
    return {"id": policy["id"], "type": "escalation_policy_reference"}


@tool("Create service", "create")
def create_service(
    name: Annotated[str, Field(min_length=1, max_length=255, description="Service name.")],
    escalation_policy_id: Annotated[
        str | None, id_or_url("Escalation policy; may be omitted when team_ids has exactly one")
    ] = None,
    team_ids: Annotated[
        IdList | None, Field(description="Owning teams (a service's teams are its escalation policy's).")
    ] = None,
    description: Annotated[str | None, Field(max_length=1000, description="What the service is.")] = None,
    urgency_rule: UrgencyRuleParam = None,
    auto_resolve_timeout: AutoResolve = None,
    acknowledgement_timeout: AckTimeout = None,
) -> dict:
    """Create a technical service. Then create_service_integration gives monitors a key to send events."""
    client = get_client()
    teams = resolve_ids(team_ids, "team_ids")
    policy_id = resolve_id(escalation_policy_id, "escalation_policy_id") if escalation_policy_id else None
    body = _settings_body(name, description, urgency_rule, auto_resolve_timeout, acknowledgement_timeout)
    policy = _policy_for_teams(client, policy_id, teams)
    body.update({"type": "service", "escalation_policy": _policy_ref(policy)})
    created = client.write("POST", "/services", {"service": body})["service"]
    service = ServiceDetail.from_api(created)
    return respond("services", [service], f"Created service {service.name} ({service.id})")


@tool("Update service", "update")
def update_service(
    service_id: Annotated[str, id_or_url("Service id")],
    name: Annotated[str | None, Field(min_length=1, max_length=255, description="New name.")] = None,
    description: Annotated[str | None, Field(max_length=1000, description="New description.")] = None,
    escalation_policy_id: Annotated[str | None, id_or_url("New escalation policy (teams follow it)")] = None,
    status: Annotated[
        Literal["active", "disabled"] | None, Field(description="disabled: no new incidents at all.")
    ] = None,
    urgency_rule: UrgencyRuleParam = None,
    auto_resolve_timeout: AutoResolve = None,
    acknowledgement_timeout: AckTimeout = None,
) -> dict:
    """Change some settings of a service. Only the parameters given are changed; the rest stay as they are."""
    client = get_client()
    ident = resolve_id(service_id, "service_id")
    body = _settings_body(name, description, urgency_rule, auto_resolve_timeout, acknowledgement_timeout)
    if escalation_policy_id is not None:
        body["escalation_policy"] = _policy_ref(
            _read_policy(client, resolve_id(escalation_policy_id, "escalation_policy_id"))
        )
    if status is not None:
        body["status"] = status
    if not body:
        raise invalid("service_id", "nothing to change: give at least one setting to update")
    before = _read_service(client, ident, [])
    changed = sorted(k for k in body if before.get(k) != body[k] and k != "escalation_policy")
    if "escalation_policy" in body and body["escalation_policy"]["id"] != (before.get("escalation_policy") or {}).get(
        "id"
    ):
        changed.append("escalation_policy")
    # The spec requires escalation_policy in every service body, so the current one is sent back
    # unchanged; no other field is sent unless it was given (never a null over existing data).
    body.setdefault("escalation_policy", _policy_ref(before["escalation_policy"]))
    updated = client.write("PUT", path("/services/{}", ident), {"service": {"type": "service", **body}})
    service = ServiceDetail.from_api(updated["service"])
    what = ", ".join(changed) if changed else "nothing (the values given were already set)"
    return respond("services", [service], f"Updated {what} of {service.name}", updated=changed)


@tool("Delete service", "delete")
def delete_service(
    service_id: Annotated[str, id_or_url("Service id")],
) -> dict:
    """Delete a service for good, with its integrations; cannot be undone. To only stop incidents, prefer
    update_service status=disabled."""
    client = get_client()
    ident = resolve_id(service_id, "service_id")
    service = ServiceSummary.from_api(_read_service(client, ident, []))
    client.write("DELETE", path("/services/{}", ident))
    return respond("services", [service], f"Deleted service {service.name} ({ident})", deleted=True)


_INTEGRATION_TYPES = {
    "events_api_v2": ("events_api_v2_inbound_integration", "Events API v2"),
    "email": ("generic_email_inbound_integration", "Email"),
}


@tool("Create service integration", "create")
def create_service_integration(
    service_id: Annotated[str, id_or_url("Service id")],
    type: Annotated[
        Literal["events_api_v2", "email"], Field(description="events_api_v2 (monitors, scripts) or email.")
    ] = "events_api_v2",
    name: Annotated[str | None, Field(max_length=255, description="Integration name, e.g. the monitor's.")] = None,
) -> dict:
    """Add an integration to a service and return its integration key (routing key) or email address,
    which a monitor needs to open incidents on the service."""
    client = get_client()
    ident = resolve_id(service_id, "service_id")
    api_type, default_name = _INTEGRATION_TYPES[type]
    body = {
        "type": api_type,
        "name": (name or "").strip() or default_name,
        "service": {"id": ident, "type": "service_reference"},
    }
    try:
        created = client.write("POST", path("/services/{}/integrations", ident), {"integration": body})
    except ToolFailure as failure:
        if failure.code == "SERVICE_NOT_FOUND":
            raise not_found("service", ident, "list_services finds valid ids") from None
        raise
    integration = created["integration"]
    key = integration.get("integration_key")
    item = NewIntegration(
        **IntegrationSummary.from_api(integration).model_dump(),
        service=Ref.of(integration.get("service")) or Ref(id=ident),
        integration_key=key,
        events_url=_events_url() if key else None,
    )
    where = f"email {item.integration_email}" if item.integration_email else "its integration key"
    return respond("integrations", [item], f"Created {item.name} integration; monitors use {where}")


def _events_url() -> str:
    return f"{get_pool().settings.events_host}/v2/enqueue"


@tool("Create maintenance window", "create")
def create_maintenance_window(
    service_ids: ServiceIds,
    end_time: Annotated[str | None, Field(description="End, ISO 8601; or give duration_minutes.")] = None,
    duration_minutes: Annotated[int | None, Field(ge=1, le=60 * 24 * 14, description="Length from start.")] = None,
    start_time: Annotated[str | None, Field(description="Start, ISO 8601; default now.")] = None,
    description: Annotated[str | None, Field(max_length=1000, description="Why, e.g. the deploy.")] = None,
) -> dict:
    """Silence services for a while (a deploy, a migration): while the window is on, events open no
    incidents on them. One window can cover several services."""
    ids = resolve_ids(service_ids, "service_ids") or []
    now = datetime.now(UTC)
    start = parse_time(start_time, "start_time") or now
    # PagerDuty moves a start in the past to its own "now"; a minute back absorbs clock skew.
    sent_start = start - timedelta(minutes=1) if start_time is None else start
    if (end_time is None) == (duration_minutes is None):
        raise invalid("end_time", "give either end_time or duration_minutes (exactly one)")
    end = parse_time(end_time, "end_time") or start + timedelta(minutes=duration_minutes or 0)
    if end <= max(start, now):
        raise invalid("end_time", f"must be in the future and after start_time ({iso(max(start, now))})")
    body = {
        "maintenance_window": {
            "type": "maintenance_window",
            "start_time": iso(sent_start),
            "end_time": iso(end),
            "description": description or "",
            "services": [{"id": i, "type": "service_reference"} for i in dict.fromkeys(ids)],
        }
    }
    client = get_client()
    try:
        created = client.write("POST", "/maintenance_windows", body, needs_from=True)["maintenance_window"]
    except ToolFailure as failure:
        if failure.code == "INVALID_PARAMETER":
            for i in ids:  # name the unknown service rather than quote a generic 400
                _read_service(client, i, [])
        raise
    window = MaintenanceWindowSummary.from_api(created, datetime.now(UTC))
    names = ", ".join(s.name or s.id for s in window.services)
    return respond(
        "maintenance_windows",
        [window],
        f"Maintenance window on {names} from {window.start_time} to {window.end_time}: no incidents open meanwhile",
    )


@tool("Delete maintenance window", "delete")
def delete_maintenance_window(
    maintenance_window_id: Annotated[str, id_or_url("Maintenance window id")],
) -> dict:
    """End an ongoing maintenance window now (incidents open again), or delete a future one. Past windows stay."""
    client = get_client()
    ident = resolve_id(maintenance_window_id, "maintenance_window_id")
    try:
        raw = client.read(path("/maintenance_windows/{}", ident))["maintenance_window"]
    except ToolFailure as failure:
        if failure.code == "MAINTENANCE_WINDOW_NOT_FOUND":
            raise not_found("maintenance_window", ident, "list_maintenance_windows finds valid ids") from None
        raise
    window = MaintenanceWindowSummary.from_api(raw, datetime.now(UTC))
    if window.state == "past":
        raise ToolFailure(
            "CONFLICT",
            f"Maintenance window {ident} already ended at {window.end_time}; PagerDuty keeps past windows. "
            "Nothing to do.",
        )
    client.write("DELETE", path("/maintenance_windows/{}", ident))
    if window.state == "ongoing":
        window.state, window.end_time = "past", iso(datetime.now(UTC))
        done = "Ended"
    else:
        window.state = "deleted"
        done = "Deleted future"
    return respond("maintenance_windows", [window], f"{done} maintenance window {ident}")


# The area's one list of tools; which are reads and which writes follows from each @tool's kind.
TOOLS = [
    list_services,
    get_service,
    get_service_dependencies,
    list_business_services,
    get_business_service,
    list_maintenance_windows,
    create_service,
    update_service,
    delete_service,
    create_service_integration,
    create_maintenance_window,
    delete_maintenance_window,
]
READ_TOOLS, WRITE_TOOLS = split_by_kind(TOOLS)
