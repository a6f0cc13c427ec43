"""What the concurrency figures rest on: the budget off, a sandbox that takes a burst of connections,
and the budget's own prediction."""

from __future__ import annotations

import socket
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from bench.concurrency import BudgetBurst, _server, expected_budget_bursts, started_with
from pagerduty_mcp.common.hosting.budget import CredentialBudget, MemoryBuckets
from pagerduty_mcp.sandbox import Sandbox
from pagerduty_mcp.sandbox.server import make_server, serve_in_thread

BURST = 100


@pytest.mark.unit
def test_a_full_bucket_takes_a_burst_at_once_and_the_rest_at_its_refill() -> None:
    budget = CredentialBudget(MemoryBuckets(), 960)  # the bucket the server builds from --budget-per-minute 960
    assert (budget.capacity, budget.rate) == (240.0, 12.0)
    bursts = [BudgetBurst(at, 50) for at in (0.0, 0.5, 1.0, 1.5, 2.0, 2.5)]
    rows = expected_budget_bursts(bursts, budget.capacity, budget.rate, first_requests=1)
    # 239 left after the warm-up: four bursts and most of a fifth ride on it, refilled at 12 a second.
    assert [r["wait_seconds"] for r in rows[:4]] == [0.0, 0.0, 0.0, 0.0]
    assert rows[4]["tokens_at_start"] == pytest.approx(239 - 200 + 2.0 * 12, abs=0.1)
    assert rows[4]["wait_seconds"] == 0.0
    # The sixth finds 13 + 6 refilled: 31 of its 50 wait for the refill, the last 31/12 s.
    assert rows[5]["tokens_at_start"] == pytest.approx(19.0, abs=0.1)
    assert rows[5]["wait_seconds"] == pytest.approx(31 / 12, abs=0.01)


@pytest.mark.unit
def test_a_burst_that_starts_before_the_last_one_drained_waits_behind_it() -> None:
    rows = expected_budget_bursts([BudgetBurst(0.0, 20), BudgetBurst(0.1, 10)], capacity=10, rate=10)
    assert rows[0] == {"tokens_at_start": 10.0, "wait_seconds": 1.0}
    assert rows[1] == {"tokens_at_start": 0.0, "wait_seconds": 1.0}  # from 1.0 s, when the first one was done


@pytest.mark.e2e
@pytest.mark.subprocess
def test_the_concurrency_servers_run_with_the_request_budget_off() -> None:
    box = Sandbox()
    with serve_in_thread(box) as upstream, _server(upstream, []) as (_, log_path):
        said = started_with(log_path)
    assert "request budget off" in said, said


@pytest.mark.unit
def test_the_sandbox_over_https_keeps_a_burst_of_new_connections_waiting_for_accept() -> None:
    """With socketserver's default backlog of 5, the seventh connection's SYN is dropped and its
    client waits a second to send it again: the burst's time would measure the kernel."""

    def connections(port: int) -> Iterator[socket.socket]:
        for _ in range(BURST):
            connection = socket.create_connection(("127.0.0.1", port), timeout=0.5)  # below the 1 s resend
            yield connection

    with tempfile.TemporaryDirectory() as directory, ExitStack() as stack:
        server, info = make_server(Sandbox(), "127.0.0.1", 0, Path(directory))
        stack.callback(server.server_close)
        # Bound and listening, but accepting nothing: every connection has to wait in the backlog.
        opened = [stack.enter_context(c) for c in connections(info.port)]
    assert len(opened) == BURST
