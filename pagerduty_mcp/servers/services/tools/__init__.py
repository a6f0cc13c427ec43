"""Tools of the services area (moving into one module per resource)."""

from pagerduty_mcp.servers.services.tools.services import READ_TOOLS, TOOLS, WRITE_TOOLS  # noqa: F401
