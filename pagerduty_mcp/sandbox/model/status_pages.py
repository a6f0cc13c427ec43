"""Status page posts, their updates and postmortems: the writes both the seed and the routes make.

A page keeps its vocabulary (services, severities, statuses, impacts) in private lists; a post
keeps its page's id and its updates' ids; a postmortem lives on its post.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pagerduty_mcp.sandbox.model.store import Store
from pagerduty_mcp.sandbox.protocol import format_time

__all__ = ["add_post", "add_post_update", "post_url", "put_postmortem", "render_update", "short_ref"]


def short_ref(obj: dict[str, Any]) -> dict[str, Any]:
    """The ``{id, type}`` reference status page objects use for one another."""
    return {"id": obj["id"], "type": obj["type"]}


def post_url(state: Store, page_id: str, post_id: str) -> str:
    return f"{state.api_base}/status_pages/{page_id}/posts/{post_id}"


def add_post(
    state: Store,
    page: dict[str, Any],
    title: str,
    post_type: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
) -> dict[str, Any]:
    ident = state.new_id()
    post: dict[str, Any] = {
        "id": ident,
        "self": post_url(state, page["id"], ident),
        "type": "status_page_post",
        "post_type": post_type,
        "status_page": short_ref(page),
        "title": title,
        "starts_at": format_time(starts_at) if starts_at else None,
        "ends_at": format_time(ends_at) if ends_at else None,
        "updates": [],
        "_page": page["id"],
        "_postmortem": None,
    }
    return state.put("status_page_posts", post)


def add_post_update(
    state: Store,
    post: dict[str, Any],
    message: str,
    status: dict[str, Any],
    severity: dict[str, Any],
    impacts: list[tuple[dict[str, Any], dict[str, Any]]],
    at: datetime,
    notify_subscribers: bool = False,
) -> dict[str, Any]:
    ident = state.new_id()
    update: dict[str, Any] = {
        "id": ident,
        "self": f"{post['self']}/post_updates/{ident}",
        "type": "status_page_post_update",
        "post": short_ref(post),
        "message": message,
        "reviewed_status": "approved",
        "status": short_ref(status),
        "severity": short_ref(severity),
        "impacted_services": [
            {"service": short_ref(service), "impact": short_ref(impact)} for service, impact in impacts
        ],
        "update_frequency_ms": None,
        "notify_subscribers": notify_subscribers,
        "reported_at": format_time(at),
        "_at": at,
    }
    state.put("status_page_post_updates", update)
    post["updates"].append(short_ref(update))
    return update


def render_update(update: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in update.items() if not k.startswith("_")}


def put_postmortem(
    state: Store, post: dict[str, Any], message: str, notify_subscribers: bool, at: datetime
) -> tuple[dict[str, Any], bool]:
    """Create or replace the post's postmortem; whether it is new."""
    existing = post.get("_postmortem")
    postmortem: dict[str, Any] = {
        "id": existing["id"] if existing else state.new_id(),
        "self": f"{post['self']}/postmortem",
        "type": "status_page_post_postmortem",
        "post": short_ref(post),
        "message": message,
        "notify_subscribers": notify_subscribers,
        "reported_at": format_time(at),
    }
    post["_postmortem"] = postmortem
    post["postmortem"] = short_ref(postmortem)
    return postmortem, existing is None
