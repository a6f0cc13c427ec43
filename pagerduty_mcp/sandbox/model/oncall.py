"""Who is on call: schedule layers rendered over a time window.

Pure functions, no sandbox state. ``/oncalls``, ``/schedules/{id}`` (final schedule) and
``/schedules/{id}/users`` are all computed from :func:`render_schedule`, so they always agree.

PagerDuty's rules, as implemented here:
- a layer hands over every ``rotation_turn_length_seconds`` counted from ``rotation_virtual_start``;
  turn ``k`` belongs to ``users[k % len(users)]``. Turns are counted on the schedule's wall clock,
  so a daily 09:00 hand-off stays at 09:00 local time across a DST change (the turn that spans the
  change is an hour shorter or longer);
- a layer is active from ``start`` to ``end`` (open-ended when ``end`` is None);
- restrictions (daily, or weekly from ``start_day_of_week`` 1=Monday) are in the schedule's time
  zone and limit when a layer's users are on call; the turn owner does not change;
- layers later in the list take precedence over earlier ones where they have someone on call
  (the bottom layer in PagerDuty's web UI wins); gaps in a later layer show the earlier ones;
- overrides take precedence over every layer; among overlapping overrides the later one wins;
- adjacent entries for the same user are merged into one contiguous entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

__all__ = [
    "Entry",
    "Layer",
    "Override",
    "Rendered",
    "Restriction",
    "coverage_percentage",
    "render_layer",
    "render_schedule",
    "user_at",
]

DAY = 86400
WEEK = 7 * DAY


@dataclass(frozen=True)
class Restriction:
    type: str  # "daily_restriction" | "weekly_restriction"
    start_time_of_day: str  # "HH:MM:SS" in the schedule's time zone
    duration_seconds: int
    start_day_of_week: int | None = None  # 1=Monday .. 7=Sunday, weekly only

    def start_offset(self) -> int:
        """Seconds from the start of the restriction's period (day or ISO week) to its start."""
        hours, minutes, *rest = (int(p) for p in self.start_time_of_day.split(":"))
        seconds = hours * 3600 + minutes * 60 + (rest[0] if rest else 0)
        if self.type == "weekly_restriction":
            seconds += ((self.start_day_of_week or 1) - 1) * DAY
        return seconds


@dataclass(frozen=True)
class Layer:
    start: datetime
    rotation_virtual_start: datetime
    rotation_turn_length_seconds: int
    users: tuple[str, ...]
    restrictions: tuple[Restriction, ...] = ()
    end: datetime | None = None
    id: str = ""


@dataclass(frozen=True)
class Override:
    start: datetime
    end: datetime
    user: str
    id: str = ""


@dataclass(frozen=True)
class Entry:
    user: str
    start: datetime
    end: datetime


@dataclass
class Rendered:
    layers: list[list[Entry]] = field(default_factory=list)
    overrides: list[Entry] = field(default_factory=list)
    final: list[Entry] = field(default_factory=list)


# -- wall-clock arithmetic ----------------------------------------------------------------------
def _naive_local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def _aware(local: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in ``zone`` as an aware UTC instant. Times in a spring-forward gap move
    forward by the gap (as clocks do); ambiguous autumn times take the first occurrence."""
    candidate = local.replace(tzinfo=zone, fold=0)
    roundtrip = candidate.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if roundtrip != local:  # inside the gap: fold=1 gives the post-transition reading
        candidate = local.replace(tzinfo=zone, fold=1)
    return candidate.astimezone(UTC)


def _turns(layer: Layer, zone: ZoneInfo, since: datetime, until: datetime) -> Iterable[Entry]:
    """Rotation turns overlapping [since, until), each clipped to the layer and the window."""
    if not layer.users or layer.rotation_turn_length_seconds <= 0:
        return
    begin = max(since, layer.start)
    finish = until if layer.end is None else min(until, layer.end)
    if begin >= finish:
        return
    length = timedelta(seconds=layer.rotation_turn_length_seconds)
    origin = _naive_local(layer.rotation_virtual_start, zone)
    local_begin = _naive_local(begin, zone)
    # floor division on wall-clock time gives the turn containing `begin`
    index = (local_begin - origin) // length
    # a DST shift can make the wall-clock estimate one turn late; step back while needed
    while index > 0 and _aware(origin + index * length, zone) > begin:
        index -= 1
    while _aware(origin + (index + 1) * length, zone) <= begin:
        index += 1
    count = len(layer.users)
    while True:
        turn_start = _aware(origin + index * length, zone)
        turn_end = _aware(origin + (index + 1) * length, zone)
        if turn_start >= finish:
            return
        start, end = max(turn_start, begin), min(turn_end, finish)
        if start < end:
            yield Entry(layer.users[index % count], start, end)
        index += 1


def _restriction_windows(
    restrictions: Sequence[Restriction], zone: ZoneInfo, since: datetime, until: datetime
) -> list[tuple[datetime, datetime]]:
    """The union of restriction windows overlapping [since, until), in UTC, sorted and merged."""
    windows: list[tuple[datetime, datetime]] = []
    local_since = _naive_local(since, zone)
    local_until = _naive_local(until, zone)
    for restriction in restrictions:
        weekly = restriction.type == "weekly_restriction"
        period = WEEK if weekly else DAY
        # start one period early so a window that began before `since` is still seen
        day0 = datetime.combine(local_since.date(), time())
        if weekly:
            day0 -= timedelta(days=day0.weekday())
        anchor = day0 - timedelta(seconds=period)
        while anchor <= local_until:
            local_start = anchor + timedelta(seconds=restriction.start_offset())
            local_end = local_start + timedelta(seconds=restriction.duration_seconds)
            start, end = _aware(local_start, zone), _aware(local_end, zone)
            if end > since and start < until:
                windows.append((max(start, since), min(end, until)))
            anchor += timedelta(seconds=period)
    windows.sort()
    merged: list[tuple[datetime, datetime]] = []
    for start, end in windows:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _merge(entries: Iterable[Entry]) -> list[Entry]:
    merged: list[Entry] = []
    for entry in entries:
        if merged and merged[-1].user == entry.user and merged[-1].end == entry.start:
            merged[-1] = Entry(entry.user, merged[-1].start, entry.end)
        else:
            merged.append(entry)
    return merged


def render_layer(layer: Layer, zone: ZoneInfo, since: datetime, until: datetime) -> list[Entry]:
    """One layer's on-call entries over [since, until), restrictions applied, merged."""
    turns = list(_turns(layer, zone, since, until))
    if not layer.restrictions:
        return _merge(turns)
    windows = _restriction_windows(layer.restrictions, zone, since, until)
    out: list[Entry] = []
    position = 0
    for turn in turns:
        while position < len(windows) and windows[position][1] <= turn.start:
            position += 1
        probe = position
        while probe < len(windows) and windows[probe][0] < turn.end:
            start, end = max(turn.start, windows[probe][0]), min(turn.end, windows[probe][1])
            if start < end:
                out.append(Entry(turn.user, start, end))
            probe += 1
    return _merge(out)


def _stack(levels: Sequence[Sequence[Entry]], since: datetime, until: datetime) -> list[Entry]:
    """Flatten entry lists where a later list wins wherever it has an entry."""
    cuts = {since, until}
    for entries in levels:
        for entry in entries:
            cuts.add(entry.start)
            cuts.add(entry.end)
    points = sorted(c for c in cuts if since <= c <= until)
    cursors = [0] * len(levels)
    out: list[Entry] = []
    for start, end in pairwise(points):
        owner: str | None = None
        for level_index in range(len(levels) - 1, -1, -1):
            entries = levels[level_index]
            i = cursors[level_index]
            while i < len(entries) and entries[i].end <= start:
                i += 1
            cursors[level_index] = i
            # overrides may overlap each other: scan every entry covering `start`, keep the last
            hit = None
            j = i
            while j < len(entries) and entries[j].start <= start:
                if entries[j].end > start:
                    hit = entries[j]
                j += 1
            if hit is not None:
                owner = hit.user
                break
        if owner is not None:
            out.append(Entry(owner, start, end))
    return _merge(out)


def render_schedule(
    layers: Sequence[Layer],
    overrides: Sequence[Override],
    zone: ZoneInfo,
    since: datetime,
    until: datetime,
) -> Rendered:
    """Each layer's entries, the overrides sub-schedule and the final schedule over [since, until)."""
    rendered = Rendered()
    if until <= since:
        return rendered
    rendered.layers = [render_layer(layer, zone, since, until) for layer in layers]
    clipped = sorted(
        (
            Entry(o.user, max(o.start, since), min(o.end, until))
            for o in overrides
            if o.end > since and o.start < until and o.start < o.end
        ),
        key=lambda e: e.start,
    )
    rendered.overrides = clipped
    # overrides are not merged before stacking: overlapping ones need their own order
    levels: list[Sequence[Entry]] = [*rendered.layers, clipped]
    rendered.final = _stack(levels, since, until)
    return rendered


def user_at(rendered: Rendered, moment: datetime) -> str | None:
    for entry in rendered.final:
        if entry.start <= moment < entry.end:
            return entry.user
    return None


def coverage_percentage(entries: Sequence[Entry], since: datetime, until: datetime) -> float:
    total = (until - since).total_seconds()
    if total <= 0:
        return 0.0
    covered = sum((e.end - e.start).total_seconds() for e in entries)
    return round(100.0 * covered / total, 2)
