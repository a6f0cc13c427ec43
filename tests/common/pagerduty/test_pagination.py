from __future__ import annotations

import httpx2
import pytest

from pagerduty_mcp.common.pagerduty.pagination import MAX_OFFSET, at_once, paginate, paginate_cursor
from tests.common.fakes import make_client, reply

pytestmark = [pytest.mark.unit, pytest.mark.common]


def offset_api(count: int, *, with_total: bool = True, requests: list[httpx2.Request] | None = None):
    """A list endpoint over ``count`` numbered items that honours limit/offset like PagerDuty."""
    seen = requests if requests is not None else []

    def handle(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        limit = int(request.url.params["limit"])
        offset = int(request.url.params["offset"])
        assert limit <= 100
        items = [{"id": f"P{i}"} for i in range(offset, min(offset + limit, count))]
        body = {"items": items, "limit": limit, "offset": offset, "more": offset + limit < count}
        if with_total and request.url.params.get("total") == "true":
            body["total"] = count
        return reply(200, body)(request)

    return handle


def ids(page) -> list[str]:
    return [item["id"] for item in page.items]


def test_stops_at_the_limit_not_at_the_page_size() -> None:
    requests: list[httpx2.Request] = []
    page = paginate(make_client(offset_api(500, requests=requests)), "/items", "items", limit=250)
    assert ids(page) == [f"P{i}" for i in range(250)]
    assert page.has_more and page.next_offset == 250 and page.total == 500
    assert sorted(int(r.url.params["offset"]) for r in requests) == [0, 100, 200]
    assert int(requests[-1].url.params["limit"]) <= 100


def test_small_limits_fetch_one_small_page() -> None:
    requests: list[httpx2.Request] = []
    page = paginate(make_client(offset_api(40, requests=requests)), "/items", "items", limit=5, offset=10)
    assert ids(page) == ["P10", "P11", "P12", "P13", "P14"]
    assert page.next_offset == 15
    assert len(requests) == 1 and requests[0].url.params["limit"] == "5"


def test_the_last_page_says_there_is_no_more() -> None:
    page = paginate(make_client(offset_api(30)), "/items", "items", limit=100)
    assert len(page.items) == 30
    assert not page.has_more and page.next_offset is None


def test_without_a_total_pages_are_read_in_turn() -> None:
    requests: list[httpx2.Request] = []
    client = make_client(offset_api(150, with_total=False, requests=requests))
    page = paginate(client, "/items", "items", limit=120, with_total=False)
    assert ids(page) == [f"P{i}" for i in range(120)]
    assert page.has_more and page.next_offset == 120
    assert "total" not in requests[0].url.params


def test_the_ten_thousand_offset_ceiling_is_a_note_not_a_silent_stop() -> None:
    page = paginate(make_client(offset_api(20_000)), "/items", "items", limit=100, offset=MAX_OFFSET - 50)
    assert len(page.items) == 50
    assert not page.has_more
    assert page.notes and "10000" in page.notes[0]
    beyond = paginate(make_client(offset_api(20_000)), "/items", "items", offset=MAX_OFFSET)
    assert beyond.items == [] and beyond.notes


def test_cursor_pagination_follows_next_cursor_up_to_the_limit() -> None:
    requests: list[httpx2.Request] = []

    def handle(request: httpx2.Request) -> httpx2.Response:
        requests.append(request)
        start = int(request.url.params.get("cursor", "0"))
        limit = int(request.url.params["limit"])
        items = [{"id": f"C{i}"} for i in range(start, min(start + limit, 230))]
        nxt = str(start + limit) if start + limit < 230 else None
        return reply(200, {"things": items, "next_cursor": nxt})(request)

    page = paginate_cursor(make_client(handle), "/things", "things", limit=150)
    assert ids(page) == [f"C{i}" for i in range(150)]
    assert page.has_more and page.next_cursor == "150"
    rest = paginate_cursor(make_client(handle), "/things", "things", limit=100, cursor=page.next_cursor)
    assert ids(rest)[0] == "C150" and len(rest.items) == 80 and not rest.has_more


def test_at_once_runs_independent_calls_together_in_the_callers_context() -> None:
    import contextvars
    import threading

    marker: contextvars.ContextVar[str] = contextvars.ContextVar("marker", default="unset")
    marker.set("the call's")
    barrier = threading.Barrier(3, timeout=5)  # passes only if all three run at the same time

    def one(n: int) -> tuple[int, str]:
        barrier.wait()
        return n, marker.get()

    assert at_once(lambda: one(1), lambda: one(2), lambda: one(3)) == [(n, "the call's") for n in (1, 2, 3)]


def test_at_once_raises_the_first_failure_in_call_order() -> None:
    def fail(message: str) -> None:
        raise ValueError(message)

    with pytest.raises(ValueError, match="first"):
        at_once(lambda: None, lambda: fail("first"), lambda: fail("second"))
