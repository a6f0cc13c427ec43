"""Event orchestrations: the router, global, unrouted and service paths, and routing events by them.

An event sent with an orchestration integration's routing key goes through the global path
(its actions may drop or suppress it, or set severity and priority), then the router, whose first
matching rule names the service; with no match it is unrouted and makes no alert. On the service,
its service orchestration applies the same kinds of actions. Simulated actions: ``drop_event``,
``suppress`` (no alert), ``severity``, ``priority`` and ``route_to`` (sets, and the router's
service); the others (annotate, variables, extractions, automation...) are stored and returned
but have no effect on the event.

Conditions are a subset of PagerDuty's PCL, enough for the seed and the tests:
``<field> matches '<text>'`` (equals), ``matches part`` (contains), ``matches regex`` (search),
each optionally negated with ``not``, plus ``<field> exists``; terms joined with ``and``/``or``
(``and`` binds tighter). Fields are ``event.<name>`` (summary, source, severity, component, group,
class, dedup_key) and ``event.custom_details.<path>``. A rule matches when any of its conditions
does, and a rule without conditions matches every event.

Tests can simulate another writer: ``store.on("orchestration_path_read", hook)`` runs
``hook(store, orchestration=..., kind=..., path=...)`` after each read of a path.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pagerduty_mcp.sandbox.model.event_outcomes import SEVERITIES, EventAbsorbed, RoutingTarget
from pagerduty_mcp.sandbox.model.store import Store, public
from pagerduty_mcp.sandbox.protocol import bad_request, format_time

__all__ = [
    "PATH_KINDS",
    "condition_matches",
    "create_orchestration",
    "evaluate_path",
    "listed",
    "read_path",
    "replace_path",
    "route_event",
    "service_path",
    "service_path_view",
    "service_rules",
    "write_path",
]

_PATHS = {"router": "_router", "global": "_global", "unrouted": "_unrouted"}
PATH_KINDS = tuple(_PATHS)
_TERM = re.compile(
    r"^(?P<field>(?:raw_)?event(?:\.[\w-]+)+)\s+(?:(?P<exists>(?:not\s+)?exists)|"
    r"(?P<neg>not\s+)?matches(?:\s+(?P<mode>part|regex))?\s+'(?P<value>(?:[^'\\]|\\.)*)')$",
    re.IGNORECASE,
)


# -- conditions ------------------------------------------------------------------------------------
def _field(event: dict[str, Any], path: str) -> Any:
    parts = path.split(".")[1:]
    payload = event.get("payload") or {}
    if parts[0] == "dedup_key":
        return event.get("dedup_key")
    value: Any = payload
    for part in parts:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _term(term: str, event: dict[str, Any]) -> bool:
    match = _TERM.match(term.strip())
    if match is None:
        raise ValueError(f"unsupported condition {term!r}")
    value = _field(event, match["field"])
    if match["exists"]:
        present = value is not None and value != ""
        return not present if match["exists"].lower().startswith("not") else present
    text = "" if value is None else str(value)
    wanted = re.sub(r"\\(.)", r"\1", match["value"])
    mode = (match["mode"] or "").lower()
    if mode == "part":
        found = wanted in text
    elif mode == "regex":
        found = re.search(wanted, text) is not None
    else:
        found = text == wanted
    return not found if match["neg"] else found


def condition_matches(expression: str, event: dict[str, Any]) -> bool:
    """Evaluate one PCL-subset condition against an Events API event (see the module docstring)."""
    alternatives = re.split(r"\s+or\s+(?=(?:[^']*'[^']*')*[^']*$)", expression.strip(), flags=re.IGNORECASE)
    for alternative in alternatives:
        terms = re.split(r"\s+and\s+(?=(?:[^']*'[^']*')*[^']*$)", alternative, flags=re.IGNORECASE)
        if all(_term(t, event) for t in terms):
            return True
    return False


def _rule_matches(rule: dict[str, Any], event: dict[str, Any]) -> bool:
    if rule.get("disabled"):
        return False
    conditions = rule.get("conditions") or []
    if not conditions:
        return True
    try:
        return any(condition_matches(str(c.get("expression", "")), event) for c in conditions)
    except ValueError:
        return False  # a condition beyond the supported subset never matches


def evaluate_path(path: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    """The actions a path applies to ``event``: the first matching rule of each set visited
    (``route_to`` a set id continues there), else the catch-all's. For the router, ``route_to`` is
    the service id (or ``unrouted``)."""
    sets = {s.get("id"): s for s in path.get("sets") or []}
    actions: dict[str, Any] = {}
    # set ids come from stored JSON and are not checked to be strings, so neither is the cursor
    current: object = "start"
    visited: set[object] = set()
    while current in sets and current not in visited:
        visited.add(current)
        rule = next((r for r in sets[current].get("rules") or [] if _rule_matches(r, event)), None)
        found = dict(rule.get("actions") or {}) if rule else dict((path.get("catch_all") or {}).get("actions") or {})
        actions.update(found)
        target = found.get("route_to")
        if path.get("type") == "router" or target not in sets:
            break
        current = target
    return actions


def _apply(actions: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    if actions.get("drop_event") or actions.get("suppress"):
        raise EventAbsorbed()
    if actions.get("severity") in SEVERITIES:
        event["payload"]["severity"] = actions["severity"]
    if actions.get("priority"):
        event["_priority"] = actions["priority"]
    return event


# -- routing events --------------------------------------------------------------------------------
def _orchestration_by_key(store: Store, key: str) -> dict[str, Any] | None:
    for orchestration in store.all("event_orchestrations"):
        for integration in orchestration.get("integrations") or []:
            if (integration.get("parameters") or {}).get("routing_key") == key:
                return orchestration
    return None


def route_event(store: Store, key: str, event: dict[str, Any]) -> RoutingTarget | None:
    orchestration = _orchestration_by_key(store, key)
    if orchestration is None:
        return None
    routes = orchestration.setdefault("_dedup_routes", {})
    action = event.get("event_action")
    if action in ("acknowledge", "resolve"):  # follows its trigger, by dedup key
        service = store.find("services", routes.get(event.get("dedup_key"), ""))
        if service is None:
            raise EventAbsorbed()
        return service, None
    if action is None:  # a change event: routed by the router's rules alone
        target = evaluate_path(orchestration["_router"], event).get("route_to")
        service = store.find("services", str(target)) if target else None
        if service is None:
            raise EventAbsorbed()
        return service, None
    _apply(evaluate_path(orchestration["_global"], event), event)
    target = evaluate_path(orchestration["_router"], event).get("route_to")
    service = store.find("services", str(target)) if target and target != "unrouted" else None
    if service is None:
        evaluate_path(orchestration["_unrouted"], event)
        raise EventAbsorbed()
    routes[event["dedup_key"]] = service["id"]
    return service, None


def service_rules(store: Store, service: dict[str, Any], event: dict[str, Any], _now: datetime) -> dict[str, Any]:
    path = store.service_orchestrations.get(service["id"])
    return _apply(evaluate_path(path, event), event) if path else event


# -- paths as the API reads and writes them --------------------------------------------------------
def _view(path: dict[str, Any], self_url: str, owner: dict[str, Any]) -> dict[str, Any]:
    out = public(path)
    out["self"] = self_url
    out.setdefault("created_at", owner.get("created_at"))
    out.setdefault("created_by", owner.get("created_by"))
    out.setdefault("updated_at", owner.get("updated_at"))
    out.setdefault("updated_by", owner.get("updated_by"))
    out.setdefault("version", owner.get("version") or "v1")
    return {"orchestration_path": out}


def _path_url(store: Store, orchestration: dict[str, Any], kind: str) -> str:
    return f"{store.api_base}/event_orchestrations/{orchestration['id']}/{kind}"


def read_path(store: Store, orchestration: dict[str, Any], kind: str) -> dict[str, Any]:
    """The router, global or unrouted path as the API shows it."""
    path = orchestration[_PATHS[kind]]
    shown = _view(path, _path_url(store, orchestration, kind), orchestration)
    store.emit("orchestration_path_read", orchestration=orchestration, kind=kind, path=path)
    return shown


def replace_path(store: Store, path: dict[str, Any], body: dict[str, Any], kind: str, now: datetime) -> None:
    """Replace the sets and catch-all of ``path`` (400 on a malformed body), as a PUT does."""
    errors: list[str] = []
    sets = body.get("sets")
    if not isinstance(sets, list) or not sets:
        errors.append("sets must be a non-empty array")
        sets = []
    if sets and (not isinstance(sets[0], dict) or sets[0].get("id") != "start"):
        errors.append("The first set must have id 'start'")
    if kind == "router" and len(sets) > 1:
        errors.append("The router has exactly one set (start)")
    for i, rule_set in enumerate(sets):
        rules = rule_set.get("rules") if isinstance(rule_set, dict) else None
        if not isinstance(rules, list):
            errors.append(f"sets[{i}].rules must be an array")
            continue
        for j, rule in enumerate(rules):
            where = f"sets[{i}].rules[{j}]"
            if not isinstance(rule, dict) or not isinstance(rule.get("actions", {}), dict):
                errors.append(f"{where} must be an object with an actions object")
                continue
            for c in rule.get("conditions") or []:
                if not isinstance(c, dict) or not isinstance(c.get("expression"), str):
                    errors.append(f"{where}.conditions items must be objects with an expression")
            target = (rule.get("actions") or {}).get("route_to")
            if kind == "router" and (not isinstance(target, str) or store.find("services", target) is None):
                errors.append(f"{where}.actions.route_to: service {target!r} not found")
    catch_all = body.get("catch_all", {"actions": {}})
    if not isinstance(catch_all, dict) or not isinstance(catch_all.get("actions", {}), dict):
        errors.append("catch_all must be an object with an actions object")
    if errors:
        raise bad_request(errors=errors)
    stored_sets = []
    for rule_set in sets:
        rules = []
        for rule in rule_set["rules"]:
            rule = dict(rule)
            rule["id"] = str(rule.get("id") or f"{store.rng.getrandbits(32):08x}")
            rule.setdefault("conditions", [])
            rule.setdefault("actions", {})
            rules.append(rule)
        stored_sets.append({"id": rule_set["id"], "rules": rules})
    path["sets"] = stored_sets
    path["catch_all"] = {"actions": dict(catch_all.get("actions") or {})}
    path["updated_at"] = format_time(now)
    path["version"] = f"v{store.rng.getrandbits(40):010x}"


def write_path(
    store: Store, orchestration: dict[str, Any], kind: str, body: dict[str, Any], user_id: str | None, now: datetime
) -> dict[str, Any]:
    """Replace a path of the orchestration (``user_id`` made the change); the path as shown after."""
    path = orchestration[_PATHS[kind]]
    replace_path(store, path, body, kind, now)
    if kind == "router":
        targets = {r["actions"].get("route_to") for r in path["sets"][0]["rules"]}
        orchestration["routes"] = len(targets - {None, "unrouted"})
    orchestration["updated_at"] = path["updated_at"]
    if user_id:
        path["updated_by"] = store.ref_to("users", user_id)
    return _view(path, _path_url(store, orchestration, kind), orchestration)


def service_path(store: Store, service_id: str) -> dict[str, Any]:
    """A service's own orchestration path (every service has one, empty until rules are written)."""
    service = store.get("services", service_id)
    return store.service_orchestrations.setdefault(
        service_id,
        {
            "type": "service",
            "parent": {"id": service_id, "type": "service_reference", "self": service["self"]},
            "sets": [{"id": "start", "rules": []}],
            "catch_all": {"actions": {}},
        },
    )


def service_path_view(store: Store, service_id: str, path: dict[str, Any]) -> dict[str, Any]:
    owner = store.get("services", service_id)
    return _view(path, f"{store.api_base}/event_orchestrations/services/{service_id}", owner)


_KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def create_orchestration(store: Store, body: dict[str, Any], user_id: str | None, now: datetime) -> dict[str, Any]:
    """A new orchestration with one integration (its routing key) and empty router, global and
    unrouted paths; the router sends every event to ``unrouted`` until it has rules."""
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise bad_request(errors=["Name can't be blank"])
    team = body.get("team")
    team_id = team.get("id") if isinstance(team, dict) else None
    if team is not None and (not isinstance(team_id, str) or store.find("teams", team_id) is None):
        raise bad_request(errors=[f"Team {team_id!r} not found"])
    ident = store.new_id()
    self_url = f"{store.api_base}/event_orchestrations/{ident}"
    author = (
        {k: v for k, v in store.ref_to("users", user_id).items() if k in ("id", "type", "self")} if user_id else None
    )
    orchestration: dict[str, Any] = {
        "id": ident,
        "self": self_url,
        "name": name.strip(),
        "description": body.get("description") if isinstance(body.get("description"), str) else None,
        "team": {"id": team_id, "type": "team_reference", "self": f"{store.api_base}/teams/{team_id}"}
        if team_id
        else None,
        "integrations": [
            {
                "id": store.new_id(),
                "label": "Default",
                "parameters": {"routing_key": "R0" + "".join(store.rng.choices(_KEY_ALPHABET, k=30)), "type": "global"},
            }
        ],
        "routes": 0,
        "created_at": format_time(now),
        "created_by": author,
        "updated_at": format_time(now),
        "updated_by": author,
        "version": f"v{store.rng.getrandbits(40):010x}",
        "type": "event_orchestration",
    }
    parent = {"id": ident, "type": "event_orchestration_reference", "self": self_url}
    for kind in _PATHS:
        orchestration[_PATHS[kind]] = {
            "type": kind,
            "parent": dict(parent),
            "sets": [{"id": "start", "rules": []}],
            "catch_all": {"actions": {"route_to": "unrouted"} if kind == "router" else {}},
        }
    return store.put("event_orchestrations", {k: v for k, v in orchestration.items() if v is not None})


def listed(store: Store, sort_by: str) -> list[dict[str, Any]]:
    """Orchestrations by name, routes or created_at, ascending or descending."""
    field, _, direction = (sort_by or "name:asc").partition(":")
    if field not in ("name", "routes", "created_at") or direction not in ("", "asc", "desc"):
        raise bad_request(errors=["sort_by must be name, routes or created_at, with :asc or :desc"])
    return sorted(store.all("event_orchestrations"), key=lambda o: o[field], reverse=direction == "desc")
