"""The ``mcp`` SDK client's own OAuth support, signing in through the sandbox's identity service.

:class:`Balancer` stands in for a load balancer: clients speak to one public address, and each
request goes to whichever replica the test points it at. :func:`signed_in_client` gives an SDK
``Client`` whose ``OAuthClientProvider`` follows the sign-in redirects the way a browser would
(keeping cookies, approving our consent page), picking the sandbox user with ``login_as``.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2
from mcp import Client
from mcp.client.auth import OAuthClientProvider, TokenStorage
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken
from pydantic import AnyUrl

from tests.consent_form import consent_form
from tests.harness import http_session

__all__ = ["Balancer", "Browser", "MemoryTokens", "sign_in_provider", "signed_in_client"]

CLIENT_REDIRECT = "http://127.0.0.1:33418/callback"  # the MCP client's own; never served


class Balancer(httpx2.AsyncBaseTransport):
    """Sends requests for ``public`` to the replica ``target`` names; anything else goes out as is."""

    def __init__(self, public: str, replicas: dict[str, str], ca_path: Path | None = None) -> None:
        self.public = urlsplit(public).netloc
        self.replicas = replicas
        self.target = next(iter(replicas))
        self.sent: list[tuple[str, str]] = []  # (replica, path)
        context = ssl.create_default_context(cafile=str(ca_path)) if ca_path else None
        self._out = httpx2.AsyncHTTPTransport(verify=context) if context else httpx2.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if request.url.netloc.decode() == self.public:
            base = urlsplit(self.replicas[self.target])
            request.url = request.url.copy_with(scheme=base.scheme, host=base.hostname, port=base.port)
            self.sent.append((self.target, request.url.path))
        return await self._out.handle_async_request(request)

    async def aclose(self) -> None:
        await self._out.aclose()


@dataclass
class MemoryTokens(TokenStorage):
    tokens: OAuthToken | None = None
    client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


@dataclass
class Browser:
    """Follows the sign-in redirects as a browser would, choosing the sandbox user on the way."""

    http: httpx2.AsyncClient
    login_as: str | None
    identity_host: str  # where the identity service's sign-in page lives (netloc)
    result: AuthorizationCodeResult | None = None
    visited: list[str] = field(default_factory=list)
    consent: str | None = "approve"  # how to answer our consent page (None: not at all)
    consent_pages: list[str] = field(default_factory=list)  # the consent pages seen

    async def redirect(self, url: str) -> None:
        for _ in range(10):
            parts = urlsplit(url)
            if parts.path.endswith("/authorize") and parts.netloc == self.identity_host and self.login_as:
                url = f"{url}&{urlencode({'login_as': self.login_as})}"
            self.visited.append(url.split("?", 1)[0])
            if url.startswith(CLIENT_REDIRECT):
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if "error" in query:
                    raise AssertionError(f"sign-in failed: {query}")
                self.result = AuthorizationCodeResult(code=query["code"], state=query.get("state"))
                return
            answer = await self.http.get(url)
            if answer.status_code == 200 and self.consent is not None:  # our consent page
                self.consent_pages.append(answer.text)
                action, fields = consent_form(answer.text)
                answer = await self.http.post(action, data={**fields, "decision": self.consent})
            assert answer.status_code in (302, 303, 307), f"{url.split('?')[0]}: {answer.status_code} {answer.text}"
            url = answer.headers["location"]
        raise AssertionError(f"too many redirects: {self.visited}")

    async def callback(self) -> AuthorizationCodeResult:
        assert self.result is not None, "the sign-in never reached the client's redirect URI"
        result, self.result = self.result, None
        return result


def sign_in_provider(
    server_url: str,
    http: httpx2.AsyncClient,
    login_as: str | None,
    identity_host: str,
    storage: MemoryTokens,
    browser: Browser | None = None,
    redirect_uri: str = CLIENT_REDIRECT,
) -> OAuthClientProvider:
    browser = browser or Browser(http, login_as, identity_host)
    metadata = OAuthClientMetadata(
        client_name="pagerduty-mcp e2e",
        redirect_uris=[AnyUrl(redirect_uri)],
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
    )
    return OAuthClientProvider(server_url, metadata, storage, browser.redirect, browser.callback)


@asynccontextmanager
async def signed_in_client(
    server_url: str,
    transport: httpx2.AsyncBaseTransport,
    login_as: str | None,
    identity_host: str,
    browser: Browser | None = None,
) -> AsyncIterator[tuple[Client, OAuthClientProvider, MemoryTokens]]:
    """An SDK client that signs in on first use (through ``transport``) and refreshes by itself.
    ``browser``: one the test holds (its cookies, the consent pages it saw), else a fresh one."""
    storage = MemoryTokens()
    async with httpx2.AsyncClient(transport=transport, timeout=60.0) as browser_http:
        provider = sign_in_provider(server_url, browser_http, login_as, identity_host, storage, browser)
        async with http_session(server_url, auth=provider, transport=transport) as client:
            yield client, provider, storage
