"""Who may read ``/metrics``: the gate's policy for loopback and remote peers, per auth mode."""

from __future__ import annotations

import httpx2
import pytest

from pagerduty_mcp.common.hosting.client_auth import Authenticator, AuthMode
from pagerduty_mcp.common.hosting.http import RemoteOptions, build_remote_app
from pagerduty_mcp.common.hosting.metrics import Metrics
from pagerduty_mcp.common.pagerduty.context import AuditRecord, RequestContext
from pagerduty_mcp.common.pagerduty.observe import UpstreamRequest, remove_observer
from pagerduty_mcp.common.toolkit.registry import ToolFilter
from pagerduty_mcp.common.toolkit.server import create_pagerduty_server
from pagerduty_mcp.server import AREAS

pytestmark = [pytest.mark.unit, pytest.mark.common]

SERVER_TOKEN = "a-metrics-server-token-0123"


async def _get(options: RemoteOptions, peer: str, headers: dict[str, str] | None = None) -> httpx2.Response:
    server = create_pagerduty_server("pagerduty-test", [AREAS[0]], ToolFilter())
    gate = build_remote_app(server, options)
    try:
        transport = httpx2.ASGITransport(app=gate, client=(peer, 40000))
        async with httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
            return await client.get("/metrics", headers=headers or {})
    finally:
        if gate.metrics is not None:
            remove_observer(gate.metrics)


@pytest.mark.anyio
async def test_loopback_peers_read_metrics_without_credentials() -> None:
    response = await _get(RemoteOptions(), "127.0.0.1")
    assert response.status_code == 200
    assert "pagerduty_mcp_tool_calls_in_flight" in response.text


@pytest.mark.anyio
@pytest.mark.parametrize("header", ["X-Forwarded-For", "Forwarded"])
async def test_a_request_relayed_by_a_proxy_on_this_host_is_not_a_local_scrape(header: str) -> None:
    response = await _get(RemoteOptions(), "127.0.0.1", {header: "for=203.0.113.9"})
    assert response.status_code == 403


@pytest.mark.anyio
@pytest.mark.parametrize("mode", [AuthMode.none, AuthMode.pagerduty])
async def test_remote_peers_are_refused_without_server_tokens(mode: AuthMode) -> None:
    options = RemoteOptions(host="0.0.0.0", authenticator=Authenticator(mode), allow_unauthenticated=True)
    response = await _get(options, "10.1.2.3", {"Authorization": "Token token=u+any-pagerduty-token"})
    assert response.status_code == 403
    assert "--auth static" in response.json()["message"]


@pytest.mark.anyio
async def test_remote_peers_need_a_server_token_under_static_auth() -> None:
    options = RemoteOptions(host="0.0.0.0", authenticator=Authenticator(AuthMode.static, [SERVER_TOKEN]))
    assert (await _get(options, "10.1.2.3")).status_code == 401
    assert (await _get(options, "10.1.2.3", {"Authorization": "Bearer wrong-token-0123456789"})).status_code == 401
    allowed = await _get(options, "10.1.2.3", {"Authorization": f"Bearer {SERVER_TOKEN}"})
    assert allowed.status_code == 200 and "pagerduty_mcp_client_pool_size" in allowed.text


@pytest.mark.anyio
async def test_no_metrics_leaves_the_path_to_the_mcp_app() -> None:
    assert (await _get(RemoteOptions(metrics=False), "127.0.0.1")).status_code == 404


def test_the_mcp_path_cannot_be_the_metrics_path() -> None:
    with pytest.raises(ValueError, match="/metrics"):
        RemoteOptions(path="/metrics").check()


def test_labels_stay_bounded_and_outcomes_are_counted() -> None:
    metrics = Metrics(["list_incidents"], lambda: None)
    for name, outcome in [("list_incidents", "ok"), ("made_up_by_a_client", "INVALID_PARAMETER")]:
        request = RequestContext(kind="tool", name=name, audit=AuditRecord(outcome))
        metrics.call_started(request)
        metrics.call_finished(request, 0.2)
    with metrics.upstream(UpstreamRequest("GET", "/incidents")) as _:
        pass  # no answer: counted as status none
    metrics.rate_limited(1.5)
    metrics.signed_in("ok")
    text = metrics.exposition().decode()
    assert 'pagerduty_mcp_tool_calls_total{outcome="ok",tool="list_incidents"} 1.0' in text
    assert 'pagerduty_mcp_tool_calls_total{outcome="INVALID_PARAMETER",tool="unknown"} 1.0' in text
    assert "made_up_by_a_client" not in text
    assert 'pagerduty_mcp_upstream_requests_total{method="GET",resource="/incidents",status="none"} 1.0' in text
    assert "pagerduty_mcp_rate_limit_wait_seconds_total 1.5" in text
    assert 'pagerduty_mcp_sign_ins_total{outcome="ok"} 1.0' in text
    assert "pagerduty_mcp_tool_calls_in_flight 0.0" in text


def test_requests_waiting_for_a_credentials_slot_show_as_queued_counts() -> None:
    import threading
    import time

    from pagerduty_mcp.common.hosting.upstream import sandbox_pool
    from pagerduty_mcp.sandbox import Sandbox

    pool = sandbox_pool(Sandbox(), max_concurrent_per_credential=1)
    metrics = Metrics([], lambda: pool)
    client = pool.get()
    assert client.slots is not None
    client.slots.acquire()  # the credential's only slot is taken
    waiting = threading.Thread(target=client.read, args=("/priorities",))
    waiting.start()
    try:
        deadline = time.monotonic() + 10
        while client.load.queued == 0 and time.monotonic() < deadline:
            time.sleep(0.01)  # polling another thread, bounded by the deadline
        text = metrics.exposition().decode()
        assert "pagerduty_mcp_upstream_queued 1.0" in text
        assert "pagerduty_mcp_credentials_queued 1.0" in text
        assert "pagerduty_mcp_client_pool_size 1.0" in text
    finally:
        client.slots.release()
        waiting.join(timeout=10)
    text = metrics.exposition().decode()
    assert "pagerduty_mcp_upstream_queued 0.0" in text and "pagerduty_mcp_upstream_in_flight 0.0" in text
    assert client.credential.secret not in text
