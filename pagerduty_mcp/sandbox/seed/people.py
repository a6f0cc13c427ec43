"""The seed account's people and on-call: users with their contact methods and
notification rules, teams, layered schedules with overrides, and escalation policies."""

from __future__ import annotations

from copy import deepcopy
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pagerduty_mcp.sandbox.model import oncall
from pagerduty_mcp.sandbox.model.notifications import build_contact_method, build_notification_rule
from pagerduty_mcp.sandbox.model.schedules import add_override
from pagerduty_mcp.sandbox.model.store import Store
from pagerduty_mcp.sandbox.model.users import teams_of
from pagerduty_mcp.sandbox.protocol import format_time
from pagerduty_mcp.sandbox.seed import data
from pagerduty_mcp.sandbox.seed.data import Ids

__all__ = ["add_escalation_policies", "add_schedules", "add_teams", "add_users"]


# -- people --------------------------------------------------------------------------------------
def add_users(store: Store, now: datetime) -> Ids:
    ids: Ids = {}
    for name, spec in data.USERS.items():
        user_id = store.new_id()
        user: dict[str, Any] = {
            "id": user_id,
            "name": name,
            "email": f"{spec.email}@{data.EMAIL_DOMAIN}",
            "time_zone": spec.time_zone,
            "color": spec.color,
            "role": spec.role,
            "avatar_url": f"https://secure.gravatar.com/avatar/{user_id.lower()}.png?d=mm&r=PG",
            "description": f"{spec.job_title} at {data.ACCOUNT_NAME}",
            "invitation_sent": False,
            "job_title": spec.job_title,
            "created_via_sso": False,
            "teams": [],
            "contact_methods": [],
            "notification_rules": [],
            "_created": now - timedelta(days=spec.joined_days_ago),
        }
        store.stamp("users", user, name)
        store.put("users", user)
        _contact_methods(store, user, spec)
        ids[name] = user_id
    return ids


def _contact_methods(store: Store, user: dict[str, Any], spec: data.User) -> None:
    """Email, phone and SMS (and push, for some), with the notification rules that use them."""
    methods: list[tuple[str, str, str, int | None]] = [
        ("email_contact_method", "Work", user["email"], None),
        ("phone_contact_method", "Mobile", spec.phone, 1),
        ("sms_contact_method", "Mobile", spec.phone, 1),
    ]
    if spec.push:
        methods.append(("push_notification_contact_method", "iPhone", f"device-{user['id'].lower()}", None))
    by_type: dict[str, dict[str, Any]] = {}
    for type_, label, address, country in methods:
        device = "ios" if type_ == "push_notification_contact_method" else None
        by_type[type_] = build_contact_method(
            store, user, type_, label, address, country_code=country, device_type=device, created=user["_created"]
        )
    rules = [
        ("high", 0, "email_contact_method"),
        ("high", 5, "phone_contact_method"),
        ("low", 0, "email_contact_method"),
    ]
    if spec.push:
        rules.insert(1, ("high", 0, "push_notification_contact_method"))
    for urgency, delay, method_type in rules:
        build_notification_rule(store, user, by_type[method_type], urgency, delay)


def add_teams(store: Store, users: Ids) -> Ids:
    ids: Ids = {}
    for name, spec in data.TEAMS.items():
        team: dict[str, Any] = {
            "id": store.new_id(),
            "name": name,
            "description": spec.description,
            "default_role": "manager",
            "parent": None,
        }
        store.stamp("teams", team, name)
        store.put("teams", team)
        store.memberships[team["id"]] = {users[member]: role for member, role in spec.members.items()}
        ids[name] = team["id"]
    for user_id in users.values():
        store.get("users", user_id)["teams"] = [store.ref_to("teams", t) for t in teams_of(store, user_id)]
    return ids


# -- schedules and escalation --------------------------------------------------------------------
def _at(local: str, zone: ZoneInfo, base: datetime) -> datetime:
    """``base``'s local date at ``HH:MM`` in ``zone``."""
    hours, minutes = (int(p) for p in local.split(":"))
    return base.astimezone(zone).replace(hour=hours, minute=minutes, second=0, microsecond=0)


def _layer_users(spec: data.Layer, zone: ZoneInfo, start: datetime, now: datetime) -> list[str]:
    """The layer's user names in rotation order; when asked, rotated so the first named user
    holds the turn that covers ``now``."""
    names = list(spec.users)
    if not spec.first_user_on_call_now:
        return names
    positions = tuple(str(i) for i in range(len(names)))
    probe = oncall.Layer(start, start, spec.turn_seconds, positions)
    position = int(oncall.render_layer(probe, zone, now, now + timedelta(seconds=1))[0].user)
    return [names[(i - position) % len(names)] for i in range(len(names))]


def _layer(store: Store, spec: data.Layer, zone: ZoneInfo, start: datetime, users: list[str]) -> dict[str, Any]:
    return {
        "id": store.new_id(),
        "name": spec.name,
        "start": format_time(start, zone),
        "end": None,
        "rotation_virtual_start": format_time(start, zone),
        "rotation_turn_length_seconds": spec.turn_seconds,
        "users": [{"user": store.ref_to("users", u)} for u in users],
        "restrictions": deepcopy(list(spec.restrictions)),
        "_start": start,
        "_end": None,
        "_rotation_virtual_start": start,
    }


def add_schedules(store: Store, users: Ids, teams: Ids, now: datetime) -> Ids:
    # every "monday" anchor is this week's Monday in Berlin, whatever the schedule's zone
    monday = now - timedelta(days=now.astimezone(ZoneInfo("Europe/Berlin")).weekday())
    anchors = {"monday": monday, "today": now}
    ids: Ids = {}
    for name, spec in data.SCHEDULES.items():
        zone = ZoneInfo(spec.time_zone)
        start = _at(spec.hand_off, zone, anchors[spec.anchor]) - timedelta(days=spec.start_days_ago)
        layers = [
            _layer(store, layer, zone, start, [users[u] for u in _layer_users(layer, zone, start, now)])
            for layer in spec.layers
        ]
        schedule: dict[str, Any] = {
            "id": store.new_id(),
            "name": name,
            "time_zone": spec.time_zone,
            "description": spec.description,
            "schedule_layers": layers,
            "_team_ids": [teams[spec.team]],
        }
        store.stamp("schedules", schedule, name)
        store.put("schedules", schedule)
        ids[name] = schedule["id"]
    hour = now.replace(minute=0, second=0)  # overrides fall on whole hours
    for override in data.OVERRIDES:
        add_override(
            store,
            ids[override.schedule],
            users[override.user],
            hour + timedelta(hours=override.start_hours),
            hour + timedelta(hours=override.end_hours),
            created=now - timedelta(days=override.created_days_ago),
        )
    return ids


def add_escalation_policies(store: Store, users: Ids, teams: Ids, schedules: Ids) -> Ids:
    ids_of = {"users": users, "schedules": schedules}
    ids: Ids = {}
    for name, spec in data.ESCALATION_POLICIES.items():
        policy: dict[str, Any] = {
            "id": store.new_id(),
            "name": name,
            "description": spec.description,
            "num_loops": spec.num_loops,
            "on_call_handoff_notifications": "if_has_services",
            "escalation_rules": [
                {
                    "id": store.new_id(),
                    "escalation_delay_in_minutes": delay,
                    "targets": [store.ref_to(kind, ids_of[kind][target]) for kind, target in targets],
                }
                for delay, targets in spec.rules
            ],
            "services": [],
            "teams": [store.ref_to("teams", teams[spec.team])],
        }
        store.stamp("escalation_policies", policy, name)
        store.put("escalation_policies", policy)
        ids[name] = policy["id"]
    return ids
