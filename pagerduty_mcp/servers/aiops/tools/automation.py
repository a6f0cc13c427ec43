"""Automation actions: the scripts and runbook jobs responders can run on an incident, and their runs."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from pagerduty_mcp.common import (
    Envelope,
    Id,
    Limit,
    Question,
    ToolFailure,
    fact,
    finder_hint,
    get_client,
    id_or_url,
    paginate_cursor,
    path,
    respond,
    tool,
)
from pagerduty_mcp.servers.aiops.models import AutomationAction, AutomationActionDetail, Invocation

__all__ = ["RECENT_INVOCATIONS", "get_automation_action", "invoke_automation_action", "list_automation_actions"]

ActionId = Annotated[Id, id_or_url("Automation action id")]
# Invocations shown with an action: enough to see how its last runs went.
RECENT_INVOCATIONS = 5


@tool("List automation actions")
def list_automation_actions(
    service_id: Annotated[Id | None, id_or_url("Only actions for this service")] = None,
    team_id: Annotated[Id | None, id_or_url("Only actions of this team")] = None,
    name: Annotated[str | None, Field(max_length=255, description="Name contains this.")] = None,
    action_type: Annotated[Literal["script", "process_automation"] | None, Field(description="Kind.")] = None,
    limit: Limit = 25,
    cursor: Annotated[str | None, Field(description="next_cursor of the previous page.")] = None,
) -> Envelope:
    """Automation actions (scripts, runbook jobs) responders can run on incidents: runner and type."""
    params: dict[str, Any] = {
        k: v
        for k, v in {"service_id": service_id, "team_id": team_id, "name": name, "action_type": action_type}.items()
        if v
    }
    page = paginate_cursor(get_client(), "/automation_actions/actions", "actions", params, limit=limit, cursor=cursor)
    actions = [AutomationAction.from_api(a) for a in page.items]
    return respond("actions", actions, f"{len(actions)} automation action(s)", page=page)


@tool("Get automation action")
def get_automation_action(automation_action_id: ActionId) -> Envelope:
    """One automation action: what it runs, its services and teams, and its latest invocations with their state."""
    client = get_client()
    action = client.read(path("/automation_actions/actions/{}", automation_action_id))["action"]
    runs = client.read("/automation_actions/invocations", {"action_id": action["id"]}).get("invocations") or []
    detail = AutomationActionDetail.from_api(action, runs[:RECENT_INVOCATIONS])
    return respond("actions", [detail], f"Automation action {detail.name}: {len(runs)} invocation(s)")


def _asks_before_running(arguments: dict[str, Any]) -> Question:
    """Always: the action runs now, outside PagerDuty (a script, a runbook job)."""
    client = get_client()
    action = client.read(path("/automation_actions/actions/{}", arguments["automation_action_id"]))["action"]
    incident = client.read(path("/incidents/{}", arguments["incident_id"]))["incident"]
    facts = (
        fact("Action", str(action.get("name") or action.get("id"))),
        fact("Kind", str(action.get("action_type") or "unknown")),
        fact(f"For incident #{incident.get('incident_number')}", str(incident.get("title") or "")),
    )
    return Question("Run an automation action now: it acts on your systems, outside PagerDuty.", facts)


@tool("Invoke automation action", "run", confirm=_asks_before_running)
def invoke_automation_action(
    automation_action_id: ActionId,
    incident_id: Annotated[Id, Field(description="Incident to run it for: id, number or PagerDuty URL.")],
) -> Envelope:
    """Run an automation action for an incident. Answers with the invocation's id and state
    (queued at first); get_automation_action shows how it goes."""
    client = get_client()
    try:
        incident = client.read(path("/incidents/{}", incident_id))["incident"]
    except ToolFailure as failure:
        if failure.code != "INCIDENT_NOT_FOUND":
            raise
        raise ToolFailure(
            failure.code,
            f"incident_id: no incident {incident_id}; {finder_hint('list_incidents', 'incidents')} finds valid ones.",
            {"parameters": ["incident_id"]},
        ) from None
    body = {"invocation": {"metadata": {"incident_id": incident["id"]}}}
    created = client.write("POST", path("/automation_actions/actions/{}/invocations", automation_action_id), body)
    invocation = Invocation.from_api(created["invocation"])
    if invocation.incident is not None and not invocation.incident.name:
        invocation.incident.name = incident.get("title")
    return respond(
        "invocations",
        [invocation],
        f"Invoked {invocation.action.name if invocation.action else automation_action_id} on incident "
        f"#{incident.get('incident_number')}: {invocation.state}",
    )
