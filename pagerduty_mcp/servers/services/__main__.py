"""`python -m pagerduty_mcp.servers.services` runs the pagerduty-services server."""

from pagerduty_mcp.servers.services.server import main

main()
