"""An offline, stateful PagerDuty account speaking REST API v2 and Events API v2.

``Sandbox(seed, size, now, faults)`` holds one seeded account; ``sandbox.transport()`` serves it to
an httpx2 client with no sockets, and ``python -m pagerduty_mcp.sandbox --port N`` serves it over
HTTPS on loopback. It knows nothing about MCP: any PagerDuty client can use it.

Inside, it stands on floors (``.importlinter`` holds them): ``model/`` (the store and the account's
rules), ``routes/`` (thin HTTP adapters over the model) and ``seed/`` (the account, built through
the model); ``core`` serves them. ``sandbox.state`` is the account's :class:`Store`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from pagerduty_mcp.sandbox.constants import (
    SANDBOX_ACCOUNT_TOKEN,
    SANDBOX_API_URL,
    SANDBOX_EVENTS_URL,
    SANDBOX_OAUTH_CLIENT_ID,
    SANDBOX_OAUTH_CLIENT_SECRET,
    SANDBOX_TOKEN,
)

if TYPE_CHECKING:
    from pagerduty_mcp.sandbox.core import (
        DroppedConnection,
        LoggedRequest,
        Principal,
        RequestLog,
        Sandbox,
        SandboxTransport,
        shared_sandbox,
    )
    from pagerduty_mcp.sandbox.faults import Faults
    from pagerduty_mcp.sandbox.model.store import Store

# Loaded when first asked for: a server started with --sandbox reads the constants at start and
# loads the account's modules (several milliseconds) at its first request.
_CORE = (
    "DroppedConnection",
    "LoggedRequest",
    "Principal",
    "RequestLog",
    "Sandbox",
    "SandboxTransport",
    "shared_sandbox",
)
_LAZY = {
    **dict.fromkeys(_CORE, "pagerduty_mcp.sandbox.core"),
    "Faults": "pagerduty_mcp.sandbox.faults",
    "Store": "pagerduty_mcp.sandbox.model.store",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


__all__ = [
    "SANDBOX_ACCOUNT_TOKEN",
    "SANDBOX_API_URL",
    "SANDBOX_EVENTS_URL",
    "SANDBOX_OAUTH_CLIENT_ID",
    "SANDBOX_OAUTH_CLIENT_SECRET",
    "SANDBOX_TOKEN",
    "DroppedConnection",
    "Faults",
    "LoggedRequest",
    "Principal",
    "RequestLog",
    "Sandbox",
    "SandboxTransport",
    "Store",
    "shared_sandbox",
]
