"""Escalation policies: their rules and targets, who each level reaches at a moment, and the refusal
to delete one that services still use."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pagerduty_mcp.sandbox.model import oncall, users
from pagerduty_mcp.sandbox.model.schedules import render_schedule, schedule_user_ids
from pagerduty_mcp.sandbox.model.store import Store, public
from pagerduty_mcp.sandbox.protocol import bad_request, matches_query

__all__ = [
    "INCLUDES",
    "create_policy",
    "delete_policy",
    "escalation_targets",
    "listed",
    "shown",
    "update_policy",
]

INCLUDES = ("services", "teams", "targets")
_SORTS = ("name", "name:asc", "name:desc")
_SECOND = timedelta(seconds=1)
_TARGET_KINDS = {
    "user_reference": "users",
    "user": "users",
    "schedule_reference": "schedules",
    "schedule_v3_reference": "schedules",
    "schedule": "schedules",
}


def escalation_targets(store: Store, policy_id: str, level: int, at: datetime) -> list[str]:
    """User ids on call at ``at`` for a level (1-based) of an escalation policy."""
    policy = store.get("escalation_policies", policy_id)
    rules = policy["escalation_rules"]
    if not rules:
        return []
    rule = rules[(level - 1) % len(rules)]
    found: list[str] = []
    for target in rule["targets"]:
        if target["type"].startswith("user"):
            found.append(target["id"])
        elif target["type"].startswith("schedule"):
            rendered = render_schedule(store, target["id"], at, at + _SECOND)
            who = oncall.user_at(rendered, at)
            if who:
                found.append(who)
    return list(dict.fromkeys(found))


def shown(store: Store, policy: dict[str, Any], includes: list[str]) -> dict[str, Any]:
    """The policy as the API shows it, with ``include[]`` expansions."""
    out = public(policy)
    if "services" in includes:
        out["services"] = [
            public(store.get("services", s["id"])) for s in policy["services"] if store.find("services", s["id"])
        ]
    if "teams" in includes:
        out["teams"] = [public(store.get("teams", t["id"])) for t in policy["teams"] if store.find("teams", t["id"])]
    if "targets" in includes:
        out["escalation_rules"] = [
            {**rule, "targets": [_target_object(store, t) for t in rule["targets"]]}
            for rule in policy["escalation_rules"]
        ]
    return out


def _target_object(store: Store, target: dict[str, Any]) -> dict[str, Any]:
    if target["type"].startswith("user"):
        return users.shown(store, store.get("users", target["id"]))
    schedule = public(store.get("schedules", target["id"]))
    if "schedule_layers" in schedule:
        schedule["schedule_layers"] = [public(layer) for layer in schedule["schedule_layers"]]
    return schedule


def listed(
    store: Store, query: str | None, user_ids: set[str], team_ids: set[str], sort_by: str | None
) -> list[dict[str, Any]]:
    """Policies matching ``query``, naming one of ``user_ids`` (directly or on a schedule) and owned by
    one of ``team_ids``, ordered by ``sort_by`` (400 for an order the API does not offer)."""
    if sort_by not in _SORTS:
        raise bad_request(errors=["sort_by must be name, name:asc or name:desc"])

    def involves_user(policy: dict[str, Any]) -> bool:
        for rule in policy["escalation_rules"]:
            for target in rule["targets"]:
                if target["type"].startswith("user") and target["id"] in user_ids:
                    return True
                if target["type"].startswith("schedule") and store.find("schedules", target["id"]):
                    schedule = store.get("schedules", target["id"])
                    if any(u in user_ids for u in schedule_user_ids(schedule)):
                        return True
        return False

    policies = [
        p
        for p in store.all("escalation_policies")
        if matches_query(query, p["name"])
        and (not team_ids or any(t["id"] in team_ids for t in p["teams"]))
        and (not user_ids or involves_user(p))
    ]
    policies.sort(key=lambda p: p["name"].lower(), reverse=sort_by == "name:desc")
    return policies


def _parse_rules(store: Store, raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        raise bad_request(errors=["escalation_rules must be a non-empty array"])
    rules = []
    for index, rule in enumerate(raw):
        where = f"escalation_rules[{index}]"
        if not isinstance(rule, dict):
            raise bad_request(errors=[f"{where} must be an object"])
        delay = rule.get("escalation_delay_in_minutes")
        if not isinstance(delay, int) or isinstance(delay, bool) or delay < 1:
            raise bad_request(errors=[f"{where}.escalation_delay_in_minutes must be a positive integer"])
        targets = rule.get("targets")
        if not isinstance(targets, list) or not targets:
            raise bad_request(errors=[f"{where}.targets must be a non-empty array"])
        refs = []
        for target in targets:
            kind = _TARGET_KINDS.get(str(target.get("type")) if isinstance(target, dict) else "")
            if kind is None or not target.get("id"):
                raise bad_request(
                    errors=[f"{where}.targets entries need an id and type user_reference or schedule_reference"]
                )
            refs.append(store.ref_to(kind, target["id"]))
        rules.append({"id": rule.get("id") or store.new_id(), "escalation_delay_in_minutes": delay, "targets": refs})
    return rules


def create_policy(store: Store, data: dict[str, Any]) -> dict[str, Any]:
    if not data.get("name"):
        raise bad_request(errors=["name is required"])
    if any(p["name"].lower() == str(data["name"]).lower() for p in store.all("escalation_policies")):
        raise bad_request(errors=["Name has already been taken"])
    num_loops = data.get("num_loops", 0)
    if not isinstance(num_loops, int) or num_loops < 0 or num_loops > 9:
        raise bad_request(errors=["num_loops must be an integer from 0 to 9"])
    policy: dict[str, Any] = {
        "name": data["name"],
        "description": data.get("description") or "",
        "num_loops": num_loops,
        "on_call_handoff_notifications": data.get("on_call_handoff_notifications", "if_has_services"),
        "escalation_rules": _parse_rules(store, data.get("escalation_rules")),
        "services": [],
        "teams": [store.ref_to("teams", t["id"]) for t in data.get("teams") or []],
    }
    store.stamp("escalation_policies", policy, policy["name"])
    return store.put("escalation_policies", policy)


def update_policy(store: Store, policy: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Apply the fields ``data`` gives, all checked before any is applied."""
    rules = _parse_rules(store, data["escalation_rules"]) if "escalation_rules" in data else None
    teams = [store.ref_to("teams", t["id"]) for t in data.get("teams") or []] if "teams" in data else None
    if "num_loops" in data and (not isinstance(data["num_loops"], int) or not 0 <= data["num_loops"] <= 9):
        raise bad_request(errors=["num_loops must be an integer from 0 to 9"])
    if data.get("name"):
        policy["name"] = policy["summary"] = data["name"]
        store.refresh_summaries(policy)
    for key in ("description", "num_loops", "on_call_handoff_notifications"):
        if key in data:
            policy[key] = data[key]
    if rules is not None:
        policy["escalation_rules"] = rules
    if teams is not None:
        policy["teams"] = teams
    return policy


def delete_policy(store: Store, policy_id: str) -> None:
    """Delete the policy, or refuse (400) while services use it, naming them."""
    policy = store.get("escalation_policies", policy_id)
    using = sorted(s["name"] for s in store.all("services") if s["escalation_policy"]["id"] == policy["id"])
    if using:
        raise bad_request(
            errors=[
                f"Escalation policy is in use by {len(using)} service(s); move them first: {users.named_list(using)}"
            ]
        )
    store.remove("escalation_policies", policy["id"])
