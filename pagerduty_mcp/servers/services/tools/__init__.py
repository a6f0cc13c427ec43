"""Tools of the services area, one module per resource: the service directory and what hangs off
each service (dependencies, integrations, maintenance windows, webhooks, extensions), and which
business services are impacted now."""

from __future__ import annotations

from pagerduty_mcp.common import split_by_kind
from pagerduty_mcp.servers.services.tools.business_services import get_business_service, list_business_services
from pagerduty_mcp.servers.services.tools.dependencies import get_service_dependencies
from pagerduty_mcp.servers.services.tools.extensions import (
    get_extension_schema,
    list_extension_schemas,
    list_extensions,
)
from pagerduty_mcp.servers.services.tools.impacts import list_business_service_impacts
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
from pagerduty_mcp.servers.services.tools.webhooks import (
    create_webhook_subscription,
    delete_webhook_subscription,
    get_webhook_subscription,
    list_webhook_subscriptions,
    test_webhook_subscription,
    update_webhook_subscription,
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
    list_business_service_impacts,
    list_maintenance_windows,
    list_webhook_subscriptions,
    get_webhook_subscription,
    list_extension_schemas,
    get_extension_schema,
    list_extensions,
    create_service,
    update_service,
    delete_service,
    create_service_integration,
    create_maintenance_window,
    delete_maintenance_window,
    create_webhook_subscription,
    update_webhook_subscription,
    delete_webhook_subscription,
    test_webhook_subscription,
]
READ_TOOLS, WRITE_TOOLS = split_by_kind(TOOLS)
