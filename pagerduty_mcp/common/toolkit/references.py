"""What a tool parameter refers to: which kind of PagerDuty object it names.

A parameter's name says it (``team_ids`` are teams, ``assignee_ids`` users, ``incident_id`` an
incident, by id or number only). What each kind is
called, where PagerDuty lists it by name and how an unknown one is reported come from the table
of kinds (``pagerduty.kinds``); which tool lists it, from the area that declares that finder.
"""

from __future__ import annotations

from pagerduty_mcp.common.pagerduty.kinds import KINDS, Kind

__all__ = ["ID_PARAMETERS", "NAMED_PARAMETERS", "REFERENCES"]


def _naming(kind: str, *parameters: str) -> dict[str, Kind]:
    return dict.fromkeys(parameters, KINDS[kind])


# parameter name -> the kind of object it names, by id, link or name.
NAMED_PARAMETERS: dict[str, Kind] = {
    **_naming("services", "service_id", "service_ids", "route_to"),
    **_naming("business_services", "business_service_id", "business_service_ids"),
    **_naming("teams", "team_id", "team_ids", "parent_team_id", "reassignment_team_id"),
    **_naming("users", "user_id", "user_ids", "assignee_ids"),
    **_naming("schedules", "schedule_id", "schedule_ids"),
    **_naming("escalation_policies", "escalation_policy_id", "escalation_policy_ids"),
    **_naming("priorities", "priority_id", "priority_ids"),
    **_naming("event_orchestrations", "orchestration_id"),
    **_naming("status_pages", "status_page_id"),
    **_naming("automation_actions", "automation_action_id"),
    **_naming("extension_schemas", "extension_schema_id"),
}

# Parameters that name objects by id, number or URL only, never by name: an unknown one is still
# answered naming the parameter and the tool that lists valid ones.
ID_PARAMETERS: dict[str, Kind] = _naming("incidents", "incident_id", "source_incident_ids", "target_incident_id")

# Every parameter that names objects, either way.
REFERENCES: dict[str, Kind] = {**NAMED_PARAMETERS, **ID_PARAMETERS}
