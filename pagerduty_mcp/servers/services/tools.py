"""Tools of the services area: the service directory and what hangs off each service."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from pagerduty_mcp.common import (
    Limit,
    Offset,
    apply_scope,
    get_client,
    id_or_url,
    paginate,
    path,
    resolve_id,
    resolve_ids,
    respond,
    tool,
)
from pagerduty_mcp.common.params import IdList
from pagerduty_mcp.common.scope import TeamScope
from pagerduty_mcp.servers.services.models import ServiceDetail, ServiceSummary

__all__ = ["READ_TOOLS", "WRITE_TOOLS"]


@tool("List services")
def list_services(
    query: Annotated[str | None, Field(description="Filter by name (partial match).")] = None,
    team_ids: Annotated[IdList | None, Field(description="Only these teams' services (needs scope=all).")] = None,
    scope: Annotated[TeamScope, Field(description="my_teams or all.")] = "all",
    limit: Limit = 25,
    offset: Offset = 0,
) -> dict:
    """Find technical services by name or team, with status (active, warning, critical, maintenance, disabled)."""
    client = get_client()
    scoped = apply_scope(client, scope, resolve_ids(team_ids, "team_ids"), None)
    params: dict = {"include[]": ["escalation_policies", "teams"], "sort_by": "name"}
    if query:
        params["query"] = query
    if scoped.team_ids:
        params["team_ids[]"] = scoped.team_ids
    page = paginate(client, "/services", "services", params, limit=limit, offset=offset)
    page.notes = scoped.notes + page.notes
    services = [ServiceSummary.from_api(s) for s in page.items]
    return respond("services", services, f"{len(services)} service(s)", page=page)


@tool("Get service")
def get_service(
    service_id: Annotated[str, id_or_url("Service id")],
) -> dict:
    """One service in detail: escalation policy, teams, urgency and timeouts, alert grouping, integrations."""
    ident = resolve_id(service_id, "service_id")
    body = get_client().read(
        path("/services/{}", ident), {"include[]": ["escalation_policies", "teams", "integrations"]}
    )
    service = ServiceDetail.from_api(body["service"])
    return respond("services", [service], f"Service {service.name} is {service.status}")


READ_TOOLS = [list_services, get_service]
WRITE_TOOLS: list = []
