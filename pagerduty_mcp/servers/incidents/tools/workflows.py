"""Incident workflows: find one with its steps, and start it on an incident."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from pagerduty_mcp.common import Envelope, Limit, Offset, Question, fact, get_client, paginate, path, respond, tool
from pagerduty_mcp.servers.incidents.asks import incident_facts
from pagerduty_mcp.servers.incidents.models import Workflow
from pagerduty_mcp.servers.incidents.params import Id, IncidentId

__all__ = ["get_incident_workflow", "list_incident_workflows", "start_incident_workflow"]


@tool("List incident workflows")
def list_incident_workflows(
    query: Annotated[str | None, Field(description="Name contains.")] = None,
    limit: Limit = 25,
    offset: Offset = 0,
) -> Envelope:
    """Incident workflows, with their steps, for start_incident_workflow."""
    client = get_client()
    params: dict[str, Any] = {"include[]": ["steps"]}  # steps in the same request, not one read per workflow
    if query:
        params["query"] = query
    page = paginate(client, "/incident_workflows", "incident_workflows", params, limit=limit, offset=offset)
    workflows = [Workflow.from_api(w) for w in page.items]
    return respond("incident_workflows", workflows, f"{len(workflows)} workflow(s)", page=page)


@tool("Get incident workflow")
def get_incident_workflow(
    workflow_id: Annotated[Id, Field(description="Workflow id or URL.")],
) -> Envelope:
    """One incident workflow with its steps, in the order they run."""
    workflow = get_client().read(path("/incident_workflows/{}", workflow_id))["incident_workflow"]
    found = Workflow.from_api(workflow)
    # Empty steps are left out of the item, so the answer says which it is: none, or not given.
    if "steps" not in workflow:
        said = "PagerDuty did not return its steps"
    elif not found.steps:
        said = "no steps"
    else:
        said = f"{len(found.steps)} step(s)"
    return respond("incident_workflows", [found], f"Workflow {found.name}: {said}", untrusted=True)


def _asks_before_running(arguments: dict[str, Any]) -> Question:
    """Always: a workflow runs actions (a bridge, messages to stakeholders...) on the incident."""
    client = get_client()
    read = client.read(path("/incident_workflows/{}", arguments["workflow_id"]))
    workflow = Workflow.from_api(read["incident_workflow"])
    facts = [fact("Workflow", workflow.name or workflow.id)]
    if workflow.steps:
        facts.append(fact("Its steps", [s.name for s in workflow.steps]))
    facts += incident_facts(client, [arguments["incident_id"]])
    return Question("Run an incident workflow: its steps act now (they may notify people).", tuple(facts))


@tool("Start incident workflow", "create", confirm=_asks_before_running)
def start_incident_workflow(
    workflow_id: Annotated[Id, Field(description="Workflow id (list_incident_workflows).")],
    incident_id: IncidentId,
) -> Envelope:
    """Run an incident workflow's steps on an incident."""
    client = get_client()
    # Read the incident first: an unknown one is INCIDENT_NOT_FOUND (the API would say "bad request").
    ident = str(client.read(path("/incidents/{}", incident_id))["incident"]["id"])
    body = {"incident_workflow_instance": {"incident": {"id": ident, "type": "incident_reference"}}}
    instance = client.write("POST", path("/incident_workflows/{}/instances", workflow_id), body)
    started = instance.get("incident_workflow_instance") or {}
    item = {"id": started.get("id"), "workflow_id": workflow_id, "incident_id": ident}
    return respond("workflow_instances", [item], f"Started workflow {workflow_id} on incident {ident}")
