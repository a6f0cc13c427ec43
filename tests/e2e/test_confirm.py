"""Confirmation before paging, over the real transports: stdio (a subprocess, as editors start it,
in both protocol eras) and streamable HTTP across two replicas that share Redis and the sealing key
(the ``input_required`` round trip starts on one and finishes on the other), with the ``mcp`` SDK's
own client in front and the HTTPS sandbox behind."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any

import anyio
import pytest
from cryptography.fernet import Fernet
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_types import ElicitRequestParams, ElicitResult, InputRequiredResult

from pagerduty_mcp.sandbox import Sandbox
from pagerduty_mcp.sandbox.server import ServerInfo
from tests.harness import HttpServer, ServerSpec, http_servers, http_session, stdio_session, upstream_env
from tests.redis_server import RedisServer

pytestmark = [pytest.mark.e2e, pytest.mark.anyio, pytest.mark.subprocess]

PAGE = {"title": "Checkout is down", "service_id": "Checkout API"}
SHARED_KEY = Fernet.generate_key().decode()


@dataclass
class Person:
    answer: str
    asked: list[str] = field(default_factory=list)

    async def __call__(self, context: Any, params: ElicitRequestParams) -> ElicitResult:
        self.asked.append(params.message)
        return ElicitResult(action=self.answer, content={} if self.answer == "accept" else None)  # type: ignore[arg-type]


def envelope(result: Any) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(result.content[0].text)
    assert result.structured_content == parsed
    return parsed


async def open_incidents(client: Client) -> int:
    return int(envelope(await client.call_tool("list_incidents", {"limit": 100}))["metadata"]["count"])


# -- stdio ----------------------------------------------------------------------------------------


def stdio(person: Person | None, *args: str, era: str = "legacy") -> AbstractAsyncContextManager[Client]:
    flags = ("--log-level", "WARNING", *args)
    return stdio_session(write=True, args=flags, mode=era, elicitation_callback=person)


@pytest.mark.parametrize("era", ["legacy", "auto"])
async def test_over_stdio_a_declined_page_changes_nothing_and_an_accepted_one_pages(era: str) -> None:
    person = Person("decline")
    async with stdio(person, era=era) as client:
        # legacy: 2025-11-25, the classic elicitation/create request, as editors speak today.
        assert (client.session.protocol_version == "2025-11-25") == (era == "legacy")
        before = await open_incidents(client)
        declined = envelope(await client.call_tool("create_incident", PAGE))
        assert declined["error"]["code"] == "DECLINED"
        assert await open_incidents(client) == before
        assert person.asked and person.asked[0].startswith("Open an incident. This pages people now.")
        person.answer = "accept"
        created = envelope(await client.call_tool("create_incident", PAGE))
        assert created["incidents"][0]["title"] == PAGE["title"]
        assert await open_incidents(client) == before + 1
        assert len(person.asked) == 2


async def test_over_stdio_require_refuses_a_client_that_cannot_confirm() -> None:
    async with stdio(None, "--confirm-writes", "require") as client:
        before = await open_incidents(client)
        refused = envelope(await client.call_tool("create_incident", PAGE))
        assert refused["error"]["code"] == "CONFIRMATION_REQUIRED"
        assert await open_incidents(client) == before


async def test_over_stdio_off_never_asks() -> None:
    person = Person("decline")
    async with stdio(person, "--confirm-writes", "off") as client:
        created = envelope(await client.call_tool("create_incident", PAGE))
        assert "error" not in created and person.asked == []


# -- streamable HTTP, two replicas ----------------------------------------------------------------


@dataclass
class Fleet:
    a: HttpServer  # two replicas: the same Redis, the same sealing key
    b: HttpServer
    stranger: HttpServer  # --confirm-writes require, and a sealing key of its own
    quiet: HttpServer  # --confirm-writes off
    unsealed: HttpServer  # Redis, but no sealing key
    box: Sandbox


@pytest.fixture(scope="module")
def fleet(box: Sandbox, https_sandbox: ServerInfo, redis_server: RedisServer) -> Iterator[Fleet]:
    argv = ["--auth", "pagerduty", "--enable-write-tools", "--redis-url", redis_server.url]
    shared = upstream_env(https_sandbox, PAGERDUTY_MCP_TOKEN_KEY=SHARED_KEY)
    other = upstream_env(https_sandbox, PAGERDUTY_MCP_TOKEN_KEY=Fernet.generate_key().decode())
    with http_servers(
        ServerSpec(argv, shared),
        ServerSpec(argv, shared),
        ServerSpec([*argv, "--confirm-writes", "require"], other),
        ServerSpec([*argv, "--confirm-writes", "off"], shared),
        ServerSpec(argv, upstream_env(https_sandbox)),
    ) as servers:
        yield Fleet(*servers, box=box)


def caller(box: Sandbox, n: int = 0) -> dict[str, str]:
    """A caller's own PagerDuty token (--auth pagerduty); ``n`` picks another user."""
    users = sorted(uid for uid in box.state.tables["users"] if uid != box.current_user_id)
    user = box.current_user_id if n == 0 else users[n]
    return {"Authorization": f"Token token={box.token_for(user)}"}


def pages_sent(box: Sandbox) -> int:
    return sum(1 for r in box.request_log if r.method == "POST" and r.path == "/incidents")


async def audited(server: HttpServer, line: str) -> None:
    """Wait (bounded) for ``line`` in the server's audit log on stderr."""
    with anyio.fail_after(10):
        while line not in server.stderr():
            await anyio.sleep(0.05)


async def ask_on(client: Client) -> tuple[str, str, str]:
    """Round one: the call comes back asking (2026-07-28); its key, its question, its sealed state."""
    first = await client.session.call_tool("create_incident", PAGE, allow_input_required=True)
    assert isinstance(first, InputRequiredResult), first
    [(key, request)] = (first.input_requests or {}).items()
    assert request.method == "elicitation/create"
    assert first.request_state
    return key, request.params.message, first.request_state  # type: ignore[union-attr]


async def test_a_round_trip_asked_by_one_replica_is_declined_through_the_other(fleet: Fleet) -> None:
    headers = caller(fleet.box)
    person = Person("decline")
    async with (
        http_session(fleet.a.url, headers, elicitation_callback=person) as on_a,
        http_session(fleet.b.url, headers, elicitation_callback=person) as on_b,
    ):
        before, sent = await open_incidents(on_a), pages_sent(fleet.box)
        key, question, state = await ask_on(on_a)
        assert question.startswith("Open an incident. This pages people now.")
        assert "\u201cCheckout Escalation\u201d" in question
        await audited(fleet.a, "tool=create_incident outcome=CONFIRMATION_ASKED")
        answer = {key: ElicitResult(action="decline")}
        result = await on_b.session.call_tool("create_incident", PAGE, input_responses=answer, request_state=state)
        declined = envelope(result)
        assert result.is_error and declined["error"]["code"] == "DECLINED"
        await audited(fleet.b, "tool=create_incident outcome=DECLINED")
        assert pages_sent(fleet.box) == sent
        assert await open_incidents(on_b) == before


async def test_a_round_trip_asked_by_one_replica_is_accepted_through_the_other(fleet: Fleet) -> None:
    headers = caller(fleet.box)
    person = Person("accept")
    async with (
        http_session(fleet.b.url, headers, elicitation_callback=person) as on_b,
        http_session(fleet.a.url, headers, elicitation_callback=person) as on_a,
    ):
        before = await open_incidents(on_a)
        key, _, state = await ask_on(on_b)
        answer = {key: ElicitResult(action="accept", content={})}
        result = await on_a.session.call_tool("create_incident", PAGE, input_responses=answer, request_state=state)
        created = envelope(result)
        assert not result.is_error, created
        assert await open_incidents(on_b) == before + 1


async def test_the_client_drives_the_round_trip_itself(fleet: Fleet) -> None:
    person = Person("decline")
    async with http_session(fleet.b.url, caller(fleet.box), elicitation_callback=person) as client:
        declined = envelope(await client.call_tool("create_incident", PAGE))
        assert declined["error"]["code"] == "DECLINED" and len(person.asked) == 1


async def test_an_answer_is_the_callers_own_and_opens_only_under_the_fleets_key(fleet: Fleet) -> None:
    person = Person("accept")
    async with (
        http_session(fleet.a.url, caller(fleet.box), elicitation_callback=person) as asked,
        http_session(fleet.b.url, caller(fleet.box, 1), elicitation_callback=person) as someone_else,
        http_session(fleet.stranger.url, caller(fleet.box), elicitation_callback=person) as elsewhere,
    ):
        sent = pages_sent(fleet.box)
        key, _, state = await ask_on(asked)
        answer = {key: ElicitResult(action="accept", content={})}
        for client in (someone_else, elsewhere):
            with pytest.raises(MCPError, match="Invalid or expired requestState"):
                await client.session.call_tool("create_incident", PAGE, input_responses=answer, request_state=state)
        assert pages_sent(fleet.box) == sent


async def test_without_elicitation_http_clients_act_as_before_unless_required(fleet: Fleet) -> None:
    headers = caller(fleet.box)
    for era in ("legacy", "auto"):
        sent = pages_sent(fleet.box)
        # A 2025-11-25 client over stateless HTTP cannot take a question back, whatever it declares.
        person = Person("decline") if era == "legacy" else None
        async with http_session(fleet.a.url, headers, mode=era, elicitation_callback=person) as client:
            created = envelope(await client.call_tool("create_incident", PAGE))
            assert "error" not in created, created
        assert pages_sent(fleet.box) == sent + 1
        async with http_session(fleet.stranger.url, headers, mode=era, elicitation_callback=person) as client:
            refused = envelope(await client.call_tool("create_incident", PAGE))
            assert refused["error"]["code"] == "CONFIRMATION_REQUIRED"
        assert pages_sent(fleet.box) == sent + 1


def test_a_replica_without_the_sealing_key_says_so_at_start(fleet: Fleet) -> None:
    alone = fleet.unsealed
    deadline = time.monotonic() + 10
    while "PAGERDUTY_MCP_TOKEN_KEY is not set" not in alone.stderr() and time.monotonic() < deadline:
        time.sleep(0.05)  # polling the log of a started process, bounded by the deadline
    assert "a confirmation asked by one replica can be answered only on that replica" in alone.stderr()


async def test_off_never_asks_over_http(fleet: Fleet) -> None:
    person = Person("decline")
    async with http_session(fleet.quiet.url, caller(fleet.box), elicitation_callback=person) as client:
        created = envelope(await client.call_tool("create_incident", PAGE))
        assert "error" not in created and person.asked == []
