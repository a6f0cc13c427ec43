"""Layered schedules and their overrides: who a schedule puts on call, rendered from its layers.

Shift-based (v3) schedules share the ``schedules`` table (``_kind: "shifts"``) and render through
:mod:`.shifts`, so escalation policies and ``/oncalls`` treat both kinds alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pagerduty_mcp.sandbox.model import oncall, shifts
from pagerduty_mcp.sandbox.model.store import Store
from pagerduty_mcp.sandbox.protocol import format_time

__all__ = ["add_override", "layer_model", "overrides_of", "render_schedule", "schedule_user_ids"]


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
