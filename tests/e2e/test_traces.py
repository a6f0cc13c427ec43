"""OpenTelemetry over OTLP/HTTP: a server subprocess sends its spans to a collector run by the test."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import anyio
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from pagerduty_mcp.common.hosting.tracing import tracing_wanted
from tests.harness import stdio_session

pytestmark = [pytest.mark.e2e, pytest.mark.common, pytest.mark.subprocess]

SECRET_ARGUMENT = "PSECRET42"


class _Collector(ThreadingHTTPServer):
    spans: list[Any]
    received: threading.Event


class _Handler(BaseHTTPRequestHandler):
    server: _Collector

    def do_POST(self) -> None:  # http.server's naming
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        for resource in request.resource_spans:
            for scope in resource.scope_spans:
                self.server.spans.extend((resource, span) for span in scope.spans)
        self.server.received.set()
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def _collector() -> Iterator[_Collector]:
    server = _Collector(("127.0.0.1", 0), _Handler)
    server.spans, server.received = [], threading.Event()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _attributes(span: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kv in span.attributes:
        value = kv.value
        out[kv.key] = value.string_value or value.int_value or value.bool_value
    return out


@pytest.mark.anyio
async def test_a_tool_call_is_a_span_with_its_upstream_requests_as_children() -> None:
    with _collector() as collector:
        env = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{collector.server_address[1]}",
            "OTEL_BSP_SCHEDULE_DELAY": "100",
        }
        async with stdio_session("incidents", env=env) as client:
            listed = await client.call_tool("list_incidents", {"limit": 2})
            missing = await client.call_tool("get_incident", {"incident_id": SECRET_ARGUMENT})
        assert not listed.is_error and missing.is_error
        # The server flushes its batch when it exits; the collector may still be reading it.
        with anyio.fail_after(20):
            while not any(span.name == "tools/call get_incident" for _, span in collector.spans):
                await anyio.sleep(0.05)
        spans = [span for _, span in collector.spans]
        resource = collector.spans[0][0]

    service = {kv.key: kv.value.string_value for kv in resource.resource.attributes}
    assert service["service.name"] == "pagerduty-incidents"
    calls = {span.name: span for span in spans if span.name.startswith("tools/call ")}
    listing, lookup = calls["tools/call list_incidents"], calls["tools/call get_incident"]
    assert _attributes(listing)["gen_ai.tool.name"] == "list_incidents"
    assert _attributes(listing)["pagerduty_mcp.outcome"] == "ok"
    assert _attributes(lookup)["pagerduty_mcp.outcome"] == "INCIDENT_NOT_FOUND"
    children = [s for s in spans if s.parent_span_id == listing.span_id]
    assert [s.name for s in children] == ["GET /incidents"]
    assert children[0].trace_id == listing.trace_id
    assert _attributes(children[0])["http.response.status_code"] == 200
    failed = [s for s in spans if s.parent_span_id == lookup.span_id]
    assert [_attributes(s)["http.response.status_code"] for s in failed] == [404]
    # Arguments stay out of every span, name and attribute alike.
    assert SECRET_ARGUMENT not in repr(spans)


def test_tracing_is_wanted_only_with_an_endpoint() -> None:
    assert not tracing_wanted({})
    assert tracing_wanted({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert tracing_wanted({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"})
    assert not tracing_wanted({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"})


@pytest.mark.anyio
async def test_a_made_up_tool_name_never_becomes_a_span_name() -> None:
    """Span names are indexed and grouped by: a client must not mint one per call."""
    made_up = "made_up_by_a_client_Q7\nwith a line"
    with _collector() as collector:
        env = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{collector.server_address[1]}",
            "OTEL_BSP_SCHEDULE_DELAY": "100",
        }
        async with stdio_session("incidents", env=env) as client:
            unknown = await client.call_tool(made_up, {})
            known = await client.call_tool("list_incidents", {"limit": 1})
        assert unknown.is_error and not known.is_error
        with anyio.fail_after(20):
            while not any(span.name == "tools/call list_incidents" for _, span in collector.spans):
                await anyio.sleep(0.05)
        spans = [span for _, span in collector.spans]

    names = [span.name for span in spans]
    assert "tools/call unknown" in names
    unknown_span = next(span for span in spans if span.name == "tools/call unknown")
    assert _attributes(unknown_span)["gen_ai.tool.name"] == "unknown"
    assert _attributes(unknown_span)["pagerduty_mcp.outcome"] == "UNKNOWN_TOOL"
    assert "made_up_by_a_client_Q7" not in repr(spans)
