"""Technical services: find them, read one, create, change or delete one, and give monitors an
integration key."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal, cast

from pydantic import Field

from pagerduty_mcp.common import (
    Envelope,
    IdList,
    Limit,
    Offset,
    PagerDutyClient,
    Ref,
    TeamScope,
    ToolFailure,
    apply_scope,
    asks_to_delete,
    check_references_exist,
    finder_hint,
    get_client,
    get_pool,
    id_or_url,
    invalid,
    not_found,
    paginate,
    path,
    respond,
    tool,
)
from pagerduty_mcp.servers.services.models import (
    IntegrationSummary,
    MaintenanceWindowSummary,
    NewIntegration,
    ServiceDetail,
    ServiceSummary,
    UrgencyRule,
)
from pagerduty_mcp.servers.services.params import AckTimeout, AutoResolve, Id, UrgencyRuleParam

__all__ = [
    "create_service",
    "create_service_integration",
    "delete_service",
    "get_service",
    "list_services",
    "read_service",
    "update_service",
]


@tool("List services")
def list_services(
    query: Annotated[str | None, Field(description="Filter by name (partial match).")] = None,
    team_ids: Annotated[IdList | None, Field(description="Only these teams' services (needs scope=all).")] = None,
    scope: Annotated[TeamScope, Field(description="my_teams or all.")] = "all",
    limit: Limit = 25,
    offset: Offset = 0,
) -> Envelope:
    """Find technical services by name or team, with status (critical: triggered incidents; warning:
    acknowledged; maintenance; disabled; active: none open), escalation policy and teams."""
    client = get_client()
    # An empty list is no filter, as if the parameter were left out.
    scoped = apply_scope(client, scope, team_ids or None, None)
    params: dict[str, Any] = {"sort_by": "name"}  # references already carry names: no include[] needed
    if query:
        params["query"] = query
    if scoped.team_ids:
        params["team_ids[]"] = scoped.team_ids
    page = paginate(client, "/services", "services", params, limit=limit, offset=offset)
    page.notes = scoped.notes + page.notes  # an unknown team in team_ids: the registry's check, after an empty page
    services = [ServiceSummary.from_api(s) for s in page.items]
    unhealthy = sum(1 for s in services if s.status in ("critical", "warning"))
    return respond("services", services, f"{len(services)} service(s), {unhealthy} with open incidents", page=page)


def read_service(client: PagerDutyClient, ident: str, includes: list[str]) -> dict[str, Any]:
    try:
        service: dict[str, Any] = client.read(
            path("/services/{}", ident), {"include[]": includes} if includes else None
        )["service"]
        return service
    except ToolFailure as failure:
        if failure.code == "SERVICE_NOT_FOUND":
            raise not_found("service", ident, "list_services finds valid ids") from None
        raise


# What a service's status says about its open incidents (PagerDuty sets it from them).
_STATUS_MEANS = {
    "critical": "open high-urgency incidents",
    "warning": "open low-urgency incidents only",
    "active": "no open incidents",
    "maintenance": "in a maintenance window",
    "disabled": "disabled",
}


@tool("Get service")
def get_service(
    service_id: Annotated[Id, id_or_url("Service id")],
) -> Envelope:
    """One service in detail: escalation policy, teams, urgency rule, auto-resolve and acknowledgement
    timeouts, integrations, and any maintenance window now on."""
    client = get_client()
    # One request, as PagerDuty's own server: the status says whether incidents are open
    # (list_incidents counts them), list_alert_grouping_settings shows a shared grouping setting.
    service = ServiceDetail.from_api(read_service(client, service_id, ["integrations"]))
    if service.status == "maintenance":
        windows = client.read(
            "/maintenance_windows", {"service_ids[]": [service.id], "filter": "ongoing", "limit": 1}
        ).get("maintenance_windows")
        if windows:
            window = MaintenanceWindowSummary.from_api(windows[0], datetime.now(UTC))
            service.maintenance_window = window.model_dump(include={"id", "end_time", "description"}, exclude_none=True)
    means = _STATUS_MEANS.get(service.status or "")
    return respond("services", [service], f"{service.name} is {service.status}" + (f": {means}" if means else ""))


def _read_policy(client: PagerDutyClient, ident: str) -> dict[str, Any]:
    try:
        return cast(dict[str, Any], client.read(path("/escalation_policies/{}", ident))["escalation_policy"])
    except ToolFailure as failure:
        if failure.code == "ESCALATION_POLICY_NOT_FOUND":
            hint = finder_hint("list_escalation_policies", "people")
            raise not_found("escalation_policy", ident, f"{hint} finds valid ones") from None
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
    if not found:  # "no policies" may be an unknown team: say that instead
        check_references_exist({"team_ids": team_ids}, ["team_ids"])
    if len(fitting) != 1:
        listed = ", ".join(f"{p.get('name')} ({p['id']})" for p in fitting) or "none"
        raise invalid(
            "escalation_policy_id",
            f"the teams have {len(fitting)} escalation policies ({listed}); pass escalation_policy_id "
            f"({finder_hint('list_escalation_policies', 'people')} lists them).",
        )
    return cast(dict[str, Any], fitting[0])


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
        Id | None, id_or_url("Escalation policy; may be omitted when team_ids has exactly one")
    ] = None,
    team_ids: Annotated[
        IdList | None, Field(description="Owning teams (a service's teams are its escalation policy's).")
    ] = None,
    description: Annotated[str | None, Field(max_length=1000, description="What the service is.")] = None,
    urgency_rule: UrgencyRuleParam = None,
    auto_resolve_timeout: AutoResolve = None,
    acknowledgement_timeout: AckTimeout = None,
) -> Envelope:
    """Create a technical service. Then create_service_integration gives monitors a key to send events."""
    client = get_client()
    body = _settings_body(name, description, urgency_rule, auto_resolve_timeout, acknowledgement_timeout)
    policy = _policy_for_teams(client, escalation_policy_id, team_ids)
    body.update({"type": "service", "escalation_policy": _policy_ref(policy)})
    created = client.write("POST", "/services", {"service": body})["service"]
    service = ServiceDetail.from_api(created)
    return respond("services", [service], f"Created service {service.name} ({service.id})")


@tool("Update service", "update")
def update_service(
    service_id: Annotated[Id, id_or_url("Service id")],
    name: Annotated[str | None, Field(min_length=1, max_length=255, description="New name.")] = None,
    description: Annotated[str | None, Field(max_length=1000, description="New description.")] = None,
    escalation_policy_id: Annotated[Id | None, id_or_url("New escalation policy (teams follow it)")] = None,
    status: Annotated[
        Literal["active", "disabled"] | None, Field(description="disabled: no new incidents at all.")
    ] = None,
    urgency_rule: UrgencyRuleParam = None,
    auto_resolve_timeout: AutoResolve = None,
    acknowledgement_timeout: AckTimeout = None,
) -> Envelope:
    """Change some settings of a service. Only the parameters given are changed; the rest stay as they are."""
    client = get_client()
    body = _settings_body(name, description, urgency_rule, auto_resolve_timeout, acknowledgement_timeout)
    if escalation_policy_id is not None:
        body["escalation_policy"] = _policy_ref(_read_policy(client, escalation_policy_id))
    if status is not None:
        body["status"] = status
    if not body:
        raise invalid("service_id", "nothing to change: give at least one setting to update")
    before = read_service(client, service_id, [])
    changed = sorted(k for k in body if before.get(k) != body[k] and k != "escalation_policy")
    if "escalation_policy" in body and body["escalation_policy"]["id"] != (before.get("escalation_policy") or {}).get(
        "id"
    ):
        changed.append("escalation_policy")
    # The spec requires escalation_policy in every service body, so the current one is sent back
    # unchanged; no other field is sent unless it was given (never a null over existing data).
    body.setdefault("escalation_policy", _policy_ref(before["escalation_policy"]))
    updated = client.write("PUT", path("/services/{}", service_id), {"service": {"type": "service", **body}})
    service = ServiceDetail.from_api(updated["service"])
    what = ", ".join(changed) if changed else "nothing (the values given were already set)"
    return respond("services", [service], f"Updated {what} of {service.name}", updated=changed)


@tool(
    "Delete service",
    "delete",
    confirm=asks_to_delete("service", "/services/{}", "service", "service_id", then=", with its integrations"),
)
def delete_service(
    service_id: Annotated[Id, id_or_url("Service id")],
) -> Envelope:
    """Delete a service for good, with its integrations; cannot be undone. To only stop incidents, prefer
    update_service status=disabled."""
    client = get_client()
    service = ServiceSummary.from_api(read_service(client, service_id, []))
    client.write("DELETE", path("/services/{}", service_id))
    return respond("services", [service], f"Deleted service {service.name} ({service_id})", deleted=True)


_INTEGRATION_TYPES = {
    "events_api_v2": ("events_api_v2_inbound_integration", "Events API v2"),
    "email": ("generic_email_inbound_integration", "Email"),
}


@tool("Create service integration", "create")
def create_service_integration(
    service_id: Annotated[Id, id_or_url("Service id")],
    type: Annotated[
        Literal["events_api_v2", "email"], Field(description="events_api_v2 (monitors, scripts) or email.")
    ] = "events_api_v2",
    name: Annotated[str | None, Field(max_length=255, description="Integration name, e.g. the monitor's.")] = None,
) -> Envelope:
    """Add an integration to a service and return its integration key (routing key) or email address,
    which a monitor needs to open incidents on the service."""
    client = get_client()
    api_type, default_name = _INTEGRATION_TYPES[type]
    body = {
        "type": api_type,
        "name": (name or "").strip() or default_name,
        "service": {"id": service_id, "type": "service_reference"},
    }
    try:
        created = client.write("POST", path("/services/{}/integrations", service_id), {"integration": body})
    except ToolFailure as failure:
        if failure.code == "SERVICE_NOT_FOUND":
            raise not_found("service", service_id, "list_services finds valid ids") from None
        raise
    integration = created["integration"]
    key = integration.get("integration_key")
    item = NewIntegration(
        **IntegrationSummary.from_api(integration).model_dump(),
        service=Ref.of(integration.get("service")) or Ref(id=service_id),
        integration_key=key,
        events_url=_events_url() if key else None,
    )
    where = f"email {item.integration_email}" if item.integration_email else "its integration key"
    return respond("integrations", [item], f"Created {item.name} integration; monitors use {where}")


def _events_url() -> str:
    return f"{get_pool().settings.events_host}/v2/enqueue"
