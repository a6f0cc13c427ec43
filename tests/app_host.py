"""Drawing an MCP app as a host does, in a real browser, on a real server's answers.

``apps_session`` is the ``mcp`` SDK's client declaring the Apps extension (as Claude, VS Code or
Goose do) on a server over a fresh sandbox, answering confirmations as ``person`` says.
``draw`` makes the model's tool call through it, reads the ``ui://`` resource the tool names, and
opens it in ``tests/app_host.html`` (a host page that speaks the Apps protocol, written for these
tests) in headless chromium: the app gets the call's input and result, and every ``tools/call`` it
makes is recorded and forwarded to the same server. Any network request the page makes, and any
console error (a refused script or style shows as one), is recorded for the test to assert on.

Screenshots go to ``docs/apps/`` when ``UPDATE_SCREENSHOTS=1`` (``make screenshots``).
"""

from __future__ import annotations

import json
import os
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
from mcp import Client
from mcp.client.extension import advertise
from mcp_types import ElicitRequestParams, ElicitResult

from pagerduty_mcp.common.toolkit.apps import APP_MIME_TYPE, EXTENSION_ID
from tests.harness import memory_session

if TYPE_CHECKING:
    from playwright.async_api import Browser, FrameLocator, Page

__all__ = ["APPS_HOST", "DrawnApp", "Person", "apps_session", "draw", "envelope_of"]

HOST_PAGE = (Path(__file__).parent / "app_host.html").read_text()
SCREENSHOTS = Path(__file__).parent.parent / "docs" / "apps"
# What a host that draws apps declares in its capabilities.
APPS_HOST = advertise(EXTENSION_ID, {"mimeTypes": [APP_MIME_TYPE]})


@dataclass
class Person:
    """Answers the server's confirmations: "accept" or "decline"; remembers what it was asked."""

    answer: str = "accept"
    asked: list[str] = field(default_factory=list)

    async def __call__(self, context: Any, params: ElicitRequestParams) -> ElicitResult:
        self.asked.append(params.message)
        return ElicitResult(action=self.answer, content={} if self.answer == "accept" else None)  # type: ignore[arg-type]


def apps_session(
    key: str, *, person: Person | None = None, draws_apps: bool = True, **options: Any
) -> AbstractAsyncContextManager[Client]:
    """``tests.harness.memory_session`` (same ``options``) as a host that draws apps opens it: it
    declares the extension (``draws_apps=False``: one that does not) and ``person`` answers the
    server's confirmations."""
    extensions = [APPS_HOST] if draws_apps else []
    return memory_session(key, extensions=extensions, elicitation_callback=person or Person(), **options)


def envelope_of(result: Any) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(result.content[0].text)
    assert result.structured_content == parsed
    return parsed


@dataclass
class DrawnApp:
    page: Page
    frame: FrameLocator
    client: Client
    uri: str
    html: str
    result: Any  # the CallToolResult of the model's call, as the host got it
    requests: list[str]
    errors: list[str]

    async def calls(self) -> list[dict[str, Any]]:
        """The app's tools/call requests so far: ``{"name", "arguments"}``."""
        calls: list[dict[str, Any]] = await self.page.evaluate("host.calls")
        return calls

    async def wait_for_calls(self, count: int) -> list[dict[str, Any]]:
        """The app's calls once at least ``count`` were answered."""
        await self.page.wait_for_function("n => host.answers.length >= n", arg=count)
        return await self.calls()

    async def links(self) -> list[str]:
        links: list[str] = await self.page.evaluate("host.links")
        return links

    async def set_theme(self, theme: str, variables: dict[str, str] | None = None) -> None:
        await self.page.emulate_media(color_scheme=theme)  # type: ignore[arg-type]
        await self.page.evaluate("([t, v]) => host.setTheme(t, v)", [theme, variables or {}])

    async def screenshot(self, name: str) -> bytes:
        """The app as the person sees it; kept in docs/apps/<name>.png under UPDATE_SCREENSHOTS=1."""
        await self.page.evaluate("document.fonts.ready")
        image = await self.page.locator("#app").screenshot(animations="disabled")
        if os.environ.get("UPDATE_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            (SCREENSHOTS / f"{name}.png").write_bytes(image)
        return image

    async def finish(self) -> None:
        """Once every call the app made is answered, close it (nothing may reach the server after the
        test's session ends); then: nothing left the page (no request at all), and nothing was refused
        or thrown."""
        await self.page.wait_for_function("host.calls.length === host.answers.length")
        await self.page.context.close()
        assert self.requests == [], f"the app made network requests: {self.requests}"
        assert self.errors == [], f"the page reported errors: {self.errors}"


async def draw(
    browser: Browser,
    client: Client,
    tool: str,
    arguments: dict[str, Any] | None = None,
    *,
    theme: str = "light",
    time_zone: str = "Europe/Berlin",
    width: int = 1100,
    variables: dict[str, str] | None = None,
) -> DrawnApp:
    """The model calls ``tool``; the host draws the app the tool names with its result."""
    listed = {t.name: t for t in (await client.list_tools()).tools}
    uri = (listed[tool].meta or {})["ui"]["resourceUri"]
    result = await client.call_tool(tool, arguments or {})
    contents = (await client.read_resource(uri)).contents[0]
    assert contents.mime_type == APP_MIME_TYPE
    csp = ((contents.meta or {}).get("ui") or {}).get("csp")
    html = contents.text  # type: ignore[union-attr]

    context = await browser.new_context(
        viewport={"width": width, "height": 900},
        color_scheme=theme,  # type: ignore[arg-type]
        timezone_id=time_zone,
        locale="en-GB",
        device_scale_factor=1,
    )
    page = await context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))

    async def forward(name: str, args: dict[str, Any]) -> dict[str, Any]:
        answer = await client.call_tool(name, args)
        dumped: dict[str, Any] = answer.model_dump(mode="json", by_alias=True, exclude_none=True)
        return dumped

    await page.expose_function("forwardToolCall", forward)
    await page.set_content(HOST_PAGE)
    requests.clear()  # the host page itself
    await page.evaluate(
        "config => host.start(config)",
        {
            "html": html,
            "csp": csp,
            "theme": theme,
            "variables": variables or {},
            "timeZone": time_zone,
            "locale": "en-GB",
            "toolName": tool,
            "toolInput": arguments or {},
            "toolResult": result.model_dump(mode="json", by_alias=True, exclude_none=True),
        },
    )
    with anyio.fail_after(20):
        await page.wait_for_function("host.delivered")
    return DrawnApp(page, page.frame_locator("#app"), client, uri, html, result, requests, errors)
