"""Tools of the incidents area (moving into one module per resource)."""

from pagerduty_mcp.servers.incidents.tools.incidents import (  # noqa: F401
    READ_TOOLS,
    TOOLS,
    WRITE_TOOLS,
    get_incident,
    get_past_incidents,
    incident_id_of,
    list_alerts_from_incident,
    list_incident_change_events,
    list_incident_notes,
    list_log_entries,
)
