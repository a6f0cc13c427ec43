"""Overrides on a shift-based schedule: each names the shift it covers and whom it replaces.

PagerDuty's v3 API wants, for every override, the rotation or custom shift it applies to and the
member it replaces. The model gives only who covers and when (as for a layer-based schedule), so
both are read from the schedule's final schedule over that window; a window spanning several
people's shifts becomes one override per shift.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from pagerduty_mcp.common import Envelope, PagerDutyClient, ToolFailure, iso, path, respond
from pagerduty_mcp.servers.people.models import OverrideInfo, member_ids
from pagerduty_mcp.servers.people.tools.lookups import moment, user_names
from pagerduty_mcp.servers.people.tools.schedule_kinds import V3, read_schedule

__all__ = ["cover_shifts"]

_BASE_SOURCES = ("schedule_rotation", "custom_shift")


def _member(user_id: str) -> dict[str, str]:
    return {"type": "user_member", "user_id": user_id}


def _plan(wanted: dict[str, Any], shifts: list[dict[str, Any]]) -> list[dict[str, Any]] | str:
    """The v3 overrides for one requested cover, or why there can be none."""
    start, end = moment(wanted["start"]), moment(wanted["end"])
    assert start is not None and end is not None
    replaces = wanted.get("_replaces")
    hits = [
        s
        for s in shifts
        if (s.get("source") or {}).get("type") in _BASE_SOURCES
        and (s.get("member") or {}).get("user_id")
        and (replaces is None or s["member"]["user_id"] == replaces)
        and (moment(s.get("start_time")) or end) < end
        and (moment(s.get("end_time")) or start) > start
    ]
    if not hits:
        return "nobody is on call then to cover; create_schedule_custom_shifts adds a shift"
    spans = sorted((moment(s["start_time"]), moment(s["end_time"])) for s in hits)
    if any(b[0] < a[1] for a, b in pairwise(spans)):  # type: ignore[operator]
        names = ", ".join(sorted({s["member"]["user_id"] for s in hits}))
        return f"several people are on call then ({names}); say whom it replaces with replaces"
    plans = []
    for shift in hits:
        source = shift["source"]
        key = (
            ("rotation_id", source.get("rotation_id"))
            if source.get("rotation_id")
            else ("custom_shift_id", source.get("shift_id"))
        )
        plans.append(
            {
                "type": "override_shift",
                key[0]: key[1],
                "start_time": iso(max(start, moment(shift["start_time"]) or start)),
                "end_time": iso(min(end, moment(shift["end_time"]) or end)),
                "overridden_member": _member(shift["member"]["user_id"]),
                "overriding_member": _member(wanted["user"]["id"]),
            }
        )
    return plans


def cover_shifts(client: PagerDutyClient, schedule_id: str, wanted: list[dict[str, Any]]) -> Envelope:
    """Create ``wanted`` (checked override inputs) on a shift-based schedule, all or none."""
    since = min(moment(o["start"]) for o in wanted)  # type: ignore[type-var]
    until = max(moment(o["end"]) for o in wanted)  # type: ignore[type-var]
    _, schedule = read_schedule(client, schedule_id, since, until)
    shifts = (schedule.get("final_schedule") or {}).get("computed_shift_assignments") or []
    body: list[dict[str, Any]] = []
    failed = []
    for index, request in enumerate(wanted):
        plan = _plan(request, shifts)
        if isinstance(plan, str):
            failed.append({"index": index, "user_id": request["user"]["id"], "start": request["start"], "error": plan})
        else:
            body.extend(plan)
    if failed:
        raise ToolFailure(
            "INVALID_PARAMETER",
            f"overrides[{failed[0]['index']}]: {failed[0]['error']}. {len(failed)} of {len(wanted)} cannot be "
            "placed, so none was created; fix and resend.",
            {"failed": failed},
        )
    answer = client.write("POST", path(V3 + "/{}/overrides", schedule_id), {"overrides": body})
    made = answer.get("overrides") or []
    names = user_names(client, schedule.get("users") or [], member_ids(*made))
    created = [OverrideInfo.from_api(o, names) for o in made]
    return respond("overrides", created, f"Created {len(created)} override(s) on shift-based schedule {schedule_id}")
