"""Both kinds of schedule behind one set of tools: layer-based (``/schedules``) and shift-based
(``/v3/schedules``).

PagerDuty gives both kinds ids of the same shape and serves them from two APIs, so a schedule's
kind is learnt by asking: the layer-based API first (most accounts' schedules), then, on a 404,
the shift-based one. Ids seen to be shift-based are remembered, so that later reads of them go
straight to the right API, and a schedule given by name is shift-based when its name was found at
``/v3/schedules``. Lives in the tools package so its paths count towards the tools' OAuth
scopes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime
from typing import Any, Literal

from pagerduty_mcp.common import (
    Page,
    PagerDutyClient,
    Question,
    ToolFailure,
    article,
    fact,
    get_client,
    invalid,
    iso,
    paginate,
    path,
    resolved_row,
)

__all__ = [
    "SHIFT_IDS",
    "V3",
    "Kind",
    "all_schedules",
    "asks_to_remove_from_schedule",
    "likely_shift_based",
    "page_of_schedules",
    "read_schedule",
    "shift_based",
    "shift_user_ids",
    "unknown_schedule",
]

V3 = "/v3/schedules"
Kind = Literal["layers", "shifts"]
# Schedules read per kind to list, filter and page them together.
MAX_LISTED = 500
# Shift-based schedules read one by one to filter a list by user.
MAX_READ_FOR_USERS = 50


class _ShiftIds:
    """Ids known to be shift-based, most recent last, bounded.

    Only an order of asking: an id wrongly remembered (another account's, or one deleted since)
    costs the 404 it would have cost anyway, then the other API is asked."""

    def __init__(self, size: int = 1024) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def __contains__(self, ident: object) -> bool:
        with self._lock:
            return ident in self._ids

    def remember(self, *idents: str) -> None:
        with self._lock:
            for ident in idents:
                self._ids[ident] = None
                self._ids.move_to_end(ident)
            while len(self._ids) > self._size:
                self._ids.popitem(last=False)

    def forget(self, ident: str) -> None:
        with self._lock:
            self._ids.pop(ident, None)


SHIFT_IDS = _ShiftIds()


def unknown_schedule(schedule_id: str) -> ToolFailure:
    return ToolFailure(
        "SCHEDULE_NOT_FOUND",
        f"No schedule {schedule_id} (layer- or shift-based) in this account; list_schedules finds valid ones.",
        {"parameters": ["schedule_id"]},
    )


def likely_shift_based(schedule_id: str) -> bool:
    """Whether to ask the shift-based API first: an id seen to be shift-based, or one this message
    found by name in the shift-based list."""
    listed = resolved_row(schedule_id)
    return schedule_id in SHIFT_IDS or (listed is not None and listed[0] == V3)


def _missing(failure: ToolFailure) -> bool:
    return failure.code.endswith("_NOT_FOUND")


def read_schedule(
    client: PagerDutyClient,
    schedule_id: str,
    since: datetime | None = None,
    until: datetime | None = None,
    zone: str | None = "UTC",
) -> tuple[Kind, dict[str, Any]]:
    """The schedule and its kind; with a window, its final schedule for that window too, with
    times in ``zone`` (``None``: the schedule's own)."""
    window: dict[str, Any] = {"since": iso(since), "until": iso(until)} if since and until else {}
    if window and zone:
        window["time_zone"] = zone
    shifts_first = likely_shift_based(schedule_id)
    for kind in ("shifts", "layers") if shifts_first else ("layers", "shifts"):
        try:
            if kind == "layers":
                return "layers", client.read(path("/schedules/{}", schedule_id), window or None).get("schedule") or {}
            params = {**window, "include[]": ["final_schedule"]} if window else None
            found = client.read(path(V3 + "/{}", schedule_id), params).get("schedule") or {}
        except ToolFailure as failure:
            if not _missing(failure):
                raise
            if kind == "shifts":
                SHIFT_IDS.forget(schedule_id)
            continue
        SHIFT_IDS.remember(schedule_id)
        return "shifts", found
    raise unknown_schedule(schedule_id)


def shift_based(client: PagerDutyClient, schedule_id: str) -> dict[str, Any]:
    """The shift-based schedule; a layer-based one is ``INVALID_PARAMETER`` saying where its parts change."""
    kind, schedule = read_schedule(client, schedule_id)
    if kind == "layers":
        raise invalid(
            "schedule_id",
            "is layer-based: its layers change with update_schedule, its overrides with create_schedule_override "
            "and delete_schedule_override",
        )
    return schedule


def asks_to_remove_from_schedule(what: str, parameter: str, consequence: str) -> Any:
    """The question of a tool that removes an override, rotation or custom shift (its id in
    ``parameter``) from a schedule of either kind."""

    def ask(arguments: dict[str, Any]) -> Question:
        _, schedule = read_schedule(get_client(), arguments["schedule_id"])
        name = str(schedule.get("name") or arguments["schedule_id"])
        return Question(
            f"Remove {article(what.lower())} from a schedule: {consequence}.",
            (fact("Schedule", name), fact(what, arguments[parameter])),
        )

    ask.__doc__ = f"Always: it removes the {what.lower()}."
    return ask


def shift_user_ids(schedule: dict[str, Any]) -> set[str]:
    """Users a shift-based schedule's rotations name."""
    found = set()
    for rotation in schedule.get("rotations") or []:
        for event in rotation.get("events") or []:
            for member in (event.get("assignment_strategy") or {}).get("members") or []:
                if member.get("user_id"):
                    found.add(member["user_id"])
    return found


def page_of_schedules(
    client: PagerDutyClient,
    query: str | None,
    team_ids: list[str] | None,
    user_ids: list[str] | None,
    *,
    limit: int,
    offset: int,
) -> Page:
    """One page over both kinds: the layer-based schedules, then the shift-based ones.

    Without a user filter PagerDuty pages each kind, so only the page asked for is read; a user
    filter is applied here, over every schedule read (up to a bound)."""
    if user_ids:
        rows, notes = all_schedules(client, query, team_ids, user_ids)
        more = offset + limit < len(rows)
        shown = rows[offset : offset + limit]
        return Page(shown, more, next_offset=offset + limit if more else None, total=len(rows), notes=notes)
    params: dict[str, Any] = {"query": query} if query else {}
    if team_ids:
        params["team_ids[]"] = team_ids
    layered = paginate(client, "/schedules", "schedules", params, limit=limit, offset=offset)
    if layered.has_more:
        return Page(layered.items, True, next_offset=offset + limit, notes=layered.notes)
    before = layered.total
    if before is None:  # PagerDuty left out the total: where the layer-based ones end is still known
        before = (
            offset + len(layered.items)
            if layered.items
            else paginate(client, "/schedules", "schedules", params, limit=1).total or 0
        )
    room = limit - len(layered.items)
    shifted = paginate(client, V3, "schedules", params, limit=max(room, 1), offset=max(0, offset - before))
    SHIFT_IDS.remember(*(str(s["id"]) for s in shifted.items if s.get("id")))
    rows = layered.items + shifted.items[:room]
    more = shifted.has_more or len(shifted.items) > room
    total = before + shifted.total if shifted.total is not None else None
    return Page(
        rows, more, next_offset=offset + limit if more else None, total=total, notes=layered.notes + shifted.notes
    )


def all_schedules(
    client: PagerDutyClient, query: str | None, team_ids: list[str] | None, user_ids: list[str] | None
) -> tuple[list[dict[str, Any]], list[str]]:
    """Schedules of both kinds (a shift-based one marked ``type: schedule_v3_reference``), by name."""
    params: dict[str, Any] = {"query": query} if query else {}
    if team_ids:
        params["team_ids[]"] = team_ids
    notes = []
    pages: list[Page] = [
        paginate(client, url, "schedules", params, limit=MAX_LISTED, with_total=False) for url in ("/schedules", V3)
    ]
    if any(p.has_more for p in pages):
        notes.append(f"Only the first {MAX_LISTED} schedules of each kind were read; narrow with query or team_ids.")
    layered, shifted = pages[0].items, pages[1].items
    SHIFT_IDS.remember(*(str(s["id"]) for s in shifted if s.get("id")))
    if user_ids:
        wanted = set(user_ids)
        layered = [s for s in layered if wanted & {u.get("id") for u in s.get("users") or []}]
        if len(shifted) > MAX_READ_FOR_USERS:
            notes.append(f"user_ids checked on the first {MAX_READ_FOR_USERS} shift-based schedules only.")
        shifted = [
            s
            for s in shifted[:MAX_READ_FOR_USERS]
            if wanted & shift_user_ids(client.read(path(V3 + "/{}", s["id"])).get("schedule") or {})
        ]
    rows = sorted(layered + shifted, key=lambda s: str(s.get("name") or s.get("summary") or "").lower())
    return rows, notes
