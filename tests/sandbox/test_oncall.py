"""The on-call engine against schedules whose answers were worked out by hand.

Times are written in the schedule's wall clock and converted with zoneinfo, so each expected
entry reads like the schedule a person would draw.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pagerduty_mcp.sandbox.model.oncall import (
    Entry,
    Layer,
    Override,
    Restriction,
    coverage_percentage,
    render_layer,
    render_schedule,
    user_at,
)

pytestmark = [pytest.mark.unit, pytest.mark.sandbox]

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
DAY = 86400
WEEK = 7 * DAY


def at(text: str, zone: ZoneInfo) -> datetime:
    """'2026-03-02 09:00' in ``zone`` as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=zone).astimezone(UTC)


def entries(zone: ZoneInfo, *rows: tuple[str, str, str]) -> list[Entry]:
    return [Entry(user, at(start, zone), at(end, zone)) for user, start, end in rows]


def layer(
    start: str,
    zone: ZoneInfo,
    turn: int,
    users: str,
    restrictions: tuple[Restriction, ...] = (),
    end: str | None = None,
) -> Layer:
    begin = at(start, zone)
    return Layer(begin, begin, turn, tuple(users), restrictions, at(end, zone) if end else None)


def test_weekly_rotation_hands_over_at_the_turn() -> None:
    weekly = layer("2026-03-02 09:00", BERLIN, WEEK, "ABC")
    got = render_layer(weekly, BERLIN, at("2026-03-09 00:00", BERLIN), at("2026-03-23 00:00", BERLIN))
    assert got == entries(
        BERLIN,
        ("A", "2026-03-09 00:00", "2026-03-09 09:00"),
        ("B", "2026-03-09 09:00", "2026-03-16 09:00"),
        ("C", "2026-03-16 09:00", "2026-03-23 00:00"),
    )


def test_rotation_wraps_around_the_user_list() -> None:
    daily = layer("2026-01-05 08:00", NEW_YORK, DAY, "AB")
    got = render_layer(daily, NEW_YORK, at("2026-01-09 08:00", NEW_YORK), at("2026-01-11 08:00", NEW_YORK))
    # turn 4 (Jan 9) is users[4 % 2] = A, turn 5 is B
    assert [e.user for e in got] == ["A", "B"]


def test_virtual_start_before_layer_start_shifts_the_order() -> None:
    virtual = at("2026-03-01 09:00", BERLIN)
    start = at("2026-03-04 12:00", BERLIN)
    shifted = Layer(start, virtual, DAY, ("A", "B"))
    got = render_layer(shifted, BERLIN, at("2026-03-04 00:00", BERLIN), at("2026-03-05 12:00", BERLIN))
    # nothing before the layer starts; Mar 4 is turn 3 (B), Mar 5 09:00 turn 4 (A)
    assert got == entries(
        BERLIN,
        ("B", "2026-03-04 12:00", "2026-03-05 09:00"),
        ("A", "2026-03-05 09:00", "2026-03-05 12:00"),
    )


def test_single_user_turns_merge_into_one_entry() -> None:
    solo = layer("2026-03-02 09:00", BERLIN, DAY, "A")
    got = render_layer(solo, BERLIN, at("2026-03-03 00:00", BERLIN), at("2026-03-06 00:00", BERLIN))
    assert got == entries(BERLIN, ("A", "2026-03-03 00:00", "2026-03-06 00:00"))


def test_daily_restriction_limits_each_day() -> None:
    business = layer("2026-03-02 00:00", NEW_YORK, WEEK, "A", (Restriction("daily_restriction", "09:00:00", 8 * 3600),))
    got = render_layer(business, NEW_YORK, at("2026-03-03 00:00", NEW_YORK), at("2026-03-05 00:00", NEW_YORK))
    assert got == entries(
        NEW_YORK,
        ("A", "2026-03-03 09:00", "2026-03-03 17:00"),
        ("A", "2026-03-04 09:00", "2026-03-04 17:00"),
    )


def test_weekly_restriction_covers_the_weekend() -> None:
    weekend = layer(
        "2026-03-02 00:00",
        NEW_YORK,
        WEEK,
        "W",
        (Restriction("weekly_restriction", "00:00:00", 2 * DAY, start_day_of_week=6),),
    )
    got = render_layer(weekend, NEW_YORK, at("2026-03-02 00:00", NEW_YORK), at("2026-03-16 00:00", NEW_YORK))
    assert got == entries(
        NEW_YORK,
        ("W", "2026-03-07 00:00", "2026-03-09 00:00"),
        ("W", "2026-03-14 00:00", "2026-03-16 00:00"),
    )


def test_restriction_already_running_when_the_window_opens() -> None:
    nights = layer("2026-03-02 18:00", NEW_YORK, WEEK, "N", (Restriction("daily_restriction", "18:00:00", 14 * 3600),))
    got = render_layer(nights, NEW_YORK, at("2026-03-04 06:00", NEW_YORK), at("2026-03-04 20:00", NEW_YORK))
    assert got == entries(
        NEW_YORK,
        ("N", "2026-03-04 06:00", "2026-03-04 08:00"),
        ("N", "2026-03-04 18:00", "2026-03-04 20:00"),
    )


def test_hand_off_across_midnight_inside_a_night_restriction() -> None:
    # daily turns handed over at 00:00; nights 18:00 for 14 h: the midnight hand-off splits a night
    nights = layer("2026-03-02 00:00", NEW_YORK, DAY, "AB", (Restriction("daily_restriction", "18:00:00", 14 * 3600),))
    got = render_layer(nights, NEW_YORK, at("2026-03-02 00:00", NEW_YORK), at("2026-03-04 00:00", NEW_YORK))
    assert got == entries(
        NEW_YORK,
        ("A", "2026-03-02 00:00", "2026-03-02 08:00"),  # the tail of Sunday's night, in A's turn
        ("A", "2026-03-02 18:00", "2026-03-03 00:00"),
        ("B", "2026-03-03 00:00", "2026-03-03 08:00"),  # same night, handed to B at midnight
        ("B", "2026-03-03 18:00", "2026-03-04 00:00"),
    )


def test_later_layer_wins_and_its_gaps_show_the_earlier_one() -> None:
    base = layer("2026-03-02 00:00", NEW_YORK, WEEK, "A")
    business = layer("2026-03-02 00:00", NEW_YORK, WEEK, "B", (Restriction("daily_restriction", "09:00:00", 8 * 3600),))
    since, until = at("2026-03-03 00:00", NEW_YORK), at("2026-03-04 00:00", NEW_YORK)
    final = render_schedule([base, business], [], NEW_YORK, since, until).final
    assert final == entries(
        NEW_YORK,
        ("A", "2026-03-03 00:00", "2026-03-03 09:00"),
        ("B", "2026-03-03 09:00", "2026-03-03 17:00"),
        ("A", "2026-03-03 17:00", "2026-03-04 00:00"),
    )
    # the same layers in the other order: the unrestricted layer on top hides everything below
    reversed_final = render_schedule([business, base], [], NEW_YORK, since, until).final
    assert reversed_final == entries(NEW_YORK, ("A", "2026-03-03 00:00", "2026-03-04 00:00"))


def test_ended_layer_gives_way_to_the_one_below() -> None:
    base = layer("2026-03-02 00:00", NEW_YORK, WEEK, "A")
    temporary = layer("2026-03-02 00:00", NEW_YORK, WEEK, "T", end="2026-03-03 12:00")
    final = render_schedule(
        [base, temporary], [], NEW_YORK, at("2026-03-03 00:00", NEW_YORK), at("2026-03-04 00:00", NEW_YORK)
    ).final
    assert final == entries(
        NEW_YORK,
        ("T", "2026-03-03 00:00", "2026-03-03 12:00"),
        ("A", "2026-03-03 12:00", "2026-03-04 00:00"),
    )


def test_overrides_beat_every_layer_and_split_entries() -> None:
    base = layer("2026-03-02 00:00", NEW_YORK, WEEK, "A")
    business = layer("2026-03-02 00:00", NEW_YORK, WEEK, "B", (Restriction("daily_restriction", "09:00:00", 8 * 3600),))
    cover = Override(at("2026-03-03 12:00", NEW_YORK), at("2026-03-03 14:00", NEW_YORK), "C")
    rendered = render_schedule(
        [base, business], [cover], NEW_YORK, at("2026-03-03 00:00", NEW_YORK), at("2026-03-04 00:00", NEW_YORK)
    )
    assert rendered.final == entries(
        NEW_YORK,
        ("A", "2026-03-03 00:00", "2026-03-03 09:00"),
        ("B", "2026-03-03 09:00", "2026-03-03 12:00"),
        ("C", "2026-03-03 12:00", "2026-03-03 14:00"),
        ("B", "2026-03-03 14:00", "2026-03-03 17:00"),
        ("A", "2026-03-03 17:00", "2026-03-04 00:00"),
    )
    assert rendered.overrides == entries(NEW_YORK, ("C", "2026-03-03 12:00", "2026-03-03 14:00"))


def test_overlapping_overrides_the_later_one_wins_while_it_lasts() -> None:
    base = layer("2026-03-02 00:00", NEW_YORK, WEEK, "A")
    long = Override(at("2026-03-03 08:00", NEW_YORK), at("2026-03-03 20:00", NEW_YORK), "L")
    short = Override(at("2026-03-03 10:00", NEW_YORK), at("2026-03-03 12:00", NEW_YORK), "S")
    final = render_schedule(
        [base], [long, short], NEW_YORK, at("2026-03-03 06:00", NEW_YORK), at("2026-03-03 22:00", NEW_YORK)
    ).final
    assert final == entries(
        NEW_YORK,
        ("A", "2026-03-03 06:00", "2026-03-03 08:00"),
        ("L", "2026-03-03 08:00", "2026-03-03 10:00"),
        ("S", "2026-03-03 10:00", "2026-03-03 12:00"),
        ("L", "2026-03-03 12:00", "2026-03-03 20:00"),
        ("A", "2026-03-03 20:00", "2026-03-03 22:00"),
    )


def test_override_for_the_user_already_on_call_merges() -> None:
    base = layer("2026-03-02 00:00", NEW_YORK, WEEK, "A")
    same = Override(at("2026-03-03 10:00", NEW_YORK), at("2026-03-03 12:00", NEW_YORK), "A")
    final = render_schedule(
        [base], [same], NEW_YORK, at("2026-03-03 00:00", NEW_YORK), at("2026-03-04 00:00", NEW_YORK)
    ).final
    assert final == entries(NEW_YORK, ("A", "2026-03-03 00:00", "2026-03-04 00:00"))


def test_daily_09_00_hand_off_stays_at_09_00_across_spring_forward() -> None:
    # Europe/Berlin springs forward on Sunday 2026-03-29 (02:00 CET -> 03:00 CEST)
    daily = layer("2026-03-27 09:00", BERLIN, DAY, "AB")
    got = render_layer(daily, BERLIN, at("2026-03-27 09:00", BERLIN), at("2026-03-31 09:00", BERLIN))
    utc = [(e.user, e.start.strftime("%m-%d %H:%M"), e.end.strftime("%m-%d %H:%M")) for e in got]
    assert utc == [
        ("A", "03-27 08:00", "03-28 08:00"),
        ("B", "03-28 08:00", "03-29 07:00"),  # 23 hours: the night loses an hour
        ("A", "03-29 07:00", "03-30 07:00"),
        ("B", "03-30 07:00", "03-31 07:00"),
    ]
    assert got[1].end - got[1].start == timedelta(hours=23)


def test_daily_09_00_hand_off_stays_at_09_00_across_fall_back() -> None:
    # Europe/Berlin falls back on Sunday 2026-10-25 (03:00 CEST -> 02:00 CET)
    daily = layer("2026-10-23 09:00", BERLIN, DAY, "AB")
    got = render_layer(daily, BERLIN, at("2026-10-24 09:00", BERLIN), at("2026-10-26 09:00", BERLIN))
    assert [e.start.astimezone(BERLIN).strftime("%d %H:%M") for e in got] == ["24 09:00", "25 09:00"]
    assert got[0].user == "B"
    assert got[0].end - got[0].start == timedelta(hours=25)


def test_weekly_rotation_over_a_dst_change_keeps_the_monday_hand_off() -> None:
    # America/New_York springs forward on 2026-03-08; Monday 09:00 stays Monday 09:00
    weekly = layer("2026-03-02 09:00", NEW_YORK, WEEK, "AB")
    got = render_layer(weekly, NEW_YORK, at("2026-03-02 09:00", NEW_YORK), at("2026-03-16 09:00", NEW_YORK))
    assert [e.start.astimezone(NEW_YORK).strftime("%a %H:%M") for e in got] == ["Mon 09:00", "Mon 09:00"]
    assert got[0].end - got[0].start == timedelta(days=7, hours=-1)


def test_restriction_in_local_time_moves_in_utc_after_dst() -> None:
    business = layer("2026-03-02 00:00", NEW_YORK, WEEK, "A", (Restriction("daily_restriction", "09:00:00", 3600),))
    got = render_layer(business, NEW_YORK, at("2026-03-06 00:00", NEW_YORK), at("2026-03-10 00:00", NEW_YORK))
    assert [e.start.strftime("%d %H:%M") for e in got] == ["06 14:00", "07 14:00", "08 13:00", "09 13:00"]


def test_user_at_and_coverage() -> None:
    business = layer("2026-03-02 00:00", NEW_YORK, WEEK, "A", (Restriction("daily_restriction", "09:00:00", 6 * 3600),))
    since, until = at("2026-03-03 00:00", NEW_YORK), at("2026-03-04 00:00", NEW_YORK)
    rendered = render_schedule([business], [], NEW_YORK, since, until)
    assert user_at(rendered, at("2026-03-03 10:00", NEW_YORK)) == "A"
    assert user_at(rendered, at("2026-03-03 16:00", NEW_YORK)) is None
    assert coverage_percentage(rendered.final, since, until) == 25.0


def test_empty_window_renders_nothing() -> None:
    daily = layer("2026-03-02 09:00", BERLIN, DAY, "AB")
    moment = at("2026-03-05 00:00", BERLIN)
    assert render_schedule([daily], [], BERLIN, moment, moment).final == []
