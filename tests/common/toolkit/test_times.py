"""One parser for every since/until: ISO 8601 and relative forms, with one set of messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pagerduty_mcp.common import ToolFailure
from pagerduty_mcp.common.toolkit.times import parse_time, window, zone_ok

pytestmark = [pytest.mark.unit, pytest.mark.common]

NOW = datetime(2026, 11, 30, 15, 20, 7, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-01T09:00:00Z", datetime(2026, 11, 1, 9, tzinfo=UTC)),
        ("2026-11-01T10:00:00+01:00", datetime(2026, 11, 1, 9, tzinfo=UTC)),
        ("2026-11-01", datetime(2026, 11, 1, tzinfo=UTC)),
        ("24h", NOW - timedelta(hours=24)),
        ("7d", NOW - timedelta(days=7)),
        ("2w", NOW - timedelta(weeks=2)),
        ("30m", NOW - timedelta(minutes=30)),
        ("30 M", NOW - timedelta(minutes=30)),
        ("today", datetime(2026, 11, 30, tzinfo=UTC)),
        ("yesterday", datetime(2026, 11, 29, tzinfo=UTC)),
        ("now", NOW),
    ],
)
def test_iso_and_relative_forms_read_as_utc(text: str, expected: datetime) -> None:
    assert parse_time(text, "since", now=NOW) == expected


@pytest.mark.parametrize("blank", [None, "", "  "])
def test_nothing_given_is_none(blank: str | None) -> None:
    assert parse_time(blank, "since") is None


@pytest.mark.parametrize("bad", ["last tuesday", "2026-13-01", "0001-01-01T00:00:00Z", "99999w", "5y"])
def test_garbage_is_invalid_naming_the_parameter_and_the_forms(bad: str) -> None:
    with pytest.raises(ToolFailure) as caught:
        parse_time(bad, "until", now=NOW)
    assert caught.value.code == "INVALID_PARAMETER"
    assert caught.value.message.startswith("until:")
    assert caught.value.details == {"parameters": ["until"]}


def test_a_window_fills_a_missing_end_and_refuses_a_backward_one() -> None:
    start, end = window("7d", None, ahead=timedelta(days=1), now=NOW)
    assert (start, end) == (NOW.replace(microsecond=0) - timedelta(days=7), NOW - timedelta(days=6))
    with pytest.raises(ToolFailure, match="until: must be after since"):
        window("today", "yesterday", now=NOW)
    with pytest.raises(ToolFailure, match="at most 90 days"):
        window("2026-01-01", "2026-11-01", maximum=timedelta(days=90), now=NOW)


def test_a_time_zone_is_an_iana_name_or_invalid_naming_the_parameter() -> None:
    assert zone_ok("Asia/Kolkata", "time_zone") == "Asia/Kolkata"
    for bad in ("Mars/Base", "", "../etc/passwd", "EST5EDT,M3"):
        with pytest.raises(ToolFailure) as caught:
            zone_ok(bad, "time_zone")
        assert caught.value.code == "INVALID_PARAMETER" and caught.value.details == {"parameters": ["time_zone"]}
