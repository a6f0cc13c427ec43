"""`python -m pagerduty_mcp.servers.people` runs the pagerduty-people server."""

from pagerduty_mcp.servers.people.server import main

main()
