"""Floor 1, PagerDuty access: credentials, the client pool, bounded retries, status to error code,
pagination, OAuth, the scope table, and the request context. It knows nothing of MCP."""
