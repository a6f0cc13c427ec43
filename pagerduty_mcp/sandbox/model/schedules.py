"""Layered schedules and their overrides: who a schedule puts on call, rendered from its layers.

Shift-based (v3) schedules share the ``schedules`` table (``_kind: "shifts"``) and render through
:mod:`.shifts`, so escalation policies and ``/oncalls`` treat both kinds alike; the v2 endpoints
see only layered ones (:func:`layered`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pagerduty_mcp.sandbox.model import oncall, shifts
from pagerduty_mcp.sandbox.model.store import Store, public
from pagerduty_mcp.sandbox.protocol import (
    ApiError,
    bad_request,
    format_time,
    matches_query,
    not_found,
    parse_time,
    parse_time_zone,
)

__all__ = [
    "SHIFT_MARGIN",
    "add_override",
    "add_overrides",
    "create_schedule",
    "delete_override",
    "delete_schedule",
    "detail_window",
    "layer_model",
    "layered",
    "listed",
    "on_call_user_ids",
    "override_view",
    "overrides_in",
    "overrides_of",
    "overrides_window",
    "parse_override",
    "policies_naming",
    "refuse_if_used",
    "render_schedule",
    "schedule_user_ids",
    "shown",
    "update_schedule",
    "window_entries",
]

# On-call shifts are reported whole; rendering this far either side of the window finds their edges.
SHIFT_MARGIN = timedelta(days=8)


def render_schedule(store: Store, schedule_id: str, since: datetime, until: datetime) -> oncall.Rendered:
    schedule = store.get("schedules", schedule_id)
    if schedule.get("_kind") == "shifts":
        # Shift-based: no layers; several people may be on call at once, each kept contiguous.
        spans: dict[str, list[oncall.Entry]] = {}
        for item in shifts.schedule_assignments(schedule, since, until):
            if item.user is not None:
                spans.setdefault(item.user, []).append(oncall.Entry(item.user, item.start, item.end))
        final = [e for entries in spans.values() for e in _merge_spans(entries)]
        return oncall.Rendered([], [], sorted(final, key=lambda e: (e.start, e.user)))
    zone = ZoneInfo(schedule["time_zone"])
    layers = [layer_model(layer) for layer in schedule["schedule_layers"]]
    overrides = [
        oncall.Override(o["_start"], o["_end"], o["user"]["id"], o["id"]) for o in overrides_of(store, schedule_id)
    ]
    return oncall.render_schedule(layers, overrides, zone, since, until)


def schedule_user_ids(schedule: dict[str, Any]) -> list[str]:
    """The users a schedule names (its layers, or a shift-based one's events and custom shifts)."""
    if schedule.get("_kind") == "shifts":
        members = [m for r in schedule["_rotations"] for e in r["events"] for m in e["assignment_strategy"]["members"]]
        members += [s["assignments"][0]["member"] for s in schedule["_custom_shifts"]]
        return list(dict.fromkeys(m["user_id"] for m in members if m.get("user_id")))
    return list(dict.fromkeys(u["user"]["id"] for layer in schedule["schedule_layers"] for u in layer["users"]))


def overrides_of(store: Store, schedule_id: str) -> list[dict[str, Any]]:
    return sorted(
        (o for o in store.all("overrides") if o["_schedule_id"] == schedule_id),
        key=lambda o: (o["_start"], o["_created"]),
    )


def add_override(
    store: Store, schedule_id: str, user_id: str, start: datetime, end: datetime, created: datetime | None = None
) -> dict[str, Any]:
    schedule = store.get("schedules", schedule_id)
    user = store.get("users", user_id)
    zone = ZoneInfo(schedule["time_zone"])
    override = {
        "id": store.new_id(),
        "type": "override",
        "start": format_time(start, zone),
        "end": format_time(end, zone),
        "user": store.ref(user),
        "_schedule_id": schedule_id,
        "_start": start,
        "_end": end,
        "_created": created or store.clock(),
    }
    return store.put("overrides", override)


def layer_model(layer: dict[str, Any]) -> oncall.Layer:
    """The on-call engine's view of a stored schedule layer."""
    return oncall.Layer(
        start=layer["_start"],
        end=layer.get("_end"),
        rotation_virtual_start=layer["_rotation_virtual_start"],
        rotation_turn_length_seconds=int(layer["rotation_turn_length_seconds"]),
        users=tuple(u["user"]["id"] for u in layer["users"]),
        restrictions=tuple(
            oncall.Restriction(
                r["type"], r["start_time_of_day"], int(r["duration_seconds"]), r.get("start_day_of_week")
            )
            for r in layer.get("restrictions", [])
        ),
        id=layer.get("id", ""),
    )


def _merge_spans(entries: list[oncall.Entry]) -> list[oncall.Entry]:
    """One user's entries with overlapping or touching ones joined."""
    merged: list[oncall.Entry] = []
    for entry in sorted(entries, key=lambda e: e.start):
        if merged and entry.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = oncall.Entry(last.user, last.start, max(last.end, entry.end))
        else:
            merged.append(entry)
    return merged


# -- what the v2 endpoints show ---------------------------------------------------------------------
def layered(store: Store, ident: str) -> dict[str, Any]:
    """A layer-based schedule: the v2 endpoints do not see shift-based (v3) ones."""
    schedule = store.get("schedules", ident)
    if "schedule_layers" not in schedule:
        raise not_found("schedule", ident)
    return schedule


def policies_naming(store: Store, schedule: dict[str, Any]) -> list[dict[str, Any]]:
    """The escalation policies with the schedule among their targets."""
    return [
        p
        for p in store.all("escalation_policies")
        if any(t["id"] == schedule["id"] for r in p["escalation_rules"] for t in r["targets"])
    ]


def refuse_if_used(store: Store, schedule: dict[str, Any]) -> None:
    """PagerDuty refuses to delete a schedule an escalation policy targets, and names the policies."""
    using = policies_naming(store, schedule)
    if using:
        named = ", ".join(f"{p['name']} ({p['id']})" for p in using)
        raise ApiError(
            400,
            "Schedule can't be deleted",
            errors=[f"The schedule is used by escalation policies: {named}. Remove it from them first."],
        )


def window_entries(
    store: Store, schedule_id: str, since: datetime, until: datetime, overflow: bool = False
) -> oncall.Rendered:
    """The schedule rendered over [since, until); with ``overflow`` entries keep their whole span."""
    if not overflow:
        return render_schedule(store, schedule_id, since, until)
    wide = render_schedule(store, schedule_id, since - SHIFT_MARGIN, until + SHIFT_MARGIN)

    def keep(entries: list[oncall.Entry]) -> list[oncall.Entry]:
        return [e for e in entries if e.end > since and e.start < until]

    return oncall.Rendered([keep(x) for x in wide.layers], keep(wide.overrides), keep(wide.final))


def _entry_json(store: Store, entry: oncall.Entry, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "user": store.ref_to("users", entry.user),
        "start": format_time(entry.start, zone),
        "end": format_time(entry.end, zone),
    }


def shown(
    store: Store,
    schedule: dict[str, Any],
    since: datetime | None,
    until: datetime | None,
    zone: ZoneInfo,
    overflow: bool = False,
) -> dict[str, Any]:
    """The schedule as the API shows it; with a window, each layer, the overrides and the final
    schedule rendered over it."""
    out = public(schedule)
    out["schedule_layers"] = []
    rendered: oncall.Rendered | None = None
    if since is not None and until is not None:
        rendered = window_entries(store, schedule["id"], since, until, overflow)
    for index, layer in enumerate(schedule["schedule_layers"]):
        data = public(layer)
        data["start"] = format_time(layer["_start"], zone)
        data["rotation_virtual_start"] = format_time(layer["_rotation_virtual_start"], zone)
        data["end"] = format_time(layer["_end"], zone) if layer.get("_end") else None
        if rendered is not None and since is not None and until is not None:
            entries = rendered.layers[index]
            data["rendered_schedule_entries"] = [_entry_json(store, e, zone) for e in entries]
            data["rendered_coverage_percentage"] = oncall.coverage_percentage(entries, since, until)
        else:
            data["rendered_schedule_entries"] = []
            data["rendered_coverage_percentage"] = None
        out["schedule_layers"].append(data)
    for name, key, attr in (
        ("Final Schedule", "final_schedule", "final"),
        ("Overrides", "overrides_subschedule", "overrides"),
    ):
        sub: dict[str, Any] = {"name": name, "rendered_schedule_entries": [], "rendered_coverage_percentage": None}
        if rendered is not None and since is not None and until is not None:
            entries = getattr(rendered, attr)
            sub["rendered_schedule_entries"] = [_entry_json(store, e, zone) for e in entries]
            sub["rendered_coverage_percentage"] = oncall.coverage_percentage(entries, since, until)
        out[key] = sub
    out["users"] = [
        store.ref_to("users", uid)
        for uid in dict.fromkeys(u["user"]["id"] for layer in schedule["schedule_layers"] for u in layer["users"])
    ]
    out["escalation_policies"] = [store.ref(p) for p in policies_naming(store, schedule)]
    out["teams"] = [store.ref_to("teams", t) for t in schedule.get("_team_ids", []) if store.find("teams", t)]
    return out


def detail_window(
    since: datetime | None, until: datetime | None, now: datetime
) -> tuple[datetime | None, datetime | None]:
    """The window a schedule is rendered over: none unless asked; from now, for two weeks, by default."""
    if since is None and until is None:
        return None, None
    if since is None:
        since = now
    if until is None:
        until = since + timedelta(weeks=2)
    if until < since:
        raise bad_request(errors=["until must be after since"])
    return since, until


def listed(store: Store, shift_based: bool, query: str | None, team_ids: list[str]) -> list[dict[str, Any]]:
    """Schedules of one kind matching ``query`` and ``team_ids``, by name: what ``GET /schedules``
    and ``GET /v3/schedules`` page through."""
    teams = set(team_ids)
    return sorted(
        (
            s
            for s in store.all("schedules")
            if (s.get("_kind") == "shifts") == shift_based
            and matches_query(query, s["name"])
            and (not teams or teams & set(s.get("_team_ids", [])))
        ),
        key=lambda s: s["name"],
    )


def on_call_user_ids(store: Store, schedule: dict[str, Any], since: datetime, until: datetime) -> list[str]:
    """Who the final schedule puts on call over [since, until), in order of their first turn."""
    if until < since:
        raise bad_request(errors=["until must be after since"])
    rendered = render_schedule(store, schedule["id"], since, until)
    return list(dict.fromkeys(e.user for e in rendered.final))


# -- writing layered schedules --------------------------------------------------------------------
def _parse_layers(store: Store, raw: Any, existing: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        raise bad_request(errors=["schedule_layers must be a non-empty array"])
    by_id = {layer["id"]: layer for layer in existing or []}
    layers: list[dict[str, Any]] = []
    for position, item in enumerate(raw):
        where = f"schedule_layers[{position}]"
        if not isinstance(item, dict):
            raise bad_request(errors=[f"{where} must be an object"])
        for key in ("start", "rotation_virtual_start", "rotation_turn_length_seconds", "users"):
            if item.get(key) in (None, "", []):
                raise bad_request(errors=[f"{where}.{key} is required"])
        start = parse_time(str(item["start"]), f"{where}.start")
        virtual = parse_time(str(item["rotation_virtual_start"]), f"{where}.rotation_virtual_start")
        end = parse_time(str(item["end"]), f"{where}.end") if item.get("end") else None
        if end is not None and end <= start:
            raise bad_request(errors=[f"{where}.end must be after start"])
        turn = item["rotation_turn_length_seconds"]
        if not isinstance(turn, int) or isinstance(turn, bool) or not 3600 <= turn <= 365 * 86400:
            raise bad_request(errors=[f"{where}.rotation_turn_length_seconds must be an integer from 3600 to 31536000"])
        users = []
        for member in item["users"]:
            user_ref = member.get("user") if isinstance(member, dict) else None
            if not isinstance(user_ref, dict) or "id" not in user_ref:
                raise bad_request(
                    errors=[f'{where}.users entries must look like {{"user": {{"id": ..., "type": "user_reference"}}}}']
                )
            users.append({"user": store.ref_to("users", user_ref["id"])})
        restrictions = [
            _parse_restriction(r, f"{where}.restrictions[{i}]") for i, r in enumerate(item.get("restrictions") or [])
        ]
        layer_id = item.get("id") if item.get("id") in by_id else store.new_id()
        layers.append(
            {
                "id": layer_id,
                "name": item.get("name") or f"Layer {position + 1}",
                "start": format_time(start),
                "end": format_time(end) if end else None,
                "rotation_virtual_start": format_time(virtual),
                "rotation_turn_length_seconds": turn,
                "users": users,
                "restrictions": restrictions,
                "_start": start,
                "_end": end,
                "_rotation_virtual_start": virtual,
            }
        )
    return layers


def _parse_restriction(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise bad_request(errors=[f"{where} must be an object"])
    kind = raw.get("type")
    if kind not in ("daily_restriction", "weekly_restriction"):
        raise bad_request(errors=[f"{where}.type must be daily_restriction or weekly_restriction"])
    text = raw.get("start_time_of_day")
    try:
        hours, minutes, seconds = (int(p) for p in str(text).split(":"))
        if not (0 <= hours < 24 and 0 <= minutes < 60 and 0 <= seconds < 60):
            raise ValueError(text)
    except ValueError:
        raise bad_request(errors=[f"{where}.start_time_of_day must be HH:MM:SS"]) from None
    duration = raw.get("duration_seconds")
    limit = 7 * 86400 if kind == "weekly_restriction" else 86400
    if not isinstance(duration, int) or isinstance(duration, bool) or not 0 < duration <= limit:
        raise bad_request(errors=[f"{where}.duration_seconds must be an integer from 1 to {limit}"])
    out: dict[str, Any] = {
        "type": kind,
        "start_time_of_day": f"{hours:02d}:{minutes:02d}:{seconds:02d}",
        "duration_seconds": duration,
    }
    if kind == "weekly_restriction":
        day = raw.get("start_day_of_week")
        if not isinstance(day, int) or not 1 <= day <= 7:
            raise bad_request(errors=[f"{where}.start_day_of_week must be 1 (Monday) to 7 (Sunday)"])
        out["start_day_of_week"] = day
    return out


def create_schedule(store: Store, data: dict[str, Any]) -> dict[str, Any]:
    if not data.get("name"):
        raise bad_request(errors=["name is required"])
    zone_name = data.get("time_zone")
    if not zone_name:
        raise bad_request(errors=["time_zone is required"])
    parse_time_zone(zone_name)
    schedule: dict[str, Any] = {
        "name": data["name"],
        "time_zone": zone_name,
        "description": data.get("description") or "",
        "schedule_layers": _parse_layers(store, data.get("schedule_layers")),
        "_team_ids": [t["id"] for t in data.get("teams") or [] if store.get("teams", t["id"])],
    }
    store.stamp("schedules", schedule, schedule["name"])
    return store.put("schedules", schedule)


def update_schedule(store: Store, schedule: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    if "time_zone" in data:
        parse_time_zone(data["time_zone"])
    layers = (
        _parse_layers(store, data["schedule_layers"], schedule["schedule_layers"])
        if "schedule_layers" in data
        else None
    )
    if data.get("name"):
        schedule["name"] = schedule["summary"] = data["name"]
        store.refresh_summaries(schedule)
    if "description" in data:
        schedule["description"] = data["description"] or ""
    if data.get("time_zone"):
        schedule["time_zone"] = data["time_zone"]
    if layers is not None:
        schedule["schedule_layers"] = layers
    if "teams" in data:
        schedule["_team_ids"] = [t["id"] for t in data["teams"] or [] if store.get("teams", t["id"])]
    return schedule


def delete_schedule(store: Store, schedule_id: str) -> None:
    """Delete a layered schedule and its overrides (400 while a policy targets it)."""
    schedule = layered(store, schedule_id)
    refuse_if_used(store, schedule)
    store.remove("schedules", schedule["id"])
    for override in overrides_of(store, schedule["id"]):
        store.remove("overrides", override["id"])


# -- overrides ------------------------------------------------------------------------------------
def override_view(override: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    out = public(override)
    out["start"] = format_time(override["_start"], zone)
    out["end"] = format_time(override["_end"], zone)
    return out


def overrides_window(since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
    """The window overrides are listed over: both ends required, in order."""
    if since is None or until is None:
        raise bad_request(errors=["since and until are required"])
    if until < since:
        raise bad_request(errors=["until must be after since"])
    return since, until


def overrides_in(
    store: Store,
    schedule: dict[str, Any],
    since: datetime,
    until: datetime,
    *,
    editable: bool,
    overflow: bool,
    now: datetime,
) -> list[dict[str, Any]]:
    """The overrides over [since, until), clipped to it unless ``overflow``; with ``editable`` only
    those not yet over."""
    zone = parse_time_zone(schedule["time_zone"])
    out = []
    for override in overrides_of(store, schedule["id"]):
        if override["_end"] <= since or override["_start"] >= until:
            continue
        if editable and override["_end"] <= now:
            continue
        data = override_view(override, zone)
        if not overflow:
            data["start"] = format_time(max(override["_start"], since), zone)
            data["end"] = format_time(min(override["_end"], until), zone)
        out.append(data)
    return out


def parse_override(raw: Any, where: str) -> tuple[str, datetime, datetime]:
    """(user id, start, end) of an override as a request gives it (400 when malformed)."""
    if not isinstance(raw, dict):
        raise bad_request(errors=[f"{where} must be an object"])
    user = raw.get("user")
    if not isinstance(user, dict) or not user.get("id"):
        raise bad_request(errors=[f"{where}.user must be a user reference"])
    if not raw.get("start") or not raw.get("end"):
        raise bad_request(errors=[f"{where}.start and {where}.end are required"])
    start = parse_time(str(raw["start"]), f"{where}.start")
    end = parse_time(str(raw["end"]), f"{where}.end")
    if end <= start:
        raise bad_request(errors=[f"{where}.end must be after start"])
    return user["id"], start, end


def add_overrides(store: Store, schedule: dict[str, Any], raws: list[Any]) -> list[dict[str, Any] | ApiError]:
    """Each override made, or why it was not: one bad item does not stop the others."""
    results: list[dict[str, Any] | ApiError] = []
    for index, raw in enumerate(raws):
        try:
            user_id, start, end = parse_override(raw, f"overrides[{index}]")
            if store.find("users", user_id) is None:
                raise bad_request(errors=[f"overrides[{index}].user {user_id} is not a user in this account"])
        except ApiError as error:
            results.append(error)
            continue
        results.append(add_override(store, schedule["id"], user_id, start, end))
    return results


def delete_override(store: Store, schedule: dict[str, Any], override_id: str, now: datetime) -> bool:
    """Delete an override, or cut one in progress short at now (``False``: it was cut, not deleted)."""
    override = store.get("overrides", override_id)
    if override["_schedule_id"] != schedule["id"]:
        raise not_found("override", override["id"])
    if override["_start"] < now < override["_end"]:
        override["_end"] = now
        override["end"] = format_time(now, parse_time_zone(schedule["time_zone"]))
        return False
    store.remove("overrides", override["id"])
    return True
