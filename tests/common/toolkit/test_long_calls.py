"""Progress and cancel through the toolkit, in process: pages of a pull, and a cancelled pull."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from pagerduty_mcp.common.pagerduty.context import RequestContext, request_scope
from pagerduty_mcp.common.pagerduty.errors import ToolFailure
from pagerduty_mcp.common.pagerduty.progress import check_cancelled, page_fetched, record_changed, report_progress
from pagerduty_mcp.sandbox import Sandbox
from pagerduty_mcp.sandbox.faults import Faults
from tests.harness import memory_session

pytestmark = [pytest.mark.unit, pytest.mark.common]


def _load_arguments(box: Sandbox) -> dict[str, str]:
    """On-call load of a team over 90 days: members, on-calls, people, incidents: several pulls."""
    return {"team_id": sorted(box.state.tables["teams"])[0], "since": "90d"}


@pytest.mark.anyio
async def test_on_call_load_reports_pages_fetched_over_the_whole_call() -> None:
    box = Sandbox(size=3)
    seen: list[tuple[float, float | None]] = []

    async def progress(done: float, total: float | None, message: str | None) -> None:
        seen.append((done, total))

    async with memory_session("people", write=False, sandbox=box) as client:
        result = await client.call_tool("get_oncall_load", _load_arguments(box), progress_callback=progress)
    assert not result.is_error, result.content
    pages = sum(1 for r in box.request_log if "/users/" not in r.path)  # single reads are not pages
    assert len(seen) >= 3
    assert [done for done, _ in seen] == list(range(1, pages + 1))  # one count over several lists
    assert all(total is None for _, total in seen)


@pytest.mark.anyio
async def test_a_cancelled_call_sends_nothing_more_upstream() -> None:
    box = Sandbox(size=3, faults=Faults(latency_ms=300))
    async with memory_session("people", write=False, sandbox=box) as client:
        with anyio.CancelScope() as scope:

            async def progress(done: float, total: float | None, message: str | None) -> None:
                scope.cancel()  # after the first page

            answer = await client.call_tool("get_oncall_load", _load_arguments(box), progress_callback=progress)
            # In process the tool runs inside the caller's own task, so its CANCELLED answer may
            # come back before the cancel is delivered; over a transport the caller gets no answer.
            assert answer.is_error and "CANCELLED" in str(answer.content[0])
    # The first page, and at most one request already on its way when the cancel came.
    assert 1 <= len(box.request_log) <= 2


def test_outside_a_tool_call_the_hooks_do_nothing_and_a_cancel_raises() -> None:
    request = RequestContext(kind="tool", name="manage_incidents")
    with request_scope(request):
        report_progress(1, 2)  # no channel: nothing happens
        page_fetched()
        record_changed(["P1", "P2"])
        check_cancelled()
        request.link.cancelled.set()
        with pytest.raises(ToolFailure) as raised:
            check_cancelled()
    assert raised.value.code == "CANCELLED"
    assert raised.value.details == {"changed": ["P1", "P2"]}
    assert "P1, P2" in raised.value.message


def test_a_cancel_reaches_only_its_callers_call_and_never_an_ambiguous_one() -> None:
    from pagerduty_mcp.common.pagerduty.context import Caller
    from pagerduty_mcp.common.toolkit.long_calls import CallsInFlight

    calls = CallsInFlight()
    alice = RequestContext(kind="tool", caller=Caller("alice", None))
    bob = RequestContext(kind="tool", caller=Caller("bob", None))
    shared_one, shared_two = (RequestContext(kind="tool", caller=Caller("anonymous", None)) for _ in range(2))
    with calls.track(alice, 7), calls.track(bob, 7), calls.track(shared_one, 3), calls.track(shared_two, 3):
        assert len(calls) == 4
        assert not calls.cancel("mallory", 7)  # another caller's id names nothing of theirs
        assert calls.cancel("alice", 7)
        assert not calls.cancel("anonymous", 3)  # two calls share the id: dropped, not guessed
    assert alice.link.cancelled.is_set() and not bob.link.cancelled.is_set()
    assert not shared_one.link.cancelled.is_set() and not shared_two.link.cancelled.is_set()
    assert len(calls) == 0 and not calls.cancel("alice", 7)  # finished calls are forgotten


@pytest.mark.anyio
async def test_without_a_progress_request_no_page_waits_on_the_event_loop(mocker: Any) -> None:
    from pagerduty_mcp.common.toolkit import long_calls

    hops = mocker.spy(long_calls, "_from_worker")

    async def progress(done: float, total: float | None, message: str | None) -> None:
        pass

    async with memory_session("incidents", write=False) as client:
        await client.call_tool("list_incidents", {"limit": 5})
        assert hops.call_count == 0  # under load, each hop would hold a worker thread for nothing
        await client.call_tool("list_incidents", {"limit": 5}, progress_callback=progress)
        assert hops.call_count == 1  # one page
