"""Tools of the AIOps area: alert grouping, event orchestration, change events, automation actions,
Events API."""

from __future__ import annotations

from pagerduty_mcp.common import split_by_kind
from pagerduty_mcp.servers.aiops.tools.alert_grouping import (
    create_alert_grouping_setting,
    delete_alert_grouping_setting,
    get_alert_grouping_setting,
    list_alert_grouping_settings,
    update_alert_grouping_setting,
)
from pagerduty_mcp.servers.aiops.tools.automation import (
    get_automation_action,
    invoke_automation_action,
    list_automation_actions,
)
from pagerduty_mcp.servers.aiops.tools.change_events import get_change_event, list_change_events
from pagerduty_mcp.servers.aiops.tools.events_api import send_change_event, send_event
from pagerduty_mcp.servers.aiops.tools.orchestrations import (
    append_event_orchestration_router_rule,
    create_event_orchestration,
    get_event_orchestration,
    get_event_orchestration_global,
    get_event_orchestration_router,
    get_event_orchestration_service,
    get_event_orchestration_unrouted,
    list_event_orchestrations,
    update_event_orchestration_global,
    update_event_orchestration_router,
    update_event_orchestration_service,
    update_event_orchestration_unrouted,
)

__all__ = ["READ_TOOLS", "TOOLS", "WRITE_TOOLS"]

# The area's one list of tools; which are reads and which writes follows from each @tool's kind.
TOOLS = [
    list_alert_grouping_settings,
    get_alert_grouping_setting,
    list_event_orchestrations,
    get_event_orchestration,
    get_event_orchestration_router,
    get_event_orchestration_global,
    get_event_orchestration_service,
    get_event_orchestration_unrouted,
    list_change_events,
    get_change_event,
    list_automation_actions,
    get_automation_action,
    create_alert_grouping_setting,
    update_alert_grouping_setting,
    delete_alert_grouping_setting,
    update_event_orchestration_router,
    append_event_orchestration_router_rule,
    update_event_orchestration_service,
    update_event_orchestration_global,
    update_event_orchestration_unrouted,
    create_event_orchestration,
    invoke_automation_action,
    send_event,
    send_change_event,
]
READ_TOOLS, WRITE_TOOLS = split_by_kind(TOOLS)
