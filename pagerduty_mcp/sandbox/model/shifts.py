"""Shift-based (v3) schedules: who is on call, computed from rotations' events, custom shifts and overrides.

The rules, as PagerDuty's v3 API describes them:
- an event's first occurrence runs from ``start_time`` to ``end_time``; its RRULE repeats that
  window on the wall clock of the start's time zone (a 09:00 start stays 09:00 across DST);
- occurrences are produced only inside ``[effective_since, effective_until)``; EXDATEs drop one;
- a rotating event hands each member ``shifts_per_member`` occurrences in turn, counted from the
  first occurrence; an every-member event puts all its members on call at once;
- rotations and custom shifts add up: several people may be on call at the same moment;
- an override replaces one member of one rotation or custom shift for its window.

Supported RRULE parts: FREQ (HOURLY, DAILY, WEEKLY, MONTHLY), INTERVAL, BYDAY (weekly), COUNT, UNTIL.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "Assignment",
    "Event",
    "Rule",
    "ShiftOverride",
    "compute",
    "event_from_json",
    "parse_recurrence",
    "schedule_assignments",
]

_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_FREQUENCIES = ("HOURLY", "DAILY", "WEEKLY", "MONTHLY")
# Occurrences walked per event at most: years of hourly shifts, far beyond any window asked for.
_MAX_STEPS = 200_000


@dataclass(frozen=True)
class Rule:
    freq: str
    interval: int = 1
    by_day: tuple[int, ...] = ()  # 0=Monday
    count: int | None = None
    until: datetime | None = None


def _parse_stamp(text: str) -> datetime:
    text = text.strip()
    for form in ("%Y%m%dT%H%M%SZ", "%Y%m%dT%H%M%S", "%Y%m%d"):
        try:
            return datetime.strptime(text, form).replace(tzinfo=UTC)
        except ValueError:
            continue
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def parse_recurrence(lines: Sequence[str]) -> tuple[Rule, frozenset[datetime]]:
    """The one RRULE and the EXDATEs of ``lines``; ``ValueError`` says what is wrong."""
    rules = [line for line in lines if line.upper().startswith("RRULE:")]
    if len(rules) != 1:
        raise ValueError("recurrence must hold exactly one RRULE")
    parts: dict[str, str] = {}
    for item in rules[0][len("RRULE:") :].split(";"):
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"RRULE part {item!r} is not KEY=VALUE")
        parts[key.upper()] = value.upper()
    freq = parts.get("FREQ")
    if freq not in _FREQUENCIES:
        raise ValueError(f"RRULE FREQ must be one of {', '.join(_FREQUENCIES)}")
    try:
        interval = int(parts.get("INTERVAL", "1"))
        count = int(parts["COUNT"]) if "COUNT" in parts else None
    except ValueError:
        raise ValueError("RRULE INTERVAL and COUNT must be whole numbers") from None
    if interval < 1 or (count is not None and count < 1):
        raise ValueError("RRULE INTERVAL and COUNT must be at least 1")
    days = tuple(sorted({_DAYS.index(d) for d in parts["BYDAY"].split(",") if d in _DAYS})) if "BYDAY" in parts else ()
    if "BYDAY" in parts and len(days) != len(set(parts["BYDAY"].split(","))):
        raise ValueError("RRULE BYDAY takes two-letter day codes (MO, TU, WE, TH, FR, SA, SU)")
    until = _parse_stamp(parts["UNTIL"]) if "UNTIL" in parts else None
    excluded: set[datetime] = set()
    for line in lines:
        if line.upper().startswith("EXDATE"):
            for stamp in line.split(":", 1)[1].split(","):
                excluded.add(_parse_stamp(stamp))
        elif not line.upper().startswith(("RRULE:", "RDATE")):
            raise ValueError(f"recurrence line {line[:40]!r} is not an RRULE, EXDATE or RDATE")
    return Rule(freq, interval, days, count, until), frozenset(excluded)


@dataclass(frozen=True)
class Event:
    start: datetime  # first occurrence, aware
    end: datetime
    zone: ZoneInfo
    rule: Rule
    effective_since: datetime
    effective_until: datetime | None
    members: tuple[str | None, ...]  # None: an empty member
    rotating: bool = True
    shifts_per_member: int = 1
    excluded: frozenset[datetime] = frozenset()
    rotation_id: str = ""


@dataclass(frozen=True)
class ShiftOverride:
    id: str
    start: datetime
    end: datetime
    replaced: str | None
    by: str | None
    rotation_id: str | None = None
    custom_shift_id: str | None = None


@dataclass(frozen=True)
class Assignment:
    """A computed shift: one member on call from start to end, and where it came from."""

    start: datetime
    end: datetime
    user: str | None
    source: str  # schedule_rotation | custom_shift | schedule_rotation_override | custom_shift_override
    rotation_id: str | None = None
    shift_id: str | None = None
    override_id: str | None = None


def _aware(local: datetime, zone: ZoneInfo) -> datetime:
    candidate = local.replace(tzinfo=zone, fold=0)
    if candidate.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local:
        candidate = local.replace(tzinfo=zone, fold=1)
    return candidate.astimezone(UTC)


def _add_months(local: datetime, months: int) -> datetime | None:
    year, month = divmod(local.month - 1 + months, 12)
    try:
        return local.replace(year=local.year + year, month=month + 1)
    except ValueError:  # the 31st in a shorter month: no occurrence that month
        return None


def _local_starts(event: Event) -> Iterator[datetime]:
    """Every occurrence's start on the event's wall clock, in order."""
    base = event.start.astimezone(event.zone).replace(tzinfo=None)
    rule = event.rule
    if rule.freq == "HOURLY":
        for step in range(_MAX_STEPS):
            yield base + timedelta(hours=step * rule.interval)
    elif rule.freq == "DAILY":
        for step in range(_MAX_STEPS):
            yield base + timedelta(days=step * rule.interval)
    elif rule.freq == "WEEKLY":
        days = rule.by_day or (base.weekday(),)
        monday = base - timedelta(days=base.weekday())
        for step in range(_MAX_STEPS):
            week = monday + timedelta(weeks=step * rule.interval)
            for day in days:
                moment = week + timedelta(days=day)
                if moment >= base:
                    yield moment
    else:
        for step in range(_MAX_STEPS):
            month = _add_months(base, step * rule.interval)
            if month is not None:
                yield month


def occurrences(event: Event, until: datetime) -> Iterator[tuple[int, datetime, datetime]]:
    """(index, start, end) of each occurrence starting before ``until``, before the effective range clips it."""
    length = event.end - event.start
    index = 0
    for local in _local_starts(event):
        start = _aware(local, event.zone)
        if start >= until or (event.rule.until is not None and start > event.rule.until):
            return
        if event.rule.count is not None and index >= event.rule.count:
            return
        if start in event.excluded:
            continue
        yield index, start, start + length
        index += 1


def _event_assignments(event: Event, since: datetime, until: datetime) -> Iterator[Assignment]:
    lower = max(since, event.effective_since)
    upper = until if event.effective_until is None else min(until, event.effective_until)
    if lower >= upper or not event.members:
        return
    for index, start, end in occurrences(event, upper):
        a, b = max(start, lower), min(end, upper)
        if a >= b:
            continue
        if event.rotating:
            chosen: Sequence[str | None] = (event.members[(index // event.shifts_per_member) % len(event.members)],)
        else:
            chosen = event.members
        for user in chosen:
            yield Assignment(a, b, user, "schedule_rotation", rotation_id=event.rotation_id)


def _apply(assignments: list[Assignment], override: ShiftOverride) -> list[Assignment]:
    out: list[Assignment] = []
    for item in assignments:
        same_source = (override.rotation_id and item.rotation_id == override.rotation_id) or (
            override.custom_shift_id and item.shift_id == override.custom_shift_id
        )
        if (
            not same_source
            or item.user != override.replaced
            or item.end <= override.start
            or item.start >= override.end
            or item.override_id
        ):
            out.append(item)
            continue
        if item.start < override.start:
            out.append(Assignment(item.start, override.start, item.user, item.source, item.rotation_id, item.shift_id))
        out.append(
            Assignment(
                max(item.start, override.start),
                min(item.end, override.end),
                override.by,
                f"{item.source}_override",
                item.rotation_id,
                item.shift_id,
                override.id,
            )
        )
        if item.end > override.end:
            out.append(Assignment(override.end, item.end, item.user, item.source, item.rotation_id, item.shift_id))
    return out


def compute(
    events: Sequence[Event],
    custom_shifts: Sequence[tuple[str, datetime, datetime, str | None]],
    overrides: Sequence[ShiftOverride],
    since: datetime,
    until: datetime,
) -> list[Assignment]:
    """The final schedule over [since, until): every computed assignment, clipped, by start."""
    found: list[Assignment] = []
    for event in events:
        found.extend(_event_assignments(event, since, until))
    for shift_id, start, end, user in custom_shifts:
        a, b = max(start, since), min(end, until)
        if a < b:
            found.append(Assignment(a, b, user, "custom_shift", shift_id=shift_id))
    for override in overrides:
        found = _apply(found, override)
    return sorted(found, key=lambda x: (x.start, x.end, x.user or ""))


# -- the stored JSON (PagerDuty's v3 shapes) read into the engine's terms -------------------------
def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _member(member: dict[str, Any]) -> str | None:
    return member.get("user_id") if member.get("type") == "user_member" else None


def event_from_json(event: dict[str, Any], rotation_id: str) -> Event:
    """An event as stored (already validated by the route that made it)."""
    rule, excluded = parse_recurrence(event["recurrence"])
    strategy = event["assignment_strategy"]
    until = event.get("effective_until")
    return Event(
        start=_time(event["start_time"]["date_time"]),
        end=_time(event["end_time"]["date_time"]),
        zone=ZoneInfo(event["start_time"]["time_zone"]),
        rule=rule,
        effective_since=_time(event["effective_since"]),
        effective_until=_time(until) if until else None,
        members=tuple(_member(m) for m in strategy["members"]),
        rotating=strategy["type"] == "rotating_member_assignment_strategy",
        shifts_per_member=int(strategy.get("shifts_per_member") or 1),
        excluded=excluded,
        rotation_id=rotation_id,
    )


def schedule_assignments(schedule: dict[str, Any], since: datetime, until: datetime) -> list[Assignment]:
    """A stored shift-based schedule's final schedule over [since, until)."""
    rotations = schedule["_rotations"] + schedule["_retired_rotations"]
    events = [event_from_json(e, r["id"]) for r in rotations for e in r["events"]]
    customs = [
        (s["id"], _time(s["start_time"]), _time(s["end_time"]), _member(s["assignments"][0]["member"]))
        for s in schedule["_custom_shifts"]
    ]
    overrides = [
        ShiftOverride(
            o["id"],
            _time(o["start_time"]),
            _time(o["end_time"]),
            _member(o["overridden_member"]),
            _member(o["overriding_member"]),
            o.get("rotation_id"),
            o.get("custom_shift_id"),
        )
        for o in schedule["_overrides"]
    ]
    return compute(events, customs, overrides, since, until)
