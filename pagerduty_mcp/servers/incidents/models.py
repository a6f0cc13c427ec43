"""Answer shapes of the incidents area. Titles and bodies are untrusted text, cleaned here."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.common.models import LeanModel, Ref, refs
from pagerduty_mcp.common.text import clean_text, clean_tree

__all__ = ["IncidentDetail", "IncidentSummary"]


class IncidentSummary(LeanModel):
    id: str
    number: int | None = None
    title: str | None = None
    status: str | None = None
    urgency: str | None = None
    priority: str | None = None
    service: Ref | None = None
    assignees: list[Ref] = []
    created_at: str | None = None
    last_status_change_at: str | None = None
    resolved_at: str | None = None
    html_url: str | None = None

    @classmethod
    def fields_from_api(cls, incident: dict[str, Any]) -> dict[str, Any]:
        priority = incident.get("priority") or {}
        return {
            **incident,
            "number": incident.get("incident_number"),
            "title": clean_text(incident.get("title") or incident.get("summary") or "", 300),
            "priority": priority.get("name") or priority.get("summary"),
            "service": Ref.of(incident.get("service")),
            "assignees": refs([a.get("assignee") for a in incident.get("assignments") or []]),
        }

    @classmethod
    def from_api(cls, incident: dict[str, Any]) -> IncidentSummary:
        return cls.model_validate(cls.fields_from_api(incident))


class IncidentDetail(IncidentSummary):
    description: str | None = None
    details: Any = None
    incident_key: str | None = None
    acknowledgers: list[Ref] = []
    escalation_policy: Ref | None = None
    teams: list[Ref] = []
    alert_counts: dict[str, int] | None = None
    conference_bridge: dict[str, str] | None = None
    custom_fields: dict[str, Any] | None = None

    @classmethod
    def from_api(cls, incident: dict[str, Any]) -> IncidentDetail:
        body = incident.get("body") or {}
        custom = {
            f.get("name") or f.get("display_name") or f.get("id"): f.get("value")
            for f in incident.get("custom_fields") or []
            if f.get("value") is not None
        }
        description = incident.get("description")
        return cls.model_validate(
            {
                **cls.fields_from_api(incident),
                "description": clean_text(description, 1000)
                if description and description != incident.get("title")
                else None,
                "details": clean_tree(body.get("details")) if body.get("details") else None,
                "acknowledgers": refs([a.get("acknowledger") for a in incident.get("acknowledgements") or []]),
                "escalation_policy": Ref.of(incident.get("escalation_policy")),
                "teams": refs(incident.get("teams")),
                "conference_bridge": incident.get("conference_bridge") or None,
                "custom_fields": custom or None,
            }
        )
