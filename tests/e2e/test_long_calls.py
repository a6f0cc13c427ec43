"""Long calls over real transports: progress notifications, and a cancel that stops upstream work.

The server is a subprocess (stdio, or streamable HTTP); PagerDuty is a sandbox served over HTTPS
from this process, so its request log shows exactly what the server sent, and when.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client
from mcp_types import LoggingMessageNotificationParams

from pagerduty_mcp.sandbox import Sandbox
from pagerduty_mcp.sandbox.faults import Faults
from pagerduty_mcp.servers.incidents.tools.bulk import BULK_BATCH
from tests.harness import http_server, http_session, sandbox_over_https, stdio_session, upstream_env

pytestmark = [pytest.mark.e2e, pytest.mark.incidents, pytest.mark.subprocess]

COUNT = 100
AUDIT_WAIT_SECONDS = 30.0


def _resolved(box: Sandbox) -> list[str]:
    ids = sorted(i for i, row in box.state.tables["incidents"].items() if row["status"] == "resolved")
    assert len(ids) >= COUNT, "the sandbox is too small for this test"
    return ids[:COUNT]


def _reopened(box: Sandbox, ids: list[str]) -> set[str]:
    return {i for i in ids if box.state.tables["incidents"][i]["status"] == "triggered"}


def _puts(box: Sandbox) -> int:
    return sum(1 for r in box.request_log if r.method == "PUT" and r.path == "/incidents")


Logs = list[str]


@asynccontextmanager
async def _connect(transport: str, box: Sandbox, info: Any, logs: Logs) -> AsyncIterator[tuple[Client, Any]]:
    """A client of the incidents server (writes on) acting as the sandbox's current user, and a
    function that reads the server's stderr. Log messages to the client land in ``logs``."""
    env = {
        "PAGERDUTY_API_HOST": info.url,
        "SSL_CERT_FILE": str(info.ca_path),
        "PAGERDUTY_USER_API_KEY": box.token_for(box.current_user_id),
    }

    async def on_log(params: LoggingMessageNotificationParams) -> None:
        logs.append(str(params.data))

    if transport == "stdio":
        with tempfile.TemporaryDirectory() as directory:
            stderr = Path(directory) / "stderr.log"
            with stderr.open("w") as errlog:
                async with stdio_session(
                    "incidents",
                    write=True,
                    sandbox=False,
                    env=env,
                    errlog=errlog,
                    logging_callback=on_log,
                    log_level="info",
                ) as client:
                    yield client, stderr.read_text
        return
    mode = "legacy" if transport == "http-legacy" else "auto"
    with http_server(["--enable-write-tools"], env, key="incidents") as server:
        async with http_session(server.url, {}, mode=mode) as client:
            yield client, server.stderr


async def _audit_line(read: Any) -> str:
    """The audit line of the cancelled call, once the server has written it (bounded wait)."""
    deadline = time.monotonic() + AUDIT_WAIT_SECONDS
    while time.monotonic() < deadline:
        for line in read().splitlines():
            if "tool=manage_incidents" in line and "outcome=CANCELLED" in line:
                return line
        await anyio.sleep(0.05)  # polling another process's log, bounded by the deadline above
    raise AssertionError(f"no audit line for the cancelled call:\n{read()[-3000:]}")


@pytest.fixture
def box() -> Iterator[Sandbox]:
    yield Sandbox(size=2)


@pytest.mark.anyio
@pytest.mark.parametrize("transport", ["stdio", "http", "http-legacy"])
async def test_bulk_change_of_100_incidents_reports_progress(transport: str, box: Sandbox) -> None:
    ids = _resolved(box)
    seen: list[tuple[float, float | None]] = []

    async def progress(done: float, total: float | None, message: str | None) -> None:
        seen.append((done, total))

    with sandbox_over_https(box) as info:
        async with _connect(transport, box, info, []) as (client, _):
            result = await client.call_tool(
                "manage_incidents", {"incident_ids": ids, "status": "triggered"}, progress_callback=progress
            )
    assert not result.is_error, result.content
    assert _reopened(box, ids) == set(ids)
    steps = COUNT // BULK_BATCH
    assert [done for done, _ in seen] == [BULK_BATCH * k for k in range(steps + 1)]
    assert {total for _, total in seen} == {COUNT}
    assert _puts(box) == steps


@pytest.mark.anyio
@pytest.mark.parametrize("transport", ["stdio", "http", "http-legacy"])
async def test_a_cancel_stops_between_batches_and_the_audit_line_names_what_changed(transport: str) -> None:
    # Each upstream request takes a while, so the cancel (sent on the first progress past zero)
    # lands while the second batch is in flight, long before the last one.
    box = Sandbox(size=2, faults=Faults(latency_ms=400))
    ids = _resolved(box)
    notices: list[str] = []

    with sandbox_over_https(box) as info:
        async with _connect(transport, box, info, notices) as (client, stderr):
            with anyio.CancelScope() as scope:

                async def progress(done: float, total: float | None, message: str | None) -> None:
                    if done > 0:
                        scope.cancel()

                await client.call_tool(
                    "manage_incidents", {"incident_ids": ids, "status": "triggered"}, progress_callback=progress
                )
            assert scope.cancelled_caught
            line = await _audit_line(stderr)
            puts_at_cancel = _puts(box)
            if transport == "stdio":  # the notice follows the audit line; give it the same bounded wait
                with anyio.move_on_after(AUDIT_WAIT_SECONDS):
                    while not notices:
                        await anyio.sleep(0.05)
    changed = re.search(r"changed=(\S+)", line)
    assert changed is not None, line
    named = set(changed.group(1).split(","))
    assert named == _reopened(box, ids)  # exactly what PagerDuty shows as changed
    assert 0 < len(named) < COUNT and len(named) % BULK_BATCH == 0  # whole batches, never part of one
    assert puts_at_cancel < COUNT // BULK_BATCH
    assert _puts(box) == puts_at_cancel  # nothing more was sent after the call ended
    if transport == "stdio":  # HTTP: the client closed the stream, so nothing can reach it any more
        assert any(all(i in notice for i in named) and "cancelled" in notice for notice in notices), notices


@pytest.mark.anyio
async def test_a_made_up_key_that_shares_the_audit_label_cancels_nothing_of_anothers() -> None:
    """Under --auth pagerduty, a cancel reaches only calls of the whole credential that sent it: a
    made-up key ending in the victim's last four characters (the same ``token:…`` audit label)
    cancels nothing, for any request id; the victim's own cancel still stops its call."""
    box = Sandbox(size=2, faults=Faults(latency_ms=300))
    ids = _resolved(box)
    victim = box.token_for(box.current_user_id)
    impostor = f"made-up-key-{victim[-4:]}"
    assert impostor[-4:] == victim[-4:] and impostor != victim
    headers = {
        "Authorization": f"Token token={impostor}",
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
        "MCP-Protocol-Version": "2025-11-25",
    }
    answered: list[int] = []
    with sandbox_over_https(box) as info:
        args = ["--auth", "pagerduty", "--enable-write-tools"]
        with http_server(args, upstream_env(info), key="incidents") as server:
            async with http_session(server.url, {"Authorization": f"Token token={victim}"}, mode="legacy") as client:

                async def impostor_cancels(done: float, total: float | None, message: str | None) -> None:
                    if done == 0 or answered:
                        return
                    async with httpx2.AsyncClient(timeout=10) as http:
                        for request_id in range(20):  # whatever id the victim's call has
                            note = {"requestId": request_id, "reason": "not yours"}
                            body = {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": note}
                            answered.append((await http.post(server.url, json=body, headers=headers)).status_code)

                result = await client.call_tool(
                    "manage_incidents", {"incident_ids": ids, "status": "triggered"}, progress_callback=impostor_cancels
                )
                assert not result.is_error, result.content
                assert _reopened(box, ids) == set(ids)  # every batch ran: nothing was cancelled
                assert answered and set(answered) == {202}  # each cancel accepted, and ignored

                # The victim's own cancel, with the same credential, still stops its call.
                again = [i for i in ids if i in _reopened(box, ids)]
                with anyio.CancelScope() as scope:

                    async def own_cancel(done: float, total: float | None, message: str | None) -> None:
                        if done > 0:
                            scope.cancel()

                    await client.call_tool(
                        "manage_incidents", {"incident_ids": again, "status": "resolved"}, progress_callback=own_cancel
                    )
                assert scope.cancelled_caught
                line = await _audit_line(server.stderr)
    assert f"caller=token:…{victim[-4:]}" in line
    assert 0 < len(set(ids) - _reopened(box, ids)) < COUNT  # stopped part-way: only whole batches resolved
