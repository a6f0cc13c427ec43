"""`python -m pagerduty_mcp.servers.incidents` runs the pagerduty-incidents server."""

from pagerduty_mcp.servers.incidents.server import main

main()
