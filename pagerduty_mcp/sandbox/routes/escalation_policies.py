"""Escalation policies: their rules and targets."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model import escalation_policies as policies
from pagerduty_mcp.sandbox.protocol import Reply, paginate_offset
from pagerduty_mcp.sandbox.router import Context, route

__all__: list[str] = []


@route("GET", "/escalation_policies")
def list_escalation_policies(ctx: Context) -> dict[str, Any]:
    req = ctx.req
    query = req.arg("query")
    user_ids = set(req.array("user_ids"))
    team_ids = set(req.array("team_ids"))
    includes = req.enum_array("include", policies.INCLUDES)
    found = policies.listed(ctx.store, query, user_ids, team_ids, req.arg("sort_by", "name"))
    page = paginate_offset(found, req, "escalation_policies")
    page["escalation_policies"] = [policies.shown(ctx.store, p, includes) for p in page["escalation_policies"]]
    return page


@route("GET", "/escalation_policies/{id}")
def get_escalation_policy(ctx: Context) -> dict[str, Any]:
    includes = ctx.req.enum_array("include", policies.INCLUDES)
    policy = ctx.store.get("escalation_policies", ctx.params["id"])
    return {"escalation_policy": policies.shown(ctx.store, policy, includes)}


@route("POST", "/escalation_policies")
def create_escalation_policy(ctx: Context) -> Reply:
    ctx.acting_user(required=False)  # optional here ("only used for change tracking")
    policy = policies.create_policy(ctx.store, ctx.req.entity("escalation_policy"))
    return Reply({"escalation_policy": policies.shown(ctx.store, policy, [])}, 201)


@route("PUT", "/escalation_policies/{id}")
def update_escalation_policy(ctx: Context) -> dict[str, Any]:
    policy = ctx.store.get("escalation_policies", ctx.params["id"])
    updated = policies.update_policy(ctx.store, policy, ctx.req.entity("escalation_policy"))
    return {"escalation_policy": policies.shown(ctx.store, updated, [])}


@route("DELETE", "/escalation_policies/{id}")
def delete_escalation_policy(ctx: Context) -> Reply:
    policies.delete_policy(ctx.store, ctx.params["id"])
    return Reply(None, 204)
