"""Interval arithmetic behind on-call load and coverage gaps.

Pure functions on ``(start, end)`` pairs of aware datetimes, so that the numbers a fairness or
payroll question gets can be checked by hand. "Night" and "weekend" are read on the wall clock of
each person's own time zone, which is what a person on call feels (and what DST changes).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from math import sqrt
from zoneinfo import ZoneInfo

__all__ = [
    "DAY_END_HOUR",
    "DAY_START_HOUR",
    "Hours",
    "Span",
    "balance",
    "clip",
    "gaps",
    "off_hours_at",
    "pieces",
    "split_hours",
    "union",
]

Span = tuple[datetime, datetime]

# Daytime is 08:00-20:00 on the person's own clock; everything else counts as night.
DAY_START_HOUR = 8
DAY_END_HOUR = 20


def clip(spans: Iterable[Span], since: datetime, until: datetime) -> list[Span]:
    """The parts of ``spans`` inside [since, until), dropping empty ones."""
    out = []
    for start, end in spans:
        start, end = max(start, since), min(end, until)
        if start < end:
            out.append((start, end))
    return out


def union(spans: Iterable[Span]) -> list[Span]:
    """Sorted, non-overlapping spans covering the same time; touching spans are joined."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def gaps(covered: Iterable[Span], since: datetime, until: datetime) -> list[Span]:
    """Where [since, until) is not covered by any span."""
    out: list[Span] = []
    cursor = since
    for start, end in union(clip(covered, since, until)):
        if start > cursor:
            out.append((cursor, start))
        cursor = max(cursor, end)
    if cursor < until:
        out.append((cursor, until))
    return out


def _wall(local: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in ``zone`` as a UTC instant (a time skipped by DST moves forward)."""
    aware = local.replace(tzinfo=zone)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local:
        aware = local.replace(tzinfo=zone, fold=1)
    return aware.astimezone(UTC)


def _boundaries(zone: ZoneInfo, since: datetime, until: datetime, hours: Sequence[int]) -> list[datetime]:
    """since, until and every local midnight and ``hours`` o'clock in ``zone`` between, as UTC instants."""
    day = since.astimezone(zone).date() - timedelta(days=1)
    last = until.astimezone(zone).date() + timedelta(days=1)
    points = {since, until}
    while day <= last:
        for hour in (0, *hours):
            moment = _wall(datetime.combine(day, time(hour)), zone)
            if since < moment < until:
                points.add(moment)
        day += timedelta(days=1)
    return sorted(points)


def pieces(spans: Sequence[Span], zone: ZoneInfo, hours: Sequence[int]) -> Iterator[tuple[float, datetime]]:
    """``spans`` cut at every local midnight and ``hours`` o'clock: (length in hours, local start).

    Within one piece the local date and the side of each boundary hour do not change, so one look
    at its start classifies the whole piece (night, weekend, a holiday, a pay band).
    """
    for start, end in spans:
        for a, b in pairwise(_boundaries(zone, start, end, hours)):
            yield (b - a).total_seconds() / 3600, a.astimezone(zone)


def off_hours_at(at: datetime, zone: ZoneInfo) -> bool:
    """Whether ``at`` falls in a night or a weekend on the clock of ``zone``."""
    local = at.astimezone(zone)
    return local.weekday() >= 5 or not DAY_START_HOUR <= local.hour < DAY_END_HOUR


@dataclass
class Hours:
    """On-call time of one person, split by when it fell on their own clock."""

    total: float = 0.0
    night: float = 0.0
    weekend: float = 0.0
    off_hours: float = 0.0  # night or weekend (counted once)

    def add(self, other: Hours) -> None:
        self.total += other.total
        self.night += other.night
        self.weekend += other.weekend
        self.off_hours += other.off_hours


def split_hours(spans: Sequence[Span], zone: ZoneInfo) -> Hours:
    """Hours in ``spans`` (which must not overlap), and how many were nights and weekends."""
    hours = Hours()
    for length, local in pieces(spans, zone, (DAY_START_HOUR, DAY_END_HOUR)):
        night = not DAY_START_HOUR <= local.hour < DAY_END_HOUR
        weekend = local.weekday() >= 5
        hours.total += length
        hours.night += length if night else 0.0
        hours.weekend += length if weekend else 0.0
        hours.off_hours += length if night or weekend else 0.0
    return hours


def balance(values: Sequence[float]) -> dict[str, float]:
    """How evenly a load is spread: mean, spread and the coefficient of variation (0 = even)."""
    if not values:
        return {}
    mean = sum(values) / len(values)
    deviation = sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    return {
        "mean_hours": round(mean, 2),
        "min_hours": round(min(values), 2),
        "max_hours": round(max(values), 2),
        "coefficient_of_variation": round(deviation / mean, 3) if mean else 0.0,
    }
