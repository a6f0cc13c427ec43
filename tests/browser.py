"""A real browser for tests: Debian's ``chromium``, headless, driven by Playwright.

``browser`` (a pytest fixture) launches it once per test module: each test draws in a browser
context of its own (``browser.new_context()``), which shares no cookies, storage or pages with
another test's. Without ``/usr/bin/chromium`` the test is skipped, saying why; in CI
(``PAGERDUTY_MCP_REQUIRE_BROWSER=1``, set by ``.ci/run``, which also installs the package) a
missing browser fails it. Playwright's own browser download is never used
(``playwright install`` reaches a host this machine cannot): the system's chromium is launched.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.async_api import Browser

__all__ = ["CHROMIUM", "LAUNCH_ARGS", "browser", "chromium_or_skip", "launched_browser"]

CHROMIUM = Path("/usr/bin/chromium")
# --no-sandbox: CI runs as root, where chromium's sandbox cannot start. The rest keep a headless
# run quiet and offline: no updates, no sync, no first-run work, no background requests.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def chromium_or_skip() -> Path:
    """The system's chromium, or a skip (a failure when CI requires a browser)."""
    if CHROMIUM.exists():
        return CHROMIUM
    message = f"{CHROMIUM} is not installed (Debian: apt-get install chromium)"
    if os.environ.get("PAGERDUTY_MCP_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{message}; CI requires it (PAGERDUTY_MCP_REQUIRE_BROWSER=1)")
    pytest.skip(message)


@asynccontextmanager
async def launched_browser() -> AsyncIterator[Browser]:
    """Headless chromium, closed afterwards."""
    executable = chromium_or_skip()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(executable), args=LAUNCH_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with launched_browser() as launched:
        yield launched
