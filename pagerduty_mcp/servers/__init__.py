"""The product areas, one MCP server each."""
