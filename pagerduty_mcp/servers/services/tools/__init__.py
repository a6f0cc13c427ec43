"""Tools of the services area, one module per resource: the service directory and what hangs off
each service (dependencies, integrations, maintenance windows)."""

from __future__ import annotations

from pagerduty_mcp.common import split_by_kind
from pagerduty_mcp.servers.services.tools.business_services import get_business_service, list_business_services
from pagerduty_mcp.servers.services.tools.dependencies import get_service_dependencies
from pagerduty_mcp.servers.services.tools.maintenance_windows import (
    create_maintenance_window,
    delete_maintenance_window,
    list_maintenance_windows,
)
from pagerduty_mcp.servers.services.tools.services import (
    create_service,
    create_service_integration,
    delete_service,
    get_service,
    list_services,
    update_service,
)

__all__ = ["READ_TOOLS", "TOOLS", "WRITE_TOOLS"]

# The area's one list of tools, in the order clients see them; which are reads and which writes
# follows from each @tool's kind.
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
