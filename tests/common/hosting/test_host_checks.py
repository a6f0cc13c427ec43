"""Host and Origin headers are parsed before they are compared: no prefix trick gets through."""

from __future__ import annotations

import pytest

from pagerduty_mcp.common.hosting.host_checks import (
    StrictTransportSecurity,
    bind_address,
    split_authority,
    split_origin,
    url_host,
)
from pagerduty_mcp.common.hosting.http import RemoteOptions

pytestmark = [pytest.mark.unit, pytest.mark.common]

LOOPBACK = StrictTransportSecurity(RemoteOptions().security())
OPERATOR = StrictTransportSecurity(
    RemoteOptions(
        host="0.0.0.0",
        allow_unauthenticated=True,
        allowed_hosts=("mcp.example.com",),
        allowed_origins=("https://app.example.com",),
    ).security()
)


@pytest.mark.parametrize(
    "origin",
    [
        "http://localhost:6274",
        "http://127.0.0.1:8000",
        "http://[::1]:8000",
        "http://localhost",
        "http://LOCALHOST:6274",
        None,
        "",
    ],
)
def test_loopback_origins_pass(origin: str | None) -> None:
    assert LOOPBACK._validate_origin(origin)


@pytest.mark.parametrize(
    "origin",
    [
        "http://localhost:1@evil.com",  # a user and password before the real host
        "http://localhost@evil.com",
        "http://localhost:6274@evil.com:80",
        "http://127.0.0.1:8000.evil.com",
        "http://localhost:6274/path",
        "http://localhost:6274?x",
        "http://localhost:6274#x",
        "http://localhost:99999",
        "http://localhost:",
        "https://localhost:6274",  # another scheme is another origin
        "http://[::1]:1@evil.com",
        "http://[::1].evil.com:80",
        "http://localhost.evil.com:80",
        "null",
        "file://",
        "http://evil.com",
    ],
)
def test_everything_else_is_refused(origin: str) -> None:
    assert not LOOPBACK._validate_origin(origin)


def test_operator_origins_match_exactly() -> None:
    assert OPERATOR._validate_origin("https://app.example.com")
    assert not OPERATOR._validate_origin("https://app.example.com:8443")
    assert not OPERATOR._validate_origin("https://app.example.com@evil.com")
    assert not OPERATOR._validate_origin("http://app.example.com")


@pytest.mark.parametrize(
    ("host", "ok"),
    [
        ("127.0.0.1:8000", True),
        ("localhost", True),
        ("[::1]:8000", True),
        ("mcp.example.com", True),
        ("MCP.example.com", True),
        ("mcp.example.com:443", False),  # allowed without a port: exactly so
        ("localhost:8000@evil.com", False),
        ("localhost:8000.evil.com", False),
        ("localhost:8000/x", False),
        ("[::1]x:80", False),
        ("", False),
        ("evil.com", False),
    ],
)
def test_host_headers_are_parsed(host: str, ok: bool) -> None:
    assert OPERATOR._validate_host(host) is ok


def test_authorities_and_origins_split_into_their_parts() -> None:
    assert split_authority("LocalHost:80") == ("localhost", "80")
    assert split_authority("[::1]") == ("[::1]", None)
    assert split_authority("localhost:*") is None
    assert split_authority("localhost:*", any_port=True) == ("localhost", "*")
    assert split_origin("http://[::1]:6274") == ("http", "[::1]", "6274")
    assert split_origin("http://u:p@host") is None


def test_ipv6_literals_bind_bare_and_show_bracketed() -> None:
    assert bind_address("[::1]") == "::1" and bind_address("::1") == "::1" and bind_address("0.0.0.0") == "0.0.0.0"
    assert url_host("::1") == "[::1]" and url_host("[::1]") == "[::1]" and url_host("localhost") == "localhost"
