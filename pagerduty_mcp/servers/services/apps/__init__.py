"""The services area's app: the service map, drawn from get_service_dependencies and list_services."""

from __future__ import annotations

from pathlib import Path

from pagerduty_mcp.common import App
from pagerduty_mcp.servers.services.tools.business_services import list_business_services
from pagerduty_mcp.servers.services.tools.dependencies import get_service_dependencies
from pagerduty_mcp.servers.services.tools.services import get_service, list_services

__all__ = ["APPS", "SERVICE_MAP"]

SERVICE_MAP = App(
    name="service-map",
    title="Service map",
    description=(
        "Technical and business services with their dependencies both ways and their current status; select one "
        "to see everything that depends on it, directly or not, and what it needs."
    ),
    draws=[get_service_dependencies, list_services],
    calls=[list_business_services, get_service],
    source=Path(__file__).parent,
)

APPS = [SERVICE_MAP]
