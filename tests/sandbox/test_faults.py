"""Each fault switch does what it promises, repeatably, and nothing when it is off."""

from __future__ import annotations

import email.utils
import time

import httpx2
import pytest

from pagerduty_mcp.sandbox import SANDBOX_API_URL, SANDBOX_TOKEN, Faults, Sandbox, shared_sandbox
from pagerduty_mcp.sandbox import core as sandbox_core
from pagerduty_mcp.sandbox.faults import FaultInjector
from tests.sandbox.conftest import FIXED_NOW

pytestmark = [pytest.mark.unit, pytest.mark.sandbox]

AUTH = {"Authorization": f"Token token={SANDBOX_TOKEN}"}


def raw_client(sandbox: Sandbox) -> httpx2.Client:
    return httpx2.Client(transport=sandbox.transport(), base_url=SANDBOX_API_URL, headers=AUTH)


def statuses(sandbox: Sandbox, count: int) -> list[int]:
    with raw_client(sandbox) as client:
        return [client.get("/priorities").status_code for _ in range(count)]


def test_faults_are_off_by_default() -> None:
    assert not Faults().any
    assert statuses(Sandbox(now=FIXED_NOW), 30) == [200] * 30


def test_latency_delays_every_request() -> None:
    sandbox = Sandbox(now=FIXED_NOW, faults=Faults(latency_ms=40))
    sandbox.ensure_seeded()
    with raw_client(sandbox) as client:
        started = time.perf_counter()
        assert client.get("/priorities").status_code == 200
        elapsed = time.perf_counter() - started
    assert elapsed >= 0.04


def test_error_rate_one_answers_5xx_with_pagerduty_error_body() -> None:
    sandbox = Sandbox(now=FIXED_NOW, faults=Faults(error_rate=1.0))
    with raw_client(sandbox) as client:
        response = client.get("/priorities")
    assert response.status_code in (500, 502, 503)
    assert response.json()["error"]["code"] == 2000


def test_error_rate_is_seeded_and_roughly_the_rate() -> None:
    first = statuses(Sandbox(seed=11, now=FIXED_NOW, faults=Faults(error_rate=0.3)), 200)
    second = statuses(Sandbox(seed=11, now=FIXED_NOW, faults=Faults(error_rate=0.3)), 200)
    assert first == second
    failures = sum(1 for s in first if s >= 500)
    assert 30 <= failures <= 90
    other_seed = statuses(Sandbox(seed=12, now=FIXED_NOW, faults=Faults(error_rate=0.3)), 200)
    assert other_seed != first


def test_rate_limit_answers_429_with_retry_after_and_ratelimit_headers() -> None:
    sandbox = Sandbox(now=FIXED_NOW, faults=Faults(rate_limit=3))
    with raw_client(sandbox) as client:
        responses = [client.get("/priorities") for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert [r.headers["ratelimit-remaining"] for r in responses] == ["2", "1", "0", "0"]
    limited = responses[-1]
    assert limited.headers["ratelimit-limit"] == "3"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.headers["ratelimit-reset"] == limited.headers["Retry-After"]
    assert limited.json()["error"]["code"] == 2020


def test_rate_limit_window_resets_after_a_minute() -> None:
    now = [1000.0]
    injector = FaultInjector(Faults(rate_limit=2), seed=1, clock=lambda: now[0])
    assert [injector.decide().status for _ in range(3)] == [0, 0, 429]
    now[0] += 30
    assert injector.decide().retry_after == 30
    now[0] += 30
    assert injector.decide().status == 0


def test_drop_rate_one_breaks_the_connection() -> None:
    sandbox = Sandbox(now=FIXED_NOW, faults=Faults(drop_rate=1.0))
    with raw_client(sandbox) as client, pytest.raises(httpx2.TransportError):
        client.get("/priorities")
    assert [entry.status for entry in sandbox.request_log] == [0]


def test_drop_rate_is_seeded() -> None:
    def outcomes(seed: int) -> list[str]:
        sandbox = Sandbox(seed=seed, now=FIXED_NOW, faults=Faults(drop_rate=0.5))
        results = []
        with raw_client(sandbox) as client:
            for _ in range(40):
                try:
                    results.append(str(client.get("/priorities").status_code))
                except httpx2.TransportError:
                    results.append("dropped")
        return results

    first = outcomes(5)
    assert first == outcomes(5)
    assert 8 <= first.count("dropped") <= 32


@pytest.mark.parametrize("kwargs", [{"error_rate": 1.5}, {"drop_rate": -0.1}, {"latency_ms": -1}, {"rate_limit": -5}])
def test_invalid_fault_settings_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Faults(**kwargs)  # type: ignore[arg-type]


def test_faults_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAGERDUTY_SANDBOX_LATENCY_MS", "15")
    monkeypatch.setenv("PAGERDUTY_SANDBOX_ERROR_RATE", "0.25")
    monkeypatch.setenv("PAGERDUTY_SANDBOX_RATE_LIMIT", "120")
    monkeypatch.setenv("PAGERDUTY_SANDBOX_DROP_RATE", "0.1")
    assert Faults.from_env() == Faults(latency_ms=15, error_rate=0.25, rate_limit=120, drop_rate=0.1)
    monkeypatch.setenv("PAGERDUTY_SANDBOX_ERROR_RATE", "lots")
    with pytest.raises(ValueError, match="PAGERDUTY_SANDBOX_ERROR_RATE"):
        Faults.from_env()


def test_shared_sandbox_reads_seed_size_and_faults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox_core, "_shared", None)
    monkeypatch.setenv("PAGERDUTY_SANDBOX_SEED", "42")
    monkeypatch.setenv("PAGERDUTY_SANDBOX_SIZE", "2")
    monkeypatch.setenv("PAGERDUTY_SANDBOX_RATE_LIMIT", "10")
    shared = shared_sandbox()
    assert (shared.seed, shared.size, shared.faults.rate_limit) == (42, 2, 10)
    assert shared_sandbox() is shared


def _limited(retry_after: str) -> httpx2.Response:
    """The 429 of a sandbox allowing one request a minute, with ``retry_after`` as its lie."""
    sandbox = Sandbox(now=FIXED_NOW, faults=Faults(rate_limit=1, retry_after=retry_after))
    with raw_client(sandbox) as client:
        assert client.get("/priorities").status_code == 200
        return client.get("/priorities")


@pytest.mark.parametrize("value", ["0", "-5"])
def test_retry_after_can_be_zero_or_negative(value: str) -> None:
    limited = _limited(value)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == value
    assert "ratelimit-reset" not in limited.headers  # nothing else to fall back on


def test_retry_after_can_be_an_http_date_in_the_future_or_the_past() -> None:
    future = email.utils.parsedate_to_datetime(_limited("date").headers["Retry-After"])
    assert 0 < future.timestamp() - time.time() <= 61
    past = email.utils.parsedate_to_datetime(_limited("past").headers["Retry-After"])
    assert past.year == 2015


def test_retry_after_can_be_missing() -> None:
    limited = _limited("missing")
    assert limited.status_code == 429
    assert "Retry-After" not in limited.headers and "ratelimit-reset" not in limited.headers


def test_retry_after_refuses_what_it_cannot_send(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="retry-after"):
        Faults(retry_after="soon")
    monkeypatch.setenv("PAGERDUTY_SANDBOX_RETRY_AFTER", "-3")
    assert Faults.from_env().retry_after == "-3"


def test_drop_after_write_applies_the_write_then_breaks_the_connection() -> None:
    sandbox = Sandbox(now=FIXED_NOW, faults=Faults(drop_after_write_rate=1.0))
    before = len(sandbox.state.tables["teams"])
    with raw_client(sandbox) as client:
        assert client.get("/priorities").status_code == 200  # reads are untouched
        with pytest.raises(httpx2.RemoteProtocolError):
            client.post("/teams", json={"team": {"type": "team", "name": "Applied then dropped"}})
    assert len(sandbox.state.tables["teams"]) == before + 1
    assert "Applied then dropped" in {t["name"] for t in sandbox.state.tables["teams"].values()}
    assert [(e.method, e.status) for e in sandbox.request_log][-1] == ("POST", 201)


def test_echo_headers_puts_the_request_headers_in_error_bodies() -> None:
    sandbox = Sandbox(now=FIXED_NOW, faults=Faults(echo_headers=True))
    with raw_client(sandbox) as client:
        missing = client.get("/incidents/PNOPE00")
        fine = client.get("/priorities")
    assert missing.status_code == 404
    assert f"authorization: Token token={SANDBOX_TOKEN}" in missing.json()["error"]["errors"][0]
    assert SANDBOX_TOKEN not in fine.text  # only errors echo


def test_trickle_sends_the_body_in_slow_pieces() -> None:
    sandbox = Sandbox(now=FIXED_NOW, faults=Faults(trickle_ms=20))
    sandbox.ensure_seeded()
    with raw_client(sandbox) as client:
        started = time.perf_counter()
        response = client.get("/priorities")
        elapsed = time.perf_counter() - started
    pieces = -(-len(response.content) // 64)
    assert pieces > 3 and response.json()["priorities"]
    assert elapsed >= (pieces - 1) * 0.02 * 0.9


def test_the_new_faults_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAGERDUTY_SANDBOX_RETRY_AFTER", "past")
    monkeypatch.setenv("PAGERDUTY_SANDBOX_DROP_AFTER_WRITE_RATE", "0.5")
    monkeypatch.setenv("PAGERDUTY_SANDBOX_ECHO_HEADERS", "1")
    monkeypatch.setenv("PAGERDUTY_SANDBOX_TRICKLE_MS", "5")
    assert Faults.from_env() == Faults(retry_after="past", drop_after_write_rate=0.5, echo_headers=True, trickle_ms=5)
