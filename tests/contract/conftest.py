"""Contract fixtures: record every exchange with the sandbox and check it against PagerDuty's spec.

Use ``recorded_exchanges`` in any test (tools included): the test's account is a
``RecordingSandbox`` (the ``client`` fixture serves it), every exchange with it is recorded, and at
teardown each request and response is validated; the test fails listing every problem.
``rest_spec`` loads the spec (or skips with the reason).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pagerduty
import pytest

from pagerduty_mcp.sandbox import SANDBOX_API_URL, SANDBOX_TOKEN
from tests.contract.openapi import Spec, load_spec
from tests.contract.recorder import Exchange, RecordingSandbox, assert_follows_spec

CONTRACT_NOW = datetime(2026, 3, 23, 10, 17, tzinfo=UTC)


@pytest.fixture
def rest_spec() -> Spec:
    return load_spec()


@pytest.fixture
def contract_sandbox() -> RecordingSandbox:
    return RecordingSandbox(seed=7, now=CONTRACT_NOW)


@pytest.fixture
def recording_sandbox(request: pytest.FixtureRequest) -> RecordingSandbox:
    """The account whose exchanges are checked: the contract sandbox when the test uses it, else
    a default one (the ``client`` fixture serves it to the test's MCP client)."""
    if "contract_sandbox" in request.fixturenames:
        box: RecordingSandbox = request.getfixturevalue("contract_sandbox")
        return box
    return RecordingSandbox()


@pytest.fixture
def recorded_exchanges(
    request: pytest.FixtureRequest, rest_spec: Spec, recording_sandbox: RecordingSandbox
) -> Iterator[list[Exchange]]:
    """The exchanges, checked at teardown, less the errors of the spec the test's module lists
    (``KNOWN_DEVIATIONS``: text of the problem lines to pass)."""
    yield recording_sandbox.exchanges
    assert_follows_spec(recording_sandbox.exchanges, tuple(getattr(request.module, "KNOWN_DEVIATIONS", ())))


@pytest.fixture
def contract_client(
    contract_sandbox: RecordingSandbox, recorded_exchanges: list[Exchange]
) -> Iterator[pagerduty.RestApiV2Client]:
    client = pagerduty.RestApiV2Client(SANDBOX_TOKEN, base_url=SANDBOX_API_URL, transport=contract_sandbox.transport())
    client.headers["From"] = "alex.rivera@acme-shop.example"
    yield client
    client.close()
