"""Answer shapes of the AIOps area, and the checks on orchestration rules the model writes."""

from __future__ import annotations

import re
from typing import Any

from pagerduty_mcp.common.pagerduty.errors import invalid
from pagerduty_mcp.common.pagerduty.text import clean_text, clean_tree
from pagerduty_mcp.common.toolkit.models import LeanModel, Ref, refs

__all__ = [
    "AlertGroupingSetting",
    "ChangeEvent",
    "OrchestrationDetail",
    "OrchestrationSummary",
    "check_condition",
    "check_path",
    "summarize_path",
]


class OrchestrationSummary(LeanModel):
    id: str
    name: str | None = None
    description: str | None = None
    team: Ref | None = None
    routes: int | None = None
    integrations: list[str] = []
    updated_at: str | None = None

    @classmethod
    def from_api(cls, orchestration: dict[str, Any]) -> OrchestrationSummary:
        return cls.model_validate(
            {
                **orchestration,
                "team": Ref.of(orchestration.get("team")),
                "integrations": [i["id"] for i in orchestration.get("integrations") or [] if i.get("id")],
            }
        )


class OrchestrationDetail(OrchestrationSummary):
    """One orchestration; integrations by id and label only (their routing keys are secrets)."""

    integrations: list[dict[str, str]] = []  # type: ignore[assignment]
    version: str | None = None
    created_at: str | None = None

    @classmethod
    def from_api(cls, orchestration: dict[str, Any]) -> OrchestrationDetail:
        integrations = [
            {"id": i["id"], "label": i.get("label") or ""}
            for i in orchestration.get("integrations") or []
            if i.get("id")
        ]
        return cls.model_validate(
            {**orchestration, "team": Ref.of(orchestration.get("team")), "integrations": integrations}
        )


class AlertGroupingSetting(LeanModel):
    id: str
    name: str | None = None
    description: str | None = None
    type: str
    config: dict[str, Any] = {}
    services: list[Ref] = []
    updated_at: str | None = None

    @classmethod
    def from_api(cls, setting: dict[str, Any]) -> AlertGroupingSetting:
        config = {k: v for k, v in (setting.get("config") or {}).items() if v is not None}
        return cls.model_validate({**setting, "config": config, "services": refs(setting.get("services"))})


class ChangeEvent(LeanModel):
    """A change event; its text comes from deploy tools outside the account (untrusted)."""

    id: str
    summary: str | None = None
    timestamp: str | None = None
    source: str | None = None
    services: list[Ref] = []
    integration: Ref | None = None
    links: list[dict[str, Any]] = []
    custom_details: dict[str, Any] | None = None

    @classmethod
    def from_api(cls, event: dict[str, Any], detail: bool = False) -> ChangeEvent:
        links = [
            {k: clean_text(str(v), 300) for k, v in link.items() if k in ("href", "text") and v}
            for link in (event.get("links") or [])[:5]
            if isinstance(link, dict)
        ]
        details = event.get("custom_details")
        return cls.model_validate(
            {
                "id": event["id"],
                "summary": clean_text(str(event.get("summary") or ""), 300),
                "timestamp": event.get("timestamp"),
                "source": clean_text(str(event["source"]), 200) if event.get("source") else None,
                "services": refs(event.get("services")),
                "integration": Ref.of(event.get("integration")),
                "links": links,
                "custom_details": clean_tree(details, 300) if details and detail else None,
            }
        )


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
    allowed = _ROUTER_ACTIONS if kind == "router" else _RULE_ACTIONS - ({"drop_event"} if kind == "service" else set())
    for name, value in actions.items():
        here = f"{where}.{name}"
        if name not in allowed:
            raise invalid(here, f"not an action of a {kind} rule; valid: {', '.join(sorted(allowed))}")
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


def _short_actions(actions: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in actions.items():
        if value in (None, "", [], {}):
            continue
        if isinstance(value, list):
            out[name] = f"{len(value)} item(s)"
        elif isinstance(value, dict):
            out[name] = "{...}"
        elif isinstance(value, str):
            out[name] = clean_text(value, 120)
        else:
            out[name] = value
    return out


def _rule_summary(rule: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    actions = dict(rule.get("actions") or {})
    summary: dict[str, Any] = {"id": rule.get("id"), "label": clean_text(str(rule.get("label") or ""), 200)}
    summary["when"] = [clean_text(str(c.get("expression", "")), 300) for c in rule.get("conditions") or []] or [
        "always"
    ]
    target = actions.pop("route_to", None)
    if target:
        summary["route_to"] = {"id": target, "name": names[target]} if target in names else target
    short = _short_actions(actions)
    if short:
        summary["actions"] = short
    if rule.get("disabled"):
        summary["disabled"] = True
    return summary


def summarize_path(path: dict[str, Any], names: dict[str, str] | None = None) -> dict[str, Any]:
    """Compact view of an orchestration path: rules as conditions, route target and short actions."""
    names = names or {}
    sets = path.get("sets") or []
    out: dict[str, Any] = {
        "type": path.get("type"),
        "parent": (path.get("parent") or {}).get("id"),
        "version": path.get("version"),
        "updated_at": path.get("updated_at"),
    }
    for rule_set in sets:
        key = "rules" if rule_set.get("id") == "start" else f"set:{rule_set.get('id')}"
        out[key] = [_rule_summary(r, names) for r in rule_set.get("rules") or []]
    catch_all = dict((path.get("catch_all") or {}).get("actions") or {})
    target = catch_all.pop("route_to", None)
    out["catch_all"] = {**({"route_to": target} if target else {}), **_short_actions(catch_all)}
    return {k: v for k, v in out.items() if v is not None}
