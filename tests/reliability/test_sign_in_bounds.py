"""Issue 23's sign-in findings, measured: registration floods, slow bodies on the OAuth paths,
sign-ins at volume, and an identity service that echoes secrets.

The figures each test checks are printed at the end of the report ("sign-in" section). Before
issue 23, 500 registrations of 4 MiB each from one address were all kept, for a year (53 MB of
Redis in 12 s, 147 MB of process memory without it), and ten slow bodies held their sockets forever.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import anyio
import httpx2
import pytest

from pagerduty_mcp.common.hosting.budget import RedisBuckets
from pagerduty_mcp.common.hosting.oauth_server import OAuthResource
from pagerduty_mcp.common.hosting.registration import MAX_METADATA_BYTES
from pagerduty_mcp.common.hosting.sealing import Sealer
from pagerduty_mcp.common.hosting.store import KEY_PREFIX, MemoryStore, RedisStore, Store
from pagerduty_mcp.sandbox import SANDBOX_OAUTH_CLIENT_SECRET, Sandbox
from tests.common.hosting.sign_in_steps import (
    CLIENT_REDIRECT,
    PUBLIC,
    build_resource,
    oauth_setup,
    register,
    sign_in,
    token,
)
from tests.consent_form import consent_form
from tests.harness import HttpServer, free_port, http_server
from tests.redis_server import RedisServer
from tests.reliability.sockets import address, open_sockets, until_closed
from tests.reliability.tally import SIGN_IN

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

READ_TIMEOUT = 1  # seconds, for the server under test


def _largest_metadata(index: int) -> dict[str, Any]:
    """Metadata just under the 8 KiB limit: what a flood would send to cost the most."""
    return {
        "redirect_uris": [f"http://127.0.0.1:{10000 + index % 50000}/cb"],
        "client_name": "n" * 200,
        "client_uri": "https://flood.example/" + "p" * 3700,
        "logo_uri": "https://flood.example/" + "q" * 3700,
    }


@asynccontextmanager
async def _registering(
    kind: str, redis_server: RedisServer | None
) -> AsyncIterator[tuple[httpx2.AsyncClient, OAuthResource, Store]]:
    """An authorization server in this process over the memory store, or a real Redis (flushed)."""
    if kind == "memory":
        async with oauth_setup() as setup:
            yield setup.http, setup.resource, setup.store
        return
    assert redis_server is not None
    store = RedisStore(redis_server.url)
    await store._run("FLUSHDB")
    resource = build_resource(
        Sandbox(), store, Sealer.from_env({}, ephemeral_ok=True), buckets=RedisBuckets(redis_server.url)
    )
    transport = httpx2.ASGITransport(app=resource.app)  # type: ignore[arg-type]
    async with httpx2.AsyncClient(transport=transport, base_url=PUBLIC) as http:
        yield http, resource, store
    await store.close()


async def _stored_bytes(store: Store) -> tuple[int, int]:
    """Keys and bytes the store holds (Redis: its own MEMORY USAGE of each key)."""
    if isinstance(store, MemoryStore):
        return len(store._items), store.size()
    assert isinstance(store, RedisStore)
    keys = [key async for key in store._redis.scan_iter(match=f"{KEY_PREFIX}*")]
    sizes = [int(await store._run("MEMORY", "USAGE", key) or 0) for key in keys]
    return len(keys), sum(sizes)


@pytest.mark.parametrize("kind", ["memory", pytest.param("redis", marks=pytest.mark.subprocess)])
async def test_500_registrations_from_one_address_are_refused_past_the_limit_and_memory_stays_bounded(
    kind: str, request: pytest.FixtureRequest
) -> None:
    redis_server = request.getfixturevalue("redis_server") if kind == "redis" else None
    async with _registering(kind, redis_server) as (http, _, store):
        statuses: list[int] = []
        started = time.monotonic()
        for index in range(500):
            metadata = _largest_metadata(index)
            assert len(json.dumps(metadata)) <= MAX_METADATA_BYTES
            statuses.append((await http.post("/register", json=metadata)).status_code)
        seconds = time.monotonic() - started
        keys, held = await _stored_bytes(store)
    accepted, refused = statuses.count(201), statuses.count(429)
    assert accepted == 10 and refused == 490  # a third of 30 an hour at once; the rest told to wait
    assert held < 200 * 1024  # ten clients of ~8 KiB, and the counters: nothing grows with the flood
    SIGN_IN.record(
        f"registration flood ({kind}): 500 from one address in {seconds:.1f} s: {accepted} kept (1 h unless "
        f"used), {refused} refused with 429; store {keys} keys, {held / 1024:.0f} KiB"
    )


async def test_registrations_from_many_addresses_meet_the_server_wide_bound(redis_server: RedisServer) -> None:
    async with _registering("redis", redis_server) as (_, resource, store):
        statuses: list[int] = []
        for index in range(800):
            where = (f"10.{index // 250}.{index % 250}.1", 5000)
            peer = httpx2.ASGITransport(app=resource.app, client=where)  # type: ignore[arg-type]
            async with httpx2.AsyncClient(transport=peer, base_url=PUBLIC) as http:
                statuses.append((await http.post("/register", json=_largest_metadata(index))).status_code)
        keys, held = await _stored_bytes(store)
    accepted = statuses.count(201)
    assert accepted == 666 and statuses.count(429) == 134  # a third of 2000 an hour, whoever asks
    assert held < 12 * 1024 * 1024
    SIGN_IN.record(
        f"registration flood (redis): 800 from 800 addresses: {accepted} kept, {statuses.count(429)} refused; "
        f"store {keys} keys, {held / 1024 / 1024:.1f} MiB (the server-wide burst; at most ~2,700 unused in any hour)"
    )


async def test_sign_ins_at_volume_and_reuse_ending_each() -> None:
    """50 complete sign-ins through the consent page, the store's cost of each, and a reused refresh
    token ending every one of them."""
    async with oauth_setup(registrations_per_hour=300) as setup:
        started = time.monotonic()
        signed = [await sign_in(setup.http) for _ in range(50)]
        seconds = time.monotonic() - started
        _, held = await _stored_bytes(setup.store)
        ended = 0
        for client, tokens in signed:
            form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
            assert (await token(setup.http, client, **form)).status_code == 200
            reuse = await token(setup.http, client, **form)
            ended += reuse.status_code == 400 and not any(key == f"grant:{k}" for k in () for key in setup.store._items)
        grants_left = sum(1 for key in setup.store._items if key.startswith("grant:"))
    assert ended == 50 and grants_left == 0
    assert held / 50 < 8 * 1024
    SIGN_IN.record(
        f"sign-in: 50 through the consent page in {seconds:.1f} s ({seconds / 50 * 1000:.0f} ms each, in process); "
        f"store {held / 50 / 1024:.1f} KiB a sign-in; a reused refresh token ended {ended} of 50, {grants_left} left"
    )


@pytest.fixture(scope="module")
def oauth_server() -> Iterator[HttpServer]:
    port = free_port()
    argv = ["--sandbox", "--auth", "oauth", "--public-url", f"http://127.0.0.1:{port}"]
    argv += ["--read-timeout", str(READ_TIMEOUT), "--max-body-bytes", "4096"]
    with http_server(argv, {"PAGERDUTY_SANDBOX_ECHO_HEADERS": "1"}, port=port) as server:
        yield server


@pytest.mark.parametrize("path", ["/register", "/token", "/revoke", "/oauth/consent"])
@pytest.mark.subprocess
async def test_ten_slow_bodies_on_an_oauth_path_are_answered_408_and_closed(
    oauth_server: HttpServer, path: str
) -> None:
    baseline = open_sockets(oauth_server.process.pid)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        "Content-Length: 100\r\n\r\ngrant_type="
    ).encode()
    answers: list[bytes] = []
    started = time.monotonic()

    async def slow_client() -> None:
        async with await anyio.connect_tcp(*address(oauth_server)) as stream:
            await stream.send(head)  # and never the rest of the body
            answers.append(await until_closed(stream))

    async with anyio.create_task_group() as group:
        for _ in range(10):
            group.start_soon(slow_client)
    seconds = time.monotonic() - started
    assert len(answers) == 10 and all(a.startswith(b"HTTP/1.1 408") for a in answers), answers[:1]
    assert open_sockets(oauth_server.process.pid) <= baseline  # nothing held once they are answered
    big = httpx2.post(f"{oauth_server.base}{path}", content=b"x" * 5000, headers={"content-type": "text/plain"})
    assert big.status_code == 413
    SIGN_IN.record(
        f"slow bodies: 10 on {path} answered 408 and closed in {seconds:.1f} s (read timeout {READ_TIMEOUT} s)"
    )


@pytest.mark.subprocess
async def test_an_identity_service_echoing_secrets_reaches_neither_the_client_nor_the_logs(
    oauth_server: HttpServer,
) -> None:
    """PAGERDUTY_SANDBOX_ECHO_HEADERS=1: the identity service's errors repeat the request's form.
    A code PagerDuty refuses (garbled on the way back) makes it echo the app's secret, the code and
    the PKCE verifier; the client's error_description and the server's log show none of them."""
    async with httpx2.AsyncClient(base_url=oauth_server.base, timeout=30) as browser:
        client = await register(browser)
        query = {
            "response_type": "code",
            "client_id": client["client_id"],
            "redirect_uri": CLIENT_REDIRECT,
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGzSTW-cM0",
            "code_challenge_method": "S256",
            "state": "client-state",
        }
        consent = await browser.get((await browser.get(f"/authorize?{urlencode(query)}")).headers["location"])
        action, fields = consent_form(consent.text)
        pagerduty = (await browser.post(action, data={**fields, "decision": "approve"})).headers["location"]
        back = (await browser.get(pagerduty)).headers["location"]  # PagerDuty's redirect to our callback
        code = parse_qs(urlsplit(back).query)["code"][0]
        garbled = back.replace(code, "garbled-code-" + code[::-1])
        answer = await browser.get(garbled)
    assert answer.status_code == 302 and answer.headers["location"].startswith(CLIENT_REDIRECT)
    said = parse_qs(urlsplit(answer.headers["location"]).query)["error_description"][0]
    assert "request body was" in said  # the echo happened
    assert "client_secret=[REDACTED]" in said and "code_verifier=[REDACTED]" in said
    logged = oauth_server.stderr()
    for secret in (SANDBOX_OAUTH_CLIENT_SECRET, "garbled-code-" + code[::-1]):
        assert secret not in said and secret not in logged
    assert not re.search(r"code_verifier=(?!\[REDACTED\])[\w-]{20,}", said + logged)
    SIGN_IN.record(
        "redaction: an identity error echoing the app secret, code and verifier reached neither client nor log"
    )
