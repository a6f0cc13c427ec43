"""Who is on call: ``/oncalls``, computed from escalation policies and rendered schedules."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pagerduty_mcp.sandbox.model import oncall
from pagerduty_mcp.sandbox.model.store import Store, public
from pagerduty_mcp.sandbox.protocol import bad_request, format_time, paginate_offset, parse_time_zone
from pagerduty_mcp.sandbox.router import Context, route
from pagerduty_mcp.sandbox.routes.schedules import schedule_window_entries
from pagerduty_mcp.sandbox.routes.users import render_user

__all__: list[str] = []

ONCALL_INCLUDES = ("escalation_policies", "users", "schedules")
MAX_ONCALL_RANGE = timedelta(days=90)


@route("GET", "/oncalls")
def list_oncalls(ctx: Context) -> dict[str, Any]:
    state = ctx.state
    req = ctx.req
    includes = req.enum_array("include", ONCALL_INCLUDES)
    user_ids = set(req.array("user_ids"))
    schedule_ids = set(req.array("schedule_ids"))
    policy_ids = set(req.array("escalation_policy_ids"))
    for ident in schedule_ids:
        state.get("schedules", ident)
    for ident in policy_ids:
        state.get("escalation_policies", ident)
    earliest = req.flag("earliest")
    zone = parse_time_zone(req.arg("time_zone"), state.account_time_zone)
    now = ctx.now
    since = req.time("since") or now
    until = req.time("until") or max(since, now)
    if until < since:
        raise bad_request(errors=["until must be after since"])
    if until - since > MAX_ONCALL_RANGE:
        raise bad_request(errors=["The range between since and until cannot exceed 90 days"])
    probe_until = until if until > since else since + timedelta(seconds=1)
    rendered_cache: dict[str, list[oncall.Entry]] = {}

    def shifts(schedule_id: str) -> list[oncall.Entry]:
        if schedule_id not in rendered_cache:
            rendered = schedule_window_entries(state, schedule_id, since, probe_until, overflow=True)
            rendered_cache[schedule_id] = rendered.final
        return rendered_cache[schedule_id]

    rows: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    policies = sorted(state.all("escalation_policies"), key=lambda p: p["name"])
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
                            _oncall(state, policy, level, target["id"], None, None, None, zone),
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
                                _oncall(state, policy, level, entry.user, target["id"], entry.start, entry.end, zone),
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
    page = paginate_offset(items, req, "oncalls")
    for item in page["oncalls"]:
        if "users" in includes:
            item["user"] = render_user(state, state.get("users", item["user"]["id"]))
        if "schedules" in includes and item["schedule"] is not None:
            item["schedule"] = public(state.get("schedules", item["schedule"]["id"]))
            item["schedule"].pop("schedule_layers", None)
        if "escalation_policies" in includes:
            item["escalation_policy"] = public(state.get("escalation_policies", item["escalation_policy"]["id"]))
    return page


def _oncall(
    state: Store,
    policy: dict[str, Any],
    level: int,
    user_id: str,
    schedule_id: str | None,
    start: datetime | None,
    end: datetime | None,
    zone: ZoneInfo,
) -> dict[str, Any]:
    return {
        "escalation_policy": state.ref(policy),
        "escalation_level": level,
        "schedule": state.ref_to("schedules", schedule_id) if schedule_id else None,
        "user": state.ref_to("users", user_id),
        "start": format_time(start, zone),
        "end": format_time(end, zone),
    }
