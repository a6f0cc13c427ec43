"""Responder requests: page more people onto an incident, and cancel a request nobody answered yet."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from pagerduty_mcp.common import (
    Envelope,
    Fact,
    IdList,
    PagerDutyClient,
    Question,
    Ref,
    ToolFailure,
    check_references_exist,
    clean_text,
    fact,
    from_email_advice,
    get_client,
    invalid,
    path,
    respond,
    tool,
)
from pagerduty_mcp.servers.incidents.asks import SHOWN, incident_facts, policy_facts, users_fact
from pagerduty_mcp.servers.incidents.params import IncidentId, incident_id_of

__all__ = ["add_responders", "cancel_responder_request"]


def _requester_id(client: PagerDutyClient) -> str:
    """The user who asks for help: the token's user, or the user with the configured email."""
    me = client.current_user()
    if me is not None:
        return str(me["id"])
    email = client.from_email()
    users = client.read("/users", {"query": email}).get("users") or []
    for user in users:
        if str(user.get("email", "")).lower() == email.lower():
            return str(user["id"])
    raise ToolFailure(
        "FROM_EMAIL_REQUIRED", f"No PagerDuty user has the email {email!r} this call acts as. {from_email_advice()}"
    )


# PagerDuty requires a message; the user rarely gives one, and this one says all it needs to.
DEFAULT_RESPONDER_MESSAGE = "Please join this incident."


def _asked_about(arguments: dict[str, Any], label: str) -> tuple[PagerDutyClient, list[Fact], list[str]] | None:
    """What a question about responder requests starts with: the incident, and the users under
    ``label``; each question says the policies its own way. None without a target: the tool refuses."""
    users, policies = arguments.get("user_ids") or [], arguments.get("escalation_policy_ids") or []
    if not users and not policies:
        return None
    client = get_client()
    facts = incident_facts(client, [arguments["incident_id"]])
    if users:
        facts.append(users_fact(client, label, users))
    return client, facts, list(dict.fromkeys(policies))


def _asks_before_paging(arguments: dict[str, Any]) -> Question | None:
    """Always: it pages the users, and the on-call of the escalation policies, given."""
    asked = _asked_about(arguments, "Paged")
    if asked is None:
        return None
    client, facts, policies = asked
    facts += policy_facts(client, policies)
    facts.append(fact("Message", arguments["message"]))
    return Question("Page more people onto an incident. This pages them now.", tuple(facts))


@tool("Add responders", "create", confirm=_asks_before_paging)
def add_responders(
    incident_id: IncidentId,
    user_ids: Annotated[IdList | None, Field(description="Users to page.")] = None,
    escalation_policy_ids: Annotated[IdList | None, Field(description="Policies whose on-call to page.")] = None,
    message: Annotated[str, Field(min_length=1, max_length=1000, description="Why their help is needed.")] = (
        DEFAULT_RESPONDER_MESSAGE
    ),
) -> Envelope:
    """Page more people onto an incident (users and/or escalation policies)."""
    users, policies = user_ids or [], escalation_policy_ids or []
    if not users and not policies:
        raise invalid("user_ids", "give user_ids or escalation_policy_ids (or both)")
    client = get_client()
    ident = incident_id_of(client, incident_id)
    targets = [{"responder_request_target": {"id": u, "type": "user_reference"}} for u in users] + [
        {"responder_request_target": {"id": p, "type": "escalation_policy_reference"}} for p in policies
    ]
    body = {"requester_id": _requester_id(client), "message": message, "responder_request_targets": targets}
    request = client.write("POST", path("/incidents/{}/responder_requests", ident), body)["responder_request"]
    paged, requested = _paged_responders(client, request)
    return respond(
        "responders",
        paged,
        f"Requested {len(paged)} responder(s) on incident {ident}",
        escalation_policies=requested or None,
    )


def _paged_responders(
    client: PagerDutyClient, request: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The users paged, each with the policy that paged them, and the policies asked for, all as {id, name}."""
    paged: list[dict[str, Any]] = []
    policies: dict[str, dict[str, Any]] = {}
    for raw in request.get("responder_request_targets") or []:
        target = raw.get("responder_request_target") or raw  # PagerDuty nests the target
        via = None
        if str(target.get("type", "")).startswith("escalation_policy") and target.get("id"):
            via = policies.setdefault(target["id"], _policy_ref(client, target))
        for responder in target.get("incidents_responders") or target.get("incident_responders") or []:
            user = Ref.of(responder.get("user"))
            if user is not None:
                shown = {**user.model_dump(exclude_none=True), "state": responder.get("state")}
                paged.append({**shown, "escalation_policy": via} if via else shown)
    return paged, list(policies.values())


def _policy_ref(client: PagerDutyClient, target: dict[str, Any]) -> dict[str, Any]:
    """{id, name} of a requested policy; PagerDuty's answer names the target only sometimes."""
    name = target.get("summary") or target.get("name")
    if not name:
        name = client.read(path("/escalation_policies/{}", target["id"]))["escalation_policy"].get("name")
    return {"id": target["id"], "name": clean_text(str(name), 200)} if name else {"id": target["id"]}


def _asks_before_cancelling(arguments: dict[str, Any]) -> Question | None:
    """Always: whoever these requests still page stops being paged."""
    asked = _asked_about(arguments, "Requests to")
    if asked is None:
        return None
    client, facts, policies = asked
    for policy in policies[:SHOWN]:
        found = client.read(path("/escalation_policies/{}", policy))["escalation_policy"]
        facts.append(fact("Request to escalation policy", str(found.get("name") or policy)))
    return Question("Cancel responder requests: whoever has not answered stops being paged.", tuple(facts))


# What PagerDuty's result for a target means, in the answer's words.
_RESULTS = {
    "cancelled": "cancelled: no longer paged",
    "joined": "not cancelled: already joined",
    "declined": "not cancelled: already declined",
    "not_found": "not cancelled: no request to them on this incident",
}


@tool("Cancel responder request", "update", confirm=_asks_before_cancelling)
def cancel_responder_request(
    incident_id: IncidentId,
    user_ids: Annotated[IdList | None, Field(description="Users asked.")] = None,
    escalation_policy_ids: Annotated[IdList | None, Field(description="Policies asked.")] = None,
) -> Envelope:
    """Cancel add_responders requests not yet answered: they stop paging."""
    users, policies = list(dict.fromkeys(user_ids or [])), list(dict.fromkeys(escalation_policy_ids or []))
    if not users and not policies:
        raise invalid("user_ids", "give user_ids or escalation_policy_ids (or both)")
    client = get_client()
    ident = incident_id_of(client, incident_id)
    # PagerDuty answers "not_found" alike for an unknown id and for no request: an unknown one is an error.
    check_references_exist(
        {"user_ids": users, "escalation_policy_ids": policies}, ["user_ids", "escalation_policy_ids"]
    )
    targets = [{"id": u, "type": "user_reference"} for u in users] + [
        {"id": p, "type": "escalation_policy_reference"} for p in policies
    ]
    body = {"requester_id": _requester_id(client), "responder_request_targets": targets}
    answer = client.write("PUT", path("/incidents/{}/responder_requests/cancel", ident), body)
    names = _responder_names(client.read(path("/incidents/{}", ident))["incident"])
    rows = [
        {
            "id": t.get("id"),
            "type": str(t.get("type", "")).removesuffix("_reference"),
            "name": names.get(str(t.get("id"))),
            "result": _RESULTS.get(str(t.get("result")), str(t.get("result"))),
        }
        for t in answer.get("responder_request_targets") or []
    ]
    cancelled = sum(1 for t in answer.get("responder_request_targets") or [] if t.get("result") == "cancelled")
    return respond("responder_requests", rows, f"Cancelled {cancelled} of {len(rows)} request(s) on incident {ident}")


def _responder_names(incident: dict[str, Any]) -> dict[str, str]:
    """Id -> name of the people and policies an incident's responder requests name."""
    names: dict[str, str] = {}
    for responder in incident.get("incidents_responders") or []:
        user = Ref.of(responder.get("user"))
        if user is not None and user.name:
            names[user.id] = user.name
    for request in incident.get("responder_requests") or []:
        for raw in request.get("responder_request_targets") or []:
            target = raw.get("responder_request_target") or raw
            if target.get("id") and (target.get("summary") or target.get("name")):
                names[str(target["id"])] = clean_text(str(target.get("summary") or target.get("name")), 200)
    return names
