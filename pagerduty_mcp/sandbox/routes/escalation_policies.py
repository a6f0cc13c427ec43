"""Escalation policies: their rules and targets."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model.schedules import schedule_user_ids
from pagerduty_mcp.sandbox.model.store import Store, public
from pagerduty_mcp.sandbox.protocol import Reply, bad_request, matches_query, paginate_offset
from pagerduty_mcp.sandbox.router import Context, route
from pagerduty_mcp.sandbox.routes.users import render_user

__all__: list[str] = []


def _policy_json(state: Store, policy: dict[str, Any], includes: list[str]) -> dict[str, Any]:
    out = public(policy)
    if "services" in includes:
        out["services"] = [
            public(state.get("services", s["id"])) for s in policy["services"] if state.find("services", s["id"])
        ]
    if "teams" in includes:
        out["teams"] = [public(state.get("teams", t["id"])) for t in policy["teams"] if state.find("teams", t["id"])]
    if "targets" in includes:
        out["escalation_rules"] = [
            {**rule, "targets": [_target_object(state, t) for t in rule["targets"]]}
            for rule in policy["escalation_rules"]
        ]
    return out


def _target_object(state: Store, target: dict[str, Any]) -> dict[str, Any]:
    if target["type"].startswith("user"):
        return render_user(state, state.get("users", target["id"]))
    schedule = public(state.get("schedules", target["id"]))
    if "schedule_layers" in schedule:
        schedule["schedule_layers"] = [public(layer) for layer in schedule["schedule_layers"]]
    return schedule


@route("GET", "/escalation_policies")
def list_escalation_policies(ctx: Context) -> dict[str, Any]:
    state = ctx.state
    req = ctx.req
    query = req.arg("query")
    user_ids = set(req.array("user_ids"))
    team_ids = set(req.array("team_ids"))
    includes = req.enum_array("include", ("services", "teams", "targets"))
    sort_by = req.arg("sort_by", "name")
    if sort_by not in ("name", "name:asc", "name:desc"):
        raise bad_request(errors=["sort_by must be name, name:asc or name:desc"])

    def involves_user(policy: dict[str, Any]) -> bool:
        for rule in policy["escalation_rules"]:
            for target in rule["targets"]:
                if target["type"].startswith("user") and target["id"] in user_ids:
                    return True
                if target["type"].startswith("schedule") and state.find("schedules", target["id"]):
                    schedule = state.get("schedules", target["id"])
                    if any(u in user_ids for u in schedule_user_ids(schedule)):
                        return True
        return False

    policies = [
        p
        for p in state.all("escalation_policies")
        if matches_query(query, p["name"])
        and (not team_ids or any(t["id"] in team_ids for t in p["teams"]))
        and (not user_ids or involves_user(p))
    ]
    policies.sort(key=lambda p: p["name"].lower(), reverse=sort_by == "name:desc")
    page = paginate_offset(policies, req, "escalation_policies")
    page["escalation_policies"] = [_policy_json(state, p, includes) for p in page["escalation_policies"]]
    return page


@route("GET", "/escalation_policies/{id}")
def get_escalation_policy(ctx: Context) -> dict[str, Any]:
    includes = ctx.req.enum_array("include", ("services", "teams", "targets"))
    return {
        "escalation_policy": _policy_json(ctx.state, ctx.state.get("escalation_policies", ctx.params["id"]), includes)
    }


def _parse_rules(state: Store, raw: Any) -> list[dict[str, Any]]:
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
            kind = {
                "user_reference": "users",
                "user": "users",
                "schedule_reference": "schedules",
                "schedule_v3_reference": "schedules",
                "schedule": "schedules",
            }.get(str(target.get("type")) if isinstance(target, dict) else "")
            if kind is None or not target.get("id"):
                raise bad_request(
                    errors=[f"{where}.targets entries need an id and type user_reference or schedule_reference"]
                )
            refs.append(state.ref_to(kind, target["id"]))
        rules.append({"id": rule.get("id") or state.new_id(), "escalation_delay_in_minutes": delay, "targets": refs})
    return rules


@route("POST", "/escalation_policies")
def create_escalation_policy(ctx: Context) -> Reply:
    state = ctx.state
    ctx.acting_user(required=False)  # optional here ("only used for change tracking")
    data = ctx.req.entity("escalation_policy")
    if not data.get("name"):
        raise bad_request(errors=["name is required"])
    if any(p["name"].lower() == str(data["name"]).lower() for p in state.all("escalation_policies")):
        raise bad_request(errors=["Name has already been taken"])
    num_loops = data.get("num_loops", 0)
    if not isinstance(num_loops, int) or num_loops < 0 or num_loops > 9:
        raise bad_request(errors=["num_loops must be an integer from 0 to 9"])
    policy: dict[str, Any] = {
        "name": data["name"],
        "description": data.get("description") or "",
        "num_loops": num_loops,
        "on_call_handoff_notifications": data.get("on_call_handoff_notifications", "if_has_services"),
        "escalation_rules": _parse_rules(state, data.get("escalation_rules")),
        "services": [],
        "teams": [state.ref_to("teams", t["id"]) for t in data.get("teams") or []],
    }
    state.stamp("escalation_policies", policy, policy["name"])
    state.put("escalation_policies", policy)
    return Reply({"escalation_policy": public(policy)}, 201)


@route("PUT", "/escalation_policies/{id}")
def update_escalation_policy(ctx: Context) -> dict[str, Any]:
    state = ctx.state
    policy = state.get("escalation_policies", ctx.params["id"])
    data = ctx.req.entity("escalation_policy")
    rules = _parse_rules(state, data["escalation_rules"]) if "escalation_rules" in data else None
    teams = [state.ref_to("teams", t["id"]) for t in data.get("teams") or []] if "teams" in data else None
    if "num_loops" in data and (not isinstance(data["num_loops"], int) or not 0 <= data["num_loops"] <= 9):
        raise bad_request(errors=["num_loops must be an integer from 0 to 9"])
    if data.get("name"):
        policy["name"] = policy["summary"] = data["name"]
        state.refresh_summaries(policy)
    for key in ("description", "num_loops", "on_call_handoff_notifications"):
        if key in data:
            policy[key] = data[key]
    if rules is not None:
        policy["escalation_rules"] = rules
    if teams is not None:
        policy["teams"] = teams
    return {"escalation_policy": public(policy)}
