"""Escalation policies: who is paged, in which order, after how long; finding and changing them."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from pagerduty_mcp.common import (
    Envelope,
    IdList,
    Scope,
    ToolFailure,
    apply_scope,
    asks_to_delete,
    get_client,
    id_or_url,
    paginate,
    path,
    respond,
    tool,
)
from pagerduty_mcp.servers.people.models import PolicyDetail
from pagerduty_mcp.servers.people.params import Id, Limit, Offset, Query
from pagerduty_mcp.servers.people.validators import nothing_to_change, ref, refused, rules_body

__all__ = [
    "create_escalation_policy",
    "delete_escalation_policy",
    "get_escalation_policy",
    "list_escalation_policies",
    "update_escalation_policy",
]


@tool("List escalation policies")
def list_escalation_policies(
    query: Query = None,
    user_ids: Annotated[IdList | None, Field(description="Users they page.")] = None,
    team_ids: Annotated[IdList | None, Field(description="Teams.")] = None,
    scope: Annotated[Scope, Field(description="assigned_to_me: paging me.")] = "all",
    limit: Limit = 25,
    offset: Offset = 0,
) -> Envelope:
    """Escalation policies by name, team or user."""
    client = get_client()
    scoped = apply_scope(client, scope, team_ids or None, user_ids or None)
    params: dict[str, Any] = {}
    if query:
        params["query"] = query
    if scoped.team_ids:
        params["team_ids[]"] = scoped.team_ids
    if scoped.user_ids:
        params["user_ids[]"] = scoped.user_ids
    page = paginate(client, "/escalation_policies", "escalation_policies", params, limit=limit, offset=offset)
    page.notes = scoped.notes + page.notes
    policies = [PolicyDetail.from_api(p) for p in page.items]
    return respond("escalation_policies", policies, f"{len(policies)} escalation polic(ies)", page=page)


@tool("Get escalation policy")
def get_escalation_policy(escalation_policy_id: Annotated[Id, id_or_url("Escalation policy")]) -> Envelope:
    """One escalation policy: levels, delays, targets, loops, teams, services."""
    body = get_client().read(
        path("/escalation_policies/{}", escalation_policy_id), {"include[]": ["services", "teams"]}
    )
    policy = PolicyDetail.from_api(body["escalation_policy"])
    return respond("escalation_policies", [policy], f"{policy.name}: {len(policy.levels)} level(s)")


Levels = Annotated[
    list[dict[str, Any]],
    Field(
        min_length=1,
        max_length=20,
        description='In order: {"delay_minutes", "user_ids"?, "schedule_ids"?}.',
    ),
]
Loops = Annotated[int | None, Field(ge=0, le=9, description="Repeats of all levels.")]


def _policy_answer(body: dict[str, Any], verb: str) -> Envelope:
    policy = PolicyDetail.from_api(body["escalation_policy"])
    return respond("escalation_policies", [policy], f"{verb} escalation policy {policy.name} ({policy.id})")


@tool("Create escalation policy", "create")
def create_escalation_policy(
    name: Annotated[str, Field(min_length=1, description="Name.")],
    levels: Levels,
    description: Annotated[str | None, Field(description="Description.")] = None,
    num_loops: Loops = None,
    team_ids: Annotated[IdList | None, Field(description="Teams.")] = None,
) -> Envelope:
    """Create an escalation policy: who is paged, in what order, when."""
    policy: dict[str, Any] = {"type": "escalation_policy", "name": name, "escalation_rules": rules_body(levels)}
    if description is not None:
        policy["description"] = description
    if num_loops is not None:
        policy["num_loops"] = num_loops
    if team_ids:
        policy["teams"] = [ref("team", t) for t in team_ids]
    body = get_client().write("POST", "/escalation_policies", {"escalation_policy": policy}, needs_from=True)
    return _policy_answer(body, "Created")


@tool("Update escalation policy", "update")
def update_escalation_policy(
    escalation_policy_id: Annotated[Id, id_or_url("Escalation policy")],
    name: Annotated[str | None, Field(min_length=1, description="Name.")] = None,
    levels: Annotated[list[dict[str, Any]] | None, Field(description="All levels, as create (replaces).")] = None,
    description: Annotated[str | None, Field(description="Description.")] = None,
    num_loops: Loops = None,
    team_ids: Annotated[IdList | None, Field(description="Teams.")] = None,
) -> Envelope:
    """Change an escalation policy."""
    policy: dict[str, Any] = {"type": "escalation_policy"}
    if name is not None:
        policy["name"] = name
    if levels is not None:
        policy["escalation_rules"] = rules_body(levels)
    if description is not None:
        policy["description"] = description
    if num_loops is not None:
        policy["num_loops"] = num_loops
    if team_ids is not None:
        policy["teams"] = [ref("team", t) for t in team_ids]
    if len(policy) == 1:
        raise nothing_to_change("name")
    client = get_client()
    if "name" not in policy or "escalation_rules" not in policy:
        # PagerDuty's PUT requires both: send the current ones back unchanged.
        current = client.read(path("/escalation_policies/{}", escalation_policy_id)).get("escalation_policy") or {}
        policy.setdefault("name", current.get("name"))
        policy.setdefault(
            "escalation_rules",
            [
                {
                    "id": r.get("id"),
                    "escalation_delay_in_minutes": r.get("escalation_delay_in_minutes"),
                    "targets": [{"id": t["id"], "type": t["type"]} for t in r.get("targets") or []],
                }
                for r in current.get("escalation_rules") or []
            ],
        )
    body = client.write("PUT", path("/escalation_policies/{}", escalation_policy_id), {"escalation_policy": policy})
    return _policy_answer(body, "Updated")


@tool(
    "Delete escalation policy",
    "delete",
    confirm=asks_to_delete("escalation policy", "/escalation_policies/{}", "escalation_policy", "escalation_policy_id"),
)
def delete_escalation_policy(escalation_policy_id: Annotated[Id, id_or_url("Escalation policy")]) -> Envelope:
    """Delete an escalation policy; refused, naming them, while services use it."""
    client = get_client()
    body = client.read(path("/escalation_policies/{}", escalation_policy_id), {"include[]": ["services"]})
    policy = PolicyDetail.from_api(body["escalation_policy"])
    try:
        client.write("DELETE", path("/escalation_policies/{}", escalation_policy_id))
    except ToolFailure as failure:
        # Named from our own read too: PagerDuty's reason may not list the services.
        users = ", ".join(s.name or s.id for s in policy.services[:10]) or "its services"
        move = f"move {users} to another policy (update_service on pagerduty-services)"
        raise refused(failure, f"policy {policy.name}", move) from None
    return respond(
        "escalation_policies", [policy], f"Deleted escalation policy {policy.name} ({policy.id})", deleted=True
    )
