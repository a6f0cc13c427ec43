"""Sessions and look-ups shared by the incidents tests."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any

from mcp import Client

from pagerduty_mcp.common import Credential, Settings
from pagerduty_mcp.sandbox import SANDBOX_ACCOUNT_TOKEN, Sandbox
from tests.harness import memory_session

__all__ = ["account_session", "incident_of", "open_incident", "state_of"]


def account_session(email: str | None = None, sandbox: Sandbox | None = None) -> AbstractAsyncContextManager[Client]:
    """The incidents server with write tools, on an account-level token (no current user)."""
    settings = Settings(credential=Credential(SANDBOX_ACCOUNT_TOKEN), user_email=email)
    return memory_session("incidents", sandbox=sandbox, settings=settings)


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
