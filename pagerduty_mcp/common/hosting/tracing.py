"""OpenTelemetry traces, sent over OTLP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set.

The MCP SDK already opens one span per message (``tools/call get_incident``, with the tool's
name and whether it failed) through the OpenTelemetry API, which does nothing until a tracer
provider is installed. This module installs one, with an OTLP/HTTP exporter configured by the
standard ``OTEL_*`` variables, and adds what only this server knows:

- each request to PagerDuty, as a child span ``GET /incidents`` (method, first path segment,
  HTTP status), so the time a call spent upstream shows up under it;
- the call's outcome (``ok`` or the stable error code) as ``pagerduty_mcp.outcome``;
- each wait after a 429, as an event.

Never arguments, ids, bodies or credentials: the SDK's span carries the tool's name only.
Without the variable nothing here is imported, so start-up is unchanged (``make bench``).
"""

from __future__ import annotations

import atexit
import contextlib
import os
from collections.abc import Iterator, Mapping
from typing import Any

from pagerduty_mcp import __version__
from pagerduty_mcp.common.pagerduty.context import RequestContext
from pagerduty_mcp.common.pagerduty.observe import Observer, UpstreamRequest, add_observer

__all__ = ["start_tracing", "tracing_wanted"]

_ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")


def tracing_wanted(env: Mapping[str, str] | None = None) -> bool:
    """An OTLP endpoint is set, and OpenTelemetry is not switched off (``OTEL_SDK_DISABLED``)."""
    env = os.environ if env is None else env
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return any(env.get(name, "").strip() for name in _ENDPOINT_VARIABLES)


def start_tracing(service_name: str) -> bool:
    """Install the tracer provider and the upstream spans when wanted; ``True`` if it did."""
    if not tracing_wanted():
        return False
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, when set, win over these defaults.
    resource = Resource.create({"service.name": service_name, "service.version": __version__})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    atexit.register(provider.shutdown)  # flush what is batched when the server stops
    add_observer(_UpstreamSpans())
    return True


class _UpstreamSpans(Observer):
    """Child spans for PagerDuty requests, and the outcome on the call's own span."""

    def __init__(self) -> None:
        from opentelemetry import trace

        self._trace: Any = trace
        self._tracer = trace.get_tracer("pagerduty_mcp", __version__)

    @contextlib.contextmanager
    def upstream(self, request: UpstreamRequest) -> Iterator[None]:
        from opentelemetry.trace import SpanKind, StatusCode

        attributes = {"http.request.method": request.method, "url.template": request.resource}
        with self._tracer.start_as_current_span(
            f"{request.method} {request.resource}", kind=SpanKind.CLIENT, attributes=attributes
        ) as span:
            try:
                yield
            except BaseException as exc:
                span.set_attribute("error.type", type(exc).__name__)
                span.set_status(StatusCode.ERROR)
                raise
            if request.status is not None:
                span.set_attribute("http.response.status_code", request.status)
                if request.status >= 400:
                    span.set_attribute("error.type", str(request.status))
                    span.set_status(StatusCode.ERROR)

    def call_finished(self, request: RequestContext, seconds: float) -> None:
        span = self._trace.get_current_span()
        span.set_attribute("pagerduty_mcp.outcome", request.audit.outcome)
        span.set_attribute("pagerduty_mcp.upstream_calls", request.upstream.requests)

    def rate_limited(self, seconds: float) -> None:
        self._trace.get_current_span().add_event("rate_limited", {"wait_seconds": seconds})
