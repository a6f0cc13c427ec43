"""Prometheus metrics for a server on streamable HTTP: ``GET /metrics`` on the MCP port.

What is counted (every name starts with ``pagerduty_mcp_``):

- ``tool_calls_total{tool,outcome}`` and ``tool_call_duration_seconds{tool}``: each tool call,
  ``outcome`` being ``ok`` or the stable error code (``CANCELLED`` too); a name the server does
  not know is counted as ``tool="unknown"`` with ``outcome="UNKNOWN_TOOL"`` (a tool the caller may
  not see: ``HIDDEN_TOOL``), so clients cannot grow the label set nor pass for a call that ran;
- ``prompt_gets_total{outcome}`` and ``resource_reads_total{outcome}``: the same for prompts and
  resources (``UNKNOWN_PROMPT``, ``HIDDEN_RESOURCE``, ...), without their client-chosen names;
- ``tool_calls_in_flight``: tool calls running now;
- ``upstream_requests_total{method,resource,status}`` and ``upstream_request_duration_seconds``:
  requests to PagerDuty, ``resource`` the first path segment (``/incidents``), ``status`` the HTTP
  status or ``none`` when no answer came;
- ``rate_limit_waits_total`` and ``rate_limit_wait_seconds_total``: waits PagerDuty asked for (429);
- ``upstream_in_flight`` and ``upstream_queued``: upstream requests holding, and waiting for, one
  of their credential's slots (``--max-concurrent-per-credential``), summed over credentials;
  ``credentials_queued``: how many credentials have requests waiting; never a credential itself;
- ``client_pool_size``: PagerDuty clients (one per credential) in the pool;
- ``sign_ins_total{outcome}``: client sign-ins, counted by whatever signs clients in through
  ``observers().signed_in(outcome)`` (``common.pagerduty.observe``).

Who may read it is decided by the HTTP gate (``http.py``): loopback peers, and under
``--auth static`` anyone with a server token.
"""

from __future__ import annotations

import ipaddress
import json
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from pagerduty_mcp.common.hosting.client_auth import Authenticator, AuthMode, Rejection
from pagerduty_mcp.common.pagerduty.client import ClientPool, CredentialLoad
from pagerduty_mcp.common.pagerduty.context import RequestContext
from pagerduty_mcp.common.pagerduty.observe import Observer, UpstreamRequest, add_observer

__all__ = ["CONTENT_TYPE", "Metrics", "server_metrics"]

CONTENT_TYPE = CONTENT_TYPE_LATEST
_PREFIX = "pagerduty_mcp"
# Tool calls last from milliseconds (a cached read) to the call deadline (60 s by default).
_CALL_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
_UPSTREAM_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics(Observer):
    """The server's metrics: an observer of calls and upstream requests, and their registry."""

    def __init__(self, known_tools: Iterable[str], pool: Callable[[], ClientPool | None]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._known = frozenset(known_tools)
        r = self.registry
        self.calls = Counter(
            f"{_PREFIX}_tool_calls", "Tool calls by tool and outcome.", ["tool", "outcome"], registry=r
        )
        self.call_seconds = Histogram(
            f"{_PREFIX}_tool_call_duration_seconds", "Tool call duration.", ["tool"], buckets=_CALL_BUCKETS, registry=r
        )
        self.in_flight = Gauge(f"{_PREFIX}_tool_calls_in_flight", "Tool calls running now.", registry=r)
        self.prompt_gets = Counter(f"{_PREFIX}_prompt_gets", "Prompts got, by outcome.", ["outcome"], registry=r)
        self.resource_reads = Counter(
            f"{_PREFIX}_resource_reads", "Resources read, by outcome.", ["outcome"], registry=r
        )
        self.upstream_requests = Counter(
            f"{_PREFIX}_upstream_requests",
            "Requests to PagerDuty by method, resource and HTTP status (none: no answer).",
            ["method", "resource", "status"],
            registry=r,
        )
        self.upstream_seconds = Histogram(
            f"{_PREFIX}_upstream_request_duration_seconds",
            "Duration of requests to PagerDuty.",
            buckets=_UPSTREAM_BUCKETS,
            registry=r,
        )
        self.rate_limit_waits = Counter(f"{_PREFIX}_rate_limit_waits", "Waits after a 429 from PagerDuty.", registry=r)
        self.rate_limit_seconds = Counter(
            f"{_PREFIX}_rate_limit_wait_seconds", "Seconds spent waiting after 429s.", registry=r
        )
        self.sign_ins = Counter(f"{_PREFIX}_sign_ins", "Client sign-ins by outcome.", ["outcome"], registry=r)
        r.register(_PoolCollector(pool))

    def _tool(self, name: str) -> str:
        return name if name in self._known else "unknown"

    def call_started(self, request: RequestContext) -> None:
        if request.kind == "tool":
            self.in_flight.inc()

    def call_finished(self, request: RequestContext, seconds: float) -> None:
        if request.kind in ("prompt", "resource"):
            counter = self.prompt_gets if request.kind == "prompt" else self.resource_reads
            counter.labels(outcome=request.audit.outcome[:64]).inc()
            return
        if request.kind != "tool":
            return
        self.in_flight.dec()
        tool = self._tool(request.name)
        # Outcomes are stable codes, or an exception's class name for the unexpected: bounded either way.
        self.calls.labels(tool=tool, outcome=request.audit.outcome[:64]).inc()
        self.call_seconds.labels(tool=tool).observe(seconds)

    @contextmanager
    def upstream(self, request: UpstreamRequest) -> Iterator[None]:
        try:
            yield
        finally:
            status = str(request.status) if request.status is not None else "none"
            self.upstream_requests.labels(method=request.method, resource=request.resource, status=status).inc()
            self.upstream_seconds.observe(time.monotonic() - request.started)

    def rate_limited(self, seconds: float) -> None:
        self.rate_limit_waits.inc()
        self.rate_limit_seconds.inc(seconds)

    def signed_in(self, outcome: str) -> None:
        self.sign_ins.labels(outcome=outcome[:64]).inc()

    async def serve(
        self, authenticator: Authenticator, host_check: Any, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Answer ``GET /metrics`` to whom may read it (see :func:`_serve`)."""
        await _serve(self, authenticator, host_check, scope, receive, send)

    def exposition(self) -> bytes:
        """The Prometheus text format of everything above."""
        return generate_latest(self.registry)


class _PoolCollector(Collector):
    """Read at scrape time from the client pool: its size and its credentials' upstream load."""

    def __init__(self, pool: Callable[[], ClientPool | None]) -> None:
        self._pool = pool

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pool = self._pool()
        loads: list[CredentialLoad] = pool.loads() if pool is not None else []
        yield GaugeMetricFamily(
            f"{_PREFIX}_client_pool_size", "PagerDuty clients (credentials) in the pool.", len(loads)
        )
        yield GaugeMetricFamily(
            f"{_PREFIX}_upstream_in_flight",
            "Upstream requests in flight, all credentials.",
            sum(x.active for x in loads),
        )
        yield GaugeMetricFamily(
            f"{_PREFIX}_upstream_queued",
            "Upstream requests waiting for a slot of their credential, all credentials.",
            sum(x.queued for x in loads),
        )
        yield GaugeMetricFamily(
            f"{_PREFIX}_credentials_queued",
            "Credentials with upstream requests waiting for a slot.",
            sum(1 for x in loads if x.queued),
        )


def server_metrics(server: Any) -> Metrics:
    """Metrics for ``server`` (its tool names bound the ``tool`` label, its pool the client gauges),
    observing from now on."""
    metrics = Metrics(getattr(server, "toolset_of", {}), lambda: getattr(server, "pool", None))
    add_observer(metrics)
    return metrics


def _loopback_peer(scope: Scope) -> bool:
    client = scope.get("client")
    if not client:
        return False
    # Relayed by a proxy (on this host, or one of --trusted-proxies that let a client name
    # itself): whoever sent it is not a local scraper.
    if any(name in (b"x-forwarded-for", b"forwarded") for name, _ in scope.get("headers", ())):
        return False
    try:
        return ipaddress.ip_address(str(client[0])).is_loopback
    except ValueError:
        return False


async def _serve(
    metrics: Metrics, authenticator: Authenticator, host_check: Any, scope: Scope, receive: Receive, send: Send
) -> None:
    """Answer ``GET /metrics``, or refuse.

    Metrics hold no secrets, but they show who uses which tool how often, so they are not public:
    a loopback peer (a sidecar, ``curl`` on the host) reads them after the same Host and Origin
    checks as the MCP endpoint (so a web page cannot read them by DNS rebinding); any other peer
    needs a server token, which exists under ``--auth static`` only. Under ``--auth pagerduty``
    anyone can bring some PagerDuty token, so that proves nothing, and remote peers are refused.
    """
    request = Request(scope)
    if _loopback_peer(scope):
        refused = await host_check.validate_request(request)
        if refused is not None:
            await refused(scope, receive, send)
            return
    elif authenticator.mode is AuthMode.static:
        verdict = authenticator.authenticate(request.headers)
        if isinstance(verdict, Rejection):
            body = {"error": "unauthorized", "message": verdict.message}
            await _answer(
                send, 401, json.dumps(body).encode(), "application/json", {"www-authenticate": verdict.challenge}
            )
            return
    else:
        message = (
            # The gate (http.py) hands this function its one path only.
            f"{scope['path']} is served to loopback peers, and to others with a server token under --auth static; "
            "scrape from the same host or pod, or run with --auth static."
        )
        body = {"error": "forbidden", "message": message}
        await _answer(send, 403, json.dumps(body).encode(), "application/json")
        return
    payload = metrics.exposition()
    await _answer(send, 200, b"" if scope["method"] == "HEAD" else payload, CONTENT_TYPE, length=len(payload))


async def _answer(
    send: Send,
    status: int,
    body: bytes,
    content_type: str,
    headers: dict[str, str] | None = None,
    *,
    length: int | None = None,
) -> None:
    raw = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body) if length is None else length).encode()),
    ]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
