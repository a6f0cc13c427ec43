"""Finding 9 of issue 17: nothing holds a connection, a stream or a socket forever.

Over streamable HTTP with raw sockets (a slow client is what the SDK's client never is): a
request head must arrive within the read timeout, even trickled; a body too (408); a ``GET``
event stream ends when idle. Upstream: a made-up token costs no connection until a call needs
one, and a client PagerDuty refused, or the pool dropped, closes its sockets at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest

from pagerduty_mcp.common.hosting.upstream import sandbox_pool
from pagerduty_mcp.common.pagerduty.config import Credential, Settings
from pagerduty_mcp.common.pagerduty.context import RequestContext, request_scope
from pagerduty_mcp.sandbox import SANDBOX_TOKEN, Sandbox
from tests.harness import HttpServer, http_server, http_session, sandbox_over_https
from tests.reliability.sockets import GUARD, address, open_sockets, until_closed

pytestmark = [pytest.mark.e2e, pytest.mark.anyio, pytest.mark.subprocess]

READ_TIMEOUT = 1  # seconds, for the server under test
HEAD = b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json, text/event-stream\r\n"


@pytest.fixture(scope="module")
def server() -> Iterator[HttpServer]:
    args = ["--sandbox", "--read-timeout", str(READ_TIMEOUT), "--stream-idle-timeout", str(READ_TIMEOUT)]
    with http_server(args, {}) as running:
        yield running


async def test_a_connection_that_sends_nothing_is_closed(server: HttpServer) -> None:
    async with await anyio.connect_tcp(*address(server)) as stream:
        assert await until_closed(stream) == b""


async def test_a_trickled_request_head_is_closed_although_bytes_keep_coming(server: HttpServer) -> None:
    async with await anyio.connect_tcp(*address(server)) as stream:
        sent = 0

        async def trickle() -> None:
            nonlocal sent
            for byte in HEAD * 50:
                try:
                    await stream.send(bytes([byte]))
                except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
                    return
                sent += 1
                await anyio.sleep(READ_TIMEOUT / 10)  # the slow client under test

        async with anyio.create_task_group() as group:
            group.start_soon(trickle)
            received = await until_closed(stream)
            group.cancel_scope.cancel()
    assert received == b""
    assert sent < len(HEAD) * 50  # closed while the client was still sending


async def test_a_body_that_does_not_arrive_in_time_is_408(server: HttpServer) -> None:
    async with await anyio.connect_tcp(*address(server)) as stream:
        await stream.send(HEAD + b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"jsonrpc"')
        received = await until_closed(stream)
    assert received.startswith(b"HTTP/1.1 408"), received[:200]
    assert b"did not arrive in time" in received


async def test_an_idle_event_stream_ends(server: HttpServer) -> None:
    async with httpx2.AsyncClient(timeout=GUARD) as client:
        with anyio.fail_after(GUARD):
            async with client.stream("GET", server.url, headers={"Accept": "text/event-stream"}) as response:
                assert response.status_code == 200
                assert [chunk async for chunk in response.aiter_bytes() if chunk.strip()] == []
    # The server still serves after ending streams and closing slow clients.
    async with http_session(server.url) as client:
        assert (await client.list_tools()).tools


# --- upstream sockets -----------------------------------------------------------------------------


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="counts sockets through /proc")
async def test_made_up_tokens_cost_no_connection_and_keep_no_socket(server: HttpServer) -> None:
    box = Sandbox()
    with sandbox_over_https(box) as info:
        env = {"PAGERDUTY_API_HOST": info.url, "SSL_CERT_FILE": str(info.ca_path)}
        with http_server(["--auth", "pagerduty"], env) as per_caller:
            baseline_requests = len(box.request_log)
            for i in range(20):
                async with http_session(per_caller.url, {"Authorization": f"Token token=made-up-{i:04d}"}) as client:
                    assert (await client.list_tools()).tools
            assert len(box.request_log) == baseline_requests  # listing needs nothing upstream
            baseline_sockets = open_sockets(per_caller.process.pid)
            for i in range(30):
                async with http_session(per_caller.url, {"Authorization": f"Token token=made-up-{i:04d}"}) as client:
                    result = await client.call_tool("get_user_data", {})
                    assert result.is_error and "UNAUTHORIZED" in result.content[0].text  # type: ignore[union-attr]
            assert len(box.request_log) >= baseline_requests + 30
            grown = open_sockets(per_caller.process.pid) - baseline_sockets
    print(f"\nsockets: +{grown} after 30 made-up tokens each refused by PagerDuty")
    # Each refused token's client is dropped and closed at once: no socket per made-up token.
    assert grown <= 3, grown


def test_a_client_the_pool_drops_is_closed_when_its_last_message_ends() -> None:
    box = Sandbox()
    pool = sandbox_pool(box, Settings(), max_clients=2)
    users = sorted(box.state.tables["users"])[:3]
    credentials = [Credential(box.token_for(uid)) for uid in users]
    holding = RequestContext(kind="tool", name="long_call")
    with request_scope(holding):
        first = pool.get(credentials[0])
        first.read("/users/me")
    others: list[Any] = []
    for credential in credentials[1:]:
        message = RequestContext(kind="tool", name="other")
        with request_scope(message):
            others.append(pool.get(credential))
            others[-1].read("/users/me")
        message.leases.release_all()
    # Dropped from the pool (two newer credentials) while a message still holds it: still open.
    assert not first.is_closed
    holding.leases.release_all()
    assert first.is_closed
    # A client dropped while nobody holds it closes at once.
    extra = Credential(SANDBOX_TOKEN)
    message = RequestContext(kind="tool", name="another")
    with request_scope(message):
        pool.get(extra).read("/users/me")
    message.leases.release_all()
    assert others[0].is_closed and not others[1].is_closed
    pool.close()
