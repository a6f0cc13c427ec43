"""Incident workflows: list, get, and start one on an incident (which shows in its timeline)."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model.log_entries import add_log_entry
from pagerduty_mcp.sandbox.model.store import Store, public
from pagerduty_mcp.sandbox.protocol import Reply, bad_request, paginate_offset
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []


def _render(state: Store, workflow: dict[str, Any], includes: list[str]) -> dict[str, Any]:
    out = public(workflow)
    if "team" in includes and workflow.get("team"):
        team = state.find("teams", workflow["team"]["id"])
        if team is not None:
            out["team"] = public(team)
    return out


@route("GET", "/incident_workflows")
def list_workflows(ctx: Context) -> dict[str, Any]:
    includes = ctx.req.enum_array("include", ("steps", "team"))
    query = (ctx.req.arg("query") or "").lower()
    found = [w for w in ctx.store.all("incident_workflows") if query in w["name"].lower()]
    found.sort(key=lambda w: w["name"])
    page = paginate_offset(found, ctx.req, "incident_workflows")
    page["incident_workflows"] = [_render(ctx.store, w, includes) for w in page["incident_workflows"]]
    return page


@route("GET", "/incident_workflows/{id}")
def get_workflow(ctx: Context) -> dict[str, Any]:
    workflow = ctx.store.get("incident_workflows", ctx.params["id"])
    return {"incident_workflow": _render(ctx.store, workflow, [])}


@route("POST", "/incident_workflows/{id}/instances")
def start_workflow(ctx: Context) -> Reply:
    state = ctx.store
    workflow = state.get("incident_workflows", ctx.params["id"])
    body = ctx.req.entity("incident_workflow_instance")
    reference = body.get("incident")
    if not isinstance(reference, dict) or not isinstance(reference.get("id"), str):
        raise bad_request(errors=["incident_workflow_instance.incident.id is required"])
    incident = state.find("incidents", reference["id"])
    if incident is None:
        raise bad_request(errors=[f"Incident {reference['id']} not found"])
    if not workflow.get("is_enabled", True):
        raise bad_request(errors=["The incident workflow is disabled"])
    instance = {
        "id": state.new_id(),
        "type": "incident_workflow_instance",
        "incident": state.ref(incident),
    }
    agent = state.ref(state.get("users", ctx.principal.user_id)) if ctx.principal and ctx.principal.user_id else None
    add_log_entry(
        state,
        incident,
        "annotate",
        ctx.now,
        agent,
        f"Incident workflow started: {workflow['name']}",
        channel={"type": "workflow"},
    )
    return Reply({"incident_workflow_instance": instance}, status=201)
