"""A request budget per PagerDuty credential, shared by every replica: a token bucket.

PagerDuty limits each user token to a number of REST requests per minute (960 at the time of
writing). Replicas that each kept their own count would, together, send N times that and meet a
storm of 429s. The bucket lives in Redis and is taken from by one Lua script, atomically, with
Redis's own clock, so that every replica draws from the same bucket whatever their clocks say.

Sizing: a bucket of ``capacity`` refilled at ``rate`` per second sends at most
``capacity + rate * 60`` requests in any minute; we pick a quarter of the limit as the burst and
the rest as the refill, so that no minute ever holds more than the limit.

The client pool calls :class:`CredentialBudget` before each upstream request (from worker
threads, hence the synchronous Redis client). When Redis cannot be reached, the budget falls back
to this replica's own bucket rather than stopping calls that hold a valid token.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

from pagerduty_mcp.common.hosting.store import KEY_PREFIX, REDIS_PAUSE_SECONDS, REDIS_TIMEOUT_SECONDS, digest
from pagerduty_mcp.common.pagerduty.config import Credential
from pagerduty_mcp.common.pagerduty.errors import ToolFailure

__all__ = ["DEFAULT_REQUESTS_PER_MINUTE", "Bucket", "CredentialBudget", "MemoryBuckets", "RedisBuckets"]

log = logging.getLogger(__name__)

DEFAULT_REQUESTS_PER_MINUTE = 960  # PagerDuty's REST limit per user token and minute

# Returns the seconds to wait before a request may go (0: it may go now, and was counted).
_TAKE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
return tostring(wait)
"""


class Bucket(Protocol):
    def take(self, key: str, capacity: float, rate: float) -> float:
        """Take one request from ``key``'s bucket: 0 when granted, else the seconds until one is."""
        ...


class MemoryBuckets:
    """This process's buckets (one replica, or the fallback while Redis is away)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, capacity: float, rate: float) -> float:
        with self._lock:
            now = self._clock()
            tokens, at = self._buckets.get(key, (capacity, now))
            tokens = min(capacity, tokens + max(0.0, now - at) * rate)
            wait = 0.0
            if tokens >= 1:
                tokens -= 1
            else:
                wait = (1 - tokens) / rate
            self._buckets[key] = (tokens, now)
            if len(self._buckets) > 10_000:
                self._buckets.pop(next(iter(self._buckets)))
            return wait


class RedisBuckets:
    """Buckets in Redis, shared by every replica; this replica's own while Redis is unreachable."""

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
        )
        self._script = self._redis.register_script(_TAKE)
        self._fallback = MemoryBuckets()
        self._warned = False
        self._down_until = 0.0

    def take(self, key: str, capacity: float, rate: float) -> float:
        import redis

        if time.monotonic() < self._down_until:
            return self._fallback.take(key, capacity, rate)
        try:
            wait = float(self._script(keys=[f"{KEY_PREFIX}budget:{key}"], args=[capacity, rate]))
        except (redis.exceptions.RedisError, OSError) as exc:
            if isinstance(exc, redis.exceptions.TimeoutError | TimeoutError):
                self._down_until = time.monotonic() + REDIS_PAUSE_SECONDS
            if not self._warned:
                log.warning("request budget: Redis unreachable (%s); counting in this replica only", type(exc).__name__)
                self._warned = True
            return self._fallback.take(key, capacity, rate)
        if self._warned:
            log.info("request budget: Redis is back; the budget is shared again")
            self._warned = False
        return wait


class CredentialBudget:
    """The hook the client pool calls before each upstream request: wait for the budget, or refuse.

    It waits as long as the tool call's deadline allows; past that, the call fails with
    ``RATE_LIMITED`` and says when to try again.
    """

    def __init__(
        self,
        buckets: Bucket,
        requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if requests_per_minute < 1:
            raise ValueError("the request budget must be at least 1 request per minute")
        self.buckets = buckets
        self.requests_per_minute = requests_per_minute
        self.capacity = max(1.0, float(requests_per_minute // 4))
        self.rate = (requests_per_minute - self.capacity) / 60.0 or requests_per_minute / 60.0
        self._sleep = sleep

    def __call__(self, credential: Credential, remaining: float | None) -> None:
        key = digest(credential.secret)[:32]
        started = time.monotonic()
        while True:
            wait = self.buckets.take(key, self.capacity, self.rate)
            if wait <= 0:
                return
            left = None if remaining is None else remaining - (time.monotonic() - started)
            if left is not None and wait >= left - 0.05:
                raise ToolFailure(
                    "RATE_LIMITED",
                    f"This credential's PagerDuty request budget ({self.requests_per_minute} per minute, shared "
                    f"by every replica of this server) is spent. Try again in {max(1, round(wait))} s, or ask "
                    "for less at once.",
                    {"retry_after_seconds": round(wait, 1)},
                )
            self._sleep(wait)
