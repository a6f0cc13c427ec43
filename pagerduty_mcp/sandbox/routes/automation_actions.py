"""Automation actions: listing and reading actions, invoking one on an incident, its invocations.

Lists of actions page by cursor. Every read that returns an invocation moves it one step along
(:mod:`pagerduty_mcp.sandbox.model.automation`).
"""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model import automation
from pagerduty_mcp.sandbox.model.store import public
from pagerduty_mcp.sandbox.protocol import Reply, bad_request, paginate_cursor
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []

_ACTION_TYPES = ("script", "process_automation")
_CLASSIFICATIONS = ("diagnostic", "remediation")
_STATES = ("prepared", "created", "sent", "queued", "running", "aborted", "completed", "error", "unknown")
# GET /automation_actions/actions leaves out what only GET .../{id} gives
_DETAIL_ONLY = ("teams",)


def _choice(ctx: Context, name: str, allowed: tuple[str, ...]) -> str | None:
    value = ctx.req.arg(name)
    if value is not None and value not in allowed:
        raise bad_request(errors=[f"{name} must be one of {', '.join(allowed)}"])
    return value


@route("GET", "/automation_actions/actions")
def list_actions(ctx: Context) -> dict[str, Any]:
    name = (ctx.req.arg("name") or "").strip().lower()
    action_type = _choice(ctx, "action_type", _ACTION_TYPES)
    classification = _choice(ctx, "classification", _CLASSIFICATIONS)
    service_id, team_id, runner_id = ctx.req.arg("service_id"), ctx.req.arg("team_id"), ctx.req.arg("runner_id")
    found = []
    for action in ctx.store.all("automation_actions"):
        if name and name not in action["name"].lower():
            continue
        if action_type and action["action_type"] != action_type:
            continue
        if classification and action["action_classification"] != classification:
            continue
        if service_id and service_id not in {s["id"] for s in action["services"]}:
            continue
        if team_id and team_id not in {t["id"] for t in action["teams"]}:
            continue
        if runner_id and not (action.get("runner") if runner_id == "any" else action.get("runner") == runner_id):
            continue
        found.append(action)
    found.sort(key=lambda a: a["name"].lower())
    page = paginate_cursor(found, ctx.req, "actions")
    page["actions"] = [{k: v for k, v in public(a).items() if k not in _DETAIL_ONLY} for a in page["actions"]]
    return page


@route("GET", "/automation_actions/actions/{id}")
def get_action(ctx: Context) -> dict[str, Any]:
    return {"action": public(ctx.store.get("automation_actions", ctx.params["id"]))}


@route("POST", "/automation_actions/actions/{id}/invocations")
def invoke_action(ctx: Context) -> Reply:
    action = ctx.store.get("automation_actions", ctx.params["id"])
    metadata = ctx.req.entity("invocation").get("metadata")
    incident_id = metadata.get("incident_id") if isinstance(metadata, dict) else None
    if not isinstance(incident_id, str) or not incident_id:
        raise bad_request(errors=["invocation.metadata.incident_id is required"])
    incident = ctx.store.find("incidents", incident_id)
    if incident is None:
        raise bad_request(errors=[f"Incident {incident_id} not found"])
    if action["only_invocable_on_unresolved_incidents"] and incident["status"] == "resolved":
        raise bad_request(errors=["This action can only be invoked on unresolved incidents"])
    user = ctx.acting_user(required=False)
    if user is None and ctx.principal is not None and ctx.principal.user_id:
        user = ctx.store.get("users", ctx.principal.user_id)
    agent = (
        {k: v for k, v in ctx.store.ref(user).items() if k != "html_url"}
        if user
        else {"id": "PACCOUNT", "type": "account_reference"}
    )
    invocation = automation.add_invocation(ctx.store, action, incident, agent, ctx.now)
    return Reply({"invocation": public(invocation)}, status=201)


@route("GET", "/automation_actions/invocations")
def list_invocations(ctx: Context) -> dict[str, Any]:
    wanted, unwanted = _choice(ctx, "invocation_state", _STATES), _choice(ctx, "not_invocation_state", _STATES)
    incident_id, action_id = ctx.req.arg("incident_id"), ctx.req.arg("action_id")
    found = []
    for invocation in ctx.store.all("automation_invocations"):
        if (incident_id and invocation["_incident_id"] != incident_id) or (
            action_id and invocation["action_id"] != action_id
        ):
            continue
        automation.observe(invocation, ctx.now)
        if (wanted and invocation["state"] != wanted) or (unwanted and invocation["state"] == unwanted):
            continue
        found.append(invocation)
    found.sort(key=lambda i: i["_at"], reverse=True)  # newest first
    return {"invocations": [public(i) for i in found]}


@route("GET", "/automation_actions/invocations/{id}")
def get_invocation(ctx: Context) -> dict[str, Any]:
    invocation = ctx.store.get("automation_invocations", ctx.params["id"])
    return {"invocation": public(automation.observe(invocation, ctx.now))}
