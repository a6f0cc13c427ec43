"""Bounded work: the per-credential cap on concurrent upstream requests, and the call deadline."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx2
import pytest

from pagerduty_mcp.common import ClientPool, Credential
from pagerduty_mcp.common.hosting.upstream import sandbox_pool
from pagerduty_mcp.common.pagerduty.context import Deadline, RequestContext, bind_request, unbind_request
from pagerduty_mcp.common.pagerduty.errors import ToolFailure
from pagerduty_mcp.sandbox import SANDBOX_ACCOUNT_TOKEN, SANDBOX_TOKEN, Faults, Sandbox

pytestmark = [pytest.mark.unit, pytest.mark.common]


class InFlight(httpx2.BaseTransport):
    """Counts requests in flight at once, per Authorization header, in front of the sandbox."""

    def __init__(self, inner: httpx2.BaseTransport) -> None:
        self.inner = inner
        self.lock = threading.Lock()
        self.now: dict[str, int] = {}
        self.peak: dict[str, int] = {}
        self.peak_total = 0

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        who = request.headers.get("authorization", "")
        with self.lock:
            self.now[who] = self.now.get(who, 0) + 1
            self.peak[who] = max(self.peak.get(who, 0), self.now[who])
            self.peak_total = max(self.peak_total, sum(self.now.values()))
        try:
            return self.inner.handle_request(request)
        finally:
            with self.lock:
                self.now[who] -= 1


def _pool(cap: int, latency_ms: float = 60) -> tuple[ClientPool, InFlight]:
    box = Sandbox(faults=Faults(latency_ms=latency_ms))
    pool = sandbox_pool(box, max_concurrent_per_credential=cap)
    counter = InFlight(pool._transport)  # type: ignore[arg-type]
    pool._transport = counter
    return pool, counter


def _read(pool: ClientPool, credential: Credential) -> int:
    return len(pool.get(credential).read("/incidents", {"limit": 1})["incidents"])


def test_concurrent_requests_per_credential_are_capped() -> None:
    pool, counter = _pool(cap=3)
    user, account = Credential(SANDBOX_TOKEN), Credential(SANDBOX_ACCOUNT_TOKEN)
    with ThreadPoolExecutor(max_workers=16) as workers:
        jobs = [workers.submit(_read, pool, user if i % 2 else account) for i in range(16)]
        assert all(job.result(timeout=60) == 1 for job in jobs)
    assert counter.peak == {f"Token token={SANDBOX_TOKEN}": 3, f"Token token={SANDBOX_ACCOUNT_TOKEN}": 3}
    # The cap is per credential: the two credentials ran side by side.
    assert counter.peak_total > 3


def test_a_call_waiting_for_a_slot_gives_up_at_its_deadline() -> None:
    pool, _ = _pool(cap=1, latency_ms=0)
    client = pool.get(Credential(SANDBOX_TOKEN))
    assert client.slots is not None
    client.slots.acquire()  # another call of the same credential holds the only slot
    token = bind_request(RequestContext(kind="tool", name="t", deadline=Deadline(0.3)))
    started = time.monotonic()
    try:
        with pytest.raises(ToolFailure) as caught:
            client.read("/incidents", {"limit": 1})
    finally:
        unbind_request(token)
        client.slots.release()
    assert caught.value.code == "TIMEOUT"
    assert "in flight for this credential" in caught.value.message
    assert time.monotonic() - started < 5
    assert _read(pool, Credential(SANDBOX_TOKEN)) == 1  # the slot is free again


def test_each_credential_gets_its_own_client_from_a_bounded_cache_with_expiry() -> None:
    box = Sandbox()
    pool = sandbox_pool(box, max_clients=2, ttl_seconds=60)
    first, second, third = (Credential(f"caller-token-{i}") for i in range(3))
    a, b = pool.get(first), pool.get(second)
    assert a is not b and a.credential == first and b.credential == second
    assert pool.get(first) is a  # cached, and now the most recently used
    pool.get(third)  # over the bound: the least recently used (second) goes
    assert pool.get(first) is a
    assert pool.get(second) is not b
    expiring = sandbox_pool(box, ttl_seconds=0.0)
    assert expiring.get(first) is not expiring.get(first)  # expired at once: a fresh client


def test_a_pool_for_callers_never_falls_back_to_a_server_credential() -> None:
    pool = sandbox_pool(Sandbox(), server_credential=False)
    with pytest.raises(ToolFailure) as caught:
        pool.get(None)
    assert caught.value.code == "UNAUTHORIZED"
    assert pool.get(Credential(SANDBOX_TOKEN)).credential == Credential(SANDBOX_TOKEN)
