"""Incident workflows: list, get, and start one on an incident."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model import workflows
from pagerduty_mcp.sandbox.protocol import Reply, paginate_offset
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []


@route("GET", "/incident_workflows")
def list_workflows(ctx: Context) -> dict[str, Any]:
    includes = ctx.req.enum_array("include", workflows.INCLUDES)
    found = workflows.listed(ctx.store, (ctx.req.arg("query") or "").lower())
    page = paginate_offset(found, ctx.req, "incident_workflows")
    page["incident_workflows"] = [workflows.shown(ctx.store, w, includes) for w in page["incident_workflows"]]
    return page


@route("GET", "/incident_workflows/{id}")
def get_workflow(ctx: Context) -> dict[str, Any]:
    workflow = ctx.store.get("incident_workflows", ctx.params["id"])
    return {"incident_workflow": workflows.shown(ctx.store, workflow, ["steps"])}


@route("POST", "/incident_workflows/{id}/instances")
def start_workflow(ctx: Context) -> Reply:
    workflow = ctx.store.get("incident_workflows", ctx.params["id"])
    body = ctx.req.entity("incident_workflow_instance")
    user_id = ctx.principal.user_id if ctx.principal else None
    instance = workflows.start(ctx.store, workflow, body, user_id, ctx.now)
    return Reply({"incident_workflow_instance": instance}, status=201)
