"""Creating, changing and deleting users, and deleting escalation policies, with PagerDuty's refusals.

PagerDuty answers a delete it will not do with ``400 Invalid Input Provided`` (code 2001) and the
reason in ``errors``: a user with open incidents assigned, a user who is the only one left on a
schedule layer or an escalation rule, a policy that services still use. The reasons here name what
blocks, so that a caller can clear it.
"""

from __future__ import annotations

import re
from typing import Any

from pagerduty_mcp.sandbox.model.store import Store
from pagerduty_mcp.sandbox.model.users import user_by_email
from pagerduty_mcp.sandbox.protocol import Reply, bad_request, parse_time_zone
from pagerduty_mcp.sandbox.router import Context, route
from pagerduty_mcp.sandbox.routes.users import render_user

__all__ = ["USER_ROLES", "user_blockers"]

USER_ROLES = (
    "admin",
    "limited_user",
    "observer",
    "owner",
    "read_only_user",
    "restricted_access",
    "read_only_limited_user",
    "user",
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SHOWN = 5  # blockers named in one reason; the rest are counted


def _listed(names: list[str]) -> str:
    more = f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
    return ", ".join(names[:_SHOWN]) + more


def _check_fields(state: Store, data: dict[str, Any], user_id: str | None) -> None:
    name, email = data.get("name"), data.get("email")
    if name is not None and (not isinstance(name, str) or not name.strip() or len(name) > 100):
        raise bad_request(errors=["Name can't be blank and must be at most 100 characters"])
    if email is not None:
        if not isinstance(email, str) or not _EMAIL.match(email) or not 6 <= len(email) <= 100:
            raise bad_request(errors=["Email is invalid"])
        other = user_by_email(state, email)
        if other is not None and other["id"] != user_id:
            raise bad_request(errors=["Email has already been taken"])
    if data.get("role") is not None and data["role"] not in USER_ROLES:
        raise bad_request(errors=[f"Role must be one of {', '.join(USER_ROLES)}"])
    if data.get("time_zone") is not None:
        parse_time_zone(str(data["time_zone"]))


_FIELDS = ("name", "email", "time_zone", "role", "job_title", "description", "color")


@route("POST", "/users")
def create_user(ctx: Context) -> Reply:
    state = ctx.state
    ctx.acting_user()
    data = ctx.req.entity("user")
    if not data.get("name") or not data.get("email"):
        raise bad_request(errors=["name and email are required"])
    _check_fields(state, data, None)
    user: dict[str, Any] = {
        "name": data["name"].strip(),
        "email": data["email"],
        "time_zone": data.get("time_zone") or "Etc/UTC",
        "color": data.get("color") or "green",
        "role": data.get("role") or "user",
        "description": data.get("description"),
        "invitation_sent": True,
        "job_title": data.get("job_title") or "",
        "created_via_sso": False,
        "teams": [],
        "contact_methods": [],
        "notification_rules": [],
        "_created": state.clock(),
    }
    state.stamp("users", user, user["name"])
    user["avatar_url"] = f"https://secure.gravatar.com/avatar/{user['id'].lower()}.png?d=mm&r=PG"
    state.put("users", user)
    return Reply({"user": render_user(state, user)}, 201)


@route("PUT", "/users/{id}")
def update_user(ctx: Context) -> dict[str, Any]:
    state = ctx.state
    user = state.get("users", ctx.params["id"])
    data = ctx.req.entity("user")
    _check_fields(state, data, user["id"])
    for key in _FIELDS:
        if data.get(key) is not None:
            user[key] = data[key].strip() if key == "name" else data[key]
    if user["summary"] != user["name"]:
        user["summary"] = user["name"]
        state.refresh_summaries(user)
    return {"user": render_user(state, user)}


def user_blockers(state: Store, user_id: str) -> list[str]:
    """Why PagerDuty would refuse to delete the user: each reason names what blocks."""
    reasons = []
    open_incidents = [
        f"#{i['incident_number']} {i['title']}"
        for ids in state.open_incidents.values()
        for i in (state.tables["incidents"][x] for x in ids)
        if any(a["assignee"]["id"] == user_id for a in i.get("assignments") or [])
    ]
    if open_incidents:
        reasons.append(
            f"User has {len(open_incidents)} open incident(s) assigned; resolve or reassign them first: "
            + _listed(open_incidents)
        )
    layers = [
        f"{s['name']} ({layer.get('name') or 'layer'})"
        for s in state.all("schedules")
        for layer in s.get("schedule_layers") or []
        if [u["user"]["id"] for u in layer["users"]] == [user_id]
    ]
    if layers:
        reasons.append(f"User is the only person on schedule layer(s): {_listed(layers)}")
    rules = [
        f"{p['name']} (level {n})"
        for p in state.all("escalation_policies")
        for n, rule in enumerate(p["escalation_rules"], start=1)
        if [t["id"] for t in rule["targets"]] == [user_id]
    ]
    if rules:
        reasons.append(f"User is the only target of escalation rule(s): {_listed(rules)}")
    return reasons


@route("DELETE", "/users/{id}")
def delete_user(ctx: Context) -> Reply:
    state = ctx.state
    user = state.get("users", ctx.params["id"])
    reasons = user_blockers(state, user["id"])
    if ctx.principal is not None and ctx.principal.user_id == user["id"]:
        reasons.append("A user cannot delete themselves")
    if reasons:
        raise bad_request(errors=reasons)
    ident = user["id"]
    del state.tables["users"][ident]
    for members in state.memberships.values():
        members.pop(ident, None)
    for schedule in state.all("schedules"):
        for layer in schedule.get("schedule_layers") or []:
            layer["users"] = [u for u in layer["users"] if u["user"]["id"] != ident]
    for policy in state.all("escalation_policies"):
        for rule in policy["escalation_rules"]:
            rule["targets"] = [t for t in rule["targets"] if t["id"] != ident]
    for override in [o for o in state.all("overrides") if o["user"]["id"] == ident]:
        del state.tables["overrides"][override["id"]]
    return Reply(None, 204)


@route("DELETE", "/escalation_policies/{id}")
def delete_escalation_policy(ctx: Context) -> Reply:
    state = ctx.state
    policy = state.get("escalation_policies", ctx.params["id"])
    users = sorted(s["name"] for s in state.all("services") if s["escalation_policy"]["id"] == policy["id"])
    if users:
        raise bad_request(
            errors=[f"Escalation policy is in use by {len(users)} service(s); move them first: {_listed(users)}"]
        )
    del state.tables["escalation_policies"][policy["id"]]
    return Reply(None, 204)
