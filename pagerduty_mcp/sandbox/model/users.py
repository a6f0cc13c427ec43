"""Users: who they are, their contact methods and notification rules, their teams, and the
refusals PagerDuty gives when one is deleted.

PagerDuty answers a delete it will not do with ``400 Invalid Input Provided`` (code 2001) and the
reason in ``errors``: a user with open incidents assigned, a user who is the only one left on a
schedule layer or an escalation rule. The reasons here name what blocks, so that a caller can clear it.
"""

from __future__ import annotations

import re
from typing import Any

from pagerduty_mcp.sandbox.model.store import Store, public
from pagerduty_mcp.sandbox.protocol import bad_request, matches_query, parse_time_zone

__all__ = [
    "INCLUDES",
    "USER_ROLES",
    "blockers",
    "contact_methods",
    "create_user",
    "delete_user",
    "listed",
    "named_list",
    "notification_rules",
    "shown",
    "teams_of",
    "update_user",
    "user_by_email",
]

INCLUDES = ("contact_methods", "notification_rules", "teams", "subdomains")
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
_FIELDS = ("name", "email", "time_zone", "role", "job_title", "description", "color")


def user_by_email(store: Store, email: str) -> dict[str, Any] | None:
    lowered = email.lower()
    for user in store.all("users"):
        if user["email"].lower() == lowered:
            return user
    return None


def teams_of(store: Store, user_id: str) -> list[str]:
    return [team_id for team_id, members in store.memberships.items() if user_id in members]


def shown(store: Store, user: dict[str, Any], includes: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    """The user as the API shows it, with ``include[]`` expansions."""
    out = public(user)
    out["teams"] = [store.ref_to("teams", t) for t in teams_of(store, user["id"])]
    if "contact_methods" in includes:
        out["contact_methods"] = contact_methods(store, user)
    if "notification_rules" in includes:
        out["notification_rules"] = [
            public(store.get("notification_rules", r["id"])) for r in user["notification_rules"]
        ]
    if "teams" in includes:
        out["teams"] = [public(store.get("teams", t["id"])) for t in out["teams"]]
    return out


def listed(store: Store, query: str | None, team_ids: list[str]) -> list[dict[str, Any]]:
    """Users matching ``query`` (name or email) and in any of ``team_ids``, by name."""
    users = [
        u
        for u in store.all("users")
        if matches_query(query, u["name"], u["email"])
        and (not team_ids or any(t in teams_of(store, u["id"]) for t in team_ids))
    ]
    users.sort(key=lambda u: u["name"])
    return users


def contact_methods(store: Store, user: dict[str, Any]) -> list[dict[str, Any]]:
    return [public(store.get("contact_methods", c["id"])) for c in user["contact_methods"]]


def notification_rules(
    store: Store, user: dict[str, Any], urgency: str, with_contact_methods: bool
) -> list[dict[str, Any]]:
    """The user's rules for ``urgency`` (high, low or all), with their contact methods when asked."""
    rules = []
    for reference in user["notification_rules"]:
        rule = public(store.get("notification_rules", reference["id"]))
        if urgency != "all" and rule["urgency"] != urgency:
            continue
        if with_contact_methods:
            rule["contact_method"] = public(store.get("contact_methods", rule["contact_method"]["id"]))
        rules.append(rule)
    return rules


def _check_fields(store: Store, data: dict[str, Any], user_id: str | None) -> None:
    name, email = data.get("name"), data.get("email")
    if name is not None and (not isinstance(name, str) or not name.strip() or len(name) > 100):
        raise bad_request(errors=["Name can't be blank and must be at most 100 characters"])
    if email is not None:
        if not isinstance(email, str) or not _EMAIL.match(email) or not 6 <= len(email) <= 100:
            raise bad_request(errors=["Email is invalid"])
        other = user_by_email(store, email)
        if other is not None and other["id"] != user_id:
            raise bad_request(errors=["Email has already been taken"])
    if data.get("role") is not None and data["role"] not in USER_ROLES:
        raise bad_request(errors=[f"Role must be one of {', '.join(USER_ROLES)}"])
    if data.get("time_zone") is not None:
        parse_time_zone(str(data["time_zone"]))


def create_user(store: Store, data: dict[str, Any]) -> dict[str, Any]:
    """A new user from a create request's ``user`` (400 on bad input)."""
    if not data.get("name") or not data.get("email"):
        raise bad_request(errors=["name and email are required"])
    _check_fields(store, data, None)
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
        "_created": store.clock(),
    }
    store.stamp("users", user, user["name"])
    user["avatar_url"] = f"https://secure.gravatar.com/avatar/{user['id'].lower()}.png?d=mm&r=PG"
    return store.put("users", user)


def update_user(store: Store, user: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Apply the fields ``data`` gives; a rename shows wherever the user is referenced."""
    _check_fields(store, data, user["id"])
    for key in _FIELDS:
        if data.get(key) is not None:
            user[key] = data[key].strip() if key == "name" else data[key]
    if user["summary"] != user["name"]:
        user["summary"] = user["name"]
        store.refresh_summaries(user)
    return user


def named_list(names: list[str]) -> str:
    """Up to five names, and how many more."""
    more = f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
    return ", ".join(names[:_SHOWN]) + more


def blockers(store: Store, user_id: str) -> list[str]:
    """Why PagerDuty would refuse to delete the user: each reason names what blocks."""
    reasons = []
    open_incidents = [
        f"#{i['incident_number']} {i['title']}"
        for i in store.open_incidents_in()
        if any(a["assignee"]["id"] == user_id for a in i.get("assignments") or [])
    ]
    if open_incidents:
        reasons.append(
            f"User has {len(open_incidents)} open incident(s) assigned; resolve or reassign them first: "
            + named_list(open_incidents)
        )
    layers = [
        f"{s['name']} ({layer.get('name') or 'layer'})"
        for s in store.all("schedules")
        for layer in s.get("schedule_layers") or []
        if [u["user"]["id"] for u in layer["users"]] == [user_id]
    ]
    if layers:
        reasons.append(f"User is the only person on schedule layer(s): {named_list(layers)}")
    rules = [
        f"{p['name']} (level {n})"
        for p in store.all("escalation_policies")
        for n, rule in enumerate(p["escalation_rules"], start=1)
        if [t["id"] for t in rule["targets"]] == [user_id]
    ]
    if rules:
        reasons.append(f"User is the only target of escalation rule(s): {named_list(rules)}")
    return reasons


def delete_user(store: Store, user_id: str, caller_id: str | None) -> None:
    """Delete the user and every place that names them, or refuse (400) with what blocks."""
    user = store.get("users", user_id)
    reasons = blockers(store, user["id"])
    if caller_id == user["id"]:
        reasons.append("A user cannot delete themselves")
    if reasons:
        raise bad_request(errors=reasons)
    ident = user["id"]
    store.remove("users", ident)
    for members in store.memberships.values():
        members.pop(ident, None)
    for schedule in store.all("schedules"):
        for layer in schedule.get("schedule_layers") or []:
            layer["users"] = [u for u in layer["users"] if u["user"]["id"] != ident]
    for policy in store.all("escalation_policies"):
        for rule in policy["escalation_rules"]:
            rule["targets"] = [t for t in rule["targets"] if t["id"] != ident]
    for override in [o for o in store.all("overrides") if o["user"]["id"] == ident]:
        store.remove("overrides", override["id"])
