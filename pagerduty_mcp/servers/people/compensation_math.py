"""On-call pay arithmetic: hours by pay band, short rests and heavy weeks.

Pure functions on the merged on-call spans of one person, so each figure of a compensation report
can be checked by hand. Bands are read on the person's own wall clock, cut by the same pieces that
on-call load uses (``oncall_math.pieces``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from pagerduty_mcp.servers.people.oncall_math import Span, clip, pieces

__all__ = ["BANDS", "WORKDAY_END_HOUR", "WORKDAY_START_HOUR", "band_hours", "busiest_week", "short_rests"]

# Weekday (paid as working time) is 08:00-18:00 Monday to Friday on the person's clock.
WORKDAY_START_HOUR = 8
WORKDAY_END_HOUR = 18
BANDS = ("weekday", "weeknight", "weekend", "holiday")
WEEK = timedelta(days=7)


def _band(local: datetime, holidays: Collection[date]) -> str:
    if local.date() in holidays:
        return "holiday"
    if local.weekday() >= 5:
        return "weekend"
    return "weekday" if WORKDAY_START_HOUR <= local.hour < WORKDAY_END_HOUR else "weeknight"


def band_hours(spans: Sequence[Span], zone: ZoneInfo, holidays: Collection[date] = ()) -> dict[str, float]:
    """Hours of ``spans`` (not overlapping) in each band. A holiday wins over a weekend, which wins
    over the time of day."""
    hours = dict.fromkeys(BANDS, 0.0)
    for length, local in pieces(spans, zone, (WORKDAY_START_HOUR, WORKDAY_END_HOUR)):
        hours[_band(local, holidays)] += length
    return hours


def short_rests(spans: Sequence[Span], minimum: timedelta) -> list[Span]:
    """Off-call breaks between consecutive shifts (``spans`` merged and sorted) shorter than ``minimum``."""
    return [(end, start) for (_, end), (start, _) in pairwise(spans) if start - end < minimum]


def busiest_week(spans: Sequence[Span]) -> tuple[float, datetime | None]:
    """The most on-call hours in any rolling 7 days, and when that week starts.

    The busiest week can be slid until it starts at a shift's start or ends at a shift's end, so
    only those candidates are measured.
    """
    best, best_start = 0.0, None
    # Shift starts first: of equally busy weeks, the one that opens with a shift is named.
    candidates = [s for s, _ in spans] + [e - WEEK for _, e in spans]
    for start in candidates:
        hours = sum((b - a).total_seconds() for a, b in clip(spans, start, start + WEEK)) / 3600
        if hours > best + 1e-9:
            best, best_start = hours, start
    return best, best_start
