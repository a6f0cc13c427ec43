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


def _choice(ctx: Context, name: str, allowed: tuple[str, ...]) -> str | None:
    value = ctx.req.arg(name)
    if value is not None and value not in allowed:
        raise bad_request(errors=[f"{name} must be one of {', '.join(allowed)}"])
    return value


@route("GET", "/automation_actions/actions")
def list_actions(ctx: Context) -> dict[str, Any]:
    found = automation.actions_listed(
        ctx.store,
        name=(ctx.req.arg("name") or "").strip().lower(),
        action_type=_choice(ctx, "action_type", automation.ACTION_TYPES),
        classification=_choice(ctx, "classification", automation.CLASSIFICATIONS),
        service_id=ctx.req.arg("service_id"),
        team_id=ctx.req.arg("team_id"),
        runner_id=ctx.req.arg("runner_id"),
    )
    page = paginate_cursor(found, ctx.req, "actions")
    page["actions"] = [automation.listed_view(a) for a in page["actions"]]
    return page


@route("GET", "/automation_actions/actions/{id}")
def get_action(ctx: Context) -> dict[str, Any]:
    return {"action": public(ctx.store.get("automation_actions", ctx.params["id"]))}


@route("POST", "/automation_actions/actions/{id}/invocations")
def invoke_action(ctx: Context) -> Reply:
    action = ctx.store.get("automation_actions", ctx.params["id"])
    metadata = ctx.req.entity("invocation").get("metadata")
    incident = automation.invocation_target(ctx.store, action, metadata)
    user = ctx.acting_user(required=False)
    if user is None and ctx.principal is not None and ctx.principal.user_id:
        user = ctx.store.get("users", ctx.principal.user_id)
    invocation = automation.invoke(ctx.store, action, incident, user, ctx.now)
    return Reply({"invocation": public(invocation)}, status=201)


@route("GET", "/automation_actions/invocations")
def list_invocations(ctx: Context) -> dict[str, Any]:
    wanted = _choice(ctx, "invocation_state", automation.STATES)
    unwanted = _choice(ctx, "not_invocation_state", automation.STATES)
    found = automation.invocations_listed(
        ctx.store,
        wanted=wanted,
        unwanted=unwanted,
        incident_id=ctx.req.arg("incident_id"),
        action_id=ctx.req.arg("action_id"),
        at=ctx.now,
    )
    return {"invocations": [public(i) for i in found]}


@route("GET", "/automation_actions/invocations/{id}")
def get_invocation(ctx: Context) -> dict[str, Any]:
    invocation = ctx.store.get("automation_invocations", ctx.params["id"])
    return {"invocation": public(automation.observe(invocation, ctx.now))}
