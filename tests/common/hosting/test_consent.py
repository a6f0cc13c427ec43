"""The consent page as a browser receives it: wording, escaping, headers, cookies."""

from __future__ import annotations

import re
from typing import Any

import httpx2
import pytest

from pagerduty_mcp.common.hosting.consent import Access, access_of, consent_page
from tests.common.hosting.sign_in_steps import TOOLS, Setup, authorize_url, oauth_setup, pkce, register

pytestmark = [pytest.mark.unit, pytest.mark.common, pytest.mark.anyio]

HOSTILE_NAME = '<script>alert("x")</script><img src=x onerror=alert(1)>'


async def _page(setup: Setup, **metadata: Any) -> httpx2.Response:
    client = await register(setup.http, **metadata)
    redirect = metadata.get("redirect_uris", [None])[0]
    url = authorize_url(client, pkce()[1], **({"redirect_uri": redirect} if redirect else {}))
    answer = await setup.http.get(url)
    assert answer.status_code == 302, answer.text  # /authorize never leaves for PagerDuty directly
    assert answer.headers["location"].startswith(f"{setup.resource.config.public_url}/oauth/consent?request=")
    return await setup.http.get(answer.headers["location"])


async def test_the_page_names_the_client_escaped_and_where_the_sign_in_goes() -> None:
    async with oauth_setup() as setup:
        page = await _page(setup, client_name=HOSTILE_NAME, redirect_uris=["https://evil.example.com/cb"])
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<script>" not in page.text and "<img" not in page.text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page.text
    assert '<p class="where">evil.example.com</p>' in page.text
    assert "receives your sign-in" in page.text and "nobody has checked it" in page.text
    assert 'name="decision" value="approve"' in page.text and 'name="decision" value="deny"' in page.text


async def test_a_loopback_redirect_is_named_as_this_computer() -> None:
    async with oauth_setup() as setup:
        page = await _page(setup, client_name="Visual Studio Code")
    assert "“Visual Studio Code”" in page.text
    assert "An app on this computer (127.0.0.1, port 40000)" in page.text


async def test_read_only_unless_write_tools_are_enabled_and_asked() -> None:
    async with oauth_setup() as setup:  # no write tools: the server runs without --enable-write-tools
        read_only = await _page(setup)
    assert "<strong>Read only</strong>" in read_only.text and "cannot change anything" in read_only.text
    async with oauth_setup(write_tools=frozenset({"manage_incidents"})) as setup:
        writes = await _page(setup)
        client = await register(setup.http)
        asked = await setup.http.get(authorize_url(client, pkce()[1], scope="incidents.read services.read"))
        narrow = await setup.http.get(asked.headers["location"])
    assert "<strong>Read and change</strong>" in writes.text and "Change: incidents." in writes.text
    assert "<strong>Read only</strong>" in narrow.text  # the client asked for read scopes only


def test_access_follows_the_tools_the_scopes_allow() -> None:
    access = access_of(["list_incidents", "manage_incidents"], frozenset({"manage_incidents"}), TOOLS)
    assert access == Access(True, ("incidents",), ("incidents",), 2)
    assert not access_of(["list_incidents", "list_services"], frozenset({"manage_incidents"}), TOOLS).writes


async def test_strict_headers_no_frames_no_script_and_no_caching() -> None:
    async with oauth_setup() as setup:
        page = await _page(setup)
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "base-uri 'none'" in csp
    assert "script-src" not in csp and "unsafe-inline" not in csp
    assert re.search(r"style-src 'sha256-[A-Za-z0-9+/=]+'", csp)
    # The form may end at this server, PagerDuty's sign-in page and the client's own redirect only.
    assert "form-action 'self' http://127.0.0.1:8123 http://127.0.0.1:40000" in csp
    assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "same-origin" and page.headers["x-content-type-options"] == "nosniff"
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page.text


async def test_cookies_are_http_only_same_site_and_host_bound_over_https() -> None:
    async with oauth_setup() as setup:
        plain = (await _page(setup)).headers["set-cookie"]
    assert plain.startswith("pdmcp-browser=") and "HttpOnly" in plain and "SameSite=Lax" in plain
    assert "Secure" not in plain  # a browser would drop a Secure cookie on http
    async with oauth_setup(public="https://mcp.example.com") as setup:
        secure = (await _page(setup)).headers["set-cookie"]
    assert secure.startswith("__Host-pdmcp-browser=")
    assert all(flag in secure for flag in ("; Secure", "; HttpOnly", "; SameSite=Lax", "; Path=/"))
    assert "Domain=" not in secure


def test_the_page_is_built_without_any_script() -> None:
    page = consent_page(
        server="s",
        client_name=None,
        redirect_uri="com.example.app:/cb",
        access=Access(False, ("incidents",), (), 1),
        action="https://mcp.example.com/oauth/consent",
        fields={"request": 'a"b', "csrf": "c"},
        form_sources=("https://identity.pagerduty.com", "com.example.app:"),
    )
    text = bytes(page.body).decode()
    assert "<script" not in text.lower() and "An app that gave no name" in text
    assert 'value="a&quot;b"' in text and "opens com.example.app: links" in text
    assert "com.example.app:" in page.headers["content-security-policy"]
