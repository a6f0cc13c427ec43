"""The per-credential request budget: a token bucket, in memory or atomic in Redis."""

from __future__ import annotations

import threading

import pytest

from pagerduty_mcp.common.hosting.budget import CredentialBudget, MemoryBuckets, RedisBuckets
from pagerduty_mcp.common.pagerduty.config import Credential
from pagerduty_mcp.common.pagerduty.errors import ToolFailure
from tests.redis_server import RedisServer, _free_port

pytestmark = [pytest.mark.unit, pytest.mark.common]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_grants_its_capacity_then_refills_at_its_rate() -> None:
    clock = Clock()
    buckets = MemoryBuckets(clock)
    assert [buckets.take("k", 3, 1.0) for _ in range(3)] == [0, 0, 0]
    assert buckets.take("k", 3, 1.0) == pytest.approx(1.0)
    clock.now += 0.5
    assert buckets.take("k", 3, 1.0) == pytest.approx(0.5)
    clock.now += 0.5
    assert buckets.take("k", 3, 1.0) == 0
    assert buckets.take("other", 3, 1.0) == 0  # another credential has its own bucket


def test_sizing_keeps_any_minute_within_the_limit() -> None:
    budget = CredentialBudget(MemoryBuckets(), 960)
    assert budget.capacity == 240
    assert budget.capacity + budget.rate * 60 == pytest.approx(960)


def test_the_budget_waits_within_the_deadline_and_refuses_past_it() -> None:
    clock = Clock()
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.now += seconds

    budget = CredentialBudget(MemoryBuckets(clock), 8, sleep=sleep)  # capacity 2, 0.1 per second
    credential = Credential("a-user-token-123456")
    budget(credential, None)
    budget(credential, None)
    budget(credential, 30.0)  # waits ten seconds for the next token
    assert slept == [pytest.approx(10.0)]
    with pytest.raises(ToolFailure) as refused:
        budget(credential, 2.0)
    assert refused.value.code == "RATE_LIMITED"
    assert "Try again in 10 s" in str(refused.value)
    assert credential.secret not in str(refused.value)


def test_redis_buckets_are_shared_and_atomic(redis_server: RedisServer) -> None:
    first, second = RedisBuckets(redis_server.url), RedisBuckets(redis_server.url)
    key = f"shared-{_free_port()}"
    granted: list[float] = []
    lock = threading.Lock()

    def worker(buckets: RedisBuckets) -> None:
        for _ in range(10):
            wait = buckets.take(key, 15, 0.001)
            with lock:
                granted.append(wait)

    threads = [threading.Thread(target=worker, args=(b,)) for b in (first, second, first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(granted) == 40
    assert granted.count(0.0) == 15  # two "replicas", four threads: exactly the capacity, no more


def test_redis_buckets_fall_back_to_this_replica_when_redis_is_away() -> None:
    buckets = RedisBuckets(f"redis://127.0.0.1:{_free_port()}/0")
    assert buckets.take("k", 2, 0.001) == 0
    assert buckets.take("k", 2, 0.001) == 0
    assert buckets.take("k", 2, 0.001) > 0  # still a budget, counted here


def test_the_budget_is_pagerdutys_per_user_limit_unless_on_the_sandbox_or_set() -> None:
    from pagerduty_mcp.common.hosting.options import ServeOptions

    assert ServeOptions().request_budget() == 960
    assert ServeOptions(sandbox=True).request_budget() == 0
    assert ServeOptions(sandbox=True, budget_per_minute=40).request_budget() == 40
    assert ServeOptions(budget_per_minute=0).request_budget() == 0
