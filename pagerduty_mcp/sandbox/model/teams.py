"""Teams and their members (each with a team role)."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model import users
from pagerduty_mcp.sandbox.model.store import Store, public
from pagerduty_mcp.sandbox.protocol import bad_request, matches_query, not_found

__all__ = [
    "TEAM_ROLES",
    "add_member",
    "create_team",
    "default_role",
    "delete_team",
    "listed",
    "member_view",
    "members",
    "remove_member",
    "shown",
    "update_team",
]

TEAM_ROLES = ("observer", "responder", "manager")


def listed(store: Store, query: str | None) -> list[dict[str, Any]]:
    return sorted((t for t in store.all("teams") if matches_query(query, t["name"])), key=lambda t: t["name"])


def _check_fields(store: Store, data: dict[str, Any], exclude: str | None = None) -> None:
    name = data.get("name")
    if name is not None:
        if not isinstance(name, str) or not name.strip():
            raise bad_request(errors=["Name can't be blank"])
        if any(t["name"].lower() == name.strip().lower() and t["id"] != exclude for t in store.all("teams")):
            raise bad_request(errors=["Name has already been taken"])
    if "description" in data and data["description"] is not None and not isinstance(data["description"], str):
        raise bad_request(errors=["description must be a string"])
    parent = data.get("parent")
    if parent is not None:
        if not isinstance(parent, dict) or "id" not in parent:
            raise bad_request(errors=["parent must be a team reference"])
        store.get("teams", parent["id"])


def create_team(store: Store, data: dict[str, Any]) -> dict[str, Any]:
    if not data.get("name"):
        raise bad_request(errors=["Name can't be blank"])
    _check_fields(store, data)
    team: dict[str, Any] = {
        "name": data["name"].strip(),
        "description": data.get("description") or "",
        "default_role": data.get("default_role", "manager"),
        "parent": store.ref_to("teams", data["parent"]["id"]) if data.get("parent") else None,
    }
    store.stamp("teams", team, team["name"])
    store.put("teams", team)
    store.memberships[team["id"]] = {}
    return team


def update_team(store: Store, team: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    _check_fields(store, data, exclude=team["id"])
    if data.get("name"):
        team["name"] = team["summary"] = data["name"].strip()
    if "description" in data:
        team["description"] = data["description"] or ""
    if "parent" in data:
        team["parent"] = store.ref_to("teams", data["parent"]["id"]) if data["parent"] else None
    store.refresh_summaries(team)
    return team


def delete_team(store: Store, team_id: str, reassignment_team: str | None) -> None:
    """Delete the team; its services, policies and schedules stop naming it."""
    team = store.get("teams", team_id)
    if reassignment_team:
        store.get("teams", reassignment_team)
    store.remove("teams", team["id"])
    store.memberships.pop(team["id"], None)
    for kind in ("services", "escalation_policies"):
        for obj in store.all(kind):
            obj["teams"] = [t for t in obj.get("teams", []) if t["id"] != team["id"]]
    for schedule in store.all("schedules"):
        schedule["_team_ids"] = [t for t in schedule.get("_team_ids", []) if t != team["id"]]


def members(store: Store, team: dict[str, Any]) -> list[tuple[str, str]]:
    """(user id, role) of each member, by the user's name."""
    return sorted(store.memberships.get(team["id"], {}).items(), key=lambda m: store.get("users", m[0])["name"])


def member_view(store: Store, user_id: str, role: str, with_user: bool) -> dict[str, Any]:
    user = users.shown(store, store.get("users", user_id)) if with_user else store.ref_to("users", user_id)
    return {"user": user, "role": role}


def default_role(team: dict[str, Any]) -> Any:
    """The role a member gets when none is asked for (as stored, checked when it is used)."""
    return team.get("default_role", "manager")


def add_member(store: Store, team: dict[str, Any], user: dict[str, Any], role: Any) -> None:
    if role not in TEAM_ROLES:
        raise bad_request(errors=[f"role must be one of {', '.join(TEAM_ROLES)}"])
    store.memberships.setdefault(team["id"], {})[user["id"]] = role


def remove_member(store: Store, team: dict[str, Any], user: dict[str, Any]) -> None:
    team_members = store.memberships.get(team["id"], {})
    if user["id"] not in team_members:
        raise not_found("team member", user["id"])
    del team_members[user["id"]]


def shown(team: dict[str, Any]) -> dict[str, Any]:
    return public(team)
