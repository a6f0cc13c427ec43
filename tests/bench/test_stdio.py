"""The harness end to end: start-up timing against a real server process, and the command itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.startup import initialize_ms, upstream_requests_at_start
from pagerduty_mcp.catalog import SERVERS

pytestmark = [pytest.mark.e2e, pytest.mark.subprocess]


@pytest.mark.anyio
async def test_initialize_is_timed_over_stdio_from_a_fresh_process() -> None:
    elapsed = await initialize_ms("aiops")
    assert 10 < elapsed < 60_000


def test_make_bench_prints_every_server_and_writes_the_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bench.__main__ import main

    output = tmp_path / "results.json"
    assert main(["--no-stdio", "--no-concurrency", "--output", str(output)]) == 0
    printed = capsys.readouterr().out
    results = json.loads(output.read_text())
    for key, command in SERVERS.items():
        assert f"== {command}" in printed
        assert results["servers"][key]["surface"]["with_writes"]["tools"] > 0
    assert (
        results["proposed_budgets"]["mcp"]["model_bytes"]
        > results["servers"]["mcp"]["surface"]["with_writes"]["model_bytes"]
    )
    assert results["pages"]["concurrent"]["requests"] == results["pages"]["sequential"]["requests"]


@pytest.mark.anyio
async def test_start_up_sends_nothing_to_pagerduty_but_a_call_does() -> None:
    sent = await upstream_requests_at_start("incidents")
    assert sent["tools"] > 0
    assert sent["requests"] == 0, sent["paths"]
    assert sent["first_call_requests"] >= 1
