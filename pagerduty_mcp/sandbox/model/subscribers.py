"""Stakeholders subscribed to an incident's status updates: users and teams, told by email of each
status update (``POST /incidents/{id}/status_updates``) but never paged.

Subscriptions are kept on the incident, in the order they were made; the sandbox has only direct
ones (PagerDuty also shows those that come through a subscribed business service).
"""

from __future__ import annotations

from typing import Any

from pagerduty_mcp.sandbox.model.store import Store
from pagerduty_mcp.sandbox.protocol import bad_request

__all__ = ["ACCOUNT_ID", "KINDS", "subscribe", "subscribers_of", "unsubscribe"]

ACCOUNT_ID = "PACMESH"  # the account's id, which PagerDuty puts in these answers
KINDS = {"user": "users", "team": "teams"}  # subscriber_type -> the table it names


def subscribers_of(store: Store, incident: dict[str, Any]) -> list[dict[str, Any]]:
    del store  # the subscriptions are the incident's own
    return [{**s, "has_indirect_subscription": False, "subscribed_via": None} for s in incident.get("_subscribers", [])]


def _wanted(store: Store, body: Any, *, known_only: bool) -> list[dict[str, str]]:
    """The request's ``subscribers``, each checked: a user or team (of this account, when subscribing)."""
    items = body.get("subscribers") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise bad_request(errors=["subscribers must be a non-empty array"])
    wanted: list[dict[str, str]] = []
    for item in items:
        ident = item.get("subscriber_id") if isinstance(item, dict) else None
        kind = item.get("subscriber_type") if isinstance(item, dict) else None
        if not isinstance(ident, str) or kind not in KINDS:
            raise bad_request(errors=["each subscriber needs a subscriber_id and a subscriber_type of user or team"])
        one = {"subscriber_id": ident, "subscriber_type": str(kind)}
        if one in wanted:
            raise bad_request(errors=[f"{kind} {ident} is given twice"])
        if known_only and store.find(KINDS[str(kind)], ident) is None:
            raise bad_request(errors=[f"No {kind} {ident} in this account"])
        wanted.append(one)
    return wanted


def subscribe(store: Store, incident: dict[str, Any], body: Any) -> list[dict[str, Any]]:
    """Subscribe each user and team given; each result says whether it is new or was there already."""
    current: list[dict[str, str]] = incident.setdefault("_subscribers", [])
    results = []
    for one in _wanted(store, body, known_only=True):
        result = "duplicate" if one in current else "success"
        if result == "success":
            current.append(one)
        results.append(
            {
                "account_id": ACCOUNT_ID,
                "subscribable_id": incident["id"],
                "subscribable_type": "incident",
                **one,
                "result": result,
            }
        )
    return results


def unsubscribe(store: Store, incident: dict[str, Any], body: Any) -> dict[str, int]:
    """Remove each subscription given; how many went, and how many there were not."""
    current: list[dict[str, str]] = incident.setdefault("_subscribers", [])
    deleted = missing = 0
    for one in _wanted(store, body, known_only=False):
        if one in current:
            current.remove(one)
            deleted += 1
        else:
            missing += 1
    return {"deleted_count": deleted, "unauthorized_count": 0, "non_existent_count": missing}
