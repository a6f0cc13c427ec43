"""Who is on call: every escalation policy's levels, each user target, and whoever the schedules
they target put on call (computed from the schedules, never stored)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pagerduty_mcp.sandbox.model import oncall, users
from pagerduty_mcp.sandbox.model.schedules import window_entries
from pagerduty_mcp.sandbox.model.store import Store, public
from pagerduty_mcp.sandbox.protocol import bad_request, format_time, parse_time_zone

__all__ = ["INCLUDES", "MAX_RANGE", "check_targets", "expand", "on_call", "time_zone", "window"]

INCLUDES = ("escalation_policies", "users", "schedules")
MAX_RANGE = timedelta(days=90)


def check_targets(store: Store, schedule_ids: set[str], policy_ids: set[str]) -> None:
    """404 for a schedule or policy the filters name that the account does not have."""
    for ident in schedule_ids:
        store.get("schedules", ident)
    for ident in policy_ids:
        store.get("escalation_policies", ident)


def time_zone(store: Store, name: str | None) -> ZoneInfo:
    """The zone the answer is shown in: the one asked for, else the account's."""
    return parse_time_zone(name, store.account_time_zone)


def window(since: datetime | None, until: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    """From now (or ``since``) to ``until`` (or no later than now): who is on call now, by default."""
    since = since or now
    until = until or max(since, now)
    if until < since:
        raise bad_request(errors=["until must be after since"])
    if until - since > MAX_RANGE:
        raise bad_request(errors=["The range between since and until cannot exceed 90 days"])
    return since, until


def on_call(
    store: Store,
    since: datetime,
    until: datetime,
    zone: ZoneInfo,
    *,
    user_ids: set[str],
    schedule_ids: set[str],
    policy_ids: set[str],
    earliest: bool,
) -> list[dict[str, Any]]:
    """One entry per policy level and person on call in [since, until), by policy name, level,
    start and user; with ``earliest`` only each person's first at each level."""
    probe_until = until if until > since else since + timedelta(seconds=1)
    rendered_cache: dict[str, list[oncall.Entry]] = {}

    def shifts(schedule_id: str) -> list[oncall.Entry]:
        if schedule_id not in rendered_cache:
            rendered = window_entries(store, schedule_id, since, probe_until, overflow=True)
            rendered_cache[schedule_id] = rendered.final
        return rendered_cache[schedule_id]

    rows: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    policies = sorted(store.all("escalation_policies"), key=lambda p: p["name"])
    for policy in policies:
        if policy_ids and policy["id"] not in policy_ids:
            continue
        for level, rule in enumerate(policy["escalation_rules"], start=1):
            for target in rule["targets"]:
                if target["type"].startswith("user"):
                    if schedule_ids or (user_ids and target["id"] not in user_ids):
                        continue
                    rows.append(
                        (
                            (policy["name"], level, "", target["id"]),
                            _entry(store, policy, level, target["id"], None, None, None, zone),
                        )
                    )
                elif target["type"].startswith("schedule"):
                    if schedule_ids and target["id"] not in schedule_ids:
                        continue
                    for entry in shifts(target["id"]):
                        if user_ids and entry.user not in user_ids:
                            continue
                        rows.append(
                            (
                                (policy["name"], level, entry.start.isoformat(), entry.user),
                                _entry(store, policy, level, entry.user, target["id"], entry.start, entry.end, zone),
                            )
                        )
    rows.sort(key=lambda row: row[0])
    items = [row[1] for row in rows]
    if earliest:
        seen: set[tuple[str, int, str]] = set()
        kept = []
        for item in items:
            key = (item["escalation_policy"]["id"], item["escalation_level"], item["user"]["id"])
            if key not in seen:
                seen.add(key)
                kept.append(item)
        items = kept
    return items


def expand(store: Store, item: dict[str, Any], includes: list[str]) -> dict[str, Any]:
    """An entry with the objects ``include[]`` asks for in place of their references."""
    if "users" in includes:
        item["user"] = users.shown(store, store.get("users", item["user"]["id"]))
    if "schedules" in includes and item["schedule"] is not None:
        item["schedule"] = public(store.get("schedules", item["schedule"]["id"]))
        item["schedule"].pop("schedule_layers", None)
    if "escalation_policies" in includes:
        item["escalation_policy"] = public(store.get("escalation_policies", item["escalation_policy"]["id"]))
    return item


def _entry(
    store: Store,
    policy: dict[str, Any],
    level: int,
    user_id: str,
    schedule_id: str | None,
    start: datetime | None,
    end: datetime | None,
    zone: ZoneInfo,
) -> dict[str, Any]:
    return {
        "escalation_policy": store.ref(policy),
        "escalation_level": level,
        "schedule": store.ref_to("schedules", schedule_id) if schedule_id else None,
        "user": store.ref_to("users", user_id),
        "start": format_time(start, zone),
        "end": format_time(end, zone),
    }
