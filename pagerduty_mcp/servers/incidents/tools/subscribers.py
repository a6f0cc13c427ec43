"""Stakeholders of an incident: the users and teams its status updates (create_status_update) are
emailed to. Subscribers are told, never paged."""

from __future__ import annotations

import functools
from typing import Annotated, Any, Literal

from pydantic import Field

from pagerduty_mcp.common import (
    Envelope,
    Fact,
    IdList,
    PagerDutyClient,
    Question,
    ToolFailure,
    at_once,
    check_references_exist,
    clean_text,
    get_client,
    invalid,
    path,
    respond,
    tool,
)
from pagerduty_mcp.servers.incidents.asks import SHOWN, incident_facts, users_fact
from pagerduty_mcp.servers.incidents.params import IncidentId, incident_id_of

__all__ = ["list_incident_subscribers", "manage_incident_subscribers"]

MAX_NAMED = 25  # subscribers whose names are read for one answer; the rest are shown by id


def _name_of(client: PagerDutyClient, kind: str, ident: str) -> str | None:
    try:
        # Literal paths, so that the tool's OAuth scopes (read from its code) include both reads.
        body = client.read(path("/users/{}", ident) if kind == "user" else path("/teams/{}", ident))
    except ToolFailure as failure:
        if failure.code.endswith("_NOT_FOUND"):
            return None  # gone since it subscribed: shown by id
        raise
    found = body.get(kind) or {}
    return clean_text(str(found.get("name") or found.get("summary") or ""), 200) or None


def _subscribers(client: PagerDutyClient, ident: str) -> list[dict[str, Any]]:
    """The incident's subscribers, the first few named. The endpoint takes no paging parameters."""
    raw = client.read(path("/incidents/{}/status_updates/subscribers", ident)).get("subscribers") or []
    kept = [s for s in raw if s.get("subscriber_id")]
    rows: list[dict[str, Any]] = [{"id": s["subscriber_id"], "type": s.get("subscriber_type")} for s in kept]
    for row, source in zip(rows, kept, strict=True):
        via = source.get("subscribed_via") or []
        if source.get("has_indirect_subscription") and via:  # through a business service they follow
            row["via"] = [{"id": v.get("id"), "type": v.get("type") or v.get("name")} for v in via]
    named = rows[:MAX_NAMED]
    names = at_once(*(functools.partial(_name_of, client, str(r["type"]), str(r["id"])) for r in named))
    for row, name in zip(named, names, strict=True):
        if name:
            row["name"] = name
    return rows


@tool("List subscribers")
def list_incident_subscribers(incident_id: IncidentId) -> Envelope:
    """Users and teams sent an incident's status updates."""
    client = get_client()
    ident = incident_id_of(client, incident_id)
    rows = _subscribers(client, ident)
    notes = [f"Only the first {MAX_NAMED} are named."] if len(rows) > MAX_NAMED else None
    return respond("subscribers", rows, f"{len(rows)} subscriber(s) of incident {ident}", notes=notes)


def _asks_before_subscribing(arguments: dict[str, Any]) -> Question | None:
    """When subscribing: the users and teams given are emailed the incident's status updates from now on."""
    users, teams = arguments.get("user_ids") or [], arguments.get("team_ids") or []
    if arguments["action"] != "subscribe" or not (users or teams):
        return None
    client = get_client()
    facts = incident_facts(client, [arguments["incident_id"]])
    if users:
        facts.append(users_fact(client, "Users", users))
    if teams:
        wanted = list(dict.fromkeys(teams))
        names = [_name_of(client, "team", t) or t for t in wanted[:SHOWN]]
        facts.append(Fact("Teams", tuple(names), len(wanted) - len(names)))
    return Question("Subscribe stakeholders to an incident: they are emailed its status updates.", tuple(facts))


@tool(
    "Manage subscribers",
    "update",
    confirm=_asks_before_subscribing,
    grouped="Subscribing and unsubscribing take the same arguments (an incident, users, teams) on one "
    "resource, so action picks the one; only subscribing asks first, since it sends people email.",
)
def manage_incident_subscribers(
    incident_id: IncidentId,
    action: Annotated[Literal["subscribe", "unsubscribe"], Field(description="Add or remove them.")],
    user_ids: Annotated[IdList | None, Field(description="Users.")] = None,
    team_ids: Annotated[IdList | None, Field(description="Teams.")] = None,
) -> Envelope:
    """Subscribe users and teams to an incident's status updates (email, not a page), or unsubscribe them."""
    users, teams = list(dict.fromkeys(user_ids or [])), list(dict.fromkeys(team_ids or []))
    if not users and not teams:
        raise invalid("user_ids", "give user_ids or team_ids (or both)")
    client = get_client()
    ident = incident_id_of(client, incident_id)
    wanted = [{"subscriber_id": u, "subscriber_type": "user"} for u in users] + [
        {"subscriber_id": t, "subscriber_type": "team"} for t in teams
    ]
    if action == "subscribe":
        check_references_exist({"user_ids": users, "team_ids": teams}, ["user_ids", "team_ids"])
        url = path("/incidents/{}/status_updates/subscribers", ident)
        results = [
            str(s.get("result")) for s in client.write("POST", url, {"subscribers": wanted}).get("subscriptions") or []
        ]
        said = f"{results.count('success')} subscribed, {results.count('duplicate')} already were"
        if results.count("unauthorized"):
            said += f", {results.count('unauthorized')} not allowed"
    else:
        url = path("/incidents/{}/status_updates/unsubscribe", ident)
        counts = client.write("POST", url, {"subscribers": wanted})
        said = (
            f"{counts.get('deleted_count', 0)} unsubscribed, {counts.get('non_existent_count', 0)} were not subscribed"
        )
        if counts.get("unauthorized_count"):
            said += f", {counts['unauthorized_count']} not allowed"
    rows = _subscribers(client, ident)
    return respond("subscribers", rows, f"{said}; incident {ident} has {len(rows)} subscriber(s)")
