"""The services area's resource: a service to attach (``pagerduty://services/{service}``), read
through ``get_service`` (escalation policy, teams, integrations, open incidents by urgency, any
maintenance window now on). ``{service}`` takes what ``service_id`` takes: an id, a PagerDuty URL
(URL-encoded in the URI) or the service's exact name, and completes by name or id.
"""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from pagerduty_mcp.common import ToolFilter, dump, named, register_resource, resolve_variable
from pagerduty_mcp.servers.services.tools.services import get_service

__all__ = ["SERVICE_URI", "register_resources", "service_resource"]

SERVICE_URI = "pagerduty://services/{service}"


def service_resource(service: str) -> str:
    """A service in detail, as get_service answers."""
    return dump(get_service(resolve_variable(service, "service_id", "service")))


def register_resources(server: MCPServer, flt: ToolFilter) -> None:
    """The service template, where get_service is served."""
    register_resource(
        server,
        flt,
        service_resource,
        reads=(get_service,),
        uri=SERVICE_URI,
        name="service",
        title="PagerDuty service",
        description="A service: escalation policy, teams, integrations, open incidents, maintenance. {service}: "
        "its name, id or PagerDuty URL (URL-encoded).",
        completions={"service": named("service_id")},
    )
