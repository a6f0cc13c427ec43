"""Malformed credentials and untrusted certificates (issue 17, finding 8): a caller's non-ASCII or
multi-line credential is ``UNAUTHORIZED`` saying why, never an internal or network error; a TLS
failure names the certificate problem and ``SSL_CERT_FILE``, and is not retried."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pagerduty_mcp.common import ClientPool, Credential, Settings
from pagerduty_mcp.common.hosting.upstream import sandbox_pool
from pagerduty_mcp.common.pagerduty.client import get_client
from pagerduty_mcp.common.pagerduty.context import Caller, RequestContext, request_scope
from pagerduty_mcp.common.pagerduty.errors import ToolFailure
from pagerduty_mcp.sandbox import SANDBOX_TOKEN, Sandbox
from pagerduty_mcp.sandbox.server import serve_in_thread
from tests.harness import fails, http_server, http_session, memory_session, ok, stdio_session

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


@pytest.mark.parametrize(
    ("secret", "why"),
    [
        ("u+abcdéfgh12345", "non-ASCII"),
        ("u+abcd\nX-Injected: 1", "line break"),
        ("u+abcd efgh12345", "whitespace"),
        ("u+abcd\x00efgh12345", "control"),
    ],
    ids=["non-ascii", "newline", "space", "nul"],
)
def test_a_malformed_caller_credential_is_unauthorized_saying_why(secret: str, why: str) -> None:
    """Whatever transport brought it, the pool refuses it before any client or request exists."""
    box = Sandbox()
    pool = sandbox_pool(box, keep_credential=False, server_credential=False)
    with (
        request_scope(RequestContext(caller=Caller("caller", Credential(secret)), pool=pool)),
        pytest.raises(ToolFailure) as caught,
    ):
        get_client().read("/users/me")
    assert caught.value.code == "UNAUTHORIZED"
    assert why in caught.value.message and "as PagerDuty issued it" in caught.value.message
    assert len(box.request_log) == 0


@pytest.mark.subprocess
async def test_a_non_ascii_caller_credential_over_http_is_unauthorized_not_internal() -> None:
    """``--auth pagerduty``: the issue's INTERNAL_ERROR, through a real client and server."""
    with http_server(("--sandbox", "--auth", "pagerduty")) as server:
        # Header values travel as Latin-1: "é" arrives as itself.
        headers = [("X-PagerDuty-Token", "u+abcd\u00e9fgh12345".encode("latin-1"))]
        async with http_session(server.url, headers) as client:
            result = await client.call_tool("list_incidents", {"limit": 1})
    text = "".join(getattr(c, "text", "") for c in result.content)
    assert result.is_error and '"UNAUTHORIZED"' in text and "non-ASCII" in text, text[:400]


# -- TLS ------------------------------------------------------------------------------------------


@pytest.fixture
def https_sandbox() -> Iterator[Any]:
    with serve_in_thread(Sandbox()) as info:
        yield info


async def test_an_untrusted_certificate_names_the_problem_and_ssl_cert_file_without_retrying(
    https_sandbox: Any,
) -> None:
    sleeps: list[float] = []
    settings = Settings(credential=Credential(SANDBOX_TOKEN), api_host=https_sandbox.url)
    pool = ClientPool(settings, sleep=sleeps.append)
    async with memory_session(pool=pool) as client:  # trusts only the system CAs
        error = await fails(client, "list_incidents", {"limit": 1}, "UPSTREAM_ERROR")
    assert "SSL_CERT_FILE" in error["message"] and "certificate" in error["message"], error
    assert "could not be reached" not in error["message"]
    assert error["details"]["tls"], error
    assert sleeps == [], "a certificate failure was retried"


@pytest.mark.subprocess
async def test_ssl_cert_file_is_the_fix_the_message_names(https_sandbox: Any) -> None:
    env = {
        "PAGERDUTY_USER_API_KEY": SANDBOX_TOKEN,
        "PAGERDUTY_API_HOST": https_sandbox.url,
        "SSL_CERT_FILE": str(https_sandbox.ca_path),
    }
    async with stdio_session("incidents", sandbox=False, env=env) as client:
        envelope = await ok(client, "list_incidents", {"limit": 1})
    assert envelope["metadata"]["count"] == 1
