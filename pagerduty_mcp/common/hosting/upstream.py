"""Where PagerDuty requests go: the real account, or the offline sandbox through a transport.

This is the one module outside ``pagerduty_mcp.sandbox`` that imports it, and only when a server
starts with ``--sandbox`` (or a test asks for a sandbox pool): the client pool just takes the
transport it is handed and never knows which account is behind it.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from typing import TYPE_CHECKING, Any

import httpx2

from pagerduty_mcp.common.pagerduty.client import ClientPool
from pagerduty_mcp.common.pagerduty.config import Credential, Settings
from pagerduty_mcp.common.pagerduty.identity import SignInApp

if TYPE_CHECKING:
    from pagerduty_mcp.sandbox import Sandbox, SandboxTransport

__all__ = ["sandbox_pool", "sandbox_settings", "sandbox_sign_in"]


def sandbox_settings(settings: Settings | None = None) -> Settings:
    """``settings`` pointed at the sandbox's addresses, with its user token unless one is given."""
    from pagerduty_mcp.sandbox import SANDBOX_API_URL, SANDBOX_EVENTS_URL, SANDBOX_TOKEN

    settings = settings or Settings()
    return dataclasses.replace(
        settings,
        credential=settings.credential or Credential(SANDBOX_TOKEN),
        api_host=SANDBOX_API_URL,
        events_api_host=SANDBOX_EVENTS_URL,
    )


def sandbox_pool(
    sandbox: Sandbox | None = None, settings: Settings | None = None, *, keep_credential: bool = True, **pool: Any
) -> ClientPool:
    """A client pool whose requests go to ``sandbox`` (the process-wide one by default), in-process.

    ``keep_credential=False`` leaves the pool without a server credential (``--auth pagerduty``:
    every caller brings theirs, and not even the sandbox's default token stands in).
    """
    transport: httpx2.BaseTransport
    if sandbox is not None:
        transport = sandbox.transport()
    else:
        transport = shared = _SharedSandbox()
        if any(name.startswith(SANDBOX_SETTINGS) for name in os.environ):
            shared.served()  # the account is configured: a setting it refuses stops the start, as before
    settings = sandbox_settings(settings) if keep_credential else _sandbox_hosts(settings or Settings())
    client_pool = ClientPool(settings, transport=transport, **pool)
    return client_pool


# The prefix of every variable that configures the process-wide sandbox (seed, size, faults).
SANDBOX_SETTINGS = "PAGERDUTY_SANDBOX_"


class _SharedSandbox(httpx2.BaseTransport, httpx2.AsyncBaseTransport):
    """The process-wide sandbox's transport, made at the first request: a server started with
    ``--sandbox`` loads the account's modules when it is first asked something, not before its
    first answer (``initialize``). Unless a ``PAGERDUTY_SANDBOX_*`` variable configures it: then it is
    made at start, so that a wrong setting is refused there."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._transport: SandboxTransport | None = None

    def served(self) -> SandboxTransport:
        with self._lock:
            if self._transport is None:
                from pagerduty_mcp.sandbox import shared_sandbox

                self._transport = shared_sandbox().transport()
            return self._transport

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        return self.served().handle_request(request)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        return await self.served().handle_async_request(request)


def _sandbox_hosts(settings: Settings) -> Settings:
    from pagerduty_mcp.sandbox import SANDBOX_API_URL, SANDBOX_EVENTS_URL

    return dataclasses.replace(settings, api_host=SANDBOX_API_URL, events_api_host=SANDBOX_EVENTS_URL)


def sandbox_sign_in(callback_url: str, sandbox: Sandbox | None = None) -> tuple[SignInApp, SandboxTransport]:
    """The sandbox's OAuth app and identity service, with ``callback_url`` registered as a redirect."""
    from pagerduty_mcp.sandbox import (
        SANDBOX_API_URL,
        SANDBOX_OAUTH_CLIENT_ID,
        SANDBOX_OAUTH_CLIENT_SECRET,
        shared_sandbox,
    )

    box = sandbox if sandbox is not None else shared_sandbox()
    box.identity.redirect_uris.setdefault(SANDBOX_OAUTH_CLIENT_ID, set()).add(callback_url)
    app = SignInApp.at(SANDBOX_OAUTH_CLIENT_ID, SANDBOX_OAUTH_CLIENT_SECRET, SANDBOX_API_URL)
    return app, box.transport()
