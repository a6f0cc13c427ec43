"""Sessions and look-ups shared by the incidents tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from mcp import Client

from pagerduty_mcp.common import Credential, Settings, ToolFilter, create_pagerduty_server
from pagerduty_mcp.common.hosting.upstream import sandbox_pool
from pagerduty_mcp.sandbox import SANDBOX_ACCOUNT_TOKEN, Sandbox
from pagerduty_mcp.servers.incidents.server import AREA

__all__ = ["account_session", "incident_of", "open_incident", "state_of"]


@asynccontextmanager
async def account_session(email: str | None = None, sandbox: Sandbox | None = None) -> AsyncIterator[Client]:
    """The incidents server with write tools, on an account-level token (no current user)."""
    box = sandbox or Sandbox()
    settings = Settings(credential=Credential(SANDBOX_ACCOUNT_TOKEN), user_email=email)
    server = create_pagerduty_server("pagerduty-incidents", [AREA], ToolFilter(enable_write_tools=True))
    server.pool = sandbox_pool(box, settings)
    async with Client(server) as client:
        client.sandbox = box  # type: ignore[attr-defined]
        yield client


def state_of(client: Client) -> Any:
    return client.sandbox.state  # type: ignore[attr-defined]


def incident_of(client: Client, ident: str) -> dict[str, Any]:
    """The sandbox's own record of an incident: what a later read must show."""
    return state_of(client).get("incidents", ident)


def open_incident(client: Client, status: str = "triggered") -> dict[str, Any]:
    """The newest open incident with ``status`` in the seeded account."""
    incidents = [i for i in state_of(client).incidents() if i["status"] == status]
    assert incidents, f"the seed has no {status} incident"
    return incidents[-1]
