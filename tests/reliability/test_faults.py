"""Rate limits, server errors, dropped connections and timeouts, switched on in the sandbox and
met through a real MCP client: bounded waits, clear codes, and writes that are never replayed."""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pagerduty_mcp.common import ClientPool, Credential, Settings
from pagerduty_mcp.sandbox import SANDBOX_TOKEN, Faults, Sandbox, Store
from pagerduty_mcp.sandbox.faults import FaultInjector
from pagerduty_mcp.sandbox.server import serve_in_thread
from tests.harness import call, fails, memory_session, ok
from tests.reliability.support import live_tools

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

TOOLS = {t["name"] for t in live_tools("mcp", write=True)}


class FakeClock:
    """The sandbox's rate-limit window clock, moved on by the client's (recorded) sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def switch_faults(box: Sandbox, faults: Faults, clock: Callable[[], float] = time.monotonic) -> None:
    """Turn the sandbox's fault switches to ``faults`` now (after any warm-up requests)."""
    box.faults = faults
    box.injector = FaultInjector(faults, box.seed, clock)


@pytest.fixture
def recorded_sleeps() -> list[float]:
    """The client's back-off sleeps, recorded instead of slept (hand ``.append`` to the pool)."""
    return []


def requests_since(box: Sandbox, start: int) -> list[Any]:
    return list(box.request_log)[start:]


# -- rate limits -------------------------------------------------------------------------------


async def test_a_429_storm_gives_rate_limited_at_once_when_retry_after_exceeds_the_cap() -> None:
    box = Sandbox(faults=Faults(rate_limit=1))
    async with memory_session(sandbox=box) as client:
        await ok(client, "list_incidents", {"limit": 1})  # the minute's only allowed request
        started = time.monotonic()
        for _ in range(5):
            error = await fails(client, "list_incidents", {"limit": 1}, "RATE_LIMITED")
        elapsed = time.monotonic() - started
    # PagerDuty asks for up to a minute; the cap is 20 s, so the server says so at once.
    assert elapsed < 5, elapsed
    retry_after = error["details"]["retry_after_seconds"]
    assert 1 <= retry_after <= 60
    assert f"Retry in {retry_after} s (at {error['details']['retry_at']})" in error["message"]
    # One request per call: a storm is not made worse by hammering.
    assert [r.status for r in box.request_log][-5:] == [429] * 5


async def test_the_wait_honours_retry_after_then_the_call_succeeds() -> None:
    clock = FakeClock()
    box = Sandbox(faults=Faults(rate_limit=1))
    switch_faults(box, Faults(rate_limit=1), clock)
    async with memory_session(sandbox=box, sleep=clock.sleep) as client:
        await ok(client, "list_incidents", {"limit": 1})
        clock.now += 52  # 8 s before the window resets, so PagerDuty asks for 8 s
        envelope = await ok(client, "list_incidents", {"limit": 1})
    assert clock.sleeps == [8.0]
    assert envelope["metadata"]["count"] == 1
    assert [r.status for r in box.request_log][-2:] == [429, 200]


async def test_the_total_wait_is_capped_and_the_error_says_when_to_retry() -> None:
    sleeps: list[float] = []
    clock = FakeClock()
    box = Sandbox()
    switch_faults(box, Faults(rate_limit=1), clock)
    async with memory_session(
        sandbox=box, sleep=sleeps.append, settings=Settings(rate_limit_wait_seconds=25)
    ) as client:  # time stands still
        await ok(client, "list_incidents", {"limit": 1})
        clock.now += 50  # every answer now asks for 10 s
        error = await fails(client, "list_incidents", {"limit": 1}, "RATE_LIMITED")
    assert sleeps == [10.0, 10.0]  # a third wait would pass the 25 s cap
    assert sum(sleeps) <= 25
    assert error["details"]["retry_after_seconds"] == 10 and "Retry in 10 s" in error["message"]


async def test_a_wait_that_would_pass_the_call_deadline_is_not_started() -> None:
    clock = FakeClock()
    box = Sandbox()
    switch_faults(box, Faults(rate_limit=1), clock)
    async with memory_session(sandbox=box, deadline_seconds=3) as client:
        await ok(client, "list_incidents", {"limit": 1})
        clock.now += 50  # asks for 10 s, within the 20 s cap but past the 3 s deadline
        started = time.monotonic()
        await fails(client, "list_incidents", {"limit": 1}, "RATE_LIMITED")
    assert time.monotonic() - started < 2


# -- server errors and dropped connections on reads ----------------------------------------------


@pytest.mark.parametrize(
    ("faults", "code"),
    [(Faults(error_rate=1.0), "UPSTREAM_ERROR"), (Faults(drop_rate=1.0), "UPSTREAM_ERROR")],
    ids=["5xx", "dropped"],
)
async def test_reads_retry_within_bounds_then_fail_clearly(
    recorded_sleeps: list[float], faults: Faults, code: str
) -> None:
    box = Sandbox()
    async with memory_session(sandbox=box, sleep=recorded_sleeps.append) as client:
        incident = (await ok(client, "list_incidents", {"limit": 1}))["incidents"][0]["id"]
        start = len(box.request_log)
        switch_faults(box, faults)
        error = await fails(client, "get_incident", {"incident_id": incident}, code)
        sent = requests_since(box, start)
        switch_faults(box, Faults())
        assert (await ok(client, "get_incident", {"incident_id": incident}))["metadata"]["count"] == 1
    assert len(sent) == 3, sent  # one try and two retries, no more
    assert all(r.method == "GET" for r in sent)
    assert len(recorded_sleeps) == 2 and sum(recorded_sleeps) < 5
    assert "Try again" in error["message"]


async def test_a_flaky_upstream_is_absorbed_by_read_retries(recorded_sleeps: list[float]) -> None:
    box = Sandbox(faults=Faults(error_rate=0.3, drop_rate=0.1))
    async with memory_session(sandbox=box, sleep=recorded_sleeps.append) as client:
        outcomes = [await call(client, "list_incidents", {"limit": 2}) for _ in range(40)]
    errors = [envelope["error"]["code"] for is_error, envelope in outcomes if is_error]
    # With three tries each, most calls get through; the rest fail with an upstream code.
    assert len(errors) < 10, errors
    assert set(errors) <= {"UPSTREAM_ERROR"}
    assert any(r.status >= 500 or r.status == 0 for r in box.request_log)


# -- writes ----------------------------------------------------------------------------------------


def _write_recipes(state: Store) -> dict[str, tuple[dict[str, Any], str]]:
    """A write per tool that would succeed, and the method its one write request uses."""
    users = list(state.tables["users"])
    teams = list(state.tables["teams"])
    services = list(state.tables["services"])
    schedules = list(state.tables["schedules"])
    incidents = [i["id"] for i in state.tables["incidents"].values() if i["status"] == "acknowledged"]
    routing_key = next(i["integration_key"] for i in state.tables["integrations"].values() if i.get("integration_key"))
    event = {"routing_key": routing_key, "action": "trigger", "summary": "Disk full", "source": "db-1"}
    return {
        "create_team": ({"name": "Night watch"}, "POST"),
        "update_team": ({"team_id": teams[0], "description": "Owns checkout"}, "PUT"),
        "add_team_member": ({"team_id": teams[0], "user_id": users[-1]}, "PUT"),
        "create_maintenance_window": ({"service_ids": services[:2], "duration_minutes": 30}, "POST"),
        "create_schedule_override": (
            {
                "schedule_id": schedules[0],
                "overrides": [{"user_id": users[0], "start": "2030-01-01T00:00:00Z", "end": "2030-01-02T00:00:00Z"}],
            },
            "POST",
        ),
        "delete_team": ({"team_id": teams[-1]}, "DELETE"),
        "create_service": (
            {"name": "Reliability probe", "escalation_policy_id": next(iter(state.tables["escalation_policies"]))},
            "POST",
        ),
        "add_note_to_incident": ({"incident_id": incidents[0], "note": "Rolled back the deploy."}, "POST"),
        "snooze_incident": ({"incident_id": incidents[0], "minutes": 30}, "POST"),
        "create_incident": ({"title": "Checkout down", "service_id": services[0]}, "POST"),
        "send_event": ({**event, "severity": "critical"}, "POST"),
        "send_change_event": ({"routing_key": routing_key, "summary": "Deploy v1.2.3"}, "POST"),
        "create_user": ({"name": "Fault Probe", "email": "fault.probe@acme-shop.example"}, "POST"),
        "update_user": ({"user_id": users[-1], "name": "Renamed", "email": "renamed@acme-shop.example"}, "PUT"),
        "delete_user": ({"user_id": users[-1]}, "DELETE"),
        "delete_escalation_policy": (
            {"escalation_policy_id": next(iter(state.tables["escalation_policies"]))},
            "DELETE",
        ),
    }


@pytest.mark.parametrize("faults", [Faults(error_rate=1.0), Faults(drop_rate=1.0)], ids=["5xx", "dropped"])
async def test_writes_are_never_replayed_and_an_unknown_outcome_says_how_to_check(
    recorded_sleeps: list[float], faults: Faults
) -> None:
    box = Sandbox()
    recipes = {name: recipe for name, recipe in _write_recipes(box.state).items() if name in TOOLS}
    if not recipes:
        pytest.skip("no write tool with a recipe has landed yet")
    unknown = []
    async with memory_session(sandbox=box, sleep=recorded_sleeps.append) as client:
        client.server.pool.get().current_user()  # type: ignore[union-attr]  # warm the From header's user, so the write is the only request
        for tool, (arguments, method) in recipes.items():
            switch_faults(box, Faults())
            start = len(box.request_log)
            switch_faults(box, faults)
            error = await fails(client, tool, arguments)
            writes = [r for r in requests_since(box, start) if r.method == method]
            if error["code"] == "WRITE_OUTCOME_UNKNOWN":
                assert len(writes) == 1, f"{tool}: the write was sent {len(writes)} times"
                assert "check" in error["message"].lower(), error
                unknown.append(tool)
            else:
                # A read before the write failed: then the write must not have been sent at all.
                assert error["code"] == "UPSTREAM_ERROR", (tool, error)
                assert writes == [], f"{tool}: wrote after a failed read"
    assert unknown, "no write reached PagerDuty, so none could be checked for replays"
    print(f"\nwrites with an unknown outcome, sent once: {sorted(unknown)}")


# -- timeouts over a real socket --------------------------------------------------------------------


class _TLSPool(ClientPool):
    """A pool that reaches the sandbox over HTTPS on loopback, trusting its throwaway CA."""

    def __init__(self, settings: Settings, ca_path: str, sleep: Callable[[float], None] | None = None) -> None:
        super().__init__(settings, sleep=sleep)
        self._context = ssl.create_default_context(cafile=ca_path)

    def _client_kwargs(self) -> dict[str, Any]:
        return {"verify": self._context}


@pytest.fixture
def slow_sandbox() -> Iterator[tuple[Sandbox, Any]]:
    box = Sandbox()
    with serve_in_thread(box) as info:
        yield box, info


async def test_reads_that_time_out_give_timeout_and_writes_an_unknown_outcome(
    recorded_sleeps: list[float], slow_sandbox: tuple[Sandbox, Any]
) -> None:
    box, info = slow_sandbox
    settings = Settings(credential=Credential(SANDBOX_TOKEN), api_host=info.url, timeout_seconds=0.3)
    pool = _TLSPool(settings, str(info.ca_path), recorded_sleeps.append)
    async with memory_session(sandbox=box, pool=pool) as client:
        await ok(client, "list_incidents", {"limit": 1})  # the socket path works without faults
        pool.get().current_user()
        switch_faults(box, Faults(latency_ms=1200))
        start = len(box.request_log)
        started = time.monotonic()
        error = await fails(client, "list_incidents", {"limit": 1}, "TIMEOUT")
        elapsed = time.monotonic() - started
        assert "did not answer in time" in error["message"]
        assert elapsed < 3, elapsed  # three tries of 0.3 s; the sleeps are recorded, not slept
        if "create_team" in TOOLS:
            error = await fails(client, "create_team", {"name": "Slow team"}, "WRITE_OUTCOME_UNKNOWN")
            assert "check" in error["message"].lower()
        switch_faults(box, Faults())
    # The server may still be finishing the slow requests; wait for them (bounded) to count them.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and sum(1 for r in requests_since(box, start) if r.method == "POST") < 1:
        time.sleep(0.05)
    sent = requests_since(box, start)
    if "create_team" in TOOLS:
        assert sum(1 for r in sent if r.method == "POST") == 1, sent


async def test_a_dead_upstream_fails_fast_with_upstream_error(recorded_sleeps: list[float]) -> None:
    # Nothing listens on port 9 of loopback: connection refused, retried (never sent), then reported.
    settings = Settings(credential=Credential(SANDBOX_TOKEN), api_host="https://127.0.0.1:9", timeout_seconds=2)
    async with memory_session(pool=ClientPool(settings, sleep=recorded_sleeps.append)) as client:
        started = time.monotonic()
        error = await fails(client, "list_incidents", {"limit": 1}, "UPSTREAM_ERROR")
    assert time.monotonic() - started < 5
    assert "could not be reached" in error["message"]


async def test_a_stalled_upstream_cannot_hold_a_call_past_its_deadline(
    recorded_sleeps: list[float], slow_sandbox: tuple[Sandbox, Any]
) -> None:
    """PagerDuty holds every request for 3 s, the client's own timeout is a generous 30 s, and the
    call's deadline is 1 s: the call ends at its deadline with TIMEOUT, not after the upstream."""
    box, info = slow_sandbox
    settings = Settings(credential=Credential(SANDBOX_TOKEN), api_host=info.url, timeout_seconds=30)
    pool = _TLSPool(settings, str(info.ca_path), recorded_sleeps.append)
    async with memory_session(sandbox=box, pool=pool, deadline_seconds=1.0) as client:
        await ok(client, "list_incidents", {"limit": 1})
        switch_faults(box, Faults(latency_ms=3000))
        started = time.monotonic()
        error = await fails(client, "list_incidents", {"limit": 1}, "TIMEOUT")
        elapsed = time.monotonic() - started
        switch_faults(box, Faults())
    assert elapsed < 2.0, elapsed
    assert "in time" in error["message"]


async def test_a_trickled_answer_cannot_hold_a_call_past_its_deadline(slow_sandbox: tuple[Sandbox, Any]) -> None:
    """Every piece of the answer arrives well within the read timeout, but the whole takes seconds:
    the call still ends at its 1 s deadline with TIMEOUT (before: a success after 7 s)."""
    box, info = slow_sandbox
    settings = Settings(credential=Credential(SANDBOX_TOKEN), api_host=info.url, timeout_seconds=30)
    pool = _TLSPool(settings, str(info.ca_path))
    async with memory_session(sandbox=box, pool=pool, deadline_seconds=1.0) as client:
        await ok(client, "list_priorities")
        switch_faults(box, Faults(trickle_ms=30))
        started = time.monotonic()
        error = await fails(client, "list_incidents", {"limit": 50}, "TIMEOUT")
        elapsed = time.monotonic() - started
        switch_faults(box, Faults())
    assert elapsed < 2.0, elapsed
    assert "in time" in error["message"]


async def test_a_write_applied_before_the_connection_drops_is_reported_unknown_and_sent_once(
    recorded_sleeps: list[float],
) -> None:
    box = Sandbox()
    async with memory_session(sandbox=box, sleep=recorded_sleeps.append) as client:
        client.server.pool.get().current_user()  # type: ignore[union-attr]
        before = len(box.state.tables["teams"])
        start = len(box.request_log)
        switch_faults(box, Faults(drop_after_write_rate=1.0))
        error = await fails(client, "create_team", {"name": "Applied, then dropped"}, "WRITE_OUTCOME_UNKNOWN")
        switch_faults(box, Faults())
    posts = [r for r in requests_since(box, start) if r.method == "POST"]
    assert len(posts) == 1 and posts[0].status == 201, posts  # applied once, never replayed
    assert len(box.state.tables["teams"]) == before + 1
    assert "check" in error["message"].lower()
