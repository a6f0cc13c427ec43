"""Interval arithmetic behind on-call load and coverage gaps, checked against hand-worked numbers."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from pagerduty_mcp.servers.people import oncall_math

pytestmark = [pytest.mark.unit, pytest.mark.people]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_union_joins_overlapping_and_touching_spans() -> None:
    spans = [(at("2025-01-01T10:00Z"), at("2025-01-01T12:00Z")), (at("2025-01-01T08:00Z"), at("2025-01-01T10:00Z"))]
    spans.append((at("2025-01-01T11:00Z"), at("2025-01-01T13:00Z")))
    spans.append((at("2025-01-01T14:00Z"), at("2025-01-01T15:00Z")))
    assert oncall_math.union(spans) == [
        (at("2025-01-01T08:00Z"), at("2025-01-01T13:00Z")),
        (at("2025-01-01T14:00Z"), at("2025-01-01T15:00Z")),
    ]


def test_gaps_are_the_uncovered_parts_of_the_window() -> None:
    since, until = at("2025-01-01T00:00Z"), at("2025-01-02T00:00Z")
    covered = [(at("2024-12-31T20:00Z"), at("2025-01-01T06:00Z")), (at("2025-01-01T09:00Z"), at("2025-01-01T17:00Z"))]
    assert oncall_math.gaps(covered, since, until) == [
        (at("2025-01-01T06:00Z"), at("2025-01-01T09:00Z")),
        (at("2025-01-01T17:00Z"), until),
    ]
    assert oncall_math.gaps([], since, until) == [(since, until)]
    assert oncall_math.gaps([(since, until)], since, until) == []


def test_a_day_splits_into_twelve_night_hours_on_the_persons_own_clock() -> None:
    day = [(at("2025-01-07T00:00Z"), at("2025-01-08T00:00Z"))]  # a Tuesday
    dublin = oncall_math.split_hours(day, ZoneInfo("Europe/Dublin"))  # UTC+0 in January
    assert (dublin.total, dublin.night, dublin.weekend) == (24, 12, 0)
    tokyo = oncall_math.split_hours(day, ZoneInfo("Asia/Tokyo"))  # 09:00 Tue to 09:00 Wed
    assert (tokyo.total, tokyo.night, tokyo.weekend) == (24, 12, 0)


def test_weekend_hours_follow_the_local_calendar() -> None:
    # Friday 23:00 UTC to Saturday 02:00 UTC is Saturday 00:00-03:00 in Berlin (UTC+1).
    span = [(at("2025-01-10T23:00Z"), at("2025-01-11T02:00Z"))]
    berlin = oncall_math.split_hours(span, ZoneInfo("Europe/Berlin"))
    assert (berlin.total, berlin.night, berlin.weekend, berlin.off_hours) == (3, 3, 3, 3)
    london = oncall_math.split_hours(span, ZoneInfo("Europe/London"))
    assert (london.total, london.weekend) == (3, 2)


def test_the_spring_forward_night_is_an_hour_shorter() -> None:
    # Berlin, Saturday 29 March 2025 20:00 CET to Sunday 30 March 08:00 CEST: 11 real hours.
    span = [(at("2025-03-29T20:00+01:00"), at("2025-03-30T08:00+02:00"))]
    hours = oncall_math.split_hours(span, ZoneInfo("Europe/Berlin"))
    assert hours.total == pytest.approx(11)
    assert hours.night == pytest.approx(11)
    assert hours.weekend == pytest.approx(11)


def test_off_hours_at_reads_the_local_clock() -> None:
    assert oncall_math.off_hours_at(at("2025-01-07T21:00Z"), ZoneInfo("Europe/Dublin"))
    assert not oncall_math.off_hours_at(at("2025-01-07T21:00Z"), ZoneInfo("America/New_York"))  # 16:00
    assert oncall_math.off_hours_at(at("2025-01-11T12:00Z"), ZoneInfo("America/New_York"))  # Saturday


def test_balance_reports_spread_and_coefficient_of_variation() -> None:
    assert oncall_math.balance([96, 72]) == {
        "mean_hours": 84.0,
        "min_hours": 72.0,
        "max_hours": 96.0,
        "coefficient_of_variation": 0.143,
    }
    assert oncall_math.balance([10, 10, 10])["coefficient_of_variation"] == 0.0
    assert oncall_math.balance([]) == {}


def test_who_takes_over_says_from_only_when_it_is_not_the_end_of_the_current_shift() -> None:
    from pagerduty_mcp.servers.people.tools.oncall import current_and_next

    def entry(user: str, schedule: str, start: str, end: str) -> dict[str, object]:
        return {
            "user": {"id": user, "summary": user},
            "schedule": {"id": schedule, "summary": schedule},
            "start": start,
            "end": end,
        }

    now = at("2025-01-01T12:00Z")
    handover = current_and_next(
        [
            entry("ann", "S1", "2025-01-01T08:00Z", "2025-01-01T16:00Z"),
            entry("bo", "S1", "2025-01-01T16:00Z", "2025-01-02T00:00Z"),
        ],
        now,
    )
    assert handover["on_call"][0]["until"] == "2025-01-01T16:00Z"
    assert handover["next"] == [
        {"user": {"id": "bo", "name": "bo"}, "schedule": {"id": "S1", "name": "S1"}, "until": "2025-01-02T00:00Z"}
    ]
    gap = current_and_next(
        [
            entry("ann", "S1", "2025-01-01T08:00Z", "2025-01-01T16:00Z"),
            entry("bo", "S1", "2025-01-01T20:00Z", "2025-01-02T00:00Z"),
        ],
        now,
    )
    assert gap["next"][0]["from"] == "2025-01-01T20:00Z"  # nobody from 16:00: when the next one starts is news
