from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pagerduty
import pytest

from pagerduty_mcp.sandbox import SANDBOX_API_URL, SANDBOX_TOKEN, Sandbox

# A fixed "now" keeps every sandbox test repeatable: Monday 2026-03-23 10:17:00 UTC.
FIXED_NOW = datetime(2026, 3, 23, 10, 17, tzinfo=UTC)


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(seed=7, now=FIXED_NOW)


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[pagerduty.RestApiV2Client]:
    """PagerDuty's own Python client on ``sandbox`` (the MCP client is ``client``, tests/conftest.py)."""
    made = pagerduty.RestApiV2Client(SANDBOX_TOKEN, base_url=SANDBOX_API_URL, transport=sandbox.transport())
    yield made
    made.close()


def client_for(sandbox: Sandbox, token: str) -> pagerduty.RestApiV2Client:
    return pagerduty.RestApiV2Client(token, base_url=SANDBOX_API_URL, transport=sandbox.transport())
