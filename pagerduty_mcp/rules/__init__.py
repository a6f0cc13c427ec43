"""PagerDuty's own rules, as data: the OAuth scope each REST endpoint needs (``scope_table``) and
the values a custom field of each type takes (``field_values``).

Two readers hold to them: PagerDuty access (``common.pagerduty``), which checks a request before
sending it, and the sandbox, which refuses what PagerDuty refuses. So they sit below both and
import nothing of the project: the sandbox reads them without loading ``pagerduty_mcp.common``
(and with it MCP), and ``common`` reaches the sandbox without an import circle between the two.
"""
