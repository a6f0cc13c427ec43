"""Redaction that no caller can steer, and tool results that never carry a credential (issue 17,
findings 3 and 6).

- A caller's routing key never joins the process-wide redaction list: it cannot blank words out of
  other tenants' audit lines, and the list does not grow with callers. Routing keys are masked in
  logs by their shape instead.
- A failing log filter never turns a result into an error.
- An upstream that echoes request headers in its error bodies shows neither the server's own
  credential nor the caller's in any tool result.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Iterator

import httpx2
import pytest

from pagerduty_mcp.common.pagerduty import logs
from pagerduty_mcp.common.pagerduty.logs import configure_logging, redact, register_secret
from pagerduty_mcp.sandbox import SANDBOX_TOKEN, Faults, Sandbox
from tests.harness import fails, http_server, http_session, memory_session, ok

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


@pytest.fixture
def log_text() -> Iterator[io.StringIO]:
    """Everything logged during the test, through the server's own redacting configuration."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    configure_logging("INFO")
    try:
        yield stream
    finally:
        root.removeHandler(handler)


async def test_a_callers_routing_key_cannot_blank_words_out_of_audit_lines(log_text: io.StringIO) -> None:
    async with memory_session() as client:
        for word in ("outcome=", "caller=", "tool=get_user_data"):
            await fails(client, "send_event", {"routing_key": word, "action": "resolve", "dedup_key": "k"})
        await ok(client, "get_user_data")
    audit = [line for line in log_text.getvalue().splitlines() if "tool=get_user_data" in line]
    assert audit, log_text.getvalue()[-500:]
    assert "outcome=ok" in audit[-1] and "caller=" in audit[-1], audit[-1]
    assert "[REDACTED]" not in audit[-1]
    assert redact("tool=get_user_data outcome=ok caller=server") == "tool=get_user_data outcome=ok caller=server"


async def test_callers_never_grow_the_redaction_list() -> None:
    before = len(logs._matcher.slots)
    box = Sandbox()
    routing_key = next(
        i["integration_key"] for i in box.state.tables["integrations"].values() if i.get("integration_key")
    )
    async with memory_session(sandbox=box) as client:
        await ok(client, "send_event", {"routing_key": routing_key, "action": "resolve", "dedup_key": "k"})
        for n in range(200):
            await fails(
                client, "send_event", {"routing_key": f"made-up-key-{n:04d}", "action": "resolve", "dedup_key": "k"}
            )
        service = next(iter(box.state.tables["services"]))
        await ok(client, "create_service_integration", {"service_id": service, "name": "Probe"})
    made_up = " ".join(f"made-up-key-{n:04d}" for n in range(200))
    assert redact(made_up) == made_up, "a caller's value was remembered for redaction"
    assert len(logs._matcher.slots) == before


def test_routing_and_integration_keys_are_masked_in_logs_by_their_shape(log_text: io.StringIO) -> None:
    hex_key, orchestration_key = "0123456789abcdef" * 2, "R0" + "A1B2C3D4E5" * 3
    logging.getLogger("pagerduty_mcp.test").warning("keys %s and %s for incident PABC123", hex_key, orchestration_key)
    written = log_text.getvalue()
    assert hex_key not in written and orchestration_key not in written
    assert "keys [REDACTED] and [REDACTED] for incident PABC123" in written


def test_an_oauth_app_token_renewal_replaces_the_old_one() -> None:
    before = len(logs._matcher.slots)
    for n in range(100):
        register_secret(f"pdus+_0Xtoken-{n:04d}-abcdef", slot="test-renewed-token")
    assert len(logs._matcher.slots) == before + 1
    assert redact("pdus+_0Xtoken-0099-abcdef") == "[REDACTED]"


class _Exploding:
    def __str__(self) -> str:
        raise RuntimeError("Set changed size during iteration")


def test_a_log_record_that_fails_in_the_filter_never_raises_into_the_caller(log_text: io.StringIO) -> None:
    register_secret("operator-secret-for-the-filter-test")
    log = logging.getLogger("pagerduty_mcp.test")
    log.info("this argument cannot be formatted: %s", _Exploding())  # must not raise
    log.info("still logging")
    assert "still logging" in log_text.getvalue()


def test_redaction_needs_no_lock_while_secrets_are_registered(
    log_text: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Readers race a writer that keeps swapping the list: no reader ever sees an error."""
    # From an empty list (the process's own comes back afterwards): the secrets earlier tests of this
    # process registered, up to 256, would only make each line slower (this test took 1 s to 100 s).
    monkeypatch.setattr(logs, "_matcher", logs._Matcher())
    errors: list[BaseException] = []
    stop = threading.Event()

    def writer() -> None:
        n = 0
        while not stop.is_set():
            register_secret(f"rotating-app-token-{n:06d}", slot="test-rotating")
            n += 1

    def reader() -> None:
        try:
            for n in range(3000):
                logging.getLogger("pagerduty_mcp.test").info("line %d rotating-app-token-000001", n)
        except BaseException as exc:  # any escape is the failure under test
            errors.append(exc)

    threads = [threading.Thread(target=writer), *(threading.Thread(target=reader) for _ in range(3))]
    for thread in threads:
        thread.start()
    for thread in threads[1:]:
        thread.join()
    stop.set()
    threads[0].join()
    assert errors == []


# -- finding 6: credentials echoed by the upstream -------------------------------------------------


async def test_an_upstream_echoing_headers_never_shows_the_servers_credential() -> None:
    box = Sandbox(faults=Faults(echo_headers=True))
    async with memory_session(sandbox=box) as client:
        error = await fails(client, "get_incident", {"incident_id": "PNOPE00"})
        assert "request headers were" in error["message"], "the echo fault did not reach the message"
        assert SANDBOX_TOKEN not in error["message"], error["message"]
        assert "[REDACTED]" in error["message"]


def test_a_secret_cut_at_the_message_limit_leaves_no_prefix() -> None:
    """The upstream text is cut at 300 characters: masked before the cut, no part of a secret stays."""
    from pagerduty_mcp.common.pagerduty.errors import upstream_message

    secret = "operator-key-" + "x" * 40
    register_secret(secret)
    body = '{"error": {"message": "' + "a" * 280 + secret + '"}}'
    request = httpx2.Request("GET", "https://api.pagerduty.com/incidents")
    response = httpx2.Response(500, content=body.encode(), request=request)
    said = upstream_message(response)
    assert "operator-key-" not in said and "xxxxx" not in said, said


@pytest.mark.subprocess
async def test_an_upstream_echoing_headers_never_shows_the_callers_credential_over_http() -> None:
    """``--auth pagerduty`` over streamable HTTP: the caller's own key, echoed by PagerDuty's error
    body, is masked before the result reaches the model."""
    args = ("--sandbox", "--auth", "pagerduty")
    echo = {"PAGERDUTY_SANDBOX_ECHO_HEADERS": "1"}
    with http_server(args, echo) as server:
        headers = {"Authorization": f"Token token={SANDBOX_TOKEN}"}
        async with http_session(server.url, headers) as client:
            result = await client.call_tool("get_incident", {"incident_id": "PNOPE00"})
    text = "".join(getattr(c, "text", "") for c in result.content)
    assert result.is_error and "request headers were" in text, text[:400]
    assert SANDBOX_TOKEN not in text, text[:400]
