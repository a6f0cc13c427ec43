from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from mcp import Client

from pagerduty_mcp.server import AREAS
from tests.browser import browser
from tests.harness import memory_session
from tests.redis_server import redis_server

# The session's own Redis, and a headless browser, for every test that asks for them.
__all__ = ["browser", "redis_server"]


def pytest_configure(config: pytest.Config) -> None:
    # One marker per area, from the one list of areas: a new area needs no edit here.
    for area in AREAS:
        config.addinivalue_line("markers", f"{area.name}: the {area.command} area")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(request: pytest.FixtureRequest) -> AsyncIterator[Client]:
    """A real MCP client on an in-memory server over a fresh sandbox account.

    Which server: ``@pytest.mark.server("incidents", write=False)`` on the test or its module
    (default: the combined server, write tools on). ``client.sandbox`` is the account behind it.
    """
    marker = request.node.get_closest_marker("server")
    args, kwargs = (marker.args, dict(marker.kwargs)) if marker else ((), {})
    if "recording_sandbox" in request.fixturenames and "sandbox" not in kwargs:
        kwargs["sandbox"] = request.getfixturevalue("recording_sandbox")  # contract tests check what it saw
    async with memory_session(*args, **kwargs) as client:
        yield client
