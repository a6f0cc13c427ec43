"""The consent page in a real browser (headless chromium): the SDK's own OAuth client signs in
through it against a server process on the sandbox; a phone-sized window without JavaScript
reads and answers it; a cross-site page can neither approve nor frame it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import anyio
import httpx2
import pytest
from mcp.client.auth import OAuthClientProvider
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientMetadata
from pydantic import AnyUrl

from tests.consent_form import consent_form
from tests.e2e.sign_in import MemoryTokens
from tests.harness import HttpServer, free_port, http_server, http_session

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page, Route

pytestmark = [pytest.mark.e2e, pytest.mark.common, pytest.mark.anyio, pytest.mark.subprocess]

GUARD = 60  # seconds: far beyond a sign-in; reaching it means the flow stalled
PHONE = {"width": 360, "height": 740}


@dataclass
class Server:
    http: HttpServer
    public: str


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    with http_server(["--sandbox", "--auth", "oauth", "--public-url", public], {}, port=port) as running:
        yield Server(running, public)


@dataclass
class Arrivals:
    """What reached a redirect URI the test intercepts in the browser (no one listens there)."""

    urls: list[str] = field(default_factory=list)
    arrived: anyio.Event = field(default_factory=anyio.Event)

    async def handle(self, route: Route) -> None:
        self.urls.append(route.request.url)
        self.arrived.set()
        await route.fulfill(status=200, content_type="text/plain", body="Signed in: you can close this window.")

    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.urls[-1]).query).items()}


def watch_console(page: Page) -> list[str]:
    """The browser's own complaints (a blocked style, a form-action refusal) as they come."""
    said: list[str] = []
    page.on("console", lambda message: said.append(message.text) if message.type in ("error", "warning") else None)
    return said


async def sdk_sign_in(
    server: Server, page: Page, user: Callable[[Page], Awaitable[None]], client_name: str
) -> tuple[list[str], list[str]]:
    """The SDK's client connects; its redirect handler opens the sign-in in ``page``, where ``user``
    acts; the redirect back is caught in the browser. Returns the tools listed and the console."""
    redirect = f"http://127.0.0.1:{free_port()}/callback"
    arrivals = Arrivals()
    await page.route(f"{redirect}**", arrivals.handle)
    console = watch_console(page)

    async def open_in_browser(url: str) -> None:
        await page.goto(url)
        await user(page)

    async def wait_for_callback() -> AuthorizationCodeResult:
        with anyio.fail_after(GUARD):
            await arrivals.arrived.wait()
        query = arrivals.query()
        assert "code" in query, query
        return AuthorizationCodeResult(code=query["code"], state=query.get("state"))

    metadata = OAuthClientMetadata(
        client_name=client_name,
        redirect_uris=[AnyUrl(redirect)],
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
    )
    provider = OAuthClientProvider(f"{server.public}/mcp", metadata, MemoryTokens(), open_in_browser, wait_for_callback)
    with anyio.fail_after(GUARD):
        async with http_session(f"{server.public}/mcp", auth=provider, timeout=30.0) as client:
            names = [tool.name for tool in (await client.list_tools()).tools]
            me = await client.call_tool("get_user_data", {})
            assert not me.is_error, me
    return names, console


async def test_the_sdk_client_signs_in_through_our_page_in_a_real_browser(server: Server, browser: Browser) -> None:
    seen: dict[str, Any] = {}

    async def approve(page: Page) -> None:
        seen["title"] = await page.title()
        seen["heading"] = await page.locator("h1").inner_text()
        seen["where"] = await page.locator(".where").inner_text()
        seen["text"] = await page.locator("main").inner_text()
        await page.get_by_role("button", name="Approve").click()

    context = await browser.new_context()
    page = await context.new_page()
    names, console = await sdk_sign_in(server, page, approve, 'Editor <b>"e2e"</b>')
    assert seen["title"] == 'Allow Editor <b>"e2e"</b> to use PagerDuty?'  # shown as text, never as markup
    assert seen["heading"] == 'Allow “Editor <b>"e2e"</b>” to use PagerDuty as you?'
    assert seen["where"].startswith("An app on this computer (127.0.0.1, port ")
    assert "Read only" in seen["text"] and "cannot change anything" in seen["text"]  # no --enable-write-tools
    assert "get_user_data" in names and "manage_incidents" not in names
    assert not [line for line in console if "Content Security Policy" in line], console
    cookies = {c["name"]: c for c in await context.cookies()}
    assert cookies["pdmcp-browser"]["httpOnly"] and cookies["pdmcp-browser"]["sameSite"] == "Lax"
    assert cookies["pdmcp-user"]["httpOnly"]
    await context.close()


async def test_the_page_works_on_a_phone_without_javascript(server: Server, browser: Browser) -> None:
    layout: dict[str, Any] = {}

    async def approve(page: Page) -> None:
        button = await page.get_by_role("button", name="Approve").bounding_box()
        deny = await page.get_by_role("button", name="Deny").bounding_box()
        layout["approve"], layout["deny"] = button, deny
        layout["width"] = await page.locator("main").bounding_box()
        await page.get_by_role("button", name="Approve").click()

    context = await browser.new_context(viewport=PHONE, java_script_enabled=False, is_mobile=True)
    page = await context.new_page()
    names, console = await sdk_sign_in(server, page, approve, "Phone app")
    assert names and not [line for line in console if "Content Security Policy" in line], console
    main, approve_box, deny_box = layout["width"], layout["approve"], layout["deny"]
    assert main is not None and main["x"] >= 0 and main["x"] + main["width"] <= PHONE["width"]
    for box in (approve_box, deny_box):  # both buttons inside the screen and big enough to tap
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert box["height"] >= 44
    await context.close()


async def test_the_one_link_attack_stops_at_the_page_and_a_cross_site_form_cannot_approve(
    server: Server, browser: Browser
) -> None:
    """The attacker registers a client that sends codes to their site and sends the victim the
    authorize link. The victim's browser shows who asks and where the sign-in would go; a page on
    the attacker's site can neither frame our page nor approve with a form post."""
    evil = "https://evil.example.com"
    async with httpx2.AsyncClient(base_url=server.public) as http:
        registered = await http.post(
            "/register", json={"client_name": "PagerDuty Helper", "redirect_uris": [f"{evil}/cb"]}
        )
        assert registered.status_code == 201, registered.text
        attacker_client = registered.json()
        link = "/authorize?" + str(
            httpx2.QueryParams(
                response_type="code",
                client_id=attacker_client["client_id"],
                redirect_uri=f"{evil}/cb",
                code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGzSTW-cM0",
                code_challenge_method="S256",
                state="attacker",
            )
        )
        # The attacker opens a sign-in of their own, to have a request id and form token to forge with,
        # and approves another in their own browser, to send the victim PagerDuty's sign-in link.
        opened = await http.get(link)
        forged = consent_form((await http.get(opened.headers["location"])).text)[1]
        opened = await http.get(link)
        action, fields = consent_form((await http.get(opened.headers["location"])).text)
        approved = await http.post(action, data={**fields, "decision": "approve"})
        pagerduty_link = approved.headers["location"]
        assert "/oauth/sandbox/authorize?" in pagerduty_link

    arrivals = Arrivals()
    context = await browser.new_context()
    page = await context.new_page()
    await page.route(f"{evil}/cb**", arrivals.handle)
    await page.goto(f"{server.public}{link}")  # the victim clicks the link
    assert await page.locator("h1").inner_text() == "Allow “PagerDuty Helper” to use PagerDuty as you?"
    assert await page.locator(".where").inner_text() == "evil.example.com"
    assert "The website evil.example.com receives your sign-in" in await page.locator("main").inner_text()
    consent_url = page.url

    attack = f"""<!doctype html><title>Win a prize</title>
<iframe name="framed" src="{consent_url}" width="400" height="300"></iframe>
<form method="post" action="{server.public}/oauth/consent">
<input type="hidden" name="request" value="{forged["request"]}">
<input type="hidden" name="csrf" value="{forged["csrf"]}">
<button name="decision" value="approve">Claim your prize</button></form>"""

    async def attackers_site(route: Route) -> None:
        await route.fulfill(status=200, content_type="text/html", body=attack)

    await page.route(f"{evil}/prize", attackers_site)
    await page.goto(f"{evil}/prize")
    framed = page.frame(name="framed")
    assert framed is not None, [f.url for f in page.frames]
    assert framed.url.startswith("chrome-error://")  # frame-ancestors 'none': the browser refused to frame it
    assert "Approve" not in await framed.content()
    async with page.expect_response(f"{server.public}/oauth/consent") as posted:
        await page.get_by_role("button", name="Claim your prize").click()
    refused = await posted.value
    assert refused.status == 403  # its Origin is the attacker's site: refused before anything is read

    # PagerDuty's sign-in link, approved in the attacker's browser: PagerDuty signs the victim in at
    # once, and the way back refuses the victim's browser.
    await page.goto(pagerduty_link)
    assert page.url.startswith(f"{server.public}/oauth/callback?")
    assert "This sign-in was approved in another browser" in await page.locator("h1").inner_text()
    assert arrivals.urls == []  # no code, no error, nothing reached the attacker's redirect
    await context.close()
