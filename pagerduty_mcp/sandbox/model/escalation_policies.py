"""Escalation policies: their rules and targets, and who each level reaches at a moment."""

from __future__ import annotations

from datetime import datetime, timedelta

from pagerduty_mcp.sandbox.model import oncall
from pagerduty_mcp.sandbox.model.schedules import render_schedule
from pagerduty_mcp.sandbox.model.store import Store

__all__ = ["escalation_targets"]

_SECOND = timedelta(seconds=1)


def escalation_targets(store: Store, policy_id: str, level: int, at: datetime) -> list[str]:
    """User ids on call at ``at`` for a level (1-based) of an escalation policy."""
    policy = store.get("escalation_policies", policy_id)
    rules = policy["escalation_rules"]
    if not rules:
        return []
    rule = rules[(level - 1) % len(rules)]
    users: list[str] = []
    for target in rule["targets"]:
        if target["type"].startswith("user"):
            users.append(target["id"])
        elif target["type"].startswith("schedule"):
            rendered = render_schedule(store, target["id"], at, at + _SECOND)
            who = oncall.user_at(rendered, at)
            if who:
                users.append(who)
    return list(dict.fromkeys(users))
