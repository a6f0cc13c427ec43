"""Users: who they are, their contact methods and notification rules, and their teams."""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model.store import Store

__all__ = ["teams_of", "user_by_email"]


def user_by_email(store: Store, email: str) -> dict[str, Any] | None:
    lowered = email.lower()
    for user in store.all("users"):
        if user["email"].lower() == lowered:
            return user
    return None


def teams_of(store: Store, user_id: str) -> list[str]:
    return [team_id for team_id, members in store.memberships.items() if user_id in members]
