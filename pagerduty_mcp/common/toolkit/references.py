"""What a parameter refers to: the one table behind names, hints and existence checks.

A parameter's name says which kind of PagerDuty object it names (``team_ids`` are teams,
``assignee_ids`` users); each kind says where it is listed and which tool finds it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ID_PARAMETERS", "NAMED_PARAMETERS", "RESOURCES", "Resource"]


@dataclass(frozen=True)
class Resource:
    """A kind of object a parameter can name, and where to find it by name."""

    noun: str  # "escalation policy"
    path: str  # "/escalation_policies"
    key: str  # the list key in PagerDuty's answer
    finder: str  # the tool that lists valid values
    area: str  # the area whose server has that tool
    searchable: bool = True  # PagerDuty filters the list by name (with ``search_parameter``)
    search_parameter: str = "query"
    cursor: bool = False  # the list pages by cursor, not offset
    also_match: tuple[str, ...] = ()  # fields matched besides the name (a user's email)

    @property
    def code(self) -> str:
        return re.sub(r"[^A-Z0-9]+", "_", self.noun.upper()) + "_NOT_FOUND"


RESOURCES: dict[str, Resource] = {
    "services": Resource("service", "/services", "services", "list_services", "services"),
    "business_services": Resource(
        "business service", "/business_services", "business_services", "list_business_services", "services", False
    ),
    "teams": Resource("team", "/teams", "teams", "list_teams", "people"),
    "users": Resource("user", "/users", "users", "list_users", "people", also_match=("email",)),
    "schedules": Resource("schedule", "/schedules", "schedules", "list_schedules", "people"),
    # Shift-based schedules: ids of the same shape, their own API.
    "schedules_v3": Resource("schedule", "/v3/schedules", "schedules", "list_schedules", "people"),
    "escalation_policies": Resource(
        "escalation policy", "/escalation_policies", "escalation_policies", "list_escalation_policies", "people"
    ),
    "priorities": Resource("priority", "/priorities", "priorities", "list_priorities", "incidents", False),
    "event_orchestrations": Resource(
        "event orchestration", "/event_orchestrations", "orchestrations", "list_event_orchestrations", "aiops", False
    ),
    "status_pages": Resource("status page", "/status_pages", "status_pages", "list_status_pages", "incidents", False),
    "automation_actions": Resource(
        "automation action",
        "/automation_actions/actions",
        "actions",
        "list_automation_actions",
        "aiops",
        search_parameter="name",
        cursor=True,
    ),
    "extension_schemas": Resource(
        "extension schema", "/extension_schemas", "extension_schemas", "list_extension_schemas", "services", False
    ),
}

# parameter name -> the kinds of object it may name, tried in order.
NAMED_PARAMETERS: dict[str, tuple[str, ...]] = {
    **{p: ("services",) for p in ("service_id", "service_ids", "route_to")},
    **{p: ("business_services",) for p in ("business_service_id", "business_service_ids")},
    **{p: ("teams",) for p in ("team_id", "team_ids", "parent_team_id", "reassignment_team_id")},
    **{p: ("users",) for p in ("user_id", "user_ids", "assignee_ids")},
    **{p: ("schedules", "schedules_v3") for p in ("schedule_id", "schedule_ids")},
    **{p: ("escalation_policies",) for p in ("escalation_policy_id", "escalation_policy_ids")},
    **{p: ("priorities",) for p in ("priority_id", "priority_ids")},
    "orchestration_id": ("event_orchestrations",),
    "status_page_id": ("status_pages",),
    "automation_action_id": ("automation_actions",),
    "extension_schema_id": ("extension_schemas",),
}

# Parameters that name objects by id, number or URL only, never by name: an unknown one is still
# answered naming the parameter and the tool that lists valid ones.
_INCIDENTS = Resource("incident", "/incidents", "incidents", "list_incidents", "incidents", searchable=False)
ID_PARAMETERS: dict[str, Resource] = {
    p: _INCIDENTS for p in ("incident_id", "source_incident_ids", "target_incident_id")
}
