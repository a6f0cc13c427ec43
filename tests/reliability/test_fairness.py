"""Finding 7 of issue 17: one credential's flood waits alone.

A credential's calls take their turn on the event loop, before a worker thread, so a flood of
calls from one credential does not take the threads everyone else needs; beyond a bound, its
calls fail at once with ``RATE_LIMITED`` naming the bound. Driven over streamable HTTP with the
``mcp`` SDK's client, against the HTTPS sandbox with one second of latency per request.

Before the fix, the flooder's queued calls each held one of the server's 200 worker threads,
and another caller's call waited for a thread behind the flood's overflow.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

import anyio
import pytest
from mcp import Client

from pagerduty_mcp.common.hosting.http import WORKER_THREADS
from pagerduty_mcp.sandbox import Faults, Sandbox
from tests.harness import HttpServer, http_server, http_session, sandbox_over_https

pytestmark = [pytest.mark.e2e, pytest.mark.anyio, pytest.mark.slow, pytest.mark.subprocess]

LATENCY_MS = 1000
RUNNING = 10  # --max-concurrent-per-credential
QUEUED = 40  # --max-queued-per-credential
FLOOD = 260  # more than the server's 200 worker threads (WORKER_THREADS): the old code ran out
CALL = ("list_services", {"limit": 1})


@dataclass
class Outcome:
    who: str
    code: str  # "ok" or the error code
    started: float
    finished: float
    text: str = ""

    @property
    def seconds(self) -> float:
        return self.finished - self.started


@dataclass
class Log:
    outcomes: list[Outcome] = field(default_factory=list)
    first_success: anyio.Event = field(default_factory=anyio.Event)


@pytest.fixture(scope="module")
def box() -> Sandbox:
    return Sandbox(faults=Faults(latency_ms=LATENCY_MS))


@pytest.fixture(scope="module")
def server(box: Sandbox) -> Iterator[HttpServer]:
    with sandbox_over_https(box) as info:
        args = [
            "--auth",
            "pagerduty",
            "--max-concurrent-per-credential",
            str(RUNNING),
            "--max-queued-per-credential",
            str(QUEUED),
            "--call-timeout",
            "120",
        ]
        env = {"PAGERDUTY_API_HOST": info.url, "SSL_CERT_FILE": str(info.ca_path)}
        with http_server(args, env) as running:
            yield running


def caller_session(url: str, token: str) -> AbstractAsyncContextManager[Client]:
    """An SDK client of one caller whose HTTP pool does not cap the calls it sends at once."""
    return http_session(url, {"Authorization": f"Token token={token}"}, unbounded=True, timeout=120.0)


async def _one(client: Client, who: str, log: Log) -> None:
    started = time.monotonic()
    result = await client.call_tool(*CALL)
    text = result.content[0].text  # type: ignore[union-attr]
    code = "ok"
    if result.is_error:
        code = text.split('"code":"', 1)[1].split('"', 1)[0] if '"code":"' in text else text[:60]
    log.outcomes.append(Outcome(who, code, started, time.monotonic(), text))
    if who == "flood" and code == "ok":
        log.first_success.set()


async def test_a_flood_from_one_credential_neither_takes_the_threads_nor_queues_without_bound(
    server: HttpServer, box: Sandbox
) -> None:
    users = sorted(uid for uid in box.state.tables["users"] if uid != box.current_user_id)
    log = Log()
    async with (
        caller_session(server.url, box.token_for(users[0])) as flooder,
        caller_session(server.url, box.token_for(users[1])) as other,
    ):
        quiet = Log()
        await _one(other, "other", quiet)  # the other caller's latency with nothing else going on
        async with anyio.create_task_group() as group:
            for _ in range(FLOOD):
                group.start_soon(_one, flooder, "flood", log)
            await log.first_success.wait()  # the flood is under way: its first wave has come back
            await _one(other, "other", log)
    flood = [o for o in log.outcomes if o.who == "flood"]
    other_call = next(o for o in log.outcomes if o.who == "other")
    successes = [o for o in flood if o.code == "ok"]
    refused = [o for o in flood if o.code == "RATE_LIMITED"]
    during = [o for o in successes if other_call.started <= o.finished <= other_call.finished]
    print(
        f"\nfairness: flood of {FLOOD}: {len(successes)} ok, {len(refused)} refused; the other caller's call "
        f"took {other_call.seconds:.2f} s (alone: {quiet.outcomes[0].seconds:.2f} s), while {len(during)} flood "
        "calls finished"
    )
    # Counts: every flood call either ran or was refused with the bound named; nothing else.
    assert len(successes) + len(refused) == FLOOD, sorted({o.code for o in flood})
    assert refused and len(successes) >= RUNNING + QUEUED
    assert all(f"--max-queued-per-credential {QUEUED}" in o.text for o in refused)
    # Fail fast: each refusal came back sooner than any call that ran.
    assert max(o.seconds for o in refused) < min(o.seconds for o in successes)
    # The other caller took no turn behind the flood: it ran at once, so while it did only the
    # flood's waves in flight (RUNNING calls each, ~3 across one latency) came back; before the
    # fix it first waited for a worker thread, behind the flood's overflow of the thread pool.
    assert other_call.code == "ok", other_call.text
    assert len(during) < FLOOD - WORKER_THREADS, (len(during), other_call.seconds)
