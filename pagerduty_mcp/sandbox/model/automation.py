"""Automation actions and their invocations: the account objects, and how an invocation runs.

Actions and invocations carry PagerDuty's long ids (26 letters and digits, like ULIDs), not the
seven-character ids of most objects, so clients meet the same shapes as on a real account.

An invocation is ``queued`` when it is made and moves one step, ``running`` then ``completed``,
each time it is observed afterwards (any read that returns it). That keeps tests deterministic
with no sleeping: invoke, read, read, and it is done. Each step's timestamp is the read's time,
but never earlier than a second after the step before.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pagerduty_mcp.sandbox.model.store import HTML_BASE, Store, public
from pagerduty_mcp.sandbox.protocol import bad_request, format_time, parse_time

__all__ = [
    "ACTION_TYPES",
    "CLASSIFICATIONS",
    "STATES",
    "STEPS",
    "actions_listed",
    "add_action",
    "add_invocation",
    "invocation_target",
    "invocations_listed",
    "invoke",
    "listed_view",
    "new_long_id",
    "observe",
    "snapshot",
]

STEPS = ("queued", "running", "completed")
ACTION_TYPES = ("script", "process_automation")
CLASSIFICATIONS = ("diagnostic", "remediation")
STATES = ("prepared", "created", "sent", "queued", "running", "aborted", "completed", "error", "unknown")
# GET /automation_actions/actions leaves out what only GET .../{id} gives
_DETAIL_ONLY = ("teams",)
_TERMINAL = {"completed", "error", "aborted"}
_LONG_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_long_id(store: Store) -> str:
    """A fresh 26-character id from the account's id generator."""
    while True:
        ident = "01" + "".join(store.rng.choices(_LONG_ID_ALPHABET, k=24))
        if store.find("automation_actions", ident) is None and store.find("automation_invocations", ident) is None:
            return ident


def add_action(
    store: Store,
    *,
    name: str,
    description: str,
    action_type: str,
    classification: str,
    runner: str,
    runner_type: str,
    data_reference: dict[str, str],
    service_ids: list[str],
    team_ids: list[str],
    created: datetime,
    only_unresolved: bool = False,
) -> dict[str, Any]:
    ident = new_long_id(store)
    action: dict[str, Any] = {
        "id": ident,
        "type": "action",
        "summary": name,
        "self": store.self_url("automation_actions", ident),
        "html_url": f"{HTML_BASE}/automation/actions/{ident}",
        "name": name,
        "description": description,
        "action_type": action_type,
        "action_classification": classification,
        "runner": runner,
        "runner_type": runner_type,
        "services": [_bare_ref(store.ref_to("services", s)) for s in service_ids],
        "teams": [_bare_ref(store.ref_to("teams", t)) for t in team_ids],
        "privileges": {"permissions": ["create", "update", "delete", "invoke"]},
        "metadata": {},
        "creation_time": format_time(created),
        "modify_time": format_time(created),
        "only_invocable_on_unresolved_incidents": only_unresolved,
        "allow_invocation_manually": True,
        "allow_invocation_from_event_orchestration": True,
        "map_to_all_services": False,
        "action_data_reference": dict(data_reference),
    }
    return store.put("automation_actions", action)


def _bare_ref(ref: dict[str, Any]) -> dict[str, Any]:
    return {k: ref[k] for k in ("id", "type", "summary", "self", "html_url")}


def snapshot(action: dict[str, Any]) -> dict[str, Any]:
    """What an invocation keeps of its action: name, type and what it runs, as they were."""
    return {
        "name": action["name"],
        "action_type": action["action_type"],
        "action_data_reference": dict(action["action_data_reference"]),
    }


def add_invocation(
    store: Store,
    action: dict[str, Any],
    incident: dict[str, Any],
    agent: dict[str, Any],
    at: datetime,
) -> dict[str, Any]:
    """A new ``queued`` invocation of ``action`` on ``incident``; the action records the run."""
    ident = new_long_id(store)
    invocation: dict[str, Any] = {
        "id": ident,
        "type": "invocation",
        "summary": f"{action['name']} on incident {incident['incident_number']}",
        "self": store.self_url("automation_invocations", ident),
        "action_snapshot": snapshot(action),
        "runner_id": action["runner"],
        "timing": [{"timestamp": format_time(at), "state": STEPS[0]}],
        "state": STEPS[0],
        "action_id": action["id"],
        "metadata": {"agent": agent, "incident": _bare_ref(store.ref(incident))},
        "_incident_id": incident["id"],
        "_at": at,
    }
    action["last_run"] = format_time(at)
    action["last_run_by"] = agent
    return store.put("automation_invocations", invocation)


def observe(invocation: dict[str, Any], at: datetime) -> dict[str, Any]:
    """The invocation, one step further along unless it has finished (see the module docstring)."""
    current = invocation["state"]
    if current in _TERMINAL or current not in STEPS:
        return invocation
    step = STEPS[STEPS.index(current) + 1]
    previous = parse_time(invocation["timing"][-1]["timestamp"])
    when = max(at, previous + timedelta(seconds=1))
    invocation["timing"].append({"timestamp": format_time(when), "state": step})
    invocation["state"] = step
    if step in _TERMINAL:
        invocation["duration"] = int((when - invocation["_at"]).total_seconds())
    return invocation


def actions_listed(
    store: Store,
    *,
    name: str,
    action_type: str | None,
    classification: str | None,
    service_id: str | None,
    team_id: str | None,
    runner_id: str | None,
) -> list[dict[str, Any]]:
    """Actions matching every filter given (``runner_id=any``: those with a runner), by name."""
    found = []
    for action in store.all("automation_actions"):
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
    return found


def listed_view(action: dict[str, Any]) -> dict[str, Any]:
    """An action as the list shows it (without what only its own read gives)."""
    return {k: v for k, v in public(action).items() if k not in _DETAIL_ONLY}


def invocation_target(store: Store, action: dict[str, Any], metadata: Any) -> dict[str, Any]:
    """The incident an invocation's ``metadata`` names, if ``action`` may run on it (400 otherwise)."""
    incident_id = metadata.get("incident_id") if isinstance(metadata, dict) else None
    if not isinstance(incident_id, str) or not incident_id:
        raise bad_request(errors=["invocation.metadata.incident_id is required"])
    incident = store.find("incidents", incident_id)
    if incident is None:
        raise bad_request(errors=[f"Incident {incident_id} not found"])
    if action["only_invocable_on_unresolved_incidents"] and incident["status"] == "resolved":
        raise bad_request(errors=["This action can only be invoked on unresolved incidents"])
    return incident


def invoke(
    store: Store, action: dict[str, Any], incident: dict[str, Any], user: dict[str, Any] | None, at: datetime
) -> dict[str, Any]:
    """A queued invocation of ``action`` on ``incident``, by ``user`` (or the account when none)."""
    agent = (
        {k: v for k, v in store.ref(user).items() if k != "html_url"}
        if user
        else {"id": "PACCOUNT", "type": "account_reference"}
    )
    return add_invocation(store, action, incident, agent, at)


def invocations_listed(
    store: Store,
    *,
    wanted: str | None,
    unwanted: str | None,
    incident_id: str | None,
    action_id: str | None,
    at: datetime,
) -> list[dict[str, Any]]:
    """Invocations of the incident and action given, each observed (so moved on), in the state
    wanted and not the one unwanted, newest first."""
    found = []
    for invocation in store.all("automation_invocations"):
        if (incident_id and invocation["_incident_id"] != incident_id) or (
            action_id and invocation["action_id"] != action_id
        ):
            continue
        observe(invocation, at)
        if (wanted and invocation["state"] != wanted) or (unwanted and invocation["state"] == unwanted):
            continue
        found.append(invocation)
    found.sort(key=lambda i: i["_at"], reverse=True)  # newest first
    return found
