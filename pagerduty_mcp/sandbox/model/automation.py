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

from pagerduty_mcp.sandbox.model.store import HTML_BASE, Store
from pagerduty_mcp.sandbox.protocol import format_time, parse_time

__all__ = ["STEPS", "add_action", "add_invocation", "new_long_id", "observe", "snapshot"]

STEPS = ("queued", "running", "completed")
_TERMINAL = {"completed", "error", "aborted"}
_LONG_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_long_id(state: Store) -> str:
    """A fresh 26-character id from the account's id generator."""
    while True:
        ident = "01" + "".join(state.rng.choices(_LONG_ID_ALPHABET, k=24))
        if ident not in state.tables["automation_actions"] and ident not in state.tables["automation_invocations"]:
            return ident


def add_action(
    state: Store,
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
    ident = new_long_id(state)
    action: dict[str, Any] = {
        "id": ident,
        "type": "action",
        "summary": name,
        "self": state.self_url("automation_actions", ident),
        "html_url": f"{HTML_BASE}/automation/actions/{ident}",
        "name": name,
        "description": description,
        "action_type": action_type,
        "action_classification": classification,
        "runner": runner,
        "runner_type": runner_type,
        "services": [_bare_ref(state.ref_to("services", s)) for s in service_ids],
        "teams": [_bare_ref(state.ref_to("teams", t)) for t in team_ids],
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
    return state.put("automation_actions", action)


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
    state: Store,
    action: dict[str, Any],
    incident: dict[str, Any],
    agent: dict[str, Any],
    at: datetime,
) -> dict[str, Any]:
    """A new ``queued`` invocation of ``action`` on ``incident``; the action records the run."""
    ident = new_long_id(state)
    invocation: dict[str, Any] = {
        "id": ident,
        "type": "invocation",
        "summary": f"{action['name']} on incident {incident['incident_number']}",
        "self": state.self_url("automation_invocations", ident),
        "action_snapshot": snapshot(action),
        "runner_id": action["runner"],
        "timing": [{"timestamp": format_time(at), "state": STEPS[0]}],
        "state": STEPS[0],
        "action_id": action["id"],
        "metadata": {"agent": agent, "incident": _bare_ref(state.ref(incident))},
        "_incident_id": incident["id"],
        "_at": at,
    }
    action["last_run"] = format_time(at)
    action["last_run_by"] = agent
    return state.put("automation_invocations", invocation)


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
