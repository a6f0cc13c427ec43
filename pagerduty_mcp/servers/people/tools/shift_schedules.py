"""Shift-based schedules' own parts (rotations with recurring shifts, one-off custom shifts), and
deleting a schedule of either kind."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from pagerduty_mcp.common import (
    Envelope,
    PagerDutyClient,
    Question,
    ToolFailure,
    fact,
    failure_from_response,
    get_client,
    id_or_url,
    path,
    respond,
    tool,
    upstream_message,
)
from pagerduty_mcp.servers.people.models import CustomShiftInfo, EventInfo, member_ids
from pagerduty_mcp.servers.people.params import Id, OverrideId
from pagerduty_mcp.servers.people.tools.lookups import user_names
from pagerduty_mcp.servers.people.tools.schedule_kinds import (
    V3,
    asks_to_remove_from_schedule,
    read_schedule,
    shift_based,
)
from pagerduty_mcp.servers.people.tools.shift_edits import started_later
from pagerduty_mcp.servers.people.validators import events_body, overrides_body, zone_ok

__all__ = [
    "create_schedule_custom_shifts",
    "create_schedule_rotation",
    "delete_schedule",
    "delete_schedule_custom_shift",
    "delete_schedule_rotation",
]

ScheduleId = Annotated[Id, id_or_url("Schedule")]


def _delete(client: PagerDutyClient, schedule_id: str, url: str, what: str) -> None:
    response = client.request("DELETE", url)
    if response.status_code == 404:
        shift_based(client, schedule_id)  # an unknown or layer-based schedule says so
        raise ToolFailure(
            f"{what.upper().replace(' ', '_')}_NOT_FOUND",
            f"No {what} with that id on schedule {schedule_id}; get_schedule shows them.",
            {"parameters": [f"{what.replace(' ', '_')}_id"]},
        )
    if not response.is_success:
        raise failure_from_response(response, write=True)


@tool("Create schedule rotation", "create")
def create_schedule_rotation(
    schedule_id: ScheduleId,
    events: Annotated[
        list[dict[str, Any]],
        Field(
            min_length=1,
            max_length=5,
            description='Not overlapping: {"users": [ids, in turn], "start", "end": first shift, "repeat": '
            'daily|weekly|weekdays|RRULE ("FREQ=WEEKLY;BYDAY=SA,SU"), "shifts_per_user"?, "all_at_once"?, "name"?, '
            '"until"?}',
        ),
    ],
    time_zone: Annotated[str | None, Field(description="Shifts' clock (default: schedule's).")] = None,
) -> Envelope:
    """Add a rotation of recurring shifts to a shift-based schedule."""
    wanted = events_body(events, zone_ok(time_zone, "time_zone") if time_zone else "")
    client = get_client()
    schedule = shift_based(client, schedule_id)
    for body in wanted:  # no zone given: the schedule's own clock
        for key in ("start_time", "end_time"):
            body[key]["time_zone"] = body[key]["time_zone"] or str(schedule.get("time_zone") or "UTC")
    rotation = client.write("POST", path(V3 + "/{}/rotations", schedule_id), {}).get("rotation") or {}
    made = []
    try:
        for body in wanted:
            made.append(
                client.write("POST", path(V3 + "/{}/rotations/{}/events", schedule_id, rotation["id"]), {"event": body})
            )
    except ToolFailure as failure:
        # A rotation with only some of its shifts is worse than none: take it away again.
        client.request("DELETE", path(V3 + "/{}/rotations/{}", schedule_id, rotation["id"]))
        raise ToolFailure(failure.code, f"events[{len(made)}]: {failure.message} No rotation was kept.") from None
    events = [e.get("event") or {} for e in made]
    members = [m.get("user_id") for e in wanted for m in e["assignment_strategy"]["members"] if m.get("user_id")]
    names = user_names(client, schedule.get("users") or [], members)
    rows = [EventInfo.from_api(e, names) for e in events]
    return respond(
        "events",
        rows,
        f"Rotation {rotation['id']} with {len(rows)} shift pattern(s) added to {schedule.get('name')}",
        rotation_id=rotation["id"],
        notes=started_later(wanted, events) or None,
    )


@tool(
    "Delete schedule rotation",
    "delete",
    confirm=asks_to_remove_from_schedule("Rotation", "rotation_id", "its coming shifts go, a running one ends now"),
)
def delete_schedule_rotation(
    schedule_id: ScheduleId,
    rotation_id: Annotated[OverrideId, Field(description="Rotation id (get_schedule).")],
) -> Envelope:
    """Remove a rotation: past shifts stay on record, a running one ends now."""
    _delete(get_client(), schedule_id, path(V3 + "/{}/rotations/{}", schedule_id, rotation_id), "rotation")
    return respond("rotations", [{"id": rotation_id, "deleted": True}], f"Deleted rotation {rotation_id}")


@tool("Create schedule custom shifts", "create")
def create_schedule_custom_shifts(
    schedule_id: ScheduleId,
    shifts: Annotated[
        list[dict[str, Any]],
        Field(min_length=1, max_length=50, description='{"user_id", "start", "end"}.'),
    ],
) -> Envelope:
    """Add one-off shifts to a shift-based schedule."""
    body = [
        {
            "type": "custom_shift",
            "start_time": s["start"],
            "end_time": s["end"],
            "assignments": [
                {"type": "shift_assignment", "member": {"type": "user_member", "user_id": s["user"]["id"]}}
            ],
        }
        for s in overrides_body(shifts, "shifts")
    ]
    client = get_client()
    try:
        answer = client.write("POST", path(V3 + "/{}/custom_shifts", schedule_id), {"custom_shifts": body})
    except ToolFailure as failure:
        if failure.code.endswith("_NOT_FOUND"):
            shift_based(client, schedule_id)  # an unknown or layer-based schedule says so
        raise
    made = answer.get("custom_shifts") or []
    names = user_names(client, [], member_ids(*made))
    rows = [CustomShiftInfo.from_api(s, names) for s in made]
    return respond("custom_shifts", rows, f"Created {len(rows)} custom shift(s) on {schedule_id}")


@tool(
    "Delete schedule custom shift",
    "delete",
    confirm=asks_to_remove_from_schedule("Custom shift", "custom_shift_id", "one under way ends now"),
)
def delete_schedule_custom_shift(
    schedule_id: ScheduleId,
    custom_shift_id: Annotated[OverrideId, Field(description="Custom shift id (get_schedule).")],
) -> Envelope:
    """Remove a custom shift; one under way ends now."""
    url = path(V3 + "/{}/custom_shifts/{}", schedule_id, custom_shift_id)
    _delete(get_client(), schedule_id, url, "custom shift")
    return respond(
        "custom_shifts", [{"id": custom_shift_id, "deleted": True}], f"Removed custom shift {custom_shift_id}"
    )


def _asks_before_deleting_schedule(arguments: dict[str, Any]) -> Question:
    """Always: it deletes the schedule."""
    kind, schedule = read_schedule(get_client(), arguments["schedule_id"])
    facts = (fact("Schedule", str(schedule.get("name") or arguments["schedule_id"])),)
    return Question(
        f"Delete a {'shift' if kind == 'shifts' else 'layer'}-based schedule. This cannot be undone.", facts
    )


@tool("Delete schedule", "delete", confirm=_asks_before_deleting_schedule)
def delete_schedule(schedule_id: Annotated[Id, id_or_url("Schedule")]) -> Envelope:
    """Delete a schedule of either kind; refused while a policy uses it."""
    client = get_client()
    kind, schedule = read_schedule(client, schedule_id)
    url = path("/schedules/{}" if kind == "layers" else V3 + "/{}", schedule_id)
    response = client.request("DELETE", url)
    if response.status_code in (400, 409, 422):
        policies = [f"{p.get('summary')} ({p.get('id')})" for p in schedule.get("escalation_policies") or []]
        used = f" Used by: {', '.join(policies)}; remove it there (update_escalation_policy)." if policies else ""
        raise ToolFailure(
            "CONFLICT",
            f'PagerDuty refused: "{upstream_message(response)}".{used}',
            {"escalation_policies": [p.get("id") for p in schedule.get("escalation_policies") or []]},
        )
    if not response.is_success:
        raise failure_from_response(response, write=True)
    name = schedule.get("name") or schedule_id
    return respond("schedules", [{"id": schedule_id, "name": name, "kind": kind, "deleted": True}], f"Deleted {name}")
