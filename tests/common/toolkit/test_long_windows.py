"""A window longer than an endpoint takes is cut into pieces, and the pieces' rows are joined."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pagerduty_mcp.common import ToolFailure, join_rows, pieces
from pagerduty_mcp.common.pagerduty.context import RequestContext, request_scope

pytestmark = [pytest.mark.unit, pytest.mark.common]

START = datetime(2026, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)


def test_a_quarter_of_92_days_is_two_pieces_that_meet_and_cover_it_all() -> None:
    with request_scope(RequestContext(kind="tool", name="t")) as ctx:
        spans = pieces(START, START + 92 * DAY, 90 * DAY, longest=366 * DAY)
        assert ctx.memo.window == {
            "since": "2026-01-01T00:00:00Z",
            "until": "2026-04-03T00:00:00Z",
            "pieces": 2,
            "piece_days": 90,
        }
    assert spans == [(START, START + 90 * DAY), (START + 90 * DAY, START + 92 * DAY)]


def test_a_window_that_fits_is_one_piece_and_says_only_its_ends() -> None:
    with request_scope(RequestContext(kind="tool", name="t")) as ctx:
        assert pieces(START, START + 30 * DAY, 90 * DAY, longest=366 * DAY) == [(START, START + 30 * DAY)]
        assert "pieces" not in ctx.memo.window and ctx.memo.window["until"] == "2026-01-31T00:00:00Z"


def test_a_second_cut_of_the_same_window_leaves_the_first_ones_account() -> None:
    with request_scope(RequestContext(kind="tool", name="t")) as ctx:
        pieces(START, START + 200 * DAY, 90 * DAY, longest=366 * DAY)
        halves = pieces(START, START + 200 * DAY, 180 * DAY, longest=366 * DAY, said=False)
        assert len(halves) == 2 and (ctx.memo.window["pieces"], ctx.memo.window["piece_days"]) == (3, 90)


def test_a_window_past_the_longest_is_refused_naming_until() -> None:
    with pytest.raises(ToolFailure) as caught:
        pieces(START, START + 367 * DAY, 90 * DAY, longest=366 * DAY)
    assert caught.value.code == "INVALID_PARAMETER"
    assert caught.value.message.startswith("until:") and "366 days" in caught.value.message


def test_rows_of_one_key_join_sums_added_and_means_weighted() -> None:
    first = [
        {"id": "A", "name": "Ann", "count": 3, "acked": 1, "mean": 100, "p50": 90},
        {"id": "B", "name": "Ben", "count": 1, "acked": 1, "mean": 10, "p50": 10},
    ]
    second = [{"id": "A", "name": "Ann", "count": 1, "acked": 3, "mean": 20, "p50": 20}]
    joined = join_rows(
        [first, second], lambda r: r["id"], sums=("count", "acked"), means={"mean": "acked"}, unjoinable=("p50",)
    )
    ann, ben = joined
    # Ann: 4 incidents, 4 acknowledged; the mean of (100 once, 20 three times) is 40, not 60.
    assert ann == {"id": "A", "name": "Ann", "count": 4, "acked": 4, "mean": 40}
    assert ben == first[1] and joined.dropped == {"p50"}


def test_a_mean_with_no_weight_is_the_plain_mean_and_a_fraction_stays_a_fraction() -> None:
    rows = [[{"k": 1, "uptime": 99.5, "w": 0}], [{"k": 1, "uptime": 100.0, "w": 0}]]
    [row] = join_rows(rows, lambda r: r["k"], means={"uptime": "w"})
    assert row["uptime"] == 99.75
