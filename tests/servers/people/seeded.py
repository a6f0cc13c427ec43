"""Look-ups into the seeded sandbox account behind a test session, for the people tests."""

from __future__ import annotations

from mcp import Client

from pagerduty_mcp.sandbox.model.users import user_by_email

__all__ = ["named", "user_id"]


def named(client: Client, kind: str, name: str) -> str:
    """The id of the seeded ``kind`` object called ``name``."""
    state = client.sandbox.state  # type: ignore[attr-defined]
    return str(next(o["id"] for o in state.all(kind) if o.get("name") == name))


def user_id(client: Client, local_part: str) -> str:
    """The id of the seeded user whose email starts with ``local_part``."""
    user = user_by_email(client.sandbox.state, f"{local_part}@acme-shop.example")  # type: ignore[attr-defined]
    assert user is not None
    return str(user["id"])
