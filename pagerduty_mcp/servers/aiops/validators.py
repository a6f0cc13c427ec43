"""Checks on what the model writes for the AIOps area, in one place, before any request is sent.

Orchestration rules are checked loosely on purpose: PagerDuty's PCL is richer than what is
checked here, so only what is certainly malformed is rejected. Each failure names the field at
fault (``orchestration_path.sets[0].rules[2].actions.severity``).
"""

from __future__ import annotations

import re
from typing import Any

from pagerduty_mcp.common import clean_text, invalid

__all__ = [
    "check_condition",
    "check_grouping_services",
    "check_links",
    "check_path",
    "check_routing_key",
    "check_rule",
    "grouping_config",
]


# -- alert grouping settings -------------------------------------------------------------------------
def grouping_config(
    type_: str, time_window: int | None, fields: list[str] | None, aggregate: str | None, base: dict[str, Any]
) -> dict[str, Any]:
    """The ``config`` object of a grouping type, from the flat parameters over ``base``."""
    config = dict(base)
    if type_ == "time":
        if time_window is not None:
            config = {"timeout": time_window}
        config = {"timeout": config.get("timeout", 0)}
        if not (config["timeout"] == 0 or 60 <= config["timeout"] <= 86400):
            raise invalid("time_window", "for type time: 0 (until the incident resolves) or 60-86400 seconds")
        return config
    if type_ == "intelligent":
        out = {"time_window": time_window if time_window is not None else config.get("time_window", 0)}
        if fields or config.get("iag_fields"):
            out["iag_fields"] = fields or config["iag_fields"]
        if not (out["time_window"] == 0 or 300 <= out["time_window"] <= 3600):
            raise invalid("time_window", "for type intelligent: 0 (recommended) or 300-3600 seconds")
        return out
    high = 86400 if type_ == "content_based" else 3600
    out = {
        "aggregate": aggregate or config.get("aggregate") or "all",
        "fields": fields or config.get("fields") or [],
        "time_window": time_window if time_window is not None else config.get("time_window", 0),
    }
    if not out["fields"]:
        raise invalid("fields", f'{type_} grouping needs fields, e.g. ["summary", "component"]')
    if not (out["time_window"] == 0 or 300 <= out["time_window"] <= high):
        raise invalid("time_window", f"for type {type_}: 0 (recommended) or 300-{high} seconds")
    return out


def check_grouping_services(type_: str, service_ids: list[str]) -> None:
    """Content-based intelligent grouping works on one service only."""
    if type_ == "content_based_intelligent" and len(service_ids) != 1:
        raise invalid("service_ids", "content_based_intelligent applies to exactly one service")


# -- Events API --------------------------------------------------------------------------------------
def check_routing_key(routing_key: str) -> str:
    """The routing key, trimmed; one that cannot be an integration key is refused before sending."""
    key = routing_key.strip()
    if not key or any(c.isspace() for c in key) or len(key) > 128:
        raise invalid("routing_key", "must be the integration key of an Events API v2 integration, with no spaces")
    return key


def check_links(links: list[str]) -> None:
    """Links of a change event are web addresses."""
    for i, link in enumerate(links):
        if not link.startswith(("https://", "http://")):
            raise invalid(f"links[{i}]", "must be an http(s) URL")


# -- orchestration rules ----------------------------------------------------------------------------
# A PCL condition: a field path, then an operator. Checked loosely on purpose: PagerDuty's PCL is
# richer than this, so only what is certainly malformed is rejected before any request.
_CONDITION_START = re.compile(r"^\s*(not\s+)?\(?\s*(raw_event|event|now)\b", re.IGNORECASE)
_REGEX_LITERAL = re.compile(r"matches\s+regex\s+'((?:[^'\\]|\\.)*)'", re.IGNORECASE)
_SEVERITIES = ("critical", "error", "warning", "info")
_ROUTER_ACTIONS = {"route_to", "dynamic_route_to"}
_RULE_ACTIONS = {
    "route_to",
    "suppress",
    "suspend",
    "drop_event",
    "priority",
    "escalation_policy",
    "annotate",
    "severity",
    "event_action",
    "variables",
    "extractions",
    "automation_action",
    "automation_actions",
    "pagerduty_automation_action",
    "incident_custom_field_updates",
    "incident_type",
}
# Unrouted events reach no service, so their rules only shape the event (route_to: another set).
_UNROUTED_ACTIONS = {"route_to", "severity", "event_action", "variables", "extractions"}
_ACTIONS = {
    "router": _ROUTER_ACTIONS,
    "global": _RULE_ACTIONS,
    "service": _RULE_ACTIONS - {"drop_event"},
    "unrouted": _UNROUTED_ACTIONS,
}
_LIST_ACTIONS = {"variables", "extractions", "automation_actions", "incident_custom_field_updates"}
_BOOL_ACTIONS = {"suppress", "drop_event"}
_STRING_ACTIONS = {"route_to", "priority", "escalation_policy", "annotate", "incident_type"}
_READ_ONLY = {"type", "parent", "self", "created_at", "created_by", "updated_at", "updated_by", "version"}
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def check_condition(expression: Any, where: str) -> None:
    """Reject a condition that is certainly malformed, naming ``where`` it is."""
    if not isinstance(expression, str) or not expression.strip():
        raise invalid(where, "a condition must be a non-empty PCL string, e.g. event.source matches part 'db-'")
    unescaped = re.sub(r"\\.", "", expression)
    if unescaped.count("'") % 2:
        raise invalid(where, f"unbalanced quote in {clean_text(expression, 120)!r}; quote values with '...'")
    if not _CONDITION_START.match(expression):
        raise invalid(where, "a condition starts with a field such as event.summary, event.source or event.severity")
    for pattern in _REGEX_LITERAL.findall(expression):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise invalid(where, f"the regex {clean_text(pattern, 80)!r} does not compile ({exc})") from None


def _check_actions(actions: Any, where: str, kind: str, set_ids: set[str]) -> None:
    if not isinstance(actions, dict):
        raise invalid(where, "actions must be an object")
    allowed = _ACTIONS[kind]
    for name, value in actions.items():
        here = f"{where}.{name}"
        if name not in allowed:
            raise invalid(here, f"not allowed in {kind} rules; valid: {', '.join(sorted(allowed))}")
        if name in _BOOL_ACTIONS and not isinstance(value, bool):
            raise invalid(here, "must be true or false")
        if name in _STRING_ACTIONS and not isinstance(value, str):
            raise invalid(here, "must be a string")
        if name in _LIST_ACTIONS and not isinstance(value, list):
            raise invalid(here, "must be an array")
        if name == "severity" and value not in _SEVERITIES:
            raise invalid(here, f"must be one of {', '.join(_SEVERITIES)}")
        if name == "event_action" and value not in ("trigger", "resolve"):
            raise invalid(here, "must be trigger or resolve")
        if name == "suspend" and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise invalid(here, "must be a number of seconds")
        if name == "route_to" and kind == "router" and not (value == "unrouted" or _ID.match(value)):
            raise invalid(here, "must be a service id (or 'unrouted' in the catch-all)")
        if name == "route_to" and kind != "router" and value not in set_ids:
            raise invalid(here, f"must be the id of another set of this path ({', '.join(sorted(set_ids))})")


def check_rule(rule: Any, where: str, kind: str, set_ids: set[str]) -> dict[str, Any]:
    """A rule (label, conditions, actions, disabled, id) checked field by field."""
    if not isinstance(rule, dict):
        raise invalid(where, "a rule must be an object with label, conditions and actions")
    unknown = set(rule) - {"id", "label", "conditions", "actions", "disabled"}
    if unknown:
        raise invalid(f"{where}.{sorted(unknown)[0]}", "unknown rule field; use label, conditions, actions, disabled")
    if "label" in rule and not isinstance(rule["label"], str):
        raise invalid(f"{where}.label", "must be a string")
    if "disabled" in rule and not isinstance(rule["disabled"], bool):
        raise invalid(f"{where}.disabled", "must be true or false")
    conditions = rule.get("conditions", [])
    if not isinstance(conditions, list):
        raise invalid(f"{where}.conditions", "must be an array of {expression} objects")
    for i, condition in enumerate(conditions):
        if not isinstance(condition, dict) or set(condition) != {"expression"}:
            raise invalid(f"{where}.conditions[{i}]", 'must be {"expression": "<PCL>"}')
        check_condition(condition["expression"], f"{where}.conditions[{i}].expression")
    if "actions" not in rule:
        raise invalid(f"{where}.actions", "is required")
    _check_actions(rule["actions"], f"{where}.actions", kind, set_ids)
    if kind == "router" and not rule["actions"].get("route_to") and not rule["actions"].get("dynamic_route_to"):
        raise invalid(f"{where}.actions.route_to", "a router rule needs the service id to route to")
    return rule


def check_path(path: Any, kind: str, parameter: str = "path") -> dict[str, Any]:
    """The ``orchestration_path`` body (sets and catch_all) for a PUT, checked; read-only fields dropped."""
    if not isinstance(path, dict):
        raise invalid(parameter, "must be an object with sets and catch_all")
    if isinstance(path.get("orchestration_path"), dict):
        path = path["orchestration_path"]
    unknown = set(path) - _READ_ONLY - {"sets", "catch_all"}
    if unknown:
        raise invalid(f"{parameter}.{sorted(unknown)[0]}", "unknown field; a path has sets and catch_all")
    sets = path.get("sets")
    if not isinstance(sets, list) or not sets:
        raise invalid(f"{parameter}.sets", 'must be a non-empty array, first {"id": "start", "rules": [...]}')
    if kind == "router" and len(sets) != 1:
        raise invalid(f"{parameter}.sets", "the router has exactly one set, id start")
    # route_to must be a string, so only string ids can be targets (others are rejected below)
    set_ids = {s["id"] for s in sets if isinstance(s, dict) and isinstance(s.get("id"), str)}
    out_sets = []
    for i, rule_set in enumerate(sets):
        where = f"{parameter}.sets[{i}]"
        if not isinstance(rule_set, dict) or not isinstance(rule_set.get("id"), str):
            raise invalid(where, 'must be {"id": "...", "rules": [...]}')
        if i == 0 and rule_set["id"] != "start":
            raise invalid(f"{where}.id", "the first set must be 'start'")
        rules = rule_set.get("rules")
        if not isinstance(rules, list):
            raise invalid(f"{where}.rules", "must be an array of rules")
        checked = [check_rule(r, f"{where}.rules[{j}]", kind, set_ids - {rule_set["id"]}) for j, r in enumerate(rules)]
        out_sets.append({"id": rule_set["id"], "rules": checked})
    catch_all = path.get("catch_all", {"actions": {}})
    if not isinstance(catch_all, dict) or set(catch_all) - {"actions"}:
        raise invalid(f"{parameter}.catch_all", 'must be {"actions": {...}}')
    _check_actions(catch_all.get("actions", {}), f"{parameter}.catch_all.actions", kind, set_ids - {"start"})
    return {"sets": out_sets, "catch_all": {"actions": dict(catch_all.get("actions") or {})}}
