"""The sign-in state replicas share: registered clients, pending sign-ins, codes, tokens.

``MemoryStore`` keeps it in this process (one replica); ``RedisStore`` keeps it in Redis, so that
any replica behind a load balancer can finish what another started. Values are JSON text with a
time to live; :meth:`Store.take` reads and deletes in one step, so a one-time code or a rotating
refresh token is spent once even when two replicas race for it.

When Redis cannot be reached every operation raises :class:`StoreUnavailable`: writes fail closed
(nobody signs in, refreshes or revokes until it is back) and nothing is half-written.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from pagerduty_mcp.common.pagerduty.logs import register_secret

__all__ = [
    "KEY_PREFIX",
    "REDIS_PASSWORD_VARIABLE",
    "REDIS_PAUSE_SECONDS",
    "MemoryStore",
    "RedisStore",
    "Store",
    "StoreUnavailable",
    "check_redis_url",
    "digest",
    "open_store",
    "with_redis_password",
]

KEY_PREFIX = "pagerduty-mcp:"
# The Redis password, apart from the URL: from a secret, never on a command line or in a URL that
# an operator writes into a manifest.
REDIS_PASSWORD_VARIABLE = "PAGERDUTY_MCP_REDIS_PASSWORD"
# Bounded waits: a replica must answer "unavailable" quickly, not hang with its caller.
REDIS_TIMEOUT_SECONDS = 2.0
# After a timeout, Redis is not tried again for this long: an unanswering Redis costs one timeout,
# not one per request. A refused connection fails fast and pauses nothing, so a restart shows at once.
REDIS_PAUSE_SECONDS = 2.0


class StoreUnavailable(Exception):
    """The shared store cannot be reached (or answered with an error)."""


def digest(secret: str) -> str:
    """What the store keeps of an issued token or code: its SHA-256, never the token itself."""
    return hashlib.sha256(secret.encode()).hexdigest()


class Store(Protocol):
    async def put(self, key: str, value: dict[str, Any], ttl_seconds: float) -> None: ...

    async def get(self, key: str) -> dict[str, Any] | None: ...

    async def take(self, key: str) -> dict[str, Any] | None:
        """Read and delete at once: of two callers racing, one gets the value, the other ``None``."""
        ...

    async def delete(self, *keys: str) -> None: ...

    async def expire(self, key: str, ttl_seconds: float) -> bool:
        """Give ``key`` a new time to live from now; ``False`` when it is gone."""
        ...

    async def close(self) -> None: ...


class MemoryStore:
    """In this process only: right for one replica, lost on restart."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[float, str]] = {}

    def _live(self, key: str) -> str | None:
        item = self._items.get(key)
        if item is None:
            return None
        if item[0] <= time.monotonic():
            del self._items[key]
            return None
        return item[1]

    async def put(self, key: str, value: dict[str, Any], ttl_seconds: float) -> None:
        if len(self._items) > 10_000:
            for stale in [k for k, (expires, _) in self._items.items() if expires <= time.monotonic()]:
                del self._items[stale]
        self._items[key] = (time.monotonic() + ttl_seconds, json.dumps(value))

    async def get(self, key: str) -> dict[str, Any] | None:
        raw = self._live(key)
        return None if raw is None else dict(json.loads(raw))

    async def take(self, key: str) -> dict[str, Any] | None:
        # No await between the read and the delete: atomic on the event loop.
        raw = self._live(key)
        self._items.pop(key, None)
        return None if raw is None else dict(json.loads(raw))

    async def delete(self, *keys: str) -> None:
        for key in keys:
            self._items.pop(key, None)

    async def expire(self, key: str, ttl_seconds: float) -> bool:
        raw = self._live(key)
        if raw is None:
            return False
        self._items[key] = (time.monotonic() + ttl_seconds, raw)
        return True

    def size(self) -> int:
        """Bytes of keys and values held (for the figures the reliability suite prints)."""
        return sum(len(key) + len(raw) for key, (_, raw) in self._items.items())

    async def close(self) -> None:
        self._items.clear()


class RedisStore:
    """In Redis, shared by every replica that points at the same URL."""

    def __init__(self, url: str) -> None:
        import redis.asyncio

        self.url = url
        self._down_until = 0.0
        self._redis = redis.asyncio.Redis.from_url(
            url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            decode_responses=True,
        )

    async def _run(self, command: str, *args: Any) -> Any:
        import redis.exceptions

        if time.monotonic() < self._down_until:
            raise StoreUnavailable("Redis is unreachable (it failed a moment ago)")
        try:
            return await self._redis.execute_command(command, *args)  # type: ignore[no-untyped-call]
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as exc:
            if isinstance(exc, redis.exceptions.TimeoutError | TimeoutError):
                self._down_until = time.monotonic() + REDIS_PAUSE_SECONDS
            raise StoreUnavailable(f"Redis is unreachable ({type(exc).__name__})") from exc
        except redis.exceptions.RedisError as exc:
            raise StoreUnavailable(f"Redis refused the command ({type(exc).__name__})") from exc

    async def put(self, key: str, value: dict[str, Any], ttl_seconds: float) -> None:
        await self._run("SET", KEY_PREFIX + key, json.dumps(value), "PX", max(1, int(ttl_seconds * 1000)))

    async def get(self, key: str) -> dict[str, Any] | None:
        raw = await self._run("GET", KEY_PREFIX + key)
        return None if raw is None else dict(json.loads(raw))

    async def take(self, key: str) -> dict[str, Any] | None:
        raw = await self._run("GETDEL", KEY_PREFIX + key)
        return None if raw is None else dict(json.loads(raw))

    async def delete(self, *keys: str) -> None:
        if keys:
            await self._run("DEL", *(KEY_PREFIX + k for k in keys))

    async def expire(self, key: str, ttl_seconds: float) -> bool:
        return bool(await self._run("PEXPIRE", KEY_PREFIX + key, max(1, int(ttl_seconds * 1000))))

    async def close(self) -> None:
        await self._redis.aclose()


def open_store(redis_url: str | None) -> MemoryStore | RedisStore:
    """Redis when a URL is given, else this process's memory."""
    return RedisStore(redis_url) if redis_url else MemoryStore()


def check_redis_url(url: str | None) -> str | None:
    if url and urlsplit(url).scheme not in ("redis", "rediss", "unix"):
        raise ValueError(f"--redis-url must start with redis://, rediss:// or unix:// (got {url.split('@')[-1]!r})")
    return url or None


def with_redis_password(url: str | None, env: Mapping[str, str] | None = None) -> str | None:
    """``url`` with the password of :data:`REDIS_PASSWORD_VARIABLE` put in, and any password it
    carries registered for redaction; ``ValueError`` when the two disagree or there is no URL."""
    env = os.environ if env is None else env
    password = env.get(REDIS_PASSWORD_VARIABLE, "").strip("\r\n")
    if not url:
        if password:
            raise ValueError(f"{REDIS_PASSWORD_VARIABLE} is set but --redis-url is not: set both, or neither")
        return url
    parts = urlsplit(url)
    if parts.password:
        register_secret(unquote(parts.password))
        register_secret(parts.password)
        if password:
            raise ValueError(f"--redis-url carries a password and {REDIS_PASSWORD_VARIABLE} is set: keep one")
        return url
    if not password:
        return url
    register_secret(password)
    register_secret(quote(password, safe=""))
    user = quote(unquote(parts.username), safe="") if parts.username else ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:{quote(password, safe='')}@{host}"))
