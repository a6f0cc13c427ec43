"""Answer shapes of the incidents area.

Titles, alert bodies, notes, log text and change-event summaries are untrusted text: every model
here cleans them (invisible characters stripped, long values cut) before a model reads them.
"""

from __future__ import annotations

from typing import Any

from pydantic import SerializerFunctionWrapHandler, model_serializer

from pagerduty_mcp.common import LeanModel as _BaseModel
from pagerduty_mcp.common import Ref, clean_text, clean_tree, refs

__all__ = [
    "AlertDetail",
    "AlertSummary",
    "ChangeEvent",
    "IncidentDetail",
    "IncidentSummary",
    "LogEntry",
    "Note",
    "OutlierIncident",
    "PastIncident",
    "Priority",
    "RelatedIncident",
    "Responder",
    "StatusUpdate",
    "Workflow",
    "WorkflowStep",
    "metrics_row",
]

TITLE_LIMIT = 300
# PagerDuty's own incident type, the one every account has (a custom type is named otherwise).
BASE_INCIDENT_TYPE = "incident_default"


class LeanModel(_BaseModel):
    """Also leaves out empty lists and objects: "no acknowledgers" costs bytes and says nothing."""

    @model_serializer(mode="wrap")
    def _drop_empty(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return {k: v for k, v in handler(self).items() if v not in ([], {})}


def _text(value: Any, limit: int) -> str | None:
    return clean_text(str(value), limit) if value not in (None, "") else None


def _name_of(reference: dict[str, Any] | None) -> str | None:
    found = Ref.of(reference)
    return (found.name or found.id) if found else None


def _status(incident: dict[str, Any]) -> str | None:
    """The status, unless ``resolved_at`` says it."""
    status = incident.get("status")
    return None if status == "resolved" and incident.get("resolved_at") else status


def _news(incident: dict[str, Any]) -> str | None:
    """When the status last changed, unless that is when it was created or resolved (said already)."""
    changed = incident.get("last_status_change_at")
    return None if changed in (incident.get("created_at"), incident.get("resolved_at")) else changed


class IncidentSummary(LeanModel):
    id: str
    number: int | None = None
    title: str | None = None
    status: str | None = None
    urgency: str | None = None
    priority: str | None = None
    # By name, as the priority: a service's name is unique in an account, and every tool takes it.
    service: str | None = None
    assignees: list[Ref] = []
    created_at: str | None = None
    resolved_at: str | None = None  # says "resolved": status is left out then
    html_url: str | None = None

    @classmethod
    def fields_from_api(cls, incident: dict[str, Any]) -> dict[str, Any]:
        priority = incident.get("priority") or {}
        return {
            **incident,
            "number": incident.get("incident_number"),
            "title": clean_text(incident.get("title") or incident.get("summary") or "", TITLE_LIMIT),
            "priority": priority.get("name") or priority.get("summary"),
            "service": _name_of(incident.get("service")),
            "assignees": refs([a.get("assignee") for a in incident.get("assignments") or []]),
            "status": _status(incident),
        }

    @classmethod
    def from_api(cls, incident: dict[str, Any]) -> IncidentSummary:
        return cls.model_validate(cls.fields_from_api(incident))


class Responder(LeanModel):
    id: str
    name: str | None = None
    state: str | None = None


class IncidentDetail(IncidentSummary):
    # When the status last changed, unless at the creation or the resolution: one incident's story.
    # A list says what each incident is, not when it last moved.
    last_status_change_at: str | None = None
    description: str | None = None
    details: Any = None
    incident_key: str | None = None
    acknowledgers: list[Ref] = []
    escalation_policy: Ref | None = None
    teams: list[Ref] = []
    alert_counts: dict[str, int] | None = None  # without "all" (their sum) and without zeros
    conference_bridge: dict[str, str] | None = None
    responders: list[Responder] = []
    pending_actions: list[dict[str, str]] = []
    merged_into: Ref | None = None
    incident_type: str | None = None
    custom_fields: dict[str, Any] | None = None

    @classmethod
    def from_api(cls, incident: dict[str, Any]) -> IncidentDetail:
        body = incident.get("body") or {}
        custom = {
            clean_text(str(f.get("name") or f.get("display_name") or f.get("id")), 100): clean_tree(f.get("value"))
            for f in incident.get("custom_fields") or []
            if f.get("value") is not None
        }
        description = incident.get("description")
        details = body.get("details")
        reason = incident.get("resolve_reason") or {}
        return cls.model_validate(
            {
                **cls.fields_from_api(incident),
                "last_status_change_at": _news(incident),
                "alert_counts": {k: v for k, v in (incident.get("alert_counts") or {}).items() if k != "all" and v}
                or None,
                "description": clean_text(description, 1000)
                if description and description != incident.get("title")
                else None,
                "details": clean_tree(details) if details else None,
                "acknowledgers": refs([a.get("acknowledger") for a in incident.get("acknowledgements") or []]),
                "escalation_policy": Ref.of(incident.get("escalation_policy")),
                "teams": refs(incident.get("teams")),
                "conference_bridge": {k: v for k, v in (incident.get("conference_bridge") or {}).items() if v} or None,
                "responders": [
                    Responder(id=r["user"]["id"], name=(r["user"].get("summary")), state=r.get("state"))
                    for r in incident.get("incidents_responders") or []
                    if (r.get("user") or {}).get("id")
                ],
                "pending_actions": [
                    {"type": str(a.get("type")), "at": str(a.get("at"))} for a in incident.get("pending_actions") or []
                ],
                "merged_into": Ref.of(reason.get("incident")) if reason.get("type") == "merge_resolve_reason" else None,
                # Every incident has a type: only one other than the base type is news.
                "incident_type": _type_unless_base(incident.get("incident_type")),
                "custom_fields": custom or None,
            }
        )


def _type_unless_base(incident_type: dict[str, Any] | None) -> str | None:
    name = (incident_type or {}).get("name")
    return None if name == BASE_INCIDENT_TYPE else name


class AlertSummary(LeanModel):
    id: str
    summary: str | None = None
    status: str | None = None
    severity: str | None = None
    created_at: str | None = None
    resolved_at: str | None = None
    alert_key: str | None = None
    details: Any = None

    @classmethod
    def from_api(cls, alert: dict[str, Any], detail_limit: int = 200) -> AlertSummary:
        details = (alert.get("body") or {}).get("details")
        return cls.model_validate(
            {
                **alert,
                "summary": _text(alert.get("summary"), TITLE_LIMIT),
                "alert_key": _text(alert.get("alert_key"), 200),
                "details": clean_tree(details, detail_limit, max_items=20, depth=3) if details else None,
            }
        )


class AlertDetail(AlertSummary):
    service: Ref | None = None
    integration: Ref | None = None
    incident: Ref | None = None
    html_url: str | None = None
    contexts: Any = None

    @classmethod
    def from_api(cls, alert: dict[str, Any], detail_limit: int = 1000) -> AlertDetail:
        body = alert.get("body") or {}
        base = AlertSummary.from_api(alert, detail_limit).model_dump(exclude_none=True)
        if not base.get("details") and body.get("cef_details"):
            base["details"] = clean_tree(body["cef_details"], detail_limit)
        return cls.model_validate(
            {
                **base,
                "service": Ref.of(alert.get("service")),
                "integration": Ref.of(alert.get("integration")),
                "incident": Ref.of(alert.get("incident")),
                "html_url": alert.get("html_url"),
                "contexts": clean_tree(body.get("contexts"), 300) if body.get("contexts") else None,
            }
        )


class Note(LeanModel):
    id: str
    content: str | None = None
    user: Ref | None = None
    created_at: str | None = None

    @classmethod
    def from_api(cls, note: dict[str, Any]) -> Note:
        return cls(
            id=note["id"],
            content=_text(note.get("content"), 2000),
            user=Ref.of(note.get("user")),
            created_at=note.get("created_at"),
        )


class LogEntry(LeanModel):
    id: str
    type: str
    at: str | None = None
    summary: str | None = None
    by: Ref | None = None
    channel: str | None = None
    note: str | None = None
    assignees: list[Ref] = []
    incident: Ref | None = None
    service: Ref | None = None
    teams: list[Ref] = []

    @classmethod
    def from_api(cls, entry: dict[str, Any], with_incident: bool = False) -> LogEntry:
        """``with_incident``: outside one incident's timeline, where each entry's incident, service and
        teams differ (inside it they are the incident's, said once by get_incident)."""
        channel = entry.get("channel") or {}
        return cls(
            id=entry["id"],
            type=str(entry.get("type", "")).removesuffix("_log_entry").removesuffix("_reference"),
            at=entry.get("created_at"),
            summary=_text(entry.get("summary"), 500),
            by=Ref.of(entry.get("agent")),
            channel=channel.get("type"),
            note=_text(entry.get("note"), 1000),
            assignees=refs(entry.get("assignees")),
            incident=Ref.of(entry.get("incident")) if with_incident else None,
            service=Ref.of(entry.get("service")) if with_incident else None,
            teams=refs(entry.get("teams")) if with_incident else [],
        )


class OutlierIncident(LeanModel):
    id: str
    title: str | None = None
    category: str | None = None
    occurrences: int | None = None
    frequency: float | None = None
    since: str | None = None
    until: str | None = None
    template: str | None = None

    @classmethod
    def from_api(cls, outlier: dict[str, Any]) -> OutlierIncident:
        incident = outlier.get("incident") or {}
        occurrence = incident.get("occurrence") or {}
        template = outlier.get("incident_template") or {}
        return cls(
            id=incident.get("id", ""),
            title=_text(incident.get("title"), TITLE_LIMIT),
            category=occurrence.get("category"),
            occurrences=occurrence.get("count"),
            frequency=occurrence.get("frequency"),
            since=occurrence.get("since"),
            until=occurrence.get("until"),
            template=_text(template.get("mined_text"), TITLE_LIMIT),
        )


class PastIncident(LeanModel):
    id: str
    title: str | None = None
    created_at: str | None = None
    score: float | None = None

    @classmethod
    def from_api(cls, item: dict[str, Any]) -> PastIncident:
        incident = item.get("incident") or {}
        return cls(
            id=incident.get("id", ""),
            title=_text(incident.get("title"), TITLE_LIMIT),
            created_at=incident.get("created_at"),
            score=item.get("score"),
        )


class RelatedIncident(LeanModel):
    id: str
    title: str | None = None
    status: str | None = None
    service: Ref | None = None
    created_at: str | None = None
    why: list[str] = []

    @classmethod
    def from_api(cls, item: dict[str, Any]) -> RelatedIncident:
        incident = item.get("incident") or {}
        why = []
        for relationship in item.get("relationships") or []:
            kind = str(relationship.get("type", ""))
            detail = (relationship.get("metadata") or {}).get("grouping_classification")
            why.append(f"{kind}:{detail}" if detail else kind)
        return cls(
            id=incident.get("id", ""),
            title=_text(incident.get("title"), TITLE_LIMIT),
            status=incident.get("status"),
            service=Ref.of(incident.get("service")),
            created_at=incident.get("created_at"),
            why=why,
        )


class ChangeEvent(LeanModel):
    """A change before an incident; its time is ``timestamp``, as in pagerduty-aiops' list_change_events."""

    id: str
    summary: str | None = None
    timestamp: str | None = None
    source: str | None = None
    services: list[Ref] = []
    reason: str | None = None
    links: list[dict[str, str]] = []

    @classmethod
    def from_api(cls, event: dict[str, Any]) -> ChangeEvent:
        links = [
            {k: clean_text(str(v), 300) for k, v in link.items() if k in ("href", "text") and v}
            for link in (event.get("links") or [])[:3]
            if isinstance(link, dict)
        ]
        return cls(
            id=event.get("id", ""),
            summary=_text(event.get("summary"), 500),
            timestamp=event.get("timestamp"),
            source=_text(event.get("source"), 100),
            services=refs(event.get("services")),
            reason=(event.get("correlation_reason") or {}).get("reason"),
            links=links,
        )


class Priority(LeanModel):
    id: str
    name: str | None = None
    description: str | None = None


class WorkflowStep(LeanModel):
    """One step, in the order the workflow runs them: its name and what its action does."""

    name: str
    action: str | None = None


class Workflow(LeanModel):
    id: str
    name: str | None = None
    description: str | None = None
    team: Ref | None = None
    enabled: bool | None = None
    steps: list[WorkflowStep] = []

    @classmethod
    def from_api(cls, workflow: dict[str, Any]) -> Workflow:
        steps = []
        for step in workflow.get("steps") or []:
            action = step.get("action_configuration") or {}
            steps.append(
                WorkflowStep(
                    name=clean_text(str(step.get("name") or step.get("id")), 200),
                    action=_text(step.get("description") or action.get("description") or action.get("action_id"), 200),
                )
            )
        return cls(
            id=workflow["id"],
            name=_text(workflow.get("name"), 200),
            description=_text(workflow.get("description"), 500),
            team=Ref.of(workflow.get("team")),
            enabled=workflow.get("is_enabled"),
            steps=steps,
        )


class StatusUpdate(LeanModel):
    id: str
    message: str | None = None
    subject: str | None = None
    sender: Ref | None = None
    created_at: str | None = None

    @classmethod
    def from_api(cls, update: dict[str, Any]) -> StatusUpdate:
        return cls(
            id=update.get("id", ""),
            message=_text(update.get("message"), 2000),
            subject=_text(update.get("subject"), 300),
            sender=Ref.of(update.get("sender")),
            created_at=update.get("created_at"),
        )


# The analytics fields a responder asks about, under short names (seconds unless named a count).
_METRIC_NAMES = {
    "total_incident_count": "incidents",
    "mean_seconds_to_first_ack": "mtta_seconds",
    "mean_seconds_to_resolve": "mttr_seconds",
    "p50_seconds_to_first_ack": "p50_tta_seconds",
    "p90_seconds_to_first_ack": "p90_tta_seconds",
    "p50_seconds_to_resolve": "p50_ttr_seconds",
    "p90_seconds_to_resolve": "p90_ttr_seconds",
    "total_incidents_acknowledged": "acknowledged",
    "total_escalation_count": "escalations",
    "total_incidents_manual_escalated": "manually_escalated",
    "total_incidents_timeout_escalated": "timeout_escalated",
    "total_incidents_reassigned": "reassigned",
    "total_notifications": "notifications",
    "total_off_hour_interruptions": "off_hour_interruptions",
    "total_sleep_hour_interruptions": "sleep_hour_interruptions",
    "up_time_pct": "uptime_pct",
}


def metrics_row(row: dict[str, Any]) -> dict[str, Any]:
    """One analytics row with its group (service/team/period) and the metrics under short names."""
    out: dict[str, Any] = {}
    if row.get("range_start"):
        out["period_start"] = row["range_start"]
    if row.get("service_id"):
        out["service"] = {"id": row["service_id"], "name": _text(row.get("service_name"), 200)}
    if row.get("team_id"):
        out["team"] = {"id": row["team_id"], "name": _text(row.get("team_name"), 200)}
    for api_name, name in _METRIC_NAMES.items():
        if row.get(api_name) is not None:
            out[name] = row[api_name]
    return out
