"""The alerts grouped into an incident: list them, read one, resolve them or move them elsewhere."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from pagerduty_mcp.common import (
    MAX_REFERENCE_LENGTH,
    Envelope,
    Fact,
    Limit,
    Offset,
    Question,
    ToolFailure,
    clean_text,
    get_client,
    id_in,
    invalid,
    not_found,
    paginate,
    path,
    respond,
    tool,
)
from pagerduty_mcp.servers.incidents.asks import SHOWN, incident_facts
from pagerduty_mcp.servers.incidents.models import AlertDetail, AlertSummary
from pagerduty_mcp.servers.incidents.params import MAX_BULK, Id, IncidentId, incident_id_of

__all__ = ["get_alert_from_incident", "list_alerts_from_incident", "manage_alerts"]


@tool("List alerts of an incident")
def list_alerts_from_incident(
    incident_id: IncidentId,
    statuses: Annotated[list[Literal["triggered", "resolved"]] | None, Field(description="Filter by status.")] = None,
    limit: Limit = 25,
    offset: Offset = 0,
) -> Envelope:
    """An incident's alerts, with short, sanitised body details."""
    client = get_client()
    ident = incident_id_of(client, incident_id)
    params: dict[str, Any] = {"statuses[]": list(dict.fromkeys(statuses))} if statuses else {}
    page = paginate(client, path("/incidents/{}/alerts", ident), "alerts", params, limit=limit, offset=offset)
    alerts = [AlertSummary.from_api(a) for a in page.items]
    return respond("alerts", alerts, f"{len(alerts)} alert(s) of incident {ident}", page=page, untrusted=True)


@tool("Get alert of an incident")
def get_alert_from_incident(
    incident_id: IncidentId,
    # A plain string, checked here: a missing alert id ("", "null") is answered with the tool that
    # lists the incident's alerts, not with this tool's own schema.
    alert_id: Annotated[str, Field(max_length=MAX_REFERENCE_LENGTH, description="Alert id or URL.")],
) -> Envelope:
    """One alert of an incident, with full (sanitised) body details."""
    alert = id_in(alert_id)
    if alert is None:
        raise invalid(
            "alert_id",
            f"{clean_text(alert_id, 80)!r} is no alert id: list_alerts_from_incident lists the incident's alerts",
        )
    alert_id = alert
    client = get_client()
    ident = incident_id_of(client, incident_id)
    try:
        alert = client.read(path("/incidents/{}/alerts/{}", ident, alert_id))["alert"]
    except ToolFailure as failure:
        if failure.code != "ALERT_NOT_FOUND":
            raise
        client.read(path("/incidents/{}", ident))  # INCIDENT_NOT_FOUND when the incident is the unknown one
        raise not_found("alert", alert_id, "list_alerts_from_incident lists the incident's alerts") from failure
    return respond("alerts", [AlertDetail.from_api(alert)], f"Alert of incident {ident}", untrusted=True)


def _asks_before_many_or_moving(arguments: dict[str, Any]) -> Question | None:
    """When it changes more than one alert, or moves alerts (two incidents change)."""
    alerts, action, target = list(dict.fromkeys(arguments["alert_ids"])), arguments["action"], None
    if action == "move":
        target = arguments.get("target_incident_id")
        if not target:
            return None  # refused by the tool itself
    elif len(alerts) < 2:
        return None
    client = get_client()
    ident = incident_id_of(client, arguments["incident_id"])
    summaries = []
    for alert in alerts[:SHOWN]:
        try:
            found = client.read(path("/incidents/{}/alerts/{}", ident, alert))["alert"]
        except ToolFailure:
            summaries.append(alert)  # the tool names what is unknown, and changes nothing
            continue
        summaries.append(str(found.get("summary") or alert))
    facts = incident_facts(client, [ident], "From incident")
    if target:
        facts += incident_facts(client, [target], "To incident")
    facts.append(Fact("Alerts", tuple(summaries), len(alerts) - len(summaries)))
    if target:
        action_said = f"Move {len(alerts)} alert(s) to another incident"
    else:
        action_said = f"Resolve {len(alerts)} alerts of an incident"
    return Question(f"{action_said}; an incident left with no open alerts resolves.", tuple(facts))


@tool(
    "Manage alerts",
    "update",
    confirm=_asks_before_many_or_moving,
    grouped="Resolving and moving alerts are the same PagerDuty request (PUT /incidents/{id}/alerts) on the "
    "same alerts of one incident, so action picks which.",
)
def manage_alerts(
    incident_id: IncidentId,
    alert_ids: Annotated[
        list[Id],
        Field(min_length=1, max_length=MAX_BULK, description="Alert ids (list_alerts_from_incident)."),
    ],
    action: Annotated[Literal["resolve", "move"], Field(description="resolve, or move to another incident.")],
    target_incident_id: Annotated[Id | None, Field(description="With move: where to.")] = None,
) -> Envelope:
    """Resolve an incident's alerts, or move them to another incident; one left with no open alerts
    resolves."""
    if action == "move" and not target_incident_id:
        raise invalid("target_incident_id", "is required with action=move")
    if action == "resolve" and target_incident_id:
        raise ToolFailure(
            "INVALID_PARAMETER",
            "target_incident_id applies only to action=move.",
            {"parameters": ["action", "target_incident_id"]},
        )
    client = get_client()
    ident = incident_id_of(client, incident_id)
    alerts = list(dict.fromkeys(alert_ids))
    item: dict[str, Any] = {"status": "resolved"}
    if target_incident_id:
        target = incident_id_of(client, target_incident_id)
        item = {"incident": {"id": target, "type": "incident_reference"}}
    body = {"alerts": [{"id": a, "type": "alert", **item} for a in alerts]}
    try:
        changed = client.write("PUT", path("/incidents/{}/alerts", ident), body, needs_from=True).get("alerts") or []
    except ToolFailure as failure:
        if failure.code != "INCIDENT_NOT_FOUND":
            raise
        client.read(path("/incidents/{}", ident))  # the incident exists, so an alert id is the unknown one
        raise ToolFailure(
            "ALERT_NOT_FOUND",
            f"Not every alert_id is an alert of incident {ident}; list_alerts_from_incident lists them. "
            f"Nothing was changed.{failure.message.partition('.')[2]}",
        ) from failure
    found = [AlertSummary.from_api(a) for a in changed]
    verb = "Resolved" if action == "resolve" else "Moved"
    return respond("alerts", found, f"{verb} {len(found)} alert(s) of incident {ident}", untrusted=True)
