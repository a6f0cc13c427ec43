"""Start-up timing over stdio, against a real server process."""

from __future__ import annotations

import pytest

from bench.startup import initialize_ms

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


async def test_initialize_is_timed_over_stdio_from_a_fresh_process() -> None:
    elapsed = await initialize_ms("aiops")
    assert 10 < elapsed < 60_000
