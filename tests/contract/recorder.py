"""Record the HTTP exchanges a client has with the sandbox, and check them against the spec."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import httpx2
import pytest

from pagerduty_mcp.sandbox import Sandbox
from tests.contract.openapi import Spec, load_events_spec, load_spec

__all__ = ["Exchange", "RecordingSandbox", "RecordingTransport", "assert_follows_spec", "check_exchanges"]


@dataclass(frozen=True)
class Exchange:
    """One request and its response, decoded."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    request_body: Any
    has_request_body: bool
    status: int
    response_body: Any
    has_response_body: bool

    @property
    def label(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"


def _decode(raw: bytes) -> tuple[Any, bool]:
    if not raw:
        return None, False
    try:
        return json.loads(raw), True
    except ValueError:
        return raw.decode("utf-8", "replace"), True


class RecordingTransport(httpx2.BaseTransport):
    """Wraps a transport and keeps every exchange in ``self.exchanges`` (or a list you give)."""

    def __init__(self, inner: httpx2.BaseTransport, exchanges: list[Exchange] | None = None) -> None:
        self.inner = inner
        self.exchanges: list[Exchange] = exchanges if exchanges is not None else []

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        body = request.read()
        response = self.inner.handle_request(request)
        payload = response.read()
        query: dict[str, list[str]] = {}
        for key, value in parse_qsl(request.url.query.decode(), keep_blank_values=True):
            query.setdefault(key, []).append(value)
        request_body, has_request_body = _decode(body)
        if has_request_body and "json" not in request.headers.get("content-type", "json"):
            request_body = dict(parse_qsl(body.decode("utf-8", "replace")))
        response_body, has_response_body = _decode(payload)
        self.exchanges.append(
            Exchange(
                request.method,
                request.url.path,
                query,
                dict(request.headers),
                request_body,
                has_request_body,
                response.status_code,
                response_body,
                has_response_body,
            )
        )
        return httpx2.Response(
            response.status_code,
            headers=response.headers,
            stream=httpx2.ByteStream(payload),
            request=request,
        )


# Paths the specs do not describe but the sandbox serves (OAuth lives on identity.pagerduty.com).
UNDESCRIBED = ("/oauth/token", "/oauth/authorize", "/oauth/revoke")


def _spec_for(path: str) -> Spec:
    return load_events_spec() if path.startswith("/v2/") else load_spec()


def check_exchanges(exchanges: list[Exchange], *, requests: bool = True, responses: bool = True) -> list[str]:
    """Every problem found in the exchanges' requests and responses, one line each."""
    problems: list[str] = []
    for exchange in exchanges:
        if exchange.path in UNDESCRIBED:
            continue
        spec = _spec_for(exchange.path)
        if requests and exchange.status not in (401, 429) and exchange.status < 500:
            problems += spec.validate_request(
                exchange.method,
                exchange.path,
                exchange.query,
                exchange.headers,
                exchange.request_body,
                exchange.has_request_body,
            )
        if responses:
            includes = [v for value in exchange.query.get("include[]", []) for v in value.split(",")]
            problems += spec.validate_response(
                exchange.method,
                exchange.path,
                exchange.status,
                exchange.response_body,
                exchange.has_response_body,
                includes=includes,
            )
    return problems


class RecordingSandbox(Sandbox):
    """A sandbox whose every transport records into ``exchanges``: what the tools really sent, and
    what they got back. Hand it to a session (``@pytest.mark.server(..., sandbox=RecordingSandbox())``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.exchanges: list[Exchange] = []

    def transport(self) -> Any:
        return RecordingTransport(super().transport(), self.exchanges)


def assert_follows_spec(exchanges: list[Exchange], known: tuple[str, ...] = ()) -> None:
    """Fail listing every problem in ``exchanges``, less the lines naming a ``known`` deviation."""
    problems = [p for p in check_exchanges(exchanges) if not any(k in p for k in known)]
    if problems:
        pytest.fail(f"{len(problems)} contract problem(s):\n" + "\n".join(problems), pytrace=False)
