"""`python -m pagerduty_mcp.servers.aiops` runs the pagerduty-aiops server."""

from pagerduty_mcp.servers.aiops.server import main

main()
