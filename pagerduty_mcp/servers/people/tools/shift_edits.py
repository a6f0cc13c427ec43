"""Editing a shift-based (v3) schedule in place: a rotation's recurring events, a custom shift, an override.

PagerDuty lets an event change only while it lies ahead: a running one may change only when it ends
(``effective_until``), a past one not at all. So a change to a running event is made the way
PagerDuty allows it: the running event ends, and a copy with the change takes over then, in the same
rotation; the answer names both. The hand-over is a minute ahead at the soonest, so that
while the copy is made the old event can still be put back as it was.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

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
    invalid,
    iso,
    parse_time,
    path,
    resolve_id,
    respond,
    tool,
)
from pagerduty_mcp.servers.people.models import CustomShiftInfo, EventInfo, OverrideInfo, member_ids
from pagerduty_mcp.servers.people.params import Id, OverrideId
from pagerduty_mcp.servers.people.tools.lookups import moment, user_names
from pagerduty_mcp.servers.people.tools.schedule_kinds import V3, shift_based
from pagerduty_mcp.servers.people.validators import action_fields, event_body, event_changes, parse_fields

__all__ = ["manage_schedule_shifts", "started_later"]

Action = Literal["add", "update", "delete"]
# A running event's change takes over no sooner than this: the old event, still running, can be put back.
_HAND_OVER = timedelta(minutes=1)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def started_later(asked: list[dict[str, Any]], made: list[dict[str, Any]]) -> list[str]:
    """Notes for events PagerDuty starts later than asked (a start in the past begins now)."""
    notes = []
    for index, (wanted, event) in enumerate(zip(asked, made, strict=False)):
        since, got = moment(wanted.get("effective_since")), moment(event.get("effective_since"))
        if since is not None and got is not None and got > since:
            notes.append(
                f"Event {event.get('id') or index} was asked to start at {iso(since)}, in the past: PagerDuty starts "
                f"it at {iso(got)} (effective_since); its shifts keep the times of day of start."
            )
    return notes


def _names(client: PagerDutyClient, schedule: dict[str, Any], *items: dict[str, Any]) -> dict[str, str]:
    wanted = member_ids(*items)
    for item in items:
        wanted += [m.get("user_id") for m in (item.get("assignment_strategy") or {}).get("members") or []]
    return user_names(client, schedule.get("users") or [], [w for w in wanted if w])


def _holding(schedule: dict[str, Any], event_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The rotation holding event ``event_id``, and the event; ``None`` when no rotation holds it."""
    for rotation in schedule.get("rotations") or []:
        for event in rotation.get("events") or []:
            if event.get("id") == event_id:
                return rotation, event
    return None


def _unknown(schedule: dict[str, Any], ident: str) -> ToolFailure:
    return ToolFailure(
        "EVENT_NOT_FOUND",
        f"item_id: {schedule.get('name') or 'this schedule'} has no rotation event, custom shift or override "
        f"{ident}; get_schedule lists rotations with their events, and custom shifts; list_schedule_overrides "
        "the overrides.",
        {"parameters": ["item_id"]},
    )


def _events_answer(
    client: PagerDutyClient, schedule: dict[str, Any], events: list[dict[str, Any]], text: str, **extra: Any
) -> Envelope:
    names = _names(client, schedule, *events)
    rows = [EventInfo.from_api(e, names) for e in events]
    return respond("events", rows, text, **extra)


# -- events ---------------------------------------------------------------------------------------
def _add_event(client: PagerDutyClient, schedule: dict[str, Any], rotation_id: str, fields: dict[str, Any]) -> Envelope:
    if not any(r.get("id") == rotation_id for r in schedule.get("rotations") or []):
        raise ToolFailure(
            "ROTATION_NOT_FOUND",
            f"item_id: {schedule.get('name')} has no rotation {rotation_id}; get_schedule lists them "
            "(create_schedule_rotation makes one).",
            {"parameters": ["item_id"]},
        )
    body = event_body(fields, str(schedule.get("time_zone") or "UTC"), "fields", "Shift")
    url = path(V3 + "/{}/rotations/{}/events", schedule["id"], rotation_id)
    made = client.write("POST", url, {"event": body}).get("event") or {}
    text = f"Added event {made.get('id')} ({made.get('name')}) to rotation {rotation_id} of {schedule.get('name')}"
    return _events_answer(client, schedule, [made], text, notes=started_later([body], [made]) or None)


def _event_url(schedule: dict[str, Any], rotation: dict[str, Any], event_id: str) -> str:
    return path(V3 + "/{}/rotations/{}/events/{}", schedule["id"], rotation["id"], event_id)


def _update_event(
    client: PagerDutyClient,
    schedule: dict[str, Any],
    held: tuple[dict[str, Any], dict[str, Any]],
    fields: dict[str, Any],
) -> Envelope:
    rotation, event = held
    event_id = str(event["id"])
    change, takes_over = event_changes(fields, event)
    now = _now()
    since, until = moment(event.get("effective_since")), moment(event.get("effective_until"))
    if until is not None and until <= now:
        raise invalid("item_id", f"event {event_id} ended at {iso(until)}: PagerDuty keeps past events as they were")
    url = _event_url(schedule, rotation, event_id)
    if since is None or since > now:  # not started: every field may change
        if takes_over is not None:
            raise invalid("fields.from", "only for an event already running; this one has not started")
        changed = client.write("PUT", url, {"event": change}).get("event") or {}
        notes = started_later([change], [changed]) if "effective_since" in change else []
        return _events_answer(client, schedule, [changed], f"Updated event {event_id}", notes=notes or None)
    if change.keys() == {"effective_until"}:  # a running event may change when it ends
        changed = client.write("PUT", url, {"event": change}).get("event") or {}
        ends = changed.get("effective_until") or "never (it runs on)"
        return _events_answer(client, schedule, [changed], f"Event {event_id} now ends {ends}")
    if takes_over is not None and takes_over < now + _HAND_OVER:
        raise invalid("fields.from", f"must be at least a minute ahead ({iso(now + _HAND_OVER)} or later)")
    return _hand_over(client, schedule, rotation, event, change, takes_over or now + _HAND_OVER)


def _hand_over(
    client: PagerDutyClient,
    schedule: dict[str, Any],
    rotation: dict[str, Any],
    event: dict[str, Any],
    change: dict[str, Any],
    at: datetime,
) -> Envelope:
    """End a running event at ``at`` and start its changed copy then; all or nothing."""
    until = moment(event.get("effective_until"))
    if until is not None and at >= until:
        raise invalid("fields.from", f"the event ends at {iso(until)} anyway; change it after, or set until")
    keep = ("name", "start_time", "end_time", "recurrence", "assignment_strategy", "effective_until")
    copy = {key: event[key] for key in keep if event.get(key) is not None}
    copy.update({k: v for k, v in change.items() if k != "effective_since"})
    copy["effective_since"] = iso(at)
    url = _event_url(schedule, rotation, event["id"])
    ended = client.write("PUT", url, {"event": {"effective_until": iso(at)}}).get("event") or {}
    try:
        made = (
            client.write(
                "POST", path(V3 + "/{}/rotations/{}/events", schedule["id"], rotation["id"]), {"event": copy}
            ).get("event")
            or {}
        )
    except ToolFailure as failure:
        # Put the running event back as it was (it runs until ``at``, so it still may change).
        try:
            client.write("PUT", url, {"event": {"effective_until": event.get("effective_until")}})
        except ToolFailure as again:
            raise ToolFailure(
                failure.code,
                f"{failure.message} Event {event['id']} now ends at {iso(at)}, and putting it back failed "
                f"({again.code}): set its end again (action update, fields.until).",
                failure.details,
            ) from None
        raise ToolFailure(
            failure.code, f"{failure.message} The running event was left as it was.", failure.details
        ) from None
    text = (
        f"Event {event['id']} was running, and PagerDuty changes a running event only by ending it: it ends at "
        f"{iso(at)}, and event {made.get('id')} with the change takes over then, in the same rotation"
    )
    return _events_answer(client, schedule, [ended, made], text, rotation_id=rotation["id"])


def _delete_event(
    client: PagerDutyClient, schedule: dict[str, Any], held: tuple[dict[str, Any], dict[str, Any]]
) -> Envelope:
    rotation, event = held
    event_id = str(event["id"])
    client.write("DELETE", _event_url(schedule, rotation, event_id))
    since = moment(event.get("effective_since"))
    if since is not None and since <= _now():
        text = f"Event {event_id} had started: it ended now, its past shifts stay on record"
        return respond("events", [{"id": event_id, "ended_early": True}], text)
    return respond("events", [{"id": event_id, "deleted": True}], f"Deleted event {event_id} ({event.get('name')})")


# -- custom shifts and overrides ------------------------------------------------------------------
def _window_change(fields: dict[str, Any]) -> dict[str, Any]:
    """``start``/``end`` of ``fields`` as PagerDuty's ``start_time``/``end_time``, checked, and the
    ``user_id`` (an id) given."""
    given = parse_fields(fields, "shift")
    if not given:
        raise invalid("fields", "give user_id, start or end")
    body: dict[str, Any] = {}
    for key in ("start", "end"):
        when = parse_time(given.get(key), f"fields.{key}")
        if when is not None:
            body[f"{key}_time"] = iso(when)
    if "start_time" in body and "end_time" in body and body["end_time"] <= body["start_time"]:
        raise invalid("fields.end", "must be after start")
    if "user_id" in given:
        body["user_id"] = resolve_id(given["user_id"], "fields.user_id")
    return body


def _change_shift(client: PagerDutyClient, schedule: dict[str, Any], ident: str, fields: dict[str, Any]) -> Envelope:
    """Change a custom shift, or else an override, with that id: who, from when, until when."""
    change = _window_change(fields)
    user = change.pop("user_id", None)
    member = {"type": "user_member", "user_id": user} if user else None
    shift_change = {**change, **({"assignments": [{"type": "shift_assignment", "member": member}]} if member else {})}
    changed = _put(client, path(V3 + "/{}/custom_shifts/{}", schedule["id"], ident), "custom_shift", shift_change)
    if changed is not None:
        row = CustomShiftInfo.from_api(changed, _names(client, schedule, changed))
        who = (row.user.name or row.user.id) if row.user else "nobody"
        return respond("custom_shifts", [row], f"Custom shift {ident}: {who} from {row.start} to {row.end}")
    override_change = {**change, **({"overriding_member": member} if member else {})}
    changed = _put(client, path(V3 + "/{}/overrides/{}", schedule["id"], ident), "override", override_change)
    if changed is None:
        raise _unknown(schedule, ident)
    override = OverrideInfo.from_api(changed, _names(client, schedule, changed))
    who = (override.user.name or override.user.id) if override.user else "nobody"
    return respond("overrides", [override], f"Override {ident}: {who} covers from {override.start} to {override.end}")


def _put(client: PagerDutyClient, url: str, key: str, change: dict[str, Any]) -> dict[str, Any] | None:
    """The changed object, or ``None`` when there is none with that id."""
    response = client.request("PUT", url, json={key: change})
    if response.status_code == 404:
        return None
    if not response.is_success:
        raise failure_from_response(response, write=True)
    return dict(response.json().get(key) or {})


def _remove_shift(client: PagerDutyClient, schedule: dict[str, Any], ident: str) -> Envelope:
    """Remove a custom shift, or else an override, with that id (one under way ends now)."""
    for key, what in (("custom_shifts", "custom shift"), ("overrides", "override")):
        response = client.request("DELETE", path(V3 + "/{}/{}/{}", schedule["id"], key, ident))
        if response.status_code == 404:
            continue
        if not response.is_success:
            raise failure_from_response(response, write=True)
        return respond(key, [{"id": ident, "deleted": True}], f"Removed {what} {ident}")
    raise _unknown(schedule, ident)


# -- the tool -------------------------------------------------------------------------------------
def _asks_before_deleting(arguments: dict[str, Any]) -> Question | None:
    """When it removes an event (its coming shifts go, a running one ends now), a custom shift or an override."""
    if arguments["action"] != "delete":
        return None
    schedule = shift_based(get_client(), arguments["schedule_id"])
    held = _holding(schedule, arguments["item_id"])
    name = fact("Schedule", str(schedule.get("name") or schedule.get("id")))
    if held is None:
        return Question(
            "Remove a custom shift or an override from a schedule: one under way ends now.",
            (name, fact("Custom shift or override", arguments["item_id"])),
        )
    rotation, event = held
    return Question(
        "Remove a recurring event from a rotation: its coming shifts go, a running one ends now.",
        (name, fact("Rotation", str(rotation.get("id"))), fact("Event", f"{event.get('name')} ({event.get('id')})")),
    )


GROUPED = (
    "PagerDuty's v3 API edits a shift-based schedule piece by piece (a rotation's events, a custom shift, an "
    "override), each with the same schedule, an id and a few fields; its own server offers these edits too. "
    "As one tool (add, update or delete; the id says what) they read as what they are, edits of one schedule, "
    "and cost the model one definition instead of five."
)


@tool("Edit shift schedule", "manage", confirm=_asks_before_deleting, grouped=GROUPED)
def manage_schedule_shifts(
    schedule_id: Annotated[Id, id_or_url("Schedule")],
    action: Annotated[Action, Field(description="Of item_id.")],
    item_id: Annotated[
        OverrideId, Field(description="add: a rotation's; else an event's, custom shift's or override's.")
    ],
    fields: Annotated[
        dict[str, Any] | None,
        Field(
            description="An event as create_schedule_rotation's (running: it ends and a changed copy takes over at "
            '"from"?, default now); custom shift, override: {"user_id"?, "start"?, "end"?}.'
        ),
    ] = None,
) -> Envelope:
    """Edit a shift-based schedule (ids: get_schedule): add an event to a rotation; change or remove
    an event, custom shift or override."""
    given = action_fields(action, fields)
    client = get_client()
    schedule = shift_based(client, schedule_id)
    held = _holding(schedule, item_id)
    if action == "add":
        if held is not None:
            raise invalid("item_id", f"{item_id} is an event: add takes a rotation's id (update changes an event)")
        return _add_event(client, schedule, item_id, given)
    if held is not None:
        return (
            _update_event(client, schedule, held, given)
            if action == "update"
            else _delete_event(client, schedule, held)
        )
    if any(r.get("id") == item_id for r in schedule.get("rotations") or []):
        raise invalid(
            "item_id", f"{item_id} is a rotation: give one of its events (delete_schedule_rotation removes it whole)"
        )
    return (
        _change_shift(client, schedule, item_id, given)
        if action == "update"
        else _remove_shift(client, schedule, item_id)
    )
