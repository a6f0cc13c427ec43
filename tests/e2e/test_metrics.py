"""``GET /metrics`` on a server subprocess over streamable HTTP, driven by the SDK's own client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from prometheus_client.parser import text_string_to_metric_families

from pagerduty_mcp.sandbox import Sandbox
from tests.harness import HttpServer, ServerSpec, http_servers, http_session, upstream_env

pytestmark = [pytest.mark.e2e, pytest.mark.common, pytest.mark.subprocess]

SERVER_TOKEN = "metrics-server-token-0123456789"


@pytest.fixture(scope="module")
def servers(https_sandbox: Any) -> Iterator[list[HttpServer]]:
    """Started side by side: per caller with metrics, then metrics off by flag and by variable."""
    with http_servers(
        ServerSpec(["--auth", "pagerduty", "--toolsets", "incidents"], upstream_env(https_sandbox)),
        ServerSpec(["--sandbox", "--no-metrics", "--toolsets", "incidents"]),
        ServerSpec(["--sandbox", "--toolsets", "incidents"], {"PAGERDUTY_MCP_METRICS": "false"}),
    ) as started:
        yield started


@pytest.fixture(scope="module")
def per_caller(servers: list[HttpServer]) -> HttpServer:
    return servers[0]


def _samples(
    server: HttpServer, headers: dict[str, str] | None = None
) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = httpx2.get(f"{server.base}/metrics", headers=headers or {})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def _value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.mark.anyio
async def test_metrics_count_a_tool_call_after_it_happens(per_caller: HttpServer, box: Sandbox) -> None:
    token = box.token_for(box.current_user_id)
    before = _samples(per_caller)
    async with http_session(per_caller.url, {"Authorization": f"Token token={token}"}) as client:
        listed = await client.call_tool("list_incidents", {"limit": 3})
        missing = await client.call_tool("get_incident", {"incident_id": "PNOSUCH1"})
    assert not listed.is_error and missing.is_error
    after = _samples(per_caller)
    calls = "pagerduty_mcp_tool_calls_total"
    assert (
        _value(after, calls, tool="list_incidents", outcome="ok")
        == _value(before, calls, tool="list_incidents", outcome="ok") + 1
    )
    assert (
        _value(after, calls, tool="get_incident", outcome="INCIDENT_NOT_FOUND")
        == _value(before, calls, tool="get_incident", outcome="INCIDENT_NOT_FOUND") + 1
    )
    durations = "pagerduty_mcp_tool_call_duration_seconds_count"
    assert _value(after, durations, tool="list_incidents") == _value(before, durations, tool="list_incidents") + 1
    upstream = "pagerduty_mcp_upstream_requests_total"
    assert _value(after, upstream, method="GET", resource="/incidents", status="200") > _value(
        before, upstream, method="GET", resource="/incidents", status="200"
    )
    assert _value(after, upstream, method="GET", resource="/incidents", status="404") > _value(
        before, upstream, method="GET", resource="/incidents", status="404"
    )
    assert _value(after, "pagerduty_mcp_client_pool_size") >= 1  # the caller's own credential
    assert _value(after, "pagerduty_mcp_tool_calls_in_flight") == 0
    assert _value(after, "pagerduty_mcp_upstream_queued") == 0


@pytest.mark.anyio
async def test_metrics_never_show_credentials_or_arguments(per_caller: HttpServer, box: Sandbox) -> None:
    token = box.token_for(box.current_user_id)
    async with http_session(per_caller.url, {"X-PagerDuty-Token": token}) as client:
        await client.call_tool("get_incident", {"incident_id": "PSECRETARG9"})
    text = httpx2.get(f"{per_caller.base}/metrics").text
    assert token not in text and "PSECRETARG9" not in text


def test_unknown_tool_names_do_not_grow_the_label_set(per_caller: HttpServer, box: Sandbox) -> None:
    headers = {
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
        "Authorization": f"Token token={box.token_for(box.current_user_id)}",
    }
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "no_such_tool_x", "arguments": {}}}
    httpx2.post(per_caller.url, json=call, headers=headers)
    text = httpx2.get(f"{per_caller.base}/metrics").text
    assert "no_such_tool_x" not in text
    assert 'tool="unknown"' in text


def test_metrics_refuse_a_foreign_host_header(per_caller: HttpServer) -> None:
    # A web page reaching the loopback port by DNS rebinding sends its own name as Host.
    response = httpx2.get(f"{per_caller.base}/metrics", headers={"Host": "attacker.example"})
    assert response.status_code == 421


def test_no_metrics_turns_the_endpoint_off(servers: list[HttpServer]) -> None:
    by_flag, by_variable = servers[1:]
    assert httpx2.get(f"{by_flag.base}/metrics").status_code == 404
    assert "metrics: off" in by_flag.stderr()
    assert httpx2.get(f"{by_variable.base}/metrics").status_code == 404
