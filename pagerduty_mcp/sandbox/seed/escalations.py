"""A timeout that escalated: the high-urgency incident that has waited longest without anyone
acknowledging it went to its policy's second level once the first level's delay ran out, as
PagerDuty does. (The incident board shows its escalation level; every other open incident is still
with its first level.)

Seeded after everything else, with ids drawn from a stream of their own: no entity seeded before it
changes, and ids made while the sandbox runs are the ones they were without it.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from pagerduty_mcp.sandbox.model.escalation_policies import escalation_targets
from pagerduty_mcp.sandbox.model.log_entries import add_log_entry
from pagerduty_mcp.sandbox.model.store import Store
from pagerduty_mcp.sandbox.protocol import format_time

__all__ = ["escalate_the_longest_waiting"]


def escalate_the_longest_waiting(store: Store, now: datetime) -> None:
    waiting = [i for i in store.all("incidents") if i["status"] == "triggered" and i["urgency"] == "high"]
    if not waiting:
        return
    incident = min(waiting, key=lambda i: i["_created"])
    policy_id = incident["escalation_policy"]["id"]
    rules = store.get("escalation_policies", policy_id)["escalation_rules"]
    at = incident["_created"] + timedelta(minutes=rules[0]["escalation_delay_in_minutes"])
    if len(rules) < 2 or at >= now:
        return
    users = escalation_targets(store, policy_id, 2, at)
    if not users:
        return
    ids, store.rng = store.rng, random.Random(f"escalations:{store.seed}")
    try:
        incident["assignments"] = [{"at": format_time(at), "assignee": store.ref_to("users", u)} for u in users]
        incident["_escalation_level"] = 2
        names = ", ".join(store.get("users", u)["name"] for u in users)
        add_log_entry(
            store,
            incident,
            "escalate",
            at,
            store.ref(store.get("services", incident["_service_id"])),  # a timeout's agent is the service
            f"Escalated to level 2: {names}",
            channel={"type": "timeout"},
            assignees=[store.ref_to("users", u) for u in users],
        )
    finally:
        store.rng = ids
