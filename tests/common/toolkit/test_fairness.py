from __future__ import annotations

import anyio
import pytest

from pagerduty_mcp.common.pagerduty.config import Credential
from pagerduty_mcp.common.pagerduty.context import Caller, Deadline, RequestContext, request_scope
from pagerduty_mcp.common.pagerduty.errors import ToolFailure
from pagerduty_mcp.common.toolkit.fairness import CredentialSlots

pytestmark = [pytest.mark.unit, pytest.mark.common, pytest.mark.anyio]


def _as(secret: str | None, deadline: float | None = None) -> RequestContext:
    caller = Caller("test", Credential(secret) if secret else None)
    return RequestContext(kind="tool", name="t", caller=caller, deadline=Deadline(at=deadline))


async def test_beyond_the_queue_bound_a_call_is_refused_at_once_and_others_are_untouched() -> None:
    slots = CredentialSlots(running=1, queued=1)
    release = anyio.Event()
    order: list[str] = []

    async def hold(label: str) -> None:
        with request_scope(_as("busy-credential-0001")):
            async with slots.turn():
                order.append(label)
                await release.wait()

    async with anyio.create_task_group() as group:
        group.start_soon(hold, "first")
        group.start_soon(hold, "second")  # waits for its turn
        await anyio.wait_all_tasks_blocked()
        with request_scope(_as("busy-credential-0001")), pytest.raises(ToolFailure) as refused:
            async with slots.turn():
                pass
        assert refused.value.code == "RATE_LIMITED"
        assert "--max-queued-per-credential 1" in refused.value.message
        # Another credential (and the server's own) takes its turn at once.
        for other in ("other-credential-0002", None):
            with request_scope(_as(other)):
                async with slots.turn():
                    order.append(f"other:{other}")
        release.set()
    assert order == ["first", "other:other-credential-0002", "other:None", "second"]
    assert slots._turns == {}  # nothing is kept once nobody holds or waits


async def test_a_wait_for_a_turn_ends_at_the_call_deadline() -> None:
    slots = CredentialSlots(running=1, queued=5)
    release = anyio.Event()

    async def hold() -> None:
        with request_scope(_as("slow-credential-0001")):
            async with slots.turn():
                await release.wait()

    async with anyio.create_task_group() as group:
        group.start_soon(hold)
        await anyio.wait_all_tasks_blocked()
        with request_scope(_as("slow-credential-0001", deadline=0.0)), pytest.raises(ToolFailure) as late:
            async with slots.turn():
                pass
        assert late.value.code == "TIMEOUT"
        release.set()


def test_bounds_out_of_range_are_refused_naming_the_options() -> None:
    with pytest.raises(ValueError, match="--max-queued-per-credential"):
        CredentialSlots(running=1, queued=-1)
