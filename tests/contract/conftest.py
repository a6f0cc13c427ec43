"""Contract fixtures: record every exchange with the sandbox and check it against PagerDuty's spec.

Use ``recorded_exchanges`` in any test (tools included): every transport a ``Sandbox`` hands out
during the test records into it, and at teardown each request and response is validated; the test
fails listing every problem. ``rest_spec`` loads the spec (or skips with the reason).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pagerduty
import pytest

from pagerduty_mcp.sandbox import SANDBOX_API_URL, SANDBOX_TOKEN, Sandbox
from pagerduty_mcp.sandbox.core import SandboxTransport
from tests.contract.openapi import Spec, load_spec
from tests.contract.recorder import Exchange, RecordingTransport, check_exchanges

CONTRACT_NOW = datetime(2026, 3, 23, 10, 17, tzinfo=UTC)


@pytest.fixture
def rest_spec() -> Spec:
    return load_spec()


@pytest.fixture
def recorded_exchanges(rest_spec: Spec, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Exchange]]:
    exchanges: list[Exchange] = []
    original = Sandbox.transport

    def recording_transport(self: Sandbox) -> RecordingTransport:
        inner: SandboxTransport = original(self)
        return RecordingTransport(inner, exchanges)

    monkeypatch.setattr(Sandbox, "transport", recording_transport)
    yield exchanges
    problems = check_exchanges(exchanges)
    if problems:
        pytest.fail(f"{len(problems)} contract problem(s):\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def contract_sandbox() -> Sandbox:
    return Sandbox(seed=7, now=CONTRACT_NOW)


@pytest.fixture
def contract_client(
    contract_sandbox: Sandbox, recorded_exchanges: list[Exchange]
) -> Iterator[pagerduty.RestApiV2Client]:
    client = pagerduty.RestApiV2Client(SANDBOX_TOKEN, base_url=SANDBOX_API_URL, transport=contract_sandbox.transport())
    client.headers["From"] = "alex.rivera@acme-shop.example"
    yield client
    client.close()
