"""On-call pay arithmetic on a small, made-up list of shifts, checkable by hand."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pagerduty_mcp.servers.people import compensation_math

pytestmark = [pytest.mark.unit, pytest.mark.people]

UTC = ZoneInfo("UTC")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_a_weekday_splits_at_eight_and_six_on_the_persons_clock() -> None:
    day = [(at("2026-01-05T00:00Z"), at("2026-01-06T00:00Z"))]  # Monday, all day
    assert compensation_math.band_hours(day, UTC) == {"weekday": 10, "weeknight": 14, "weekend": 0, "holiday": 0}
    # The same UTC day in New York (UTC-5) is Sunday 19:00 to Monday 19:00: 5 h weekend first.
    new_york = compensation_math.band_hours(day, ZoneInfo("America/New_York"))
    assert new_york == {"weekday": 10, "weeknight": 9, "weekend": 5, "holiday": 0}


def test_a_holiday_wins_over_a_weekend_and_the_hour() -> None:
    friday_to_monday = [(at("2026-01-09T12:00Z"), at("2026-01-12T12:00Z"))]
    hours = compensation_math.band_hours(friday_to_monday, UTC, {date(2026, 1, 10), date(2026, 1, 12)})
    # Friday 12-18 weekday, 18-24 weeknight; Saturday holiday 24; Sunday weekend 24; Monday 00-12 holiday.
    assert hours == {"weekday": 6, "weeknight": 6, "weekend": 24, "holiday": 36}


def test_a_spring_forward_night_is_one_hour_short() -> None:
    night = [(at("2026-03-28T23:00Z"), at("2026-03-29T22:00Z"))]  # Sunday in Berlin, clocks go forward
    hours = compensation_math.band_hours(night, ZoneInfo("Europe/Berlin"))
    assert hours["weekend"] == 23 and sum(hours.values()) == 23


def test_short_rests_are_the_breaks_under_the_minimum() -> None:
    shifts = [
        (at("2026-01-05T08:00Z"), at("2026-01-05T22:00Z")),
        (at("2026-01-06T08:00Z"), at("2026-01-06T22:00Z")),  # 10 h after the first: too short
        (at("2026-01-07T09:00Z"), at("2026-01-07T12:00Z")),  # 11 h after: exactly enough
    ]
    assert compensation_math.short_rests(shifts, timedelta(hours=11)) == [(shifts[0][1], shifts[1][0])]
    assert compensation_math.short_rests(shifts, timedelta(hours=9)) == []


def test_the_busiest_week_slides_to_where_shifts_pile_up() -> None:
    shifts = [
        (at("2026-01-01T00:00Z"), at("2026-01-02T00:00Z")),  # 24 h
        (at("2026-01-06T00:00Z"), at("2026-01-07T12:00Z")),  # 36 h
        (at("2026-01-20T00:00Z"), at("2026-01-20T10:00Z")),  # 10 h, alone
    ]
    hours, start = compensation_math.busiest_week(shifts)
    # The first two fit in one week starting at the first shift: 24 + 36 = 60 h.
    assert hours == 60 and start == at("2026-01-01T00:00Z")
    assert compensation_math.busiest_week([]) == (0.0, None)
