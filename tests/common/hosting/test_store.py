"""The shared sign-in store: the same behaviour in memory and in a real Redis; unavailability is loud."""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest

from pagerduty_mcp.common.hosting.store import (
    KEY_PREFIX,
    MemoryStore,
    RedisStore,
    StoreUnavailable,
    digest,
    open_store,
    with_redis_password,
)
from pagerduty_mcp.common.pagerduty.logs import redact
from tests.redis_server import RedisServer, _free_port, redis_or_skip

pytestmark = [pytest.mark.unit, pytest.mark.common, pytest.mark.anyio]


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.subprocess)])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[MemoryStore | RedisStore]:
    if request.param == "memory":
        yield MemoryStore()
        return
    server: RedisServer = request.getfixturevalue("redis_server")
    redis = RedisStore(server.url)
    yield redis
    await redis.close()


def _key() -> str:
    return f"test:{secrets.token_hex(8)}"


async def test_put_get_delete(store: MemoryStore | RedisStore) -> None:
    key = _key()
    assert await store.get(key) is None
    await store.put(key, {"a": 1, "b": ["x"]}, 60)
    assert await store.get(key) == {"a": 1, "b": ["x"]}
    await store.delete(key)
    assert await store.get(key) is None


async def test_values_expire(store: MemoryStore | RedisStore) -> None:
    key = _key()
    await store.put(key, {"a": 1}, 0.001)
    with anyio.fail_after(5):
        while await store.get(key) is not None:  # expiry is the store's; wait for it, bounded
            await anyio.sleep(0.01)


async def _seconds_left(store: MemoryStore | RedisStore, key: str) -> float:
    if isinstance(store, MemoryStore):
        return store._items[key][0] - time.monotonic()
    return float(await store._run("PTTL", KEY_PREFIX + key)) / 1000


async def test_expire_gives_a_new_lifetime_only_to_what_is_there(store: MemoryStore | RedisStore) -> None:
    key = _key()
    assert not await store.expire(key, 60)
    await store.put(key, {"a": 1}, 1)
    assert await store.expire(key, 60)
    assert 30 < await _seconds_left(store, key) <= 60
    assert await store.get(key) == {"a": 1}
    assert await store.expire(key, 0.001)
    with anyio.fail_after(5):
        while await store.get(key) is not None:
            await anyio.sleep(0.01)


async def test_take_gives_a_value_once_even_to_racing_callers(store: MemoryStore | RedisStore) -> None:
    key = _key()
    await store.put(key, {"code": "once"}, 60)
    results: list[dict[str, str] | None] = []

    async def take() -> None:
        results.append(await store.take(key))  # type: ignore[arg-type]

    async with anyio.create_task_group() as group:
        for _ in range(8):
            group.start_soon(take)
    assert [r for r in results if r is not None] == [{"code": "once"}]
    assert results.count(None) == 7


async def test_redis_keeps_no_token_only_its_digest(redis_server: RedisServer) -> None:
    store = open_store(redis_server.url)
    assert isinstance(store, RedisStore)
    token = "pdmcp_at_" + secrets.token_urlsafe(16)
    await store.put(f"access:{digest(token)}", {"grant": "g"}, 60)
    import redis

    keys = [k.decode() for k in redis.Redis.from_url(redis_server.url).keys("pagerduty-mcp:access:*")]
    assert f"pagerduty-mcp:access:{digest(token)}" in keys
    assert not any(token in k for k in keys)
    await store.close()


async def test_an_unreachable_redis_raises_store_unavailable() -> None:
    store = RedisStore(f"redis://127.0.0.1:{_free_port()}/0")
    with pytest.raises(StoreUnavailable, match="unreachable"):
        await store.put("k", {"a": 1}, 60)
    with pytest.raises(StoreUnavailable):
        await store.get("k")
    with pytest.raises(StoreUnavailable):
        await store.take("k")
    await store.close()


async def test_a_redis_that_never_answers_costs_one_timeout_then_fails_fast() -> None:
    import socket
    import time

    with socket.socket() as silent:  # accepts connections (the kernel does) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        store = RedisStore(f"redis://127.0.0.1:{silent.getsockname()[1]}/0")
        started = time.monotonic()
        with pytest.raises(StoreUnavailable, match="unreachable"):
            await store.get("k")
        first = time.monotonic() - started
        started = time.monotonic()
        with pytest.raises(StoreUnavailable, match="a moment ago"):
            await store.get("k")
        assert time.monotonic() - started < 0.5 <= first
        await store.close()


def test_the_redis_password_comes_from_its_own_variable_and_is_redacted() -> None:
    env = {"PAGERDUTY_MCP_REDIS_PASSWORD": "s3cret@redis:/pw"}
    url = with_redis_password("redis://redis:6379/0", env)
    assert url == "redis://:s3cret%40redis%3A%2Fpw@redis:6379/0"
    assert "s3cret" not in redact(f"connecting to {url} with s3cret@redis:/pw")
    assert with_redis_password("redis://redis:6379/0", {}) == "redis://redis:6379/0"
    assert with_redis_password(None, {}) is None
    with pytest.raises(ValueError, match="--redis-url is not"):
        with_redis_password(None, env)
    with pytest.raises(ValueError, match="keep one"):
        with_redis_password("redis://:other@redis:6379/0", env)


@pytest.mark.subprocess
async def test_a_redis_that_requires_a_password_is_used_with_it(tmp_path: Any) -> None:
    binary = redis_or_skip()
    server = RedisServer(binary, tmp_path, password="a-long-redis-password-0123")
    server.start()
    try:
        without = RedisStore(server.url)
        with pytest.raises(StoreUnavailable):
            await without.put("probe", {"a": 1}, 10)
        await without.close()
        url = with_redis_password(server.url, {"PAGERDUTY_MCP_REDIS_PASSWORD": server.password or ""})
        assert url is not None
        store = RedisStore(url)
        await store.put("probe", {"a": 1}, 10)
        assert await store.get("probe") == {"a": 1}
        await store.close()
    finally:
        server.stop()
