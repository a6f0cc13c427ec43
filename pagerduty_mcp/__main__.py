"""`python -m pagerduty_mcp` runs the combined pagerduty-mcp server."""

from pagerduty_mcp.server import main

main()
