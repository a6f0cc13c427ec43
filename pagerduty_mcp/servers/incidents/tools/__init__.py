"""Tools of the incidents area, one module per resource: what is broken, who is on it, what changed,
what happened so far, who is told and what customers feel, and the usual changes a responder
makes (acknowledge, reassign, escalate, note, resolve)."""

from __future__ import annotations

from pagerduty_mcp.common import split_by_kind
from pagerduty_mcp.servers.incidents.tools.alerts import (
    get_alert_from_incident,
    list_alerts_from_incident,
    manage_alerts,
)
from pagerduty_mcp.servers.incidents.tools.bulk import manage_incidents
from pagerduty_mcp.servers.incidents.tools.custom_fields import update_incident_custom_fields
from pagerduty_mcp.servers.incidents.tools.impact import get_incident_business_impact, update_incident_business_impact
from pagerduty_mcp.servers.incidents.tools.incidents import (
    create_incident,
    create_status_update,
    get_incident,
    list_incidents,
    list_priorities,
    merge_incidents,
    snooze_incident,
)
from pagerduty_mcp.servers.incidents.tools.insights import (
    get_incident_metrics,
    get_outlier_incident,
    get_past_incidents,
    get_related_incidents,
)
from pagerduty_mcp.servers.incidents.tools.responders import add_responders, cancel_responder_request
from pagerduty_mcp.servers.incidents.tools.status_pages import (
    create_status_page_post,
    create_status_page_post_update,
    get_status_page,
    get_status_page_post,
    list_status_page_posts,
    list_status_pages,
    update_status_page_postmortem,
)
from pagerduty_mcp.servers.incidents.tools.subscribers import list_incident_subscribers, manage_incident_subscribers
from pagerduty_mcp.servers.incidents.tools.timeline import (
    add_note_to_incident,
    get_log_entry,
    list_incident_change_events,
    list_incident_notes,
    list_log_entries,
)
from pagerduty_mcp.servers.incidents.tools.workflows import (
    get_incident_workflow,
    list_incident_workflows,
    start_incident_workflow,
)

__all__ = ["READ_TOOLS", "TOOLS", "WRITE_TOOLS"]

# The area's one list of tools, in the order clients see them; which are reads and which writes
# follows from each @tool's kind.
TOOLS = [
    list_incidents,
    get_incident,
    list_incident_notes,
    list_alerts_from_incident,
    get_alert_from_incident,
    list_log_entries,
    get_log_entry,
    get_outlier_incident,
    get_past_incidents,
    get_related_incidents,
    list_incident_change_events,
    get_incident_business_impact,
    list_incident_subscribers,
    list_priorities,
    list_incident_workflows,
    get_incident_workflow,
    get_incident_metrics,
    list_status_pages,
    get_status_page,
    list_status_page_posts,
    get_status_page_post,
    create_incident,
    manage_incidents,
    add_responders,
    cancel_responder_request,
    add_note_to_incident,
    merge_incidents,
    snooze_incident,
    create_status_update,
    manage_incident_subscribers,
    update_incident_business_impact,
    manage_alerts,
    start_incident_workflow,
    update_incident_custom_fields,
    create_status_page_post,
    create_status_page_post_update,
    update_status_page_postmortem,
]
READ_TOOLS, WRITE_TOOLS = split_by_kind(TOOLS)
