"""Each area server says in one line what its siblings hold; the combined server, holding them all, does not."""

from __future__ import annotations

import pytest

from pagerduty_mcp.catalog import AREA_KEYS, SERVERS
from tests.harness import memory_session

pytestmark = [pytest.mark.unit, pytest.mark.anyio]


async def _instructions(key: str) -> str:
    async with memory_session(key) as client:
        return client.instructions or ""


@pytest.mark.parametrize("key", AREA_KEYS)
async def test_an_area_server_names_every_sibling_once(key: str) -> None:
    text = await _instructions(key)
    for other in AREA_KEYS:
        expected = 0 if other == key else 1
        assert text.count(SERVERS[other]) == expected, (other, text)


async def test_the_combined_server_names_no_sibling_server() -> None:
    text = await _instructions("mcp")
    assert not any(SERVERS[key] in text for key in AREA_KEYS), text
